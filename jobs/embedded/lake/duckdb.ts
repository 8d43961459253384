/**
 * DuckDB, the embedded batch engine: a short-lived in-memory database per step that reads and
 * writes the lake's Parquet files. Also the type mapping between contracts and DuckDB.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parseColumnType, type ColumnType } from '../../../assets/core';

/** Runs `fn` with a fresh in-memory DuckDB connection, closed afterwards. */
export async function withDuckDb<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Runs a query and returns its rows as plain JSON-able objects. */
export async function queryRows<T = Record<string, unknown>>(con: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await con.runAndReadAll(sql);
  return reader.getRowObjectsJson() as unknown as T[];
}

/** A DuckDB (and Spark SQL) string literal. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A DuckDB quoted identifier. */
export const duckIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** A list of file paths as a DuckDB list literal. */
export const fileList = (files: readonly string[]): string => `[${files.map(sqlString).join(', ')}]`;

/** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS'`: the form `{{partition_start}}` takes in both engines. */
export const timestampLiteral = (d: Date | number): string => `TIMESTAMP '${new Date(d).toISOString().slice(0, 19).replace('T', ' ')}'`;

function duckTypeOfParsed(t: ColumnType): string {
  switch (t.kind) {
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'varchar':
      return 'VARCHAR';
    case 'array':
      return `${duckTypeOfParsed(t.element)}[]`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${duckIdent(f.name)} ${duckTypeOfParsed(f.type)}`).join(', ')})`;
    case 'primitive':
      return {
        string: 'VARCHAR',
        tinyint: 'TINYINT',
        smallint: 'SMALLINT',
        int: 'INTEGER',
        bigint: 'BIGINT',
        float: 'FLOAT',
        double: 'DOUBLE',
        boolean: 'BOOLEAN',
        date: 'DATE',
        timestamp: 'TIMESTAMP',
        binary: 'BLOB',
      }[t.name];
  }
}

/** The DuckDB type of a contract type (`decimal(10,2)` -> `DECIMAL(10,2)`). */
export function duckTypeOf(contractType: string): string {
  const t = parseColumnType(contractType);
  if (typeof t === 'string') throw new Error(t);
  return duckTypeOfParsed(t);
}

/** The contract type of a DuckDB type as DESCRIBE prints it (`INTEGER` -> `int`); unknown types are kept, lower-cased. */
export function contractTypeOfDuck(duckType: string): string {
  const t = duckType.trim().toUpperCase();
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `decimal(${dec[1]},${dec[2]})`;
  if (t.endsWith('[]')) return `array<${contractTypeOfDuck(t.slice(0, -2))}>`;
  const map: Record<string, string> = {
    VARCHAR: 'string',
    TINYINT: 'tinyint',
    SMALLINT: 'smallint',
    INTEGER: 'int',
    BIGINT: 'bigint',
    FLOAT: 'float',
    DOUBLE: 'double',
    BOOLEAN: 'boolean',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
    BLOB: 'binary',
  };
  return map[t] ?? duckType.toLowerCase();
}

/**
 * `read_parquet(...)` over lake files. Hive partitioning is off: DuckDB would otherwise add
 * `dt`/`hour` columns from the folder names (and let them shadow a real `hour` column).
 */
export const readParquet = (files: string | readonly string[], options = ''): string =>
  `read_parquet(${typeof files === 'string' ? sqlString(files) : fileList(files)}, hive_partitioning = false${options ? `, ${options}` : ''})`;
