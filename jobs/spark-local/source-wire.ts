/**
 * The local source database (PGlite, in this process) on a loopback Postgres port, so that
 * Spark's JDBC reader (jdbc_extract.py, sql_runner.py's jdbc inputs) reads it as Glue reads the
 * RDS replica. PGlite is one Postgres session: each TCP connection takes the shared source for as
 * long as it is open (`SourceAccess.use`, which also serializes it with the engine's own reads),
 * so connections run one after another, never interleaved. When one closes, whatever it left
 * open (a transaction of a failed task) is rolled back before the next one starts.
 *
 * Framing: the first message of a connection has no type byte (startup, or an SSL/GSS request,
 * answered 'N': this port is loopback-only and plain); every later one is a type byte and a
 * length. Complete messages are handed to PGlite's protocol handler as they arrive; Terminate is
 * not (it would end PGlite's only backend), it closes the socket instead.
 */
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { SourceAccess } from '../embedded/source';

/** A listening bridge: where JDBC reaches it, and how to stop it. */
export interface SourceWire {
  readonly port: number;
  /** `jdbc:postgresql://127.0.0.1:<port>/postgres` */
  readonly jdbcUrl: string;
  /** The user PGlite's single session runs as (no password on loopback). */
  readonly user: string;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'

/** Splits complete protocol messages off the front of `buffer`; returns them and the rest. */
export function takeMessages(buffer: Buffer, started: boolean): { messages: Buffer[]; rest: Buffer; startup?: 'ssl' | 'cancel' | 'startup'; terminate: boolean } {
  const messages: Buffer[] = [];
  let rest = buffer;
  let startup: 'ssl' | 'cancel' | 'startup' | undefined;
  while (rest.length >= (started ? 5 : 8)) {
    if (!started) {
      const length = rest.readInt32BE(0);
      if (rest.length < length) break;
      const code = rest.readInt32BE(4);
      const message = rest.subarray(0, length);
      rest = rest.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        startup = 'ssl';
        return { messages, rest, startup, terminate: false };
      }
      if (code === CANCEL_REQUEST) return { messages, rest, startup: 'cancel', terminate: false };
      messages.push(message);
      started = true;
      startup = 'startup';
      continue;
    }
    const length = rest.readInt32BE(1);
    if (rest.length < 1 + length) break;
    const message = rest.subarray(0, 1 + length);
    rest = rest.subarray(1 + length);
    if (message[0] === TERMINATE) return { messages, rest, startup, terminate: true };
    messages.push(message);
  }
  return { messages, rest, startup, terminate: false };
}

/** Serves one connection with exclusive use of the source until it closes. */
function serveConnection(socket: net.Socket, pg: PGlite): Promise<void> {
  return new Promise<void>((resolve) => {
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    let chain: Promise<void> = Promise.resolve();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      chain = chain.then(async () => {
        // A JDBC reader runs in a transaction (fetch size): leave the session clean for the next one.
        await pg.exec('ROLLBACK').catch(() => undefined);
        resolve();
      });
    };
    socket.on('close', finish);
    socket.on('error', () => socket.destroy());
    // Closed while it waited for its turn: nothing to serve.
    if (socket.destroyed) finish();
    socket.on('data', (data) => {
      let taken = takeMessages(Buffer.concat([buffer, data]), started);
      while (taken.startup === 'ssl') {
        socket.write('N');
        taken = takeMessages(taken.rest, false);
      }
      buffer = taken.rest;
      if (taken.startup === 'cancel') return void socket.end();
      if (taken.startup === 'startup') started = true;
      if (taken.messages.length) {
        const payload = new Uint8Array(Buffer.concat(taken.messages));
        chain = chain
          .then(async () => {
            const reply = await pg.execProtocolRaw(payload);
            if (reply.length && !socket.destroyed) socket.write(reply);
          })
          .catch(() => void socket.destroy());
      }
      if (taken.terminate) chain = chain.then(() => void socket.end());
    });
  });
}

/** Starts the bridge on 127.0.0.1 (a free port); connections wait their turn for the source. */
export async function serveSourceOverWire(source: SourceAccess): Promise<SourceWire> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.pause();
    source
      .use((pg) => {
        socket.resume();
        return serveConnection(socket, pg);
      })
      // The source could not be opened (missing, busy): the JDBC client sees the connection close.
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/postgres`,
    user: 'postgres',
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
