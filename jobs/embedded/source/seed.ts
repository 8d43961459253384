/**
 * `source seed`: fills the local source database with a graph's example data set (its module's
 * `demoData.source`). Only the data set's own tables are replaced, in one transaction: every
 * other table (a fork's own, loaded with `source load`) is kept, and a crash mid-seed leaves the
 * previous tables as they were.
 */
import path from 'node:path';
import { UserError, type SourceDataset } from '../../../assets/core';
import { localPaths } from '../paths';
import { openSourceDb, pgIdent, sourceExists } from './db';

export interface SeedOptions {
  /** The data set: the graph module's `demoData.source`. */
  readonly dataset: SourceDataset;
  /** The data set's sizes (`dataset.sizes`); the missing ones take its defaults. */
  readonly sizes?: Readonly<Record<string, number | undefined>>;
  /** Days of history up to `until`. @default 30 */
  readonly days?: number;
  /** @default 42 */
  readonly seed?: number;
  /** Exclusive end of the data. @default the start of the current hour (UTC) */
  readonly until?: Date;
  /** The PGlite data directory. @default localPaths.sourceDb() */
  readonly dir?: string;
  /** Progress lines. */
  readonly log?: (message: string) => void;
}

export interface SeedResult {
  readonly dir: string;
  /** Rows per table the data set filled. */
  readonly rows: Readonly<Record<string, number>>;
  /** The tables replaced (they existed before) and created (they did not). */
  readonly replaced: readonly string[];
  readonly created: readonly string[];
  /** Tables of the database the data set does not fill, left as they were. */
  readonly kept: readonly string[];
  readonly options: { sizes: Readonly<Record<string, number>>; days: number; seed: number; until: string };
  readonly ms: { open: number; generateAndLoad: number; keys: number; total: number };
}

/** Thrown for options that cannot produce a data set; says which to change. */
export class SeedOptionsError extends UserError {
  override name = 'SeedOptionsError';
}

const HOUR = 3_600_000;

/** Resolves defaults and validates the options (exported for the CLI's error messages). */
export function resolveSeedOptions(o: SeedOptions): { sizes: Readonly<Record<string, number>>; days: number; seed: number; untilMs: number } {
  const days = o.days ?? 30;
  const seed = o.seed ?? 42;
  if (!Number.isInteger(days) || days < 1) throw new SeedOptionsError(`--days must be an integer >= 1 (got ${days})`);
  if (!Number.isInteger(seed) || seed < 0) throw new SeedOptionsError(`--seed must be an integer >= 0 (got ${seed})`);
  const known = new Set(o.dataset.sizes.map((s) => s.name));
  const unknown = Object.keys(o.sizes ?? {}).filter((k) => !known.has(k));
  if (unknown.length) {
    throw new SeedOptionsError(`the data set (${o.dataset.description}) has no size ${unknown.map((u) => `--${u}`).join(', ')}; its sizes are ${[...known].map((k) => `--${k}`).join(', ') || 'none'}`);
  }
  const untilMs = Math.floor((o.until ?? new Date()).getTime() / HOUR) * HOUR;
  let sizes: Readonly<Record<string, number>>;
  try {
    sizes = o.dataset.resolveSizes(o.sizes ?? {});
  } catch (e) {
    if (e instanceof UserError) throw new SeedOptionsError(e.message);
    throw e;
  }
  return { sizes, days, seed, untilMs };
}

/** Tables of the public schema. */
async function tablesOf(pg: { query<T>(sql: string): Promise<{ rows: T[] }> }): Promise<string[]> {
  const r = await pg.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  return r.rows.map((x) => x.name);
}

/** Replaces the data set's tables of the local source database (creating it when missing) with freshly generated rows. */
export async function seedSource(options: SeedOptions): Promise<SeedResult> {
  const o = resolveSeedOptions(options);
  const { dataset } = options;
  const log = options.log ?? (() => undefined);
  const dir = path.resolve(options.dir ?? localPaths.sourceDb());
  const t0 = Date.now();
  const rows: Record<string, number> = {};
  const db = await openSourceDb({ dir, create: !sourceExists(dir) });
  const tOpen = Date.now();
  let tKeys = 0;
  let before: string[];
  try {
    before = await tablesOf(db.pg);
    const ours = new Set(dataset.tables.map((t) => t.name));
    // One transaction: the old tables stay until the new ones are complete, and other tables are never touched.
    await db.pg.exec('BEGIN');
    try {
      for (const t of dataset.tables) {
        // No CASCADE: a view or foreign key of a fork's own on a data-set table is the fork's, never dropped silently.
        try {
          await db.pg.exec(`DROP TABLE IF EXISTS ${pgIdent(t.name)}`);
        } catch (e) {
          throw new SeedOptionsError(`cannot replace table '${t.name}': ${(e as Error).message} (${(e as { detail?: string }).detail ?? 'other objects depend on it'}); drop or change those first, then seed again`);
        }
        await db.pg.exec(t.ddl);
      }
      const columns = new Map(dataset.tables.map((t) => [t.name, t.columns.map(pgIdent).join(', ')]));
      await dataset.generate({ sizes: o.sizes, days: o.days, seed: o.seed, untilMs: o.untilMs }, async (table, csv, n) => {
        if (!ours.has(table)) throw new Error(`the data set generated rows for '${table}', which is not one of its tables (${[...ours].join(', ')})`);
        await db.pg.query(`COPY ${pgIdent(table)} (${columns.get(table)}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
        rows[table] = (rows[table] ?? 0) + n;
        log(`loaded ${rows[table].toLocaleString('en-US')} rows into ${table}`);
      });
      tKeys = Date.now();
      for (const t of dataset.tables) for (const stmt of t.after) await db.pg.exec(stmt);
      await db.pg.exec('COMMIT');
    } catch (e) {
      await db.pg.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await db.pg.exec('ANALYZE');
  } finally {
    await db.close();
  }
  const names = dataset.tables.map((t) => t.name);
  const tDone = Date.now();
  return {
    dir,
    rows: Object.fromEntries(names.map((n) => [n, rows[n] ?? 0])),
    replaced: names.filter((n) => before.includes(n)),
    created: names.filter((n) => !before.includes(n)),
    kept: before.filter((n) => !names.includes(n)),
    options: { sizes: o.sizes, days: o.days, seed: o.seed, until: new Date(o.untilMs).toISOString() },
    ms: { open: tOpen - t0, generateAndLoad: tKeys - tOpen, keys: tDone - tKeys, total: tDone - t0 },
  };
}
