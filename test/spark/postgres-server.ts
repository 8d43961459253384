/**
 * A real PostgreSQL server for a test (Debian's `postgresql` binaries): a temporary data
 * directory, loopback on a free port, trust auth for one user, stopped (and deleted) by `stop()`.
 * `copyFromSource` loads the seeded PGlite source into it table by table (same DDL, CSV rows).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openSourceDb, pgIdent } from '../../jobs/embedded/source';
import { SOURCE_TABLES } from '../../assets/reference/source-data/schema';

export interface PostgresServer {
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The JDBC URL Glue's connection would give (`fullUrl`). */
  readonly jdbcUrl: string;
  psql(sql: string): string;
  stop(): Promise<void>;
}

/** The directory of the server binaries: PATH, else Debian's /usr/lib/postgresql/<v>/bin. */
function binDir(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, 'initdb'))) return dir;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
  throw new Error('PostgreSQL server binaries (initdb, postgres) not found; install them (Debian: apt-get install -y postgresql)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a fresh server; the caller must `stop()` it. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-pg-'));
  const data = path.join(root, 'data');
  const user = 'headwater';
  const database = 'postgres';
  // Postgres refuses to run as root: hand the folder to an ordinary user when we are root.
  const asRoot = process.getuid?.() === 0;
  const runAs = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  if (asRoot) spawnSync('chown', ['-R', 'postgres', root]);
  const [initCmd, initArgs] = runAs(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const [cmd, args] = runAs(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=20']);
    const started = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    started.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const ok = await waitReady(port, user, started);
    if (ok) child = started;
    else if (!/already in use|could not bind/.test(log)) throw new Error(`postgres did not start:\n${log}`);
  }
  if (!child) throw new Error('postgres could not bind a free loopback port after 5 attempts');
  const server = child;
  const psql = (sql: string): string => {
    const r = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout;
  };
  return {
    port,
    user,
    database,
    jdbcUrl: `jdbc:postgresql://127.0.0.1:${port}/${database}`,
    psql,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        const [cmd, args] = runAs(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
        spawnSync(cmd, args, { stdio: 'ignore' });
        await exited;
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

async function waitReady(port: number, user: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    const r = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', '-qAt', '-c', 'SELECT 1'], { encoding: 'utf8' });
    if (r.status === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/** Copies every source table of the PGlite database at `dir` into `server` (DDL, then rows as CSV). */
export async function copyFromSource(dir: string, server: PostgresServer): Promise<void> {
  const db = await openSourceDb({ dir });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-pg-copy-'));
  try {
    for (const table of SOURCE_TABLES) {
      server.psql(table.ddl);
      const cols = table.columns.map(pgIdent).join(', ');
      const res = await db.pg.query(`COPY ${pgIdent(table.name)} (${cols}) TO '/dev/blob' WITH (FORMAT csv)`);
      const file = path.join(staging, `${table.name}.csv`);
      fs.writeFileSync(file, res.blob ? Buffer.from(await res.blob.arrayBuffer()) : Buffer.alloc(0));
      server.psql(`\\copy ${pgIdent(table.name)} (${cols}) FROM '${file}' WITH (FORMAT csv)`);
      for (const statement of table.after) server.psql(statement);
    }
  } finally {
    await db.close();
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
