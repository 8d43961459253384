/**
 * The local source on a loopback Postgres port (jobs/spark-local/source-wire.ts), spoken to with
 * raw protocol messages as a JDBC driver sends them: framing across chunks, the SSL request
 * answered 'N', one connection at a time, and a transaction a connection leaves open rolled back
 * before the next one runs.
 */
import net from 'node:net';
import { expect } from 'chai';
import { PGlite } from '@electric-sql/pglite';
import type { SourceAccess } from '../../jobs/embedded/source';
import { serveSourceOverWire, takeMessages, type SourceWire } from '../../jobs/spark-local/source-wire';

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const startup = () => {
  const body = Buffer.concat([int32(196608), Buffer.from('user\0postgres\0database\0postgres\0\0')]);
  return Buffer.concat([int32(body.length + 4), body]);
};
const sslRequest = () => Buffer.concat([int32(8), int32(80877103)]);
const query = (sql: string) => {
  const body = Buffer.from(`${sql}\0`);
  return Buffer.concat([Buffer.from('Q'), int32(body.length + 4), body]);
};
const terminate = () => Buffer.concat([Buffer.from('X'), int32(4)]);

/** A client that collects backend messages and waits for ReadyForQuery ('Z'). */
class RawClient {
  private data = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly socket: net.Socket;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      this.data = Buffer.concat([this.data, d]);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** Backend messages up to and including the next ReadyForQuery: [type, payload text]. */
  async untilReady(): Promise<[string, string][]> {
    for (;;) {
      const out: [string, string][] = [];
      let at = 0;
      while (at + 5 <= this.data.length) {
        const len = this.data.readInt32BE(at + 1);
        if (at + 1 + len > this.data.length) break;
        const type = String.fromCharCode(this.data[at]);
        out.push([type, this.data.subarray(at + 5, at + 1 + len).toString('latin1')]);
        at += 1 + len;
        if (type === 'Z') {
          this.data = this.data.subarray(at);
          return out;
        }
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  async byte(): Promise<string> {
    while (!this.data.length) await new Promise<void>((r) => this.waiters.push(r));
    const b = String.fromCharCode(this.data[0]);
    this.data = this.data.subarray(1);
    return b;
  }
}

describe('the local source on a loopback Postgres port', function () {
  this.timeout(240_000);
  let pg: PGlite;
  let wire: SourceWire;

  before(async () => {
    pg = await PGlite.create();
    await pg.exec(`CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3);`);
    let queue: Promise<unknown> = Promise.resolve();
    const source: SourceAccess = {
      use: (fn) => {
        const run = queue.then(() => fn(pg));
        queue = run.catch(() => undefined);
        return run;
      },
      close: async () => undefined,
    };
    wire = await serveSourceOverWire(source);
  });

  after(async () => {
    await wire.close();
    await pg.close();
  });

  it('splits startup and typed messages, across chunks, and stops at Terminate', () => {
    const all = Buffer.concat([startup(), query('SELECT 1'), terminate(), query('SELECT 2')]);
    const first = takeMessages(all.subarray(0, 10), false);
    expect(first.messages).to.have.length(0);
    const whole = takeMessages(all, false);
    expect(whole.startup).to.equal('startup');
    expect(whole.messages).to.have.length(2);
    expect(whole.terminate).to.equal(true);
    const ssl = takeMessages(Buffer.concat([sslRequest(), startup()]), false);
    expect(ssl.startup).to.equal('ssl');
    expect(takeMessages(ssl.rest, false).startup).to.equal('startup');
  });

  it('answers a client that asks for SSL first, then serves its queries', async () => {
    const c = new RawClient(wire.port);
    c.socket.write(sslRequest());
    expect(await c.byte()).to.equal('N');
    // The startup message in two pieces, as TCP may deliver it.
    const s = startup();
    c.socket.write(s.subarray(0, 5));
    c.socket.write(s.subarray(5));
    expect((await c.untilReady()).map(([t]) => t)).to.include('R');
    c.socket.write(query('SELECT count(*) FROM t'));
    const reply = await c.untilReady();
    expect(reply.find(([t]) => t === 'D')?.[1]).to.contain('3');
    c.socket.end(terminate());
  });

  it('serves connections one at a time, and rolls back what a closed one left open', async () => {
    const a = new RawClient(wire.port);
    a.socket.write(startup());
    await a.untilReady();
    a.socket.write(query('BEGIN; INSERT INTO t VALUES (4)'));
    await a.untilReady();
    // b connects while a is open: it waits its turn (no reply yet).
    const b = new RawClient(wire.port);
    b.socket.write(startup());
    const bReady = b.untilReady();
    const early = await Promise.race([bReady.then(() => 'served'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).to.equal('waiting');
    a.socket.destroy();
    await bReady;
    b.socket.write(query('SELECT count(*) FROM t'));
    const reply = await b.untilReady();
    expect(reply.find(([t]) => t === 'D')?.[1]).to.contain('3');
    expect(reply.some(([t]) => t === 'E')).to.equal(false);
    b.socket.end(terminate());
  });
});
