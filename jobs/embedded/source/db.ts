/**
 * The local source database: a PGlite (Postgres in WASM) data directory standing in for the
 * RDS read replica. PGlite is single-process: two processes opening the same directory would
 * corrupt it, so opening takes a lock file naming its holder and waits for it to be released.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { localPaths } from '../paths';
import { UserError } from '../../../assets/core';

/** Thrown when the source database has not been created yet. */
export class SourceMissingError extends UserError {
  override name = 'SourceMissingError';
  constructor(readonly dir: string) {
    super(`no local source database at ${dir}; create it with \`npm run -s assets -- source seed\``);
  }
}

/** Thrown when another process keeps the source database open for longer than we wait. */
export class SourceBusyError extends UserError {
  override name = 'SourceBusyError';
  constructor(readonly dir: string, readonly holder: string) {
    super(`the local source database ${dir} is open in another process (${holder}); PGlite allows one process at a time: wait for it to finish and retry`);
  }
}

/** An open source database; `close()` flushes it to disk and releases the lock. */
export interface SourceDb {
  readonly dir: string;
  readonly pg: PGlite;
  close(): Promise<void>;
}

export interface OpenSourceOptions {
  /** The PGlite data directory. Default `localPaths.sourceDb()`. */
  readonly dir?: string;
  /** Create an empty database when missing (the seeder does). Default false: a missing database is an error. */
  readonly create?: boolean;
  /** How long to wait for another process to close it, ms. Default 30,000. */
  readonly waitMs?: number;
}

/** True when `dir` holds a Postgres data directory. */
export const sourceExists = (dir: string = localPaths.sourceDb()): boolean => fs.existsSync(path.join(dir, 'PG_VERSION'));

const lockPath = (dir: string) => `${dir}.lock`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock file, taking over locks of dead local processes. */
async function acquireDirLock(dir: string, waitMs: number): Promise<() => void> {
  const file = lockPath(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me = `${os.hostname()}:${process.pid}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === me) fs.unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = '';
    try {
      holder = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // Released between our attempt and the read: try again.
    }
    const [host, pid] = holder.split(':');
    if (host === os.hostname() && !processAlive(Number(pid))) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new SourceBusyError(dir, holder);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens the local source database (one process at a time); close it when done. */
export async function openSourceDb(options: OpenSourceOptions = {}): Promise<SourceDb> {
  const dir = path.resolve(options.dir ?? localPaths.sourceDb());
  if (!options.create && !sourceExists(dir)) throw new SourceMissingError(dir);
  const release = await acquireDirLock(dir, options.waitMs ?? 30_000);
  let pg: PGlite;
  try {
    fs.mkdirSync(dir, { recursive: true });
    pg = await PGlite.create(dir);
  } catch (e) {
    release();
    throw e;
  }
  let closed = false;
  return {
    dir,
    pg,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pg.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * One source connection shared by every step of a process: opened on first use, queries
 * serialized, closed by `close()`. Executors take this so parallel steps never open PGlite twice.
 */
export interface SourceAccess {
  use<T>(fn: (pg: PGlite) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A shared, lazily opened source connection (see SourceAccess). */
export function sharedSource(options: OpenSourceOptions = {}): SourceAccess {
  let opening: Promise<SourceDb> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    use<T>(fn: (pg: PGlite) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        opening ??= openSourceDb(options);
        let db: SourceDb;
        try {
          db = await opening;
        } catch (e) {
          opening = undefined; // Let a later step retry (e.g. after `source seed`).
          throw e;
        }
        return fn(db.pg);
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      const o = opening;
      opening = undefined;
      if (o) await (await o.catch(() => undefined))?.close();
    },
  };
}

/** Quotes an identifier for Postgres (`"userId"`: camelCase columns keep their case). */
export const pgIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Quotes a string literal for Postgres. */
export const pgString = (value: string): string => `'${value.replace(/'/g, "''")}'`;
