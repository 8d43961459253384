/**
 * Reading the lake's Parquet safely: a damaged file must fail with its path and what to do,
 * never with an engine message that leaves a person guessing which of 700 files is broken.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FoundColumn } from '../../../assets/core';
import { contractTypeOfDuck, fileList, queryRows, readParquet } from './duckdb';
import { UserError } from '../../../assets/core';

/** A Parquet file DuckDB cannot read. */
export class CorruptParquetError extends UserError {
  override name = 'CorruptParquetError';
  constructor(readonly file: string, readonly reason: string, readonly asset?: string) {
    super(
      `corrupt Parquet file ${file}: ${reason}${asset ? `; rematerialize ${asset} with --force for that partition (or delete the file's partition folder)` : '; rewrite or delete it'}`,
    );
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Finds which of `files` is unreadable (footer or data), or undefined when all read. */
async function findCorrupt(con: DuckDBConnection, files: readonly string[]): Promise<{ file: string; cause: string } | undefined> {
  for (const f of files) {
    try {
      // Reads every column of every row group: catches damaged data pages, not only footers.
      await con.run(`SELECT count(*) FROM ${readParquet(f)} WHERE hash(COLUMNS(*)) IS NULL`);
    } catch (e) {
      return { file: f, cause: firstLine(e) };
    }
  }
  return undefined;
}

/**
 * Opens the footers of `files` (cheap) and throws CorruptParquetError naming the first bad one.
 * Call before building views over the files.
 */
export async function assertParquetReadable(con: DuckDBConnection, files: readonly string[], asset?: string): Promise<void> {
  if (!files.length) return;
  try {
    await con.run(`SELECT count(*) FROM parquet_file_metadata(${fileList(files)})`);
  } catch (e) {
    const bad = (await findCorrupt(con, files)) ?? { file: files.find((f) => firstLine(e).includes(f)) ?? files.join(', '), cause: firstLine(e) };
    throw new CorruptParquetError(bad.file, bad.cause, asset);
  }
}

/**
 * Runs `fn`; if it fails on a Parquet read, finds the file responsible and throws
 * CorruptParquetError naming it (other errors pass through unchanged).
 */
export async function namingCorruptFile<T>(con: DuckDBConnection, files: readonly string[], asset: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CorruptParquetError || !/parquet|magic|thrift|corrupt|IO Error/i.test(firstLine(e))) throw e;
    const bad = await findCorrupt(con, files);
    if (bad) throw new CorruptParquetError(bad.file, bad.cause, asset);
    throw e;
  }
}

/** The columns of a relation (table, view or query) in the contract vocabulary. */
export async function describeColumns(con: DuckDBConnection, relation: string): Promise<FoundColumn[]> {
  const rows = await queryRows<{ column_name: string; column_type: string; null: string }>(con, `DESCRIBE ${relation}`);
  return rows.map((r) => ({ name: r.column_name, type: contractTypeOfDuck(r.column_type), nullable: true }));
}

/** Rows and schema of one Parquet file, e.g. for tests and `assets show`. */
export async function parquetSummary(con: DuckDBConnection, file: string): Promise<{ rows: number; columns: FoundColumn[] }> {
  await assertParquetReadable(con, [file]);
  const [{ n }] = await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM ${readParquet(file)}`);
  const columns = await describeColumns(con, `SELECT * FROM ${readParquet(file)}`);
  return { rows: Number(n), columns };
}

