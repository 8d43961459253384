/**
 * `source seed`: builds the local source database from scratch. It is built in a sibling
 * directory and renamed into place, so a crash mid-seed leaves the previous database intact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { localPaths } from '../paths';
import { openSourceDb } from './db';
import { generateSourceData } from './generate';
import { SOURCE_TABLES } from './schema';
import { UserError } from '../../../assets/core';

export interface SeedOptions {
  /** Default: 2,000, or ratings / 50 when more are needed to keep ratings per customer realistic. */
  readonly customers?: number;
  /** Default 500. */
  readonly products?: number;
  /** Default 100,000. */
  readonly ratings?: number;
  /** Default ratings / 4, at least 1,000 and at most 200,000. */
  readonly orders?: number;
  /** Days of history up to `until`. Default 30. */
  readonly days?: number;
  /** Default 42. */
  readonly seed?: number;
  /** Exclusive end of the data. Default: the start of the current hour (UTC). */
  readonly until?: Date;
  /** The PGlite data directory. Default `localPaths.sourceDb()`. */
  readonly dir?: string;
  /** Progress lines. */
  readonly log?: (message: string) => void;
}

export interface SeedResult {
  readonly dir: string;
  readonly rows: Readonly<Record<string, number>>;
  readonly options: { customers: number; products: number; ratings: number; orders: number; days: number; seed: number; until: string };
  readonly ms: { create: number; generateAndLoad: number; keys: number; total: number };
}

/** Thrown for options that cannot produce a data set; says which to change. */
export class SeedOptionsError extends UserError {
  override name = 'SeedOptionsError';
}

const HOUR = 3_600_000;

/** Resolves defaults and validates the options (exported for the CLI's error messages). */
export function resolveSeedOptions(o: SeedOptions) {
  const ratings = o.ratings ?? 100_000;
  const products = o.products ?? 500;
  const customers = o.customers ?? Math.max(2000, Math.ceil(ratings / 50));
  const orders = o.orders ?? Math.min(200_000, Math.max(1000, Math.round(ratings / 4)));
  const days = o.days ?? 30;
  const seed = o.seed ?? 42;
  const untilMs = Math.floor((o.until ?? new Date()).getTime() / HOUR) * HOUR;
  for (const [name, v, min] of [['customers', customers, 1], ['products', products, 1], ['ratings', ratings, 0], ['orders', orders, 0], ['days', days, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new SeedOptionsError(`--${name} must be an integer >= ${min} (got ${v})`);
  }
  if (products > 89_999) throw new SeedOptionsError(`--products must be at most 89999 (got ${products})`);
  // Each (customer, product) pair is rated at most once; beyond ~half of all pairs sampling degenerates.
  if (ratings > 0.5 * customers * products) {
    throw new SeedOptionsError(
      `--ratings ${ratings} is more than half of all ${customers} x ${products} customer-product pairs; raise --customers to at least ${Math.ceil((2 * ratings) / products)} or --products`,
    );
  }
  return { customers, products, ratings, orders, days, seed, untilMs };
}

/** Creates (or recreates) the local source database with a deterministic data set. */
export async function seedSource(options: SeedOptions = {}): Promise<SeedResult> {
  const o = resolveSeedOptions(options);
  const log = options.log ?? (() => undefined);
  const dir = path.resolve(options.dir ?? localPaths.sourceDb());
  const building = `${dir}.seeding-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  const t0 = Date.now();
  const rows: Record<string, number> = {};
  const db = await openSourceDb({ dir: building, create: true });
  const tCreated = Date.now();
  let tKeys = 0;
  try {
    for (const t of SOURCE_TABLES) await db.pg.exec(t.ddl);
    const columns = new Map(SOURCE_TABLES.map((t) => [t.name, t.columns.map((c) => `"${c}"`).join(', ')]));
    await generateSourceData(o, async (table, csv, n) => {
      await db.pg.query(`COPY ${table} (${columns.get(table)}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
      rows[table] = (rows[table] ?? 0) + n;
      log(`loaded ${rows[table].toLocaleString('en-US')} rows into ${table}`);
    });
    tKeys = Date.now();
    for (const t of SOURCE_TABLES) for (const stmt of t.after) await db.pg.exec(stmt);
    await db.pg.exec('ANALYZE');
  } catch (e) {
    await db.close().catch(() => undefined);
    fs.rmSync(building, { recursive: true, force: true });
    throw e;
  }
  await db.close();
  const tDone = Date.now();
  // Swap in the new database; the old one is removed only once the new one is in place.
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(building, dir);
  fs.rmSync(old, { recursive: true, force: true });
  return {
    dir,
    rows,
    options: { customers: o.customers, products: o.products, ratings: o.ratings, orders: o.orders, days: o.days, seed: o.seed, until: new Date(o.untilMs).toISOString() },
    ms: { create: tCreated - t0, generateAndLoad: tKeys - tCreated, keys: tDone - tKeys, total: Date.now() - t0 },
  };
}
