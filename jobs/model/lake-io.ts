/**
 * The model's I/O with the local lake, through DuckDB: reads what the declaration names (the
 * interactions dep, and each side's entity dep when it has one) into `TrainingData`, and writes
 * embeddings as Parquet (`<entity field>, embedding float[]`), the table the index loads and the
 * EMR job also writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ARRAY, DuckDBInstance, FLOAT, type DuckDBConnection } from '@duckdb/node-api';
import type { ModelEntity, RecommenderModel } from '../../assets/kinds';
import type { FeatureValues } from './artifact';
import { TrainingDataBuilder, type TrainingData } from './dataset';


const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Committed Parquet files under `dir`, sorted. Hidden entries (`.name`) are skipped: the lake
 * stages writes in hidden folders, so a half-written partition is never read.
 */
export function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.isFile() && e.name.endsWith('.parquet')) out.push(path.join(d, e.name));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** True when `dir` holds at least one committed Parquet file. */
export function hasParquet(dir: string): boolean {
  return parquetFiles(dir).length > 0;
}

/** A DuckDB table expression over the committed Parquet files of `dir` (Hive partition columns included). */
function parquetSource(dir: string): string {
  return `read_parquet([${parquetFiles(dir).map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`;
}

/** Opens an in-memory DuckDB connection, runs `fn`, and closes it. */
export async function withDuckDb<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** Prefixes DuckDB errors with what was being read, so a corrupt file is named with its table. */
async function reading<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new Error(`reading ${what}: ${(e as Error).message}`);
  }
}

/** Columns and their DuckDB types. */
async function describe(c: DuckDBConnection, source: string): Promise<Map<string, string>> {
  const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return new Map(r.getRowsJS().map((row) => [String(row[0]), String(row[1])]));
}

const quote = (column: string) => `"${column.replace(/"/g, '""')}"`;
const isInteger = (type: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(type);

/**
 * The expression giving an interaction's day (days since 1970-01-01) from the time column: a
 * date, a timestamp, a `YYYY-MM-DD...` string (a Hive `dt=` folder) or integer epoch seconds.
 */
function dayExpression(column: string, type: string): string {
  const at = isInteger(type) ? `to_timestamp(${quote(column)})` : quote(column);
  return `datediff('day', DATE '1970-01-01', CAST(${at} AS DATE))`;
}

/** An id column as text: integers without a fraction, strings as they are. */
function idExpression(column: string, e: ModelEntity): string {
  return e.idType === 'integer' ? `CAST(TRY_CAST(${quote(column)} AS BIGINT) AS VARCHAR)` : `CAST(${quote(column)} AS VARCHAR)`;
}

/** A feature column as the trainer reads it: numbers as DOUBLE, categories as text, lists as text lists. */
function featureExpression(column: string, type: 'categorical' | 'numeric' | 'multi', columnType: string): string {
  const c = quote(column);
  if (type === 'numeric') return `TRY_CAST(${c} AS DOUBLE)`;
  if (type === 'multi' && columnType.endsWith('[]')) return `CAST(${c} AS VARCHAR[])`;
  return `CAST(${c} AS VARCHAR)`;
}

/** Says which declared columns a table lacks, with what it has. */
function requireColumns(what: string, columns: Map<string, string>, wanted: readonly [string, string][]): void {
  const missing = wanted.filter(([, c]) => !columns.has(c));
  if (missing.length) {
    throw new Error(
      `${what} has no column ${missing.map(([role, c]) => `'${c}' (${role})`).join(', ')}; its columns: ${[...columns.keys()].join(', ')}. ` +
        'Fix the model declaration (recommenderModel) or the data',
    );
  }
}

/** Fails when an integer-declared id column holds something else, naming a value. */
async function requireIntegerIds(c: DuckDBConnection, what: string, source: string, column: string, side: string): Promise<void> {
  const bad = (
    await c.runAndReadAll(
      `SELECT CAST(${quote(column)} AS VARCHAR) FROM ${source} WHERE ${quote(column)} IS NOT NULL AND (TRY_CAST(${quote(column)} AS BIGINT) IS NULL OR TRY_CAST(${quote(column)} AS BIGINT) <> TRY_CAST(${quote(column)} AS DOUBLE)) LIMIT 1`,
    )
  ).getRowsJS();
  if (bad.length) {
    throw new Error(`${what}: column '${column}' holds '${String(bad[0][0])}', not an integer, but the model declares ${side}.idType 'integer'; declare idType: 'string' or fix the data`);
  }
}

/** Where a side's entities and features are read: its own asset, else the interactions. */
interface EntitySource {
  readonly what: string;
  readonly source: string;
  readonly id: string;
  /** Column types of the source. */
  readonly columns: Map<string, string>;
  /** Orders the rows of one id, the preferred first (the latest interaction's features). */
  readonly latestFirst?: string;
}

/**
 * Reads the declared interactions and entities. Every entity of a side's own asset is included
 * (rated or not: all get embeddings), then those seen only in the interactions; without an
 * entity asset, features are those of the entity's latest interaction.
 */
export async function readTrainingData(model: RecommenderModel, dirOf: (key: string) => string): Promise<TrainingData> {
  const i = model.interactions;
  const interactionsDir = dirOf(i.asset);
  if (!hasParquet(interactionsDir)) {
    throw new Error(`no data in ${i.asset} (${interactionsDir}), the model's interactions; materialize it first (assets materialize ${i.asset})`);
  }
  return withDuckDb(async (c) => {
    const interactions = parquetSource(interactionsDir);
    const what = `${i.asset} (${interactionsDir})`;
    const columns = await reading(what, () => describe(c, interactions));
    requireColumns(what, columns, [
      ['interactions.user', i.user],
      ['interactions.item', i.item],
      ['interactions.rating', i.rating],
      ['interactions.time', i.time],
    ]);
    const b = new TrainingDataBuilder();

    for (const [side, e, idColumn] of [['users', model.users, i.user], ['items', model.items, i.item]] as const) {
      let src: EntitySource;
      if (e.asset) {
        const dir = dirOf(e.asset);
        if (!hasParquet(dir)) throw new Error(`no data in ${e.asset} (${dir}), the model's ${side}; materialize it first (assets materialize ${e.asset})`);
        const source = parquetSource(dir);
        src = { what: `${e.asset} (${dir})`, source, id: e.id, columns: await reading(`${e.asset} (${dir})`, () => describe(c, source)) };
      } else {
        src = { what, source: interactions, id: idColumn, columns, latestFirst: `${quote(i.time)} DESC` };
      }
      requireColumns(src.what, src.columns, [[`${side}.id`, src.id], ...e.features.map((f): [string, string] => [`${side} feature`, f.column])]);
      if (e.idType === 'integer') await reading(src.what, () => requireIntegerIds(c, src.what, src.source, src.id, side));
      const features = e.features.map((f) => `${featureExpression(f.column, f.type, src.columns.get(f.column)!)} AS ${quote(f.column)}`);
      // One row per entity (the preferred one), in id order so the model does not depend on file order.
      const sql =
        `SELECT * EXCLUDE (rn) FROM (SELECT ${idExpression(src.id, e)} AS __id${features.map((f) => `, ${f}`).join('')}, ` +
        `row_number() OVER (PARTITION BY ${idExpression(src.id, e)}${src.latestFirst ? ` ORDER BY ${src.latestFirst}` : ''}) AS rn ` +
        `FROM ${src.source} WHERE ${quote(src.id)} IS NOT NULL) WHERE rn = 1 ORDER BY __id`;
      await reading(src.what, async () => {
        const rows = (await c.runAndReadAll(sql)).getRowsJS();
        for (const row of rows) {
          const values: Record<string, FeatureValues[string]> = {};
          e.features.forEach((f, n) => (values[f.column] = row[n + 1] as FeatureValues[string]));
          if (side === 'users') b.addUser(String(row[0]), values);
          else b.addItem(String(row[0]), values);
        }
      });
    }
    if (model.users.idType === 'integer' && model.users.asset) await reading(what, () => requireIntegerIds(c, what, interactions, i.user, 'users'));
    if (model.items.idType === 'integer' && model.items.asset) await reading(what, () => requireIntegerIds(c, what, interactions, i.item, 'items'));

    await reading(what, async () => {
      const day = dayExpression(i.time, columns.get(i.time)!);
      const result = await c.stream(
        `SELECT ${idExpression(i.user, model.users)}, ${idExpression(i.item, model.items)}, CAST(${quote(i.rating)} AS DOUBLE), CAST(${day} AS INTEGER) FROM ${interactions} ` +
          `WHERE ${quote(i.user)} IS NOT NULL AND ${quote(i.item)} IS NOT NULL AND ${quote(i.rating)} IS NOT NULL AND ${quote(i.time)} IS NOT NULL`,
      );
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const [users, items, ratings, days] = [0, 1, 2, 3].map((n) => chunk.getColumnVector(n));
        for (let r = 0; r < chunk.rowCount; r++) {
          const u = b.addUser(String(users.getItem(r)), {});
          const it = b.addItem(String(items.getItem(r)), {});
          b.addRating(u, it, Number(ratings.getItem(r)), Number(days.getItem(r)));
        }
      }
    });
    return b.build();
  });
}

/**
 * Writes `ids` and their embeddings (row-major, `dimension` wide) to a Parquet file: the id in
 * column `idColumn` (the entity's `field`), BIGINT for integer ids, VARCHAR otherwise.
 */
export async function writeEmbeddingsParquet(
  file: string,
  idColumn: string,
  idType: 'string' | 'integer',
  ids: readonly string[],
  embeddings: Float32Array,
  dimension: number,
): Promise<void> {
  await withDuckDb(async (c) => {
    await c.run(`CREATE TABLE embeddings (${quote(idColumn)} ${idType === 'integer' ? 'BIGINT' : 'VARCHAR'} NOT NULL, embedding FLOAT[${dimension}] NOT NULL)`);
    const a = await c.createAppender('embeddings');
    const type = ARRAY(FLOAT, dimension);
    ids.forEach((id, e) => {
      if (idType === 'integer') a.appendBigInt(BigInt(id));
      else a.appendVarchar(id);
      a.appendArray(Array.from(embeddings.subarray(e * dimension, (e + 1) * dimension)), type);
      a.endRow();
    });
    a.closeSync();
    await c.run(`COPY embeddings TO ${sqlString(file)} (FORMAT parquet)`);
  });
}

/** Reads an embeddings Parquet file written by `writeEmbeddingsParquet` (or the EMR job); `modelKey` names the asset to rematerialize when it is missing. */
export async function readEmbeddingsParquet(file: string, idColumn: string, modelKey: string): Promise<{ ids: string[]; vectors: Float32Array[] }> {
  if (!fs.existsSync(file)) throw new Error(`no embeddings at ${file}; materialize ${modelKey} first (assets materialize ${modelKey})`);
  return withDuckDb((c) =>
    reading(file, async () => {
      const rows = (await c.runAndReadAll(`SELECT CAST(${quote(idColumn)} AS VARCHAR), embedding FROM read_parquet(${sqlString(file)})`)).getRowsJS();
      return { ids: rows.map((r) => String(r[0])), vectors: rows.map((r) => Float32Array.from(r[1] as number[])) };
    }),
  );
}
