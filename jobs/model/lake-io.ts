/**
 * The model's I/O with the local lake, through DuckDB: reads the training set and the raw
 * customer/product snapshots into `TrainingData`, and writes embeddings as Parquet
 * (`<id column>, embedding float[]`), the table the index loads and the EMR job also writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ARRAY, DuckDBInstance, FLOAT, type DuckDBConnection } from '@duckdb/node-api';
import type { FeatureValues } from './artifact';
import { TrainingDataBuilder, type TrainingData } from './dataset';

/** Where the model reads and writes, relative to the lake root. */
export const LAKE_TABLES = {
  training: 'training/ratings_ml_training',
  customers: 'raw/customers',
  products: 'raw/products',
  model: 'model/recommender',
} as const;

/** Columns that may hold the rating's day, in order of preference: a partition folder or a timestamp. */
const DAY_COLUMNS = ['ratedAt', 'rated_at', 'dt', 'date', 'day', 'ds', 'partition'];

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

async function columnsOf(c: DuckDBConnection, source: string): Promise<string[]> {
  const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return r.getRowsJS().map((row) => String(row[0]));
}

/** The expression giving a rating's day (days since 1970-01-01) from the training set's columns. */
function dayExpression(columns: readonly string[], table: string): string {
  const col = DAY_COLUMNS.find((c) => columns.includes(c));
  if (!col) {
    throw new Error(
      `${table} has no column telling when a rating was made (looked for ${DAY_COLUMNS.join(', ')} among ${columns.join(', ')}); ` +
        'the time-based hold-out needs the daily partition folder (dt=YYYY-MM-DD) or a ratedAt column',
    );
  }
  return `datediff('day', DATE '1970-01-01', CAST("${col}" AS DATE))`;
}

/**
 * Reads the training set and the raw snapshots under `lakeRoot`. Every customer and product of
 * the snapshots is included (rated or not: they all get embeddings); the training set's own
 * feature columns stand in for entities missing from the snapshots.
 */
export async function readTrainingData(lakeRoot: string): Promise<TrainingData> {
  const trainingDir = path.join(lakeRoot, LAKE_TABLES.training);
  if (!hasParquet(trainingDir)) {
    throw new Error(`no training set under ${trainingDir}; materialize training/ratings_ml_training first (assets materialize training/ratings_ml_training)`);
  }
  return withDuckDb(async (c) => {
    const training = parquetSource(trainingDir);
    const trainingCols = await reading(trainingDir, () => columnsOf(c, training));
    const day = dayExpression(trainingCols, trainingDir);
    const b = new TrainingDataBuilder();

    const customersDir = path.join(lakeRoot, LAKE_TABLES.customers);
    const productsDir = path.join(lakeRoot, LAKE_TABLES.products);
    const userSql = [
      hasParquet(customersDir) ? `SELECT customerNumber, city, country, CAST(creditLimit AS DOUBLE) AS creditLimit, 0 AS src FROM ${parquetSource(customersDir)}` : undefined,
      `SELECT customerNumber, city, country, CAST(creditLimit AS DOUBLE) AS creditLimit, 1 AS src FROM ${training}`,
    ].filter(Boolean);
    const itemSql = [
      hasParquet(productsDir)
        ? `SELECT productCode, productLine, productScale, productVendor, CAST(quantityInStock AS DOUBLE) AS quantityInStock, CAST(buyPrice AS DOUBLE) AS buyPrice, CAST(MSRP AS DOUBLE) AS MSRP, 0 AS src FROM ${parquetSource(productsDir)}`
        : undefined,
      `SELECT productCode, productLine, productScale, NULL AS productVendor, CAST(quantityInStock AS DOUBLE), CAST(buyPrice AS DOUBLE), CAST(MSRP AS DOUBLE), 1 AS src FROM ${training}`,
    ].filter(Boolean);
    // One row per entity, the snapshot's first (src 0), in id order so the model does not depend on file order.
    const dedupe = (union: string[], id: string) =>
      `SELECT * EXCLUDE (src, rn) FROM (SELECT *, row_number() OVER (PARTITION BY ${id} ORDER BY src) AS rn FROM (${union.join(' UNION ALL ')})) WHERE rn = 1 ORDER BY ${id}`;

    await reading(`customers (${customersDir})`, async () => {
      const rows = (await c.runAndReadAll(dedupe(userSql as string[], 'customerNumber'))).getRowsJS();
      for (const [id, city, country, creditLimit] of rows) b.addUser(String(id), { city, country, creditLimit } as FeatureValues);
    });
    await reading(`products (${productsDir})`, async () => {
      const rows = (await c.runAndReadAll(dedupe(itemSql as string[], 'productCode'))).getRowsJS();
      for (const [id, productLine, productScale, productVendor, quantityInStock, buyPrice, MSRP] of rows) {
        b.addItem(String(id), { productCode: String(id), productLine, productScale, productVendor, quantityInStock, buyPrice, MSRP } as FeatureValues);
      }
    });

    await reading(trainingDir, async () => {
      const result = await c.stream(`SELECT CAST(customerNumber AS VARCHAR), productCode, CAST(productRating AS INTEGER), CAST(${day} AS INTEGER) FROM ${training}`);
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const [users, items, stars, days] = [0, 1, 2, 3].map((i) => chunk.getColumnVector(i));
        for (let r = 0; r < chunk.rowCount; r++) {
          const u = b.addUser(String(users.getItem(r)), {});
          const i = b.addItem(String(items.getItem(r)), {});
          b.addRating(u, i, Number(stars.getItem(r)), Number(days.getItem(r)));
        }
      }
    });
    return b.build();
  });
}

/** Writes `ids` and their embeddings (row-major, `dimension` wide) to a Parquet file. */
export async function writeEmbeddingsParquet(
  file: string,
  idColumn: 'product_code' | 'customer_number',
  ids: readonly string[],
  embeddings: Float32Array,
  dimension: number,
): Promise<void> {
  await withDuckDb(async (c) => {
    const idType = idColumn === 'customer_number' ? 'INTEGER' : 'VARCHAR';
    await c.run(`CREATE TABLE embeddings (${idColumn} ${idType} NOT NULL, embedding FLOAT[${dimension}] NOT NULL)`);
    const a = await c.createAppender('embeddings');
    const type = ARRAY(FLOAT, dimension);
    ids.forEach((id, e) => {
      if (idType === 'INTEGER') a.appendInteger(Number(id));
      else a.appendVarchar(id);
      a.appendArray(Array.from(embeddings.subarray(e * dimension, (e + 1) * dimension)), type);
      a.endRow();
    });
    a.closeSync();
    await c.run(`COPY embeddings TO ${sqlString(file)} (FORMAT parquet)`);
  });
}

/** Reads an embeddings Parquet file written by `writeEmbeddingsParquet` (or the EMR job). */
export async function readEmbeddingsParquet(file: string, idColumn: string): Promise<{ ids: string[]; vectors: Float32Array[] }> {
  if (!fs.existsSync(file)) throw new Error(`no embeddings at ${file}; materialize model/recommender first (assets materialize model/recommender)`);
  return withDuckDb((c) =>
    reading(file, async () => {
      const rows = (await c.runAndReadAll(`SELECT CAST("${idColumn}" AS VARCHAR), embedding FROM read_parquet(${sqlString(file)})`)).getRowsJS();
      return { ids: rows.map((r) => String(r[0])), vectors: rows.map((r) => Float32Array.from(r[1] as number[])) };
    }),
  );
}
