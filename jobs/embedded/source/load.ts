/**
 * `assets source load TABLE FILE`: bulk-loads a fork's own data (.csv with a header, .parquet,
 * .jsonl) into a table of the local source database, all or nothing. DuckDB reads the file (its
 * readers know the three formats and say where a file is malformed); Postgres COPY writes the
 * rows, in one transaction with the table's creation (`create`) or emptying (`replace`) and the
 * check of the table's data contract, when the graph declares one. Any failure rolls it all back.
 *
 * `create` builds the table from the contract of the source asset reading it when there is one
 * (so the table is what the contract promises), else from the types DuckDB infers from the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeChange, suggestName, UserError, type Contract, type ContractDiff } from '../../../assets/core';
import { contractTypeOfDuck, duckIdent, queryRows, sqlString, withDuckDb } from '../lake/duckdb';
import { pgTypeOfContract } from '../../contracts/pg-types';
import { openSourceDb, pgIdent, type SourceDb } from './db';

/** File formats `source load` reads, by extension. */
export const LOAD_FORMATS = { '.csv': 'csv', '.parquet': 'parquet', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as const;
type LoadFormat = (typeof LOAD_FORMATS)[keyof typeof LOAD_FORMATS];

export interface LoadOptions {
  /** The table, `name` (schema public) or `schema.name`. */
  readonly table: string;
  readonly file: string;
  /** Create the table (it must not exist). @default false: the table must exist */
  readonly create?: boolean;
  /** Empty the table first (in the same transaction). @default false: rows are appended */
  readonly replace?: boolean;
  /**
   * The data contract of the source asset reading this table, if the graph declares one: `create`
   * builds the table from it, and the loaded table is checked against it before the commit.
   */
  readonly contract?: { readonly key: string; readonly contract: Contract; readonly check: (db: SourceDb) => Promise<ContractDiff> };
  /** The PGlite data directory. @default localPaths.sourceDb() */
  readonly dir?: string;
  /** Rows per COPY (a file is loaded in chunks, all in the one transaction). @default 200,000 */
  readonly chunkRows?: number;
}

export interface LoadResult {
  readonly table: string;
  readonly file: string;
  readonly format: LoadFormat;
  readonly rows: number;
  /** The file's columns, in its order, loaded into the table's columns of the same name. */
  readonly columns: readonly string[];
  /** The table was created by this load (and its columns' types, as declared). */
  readonly created?: readonly { readonly name: string; readonly type: string; readonly nullable: boolean }[];
  /** The table's earlier rows were replaced (`replace`), how many. */
  readonly replacedRows?: number;
  readonly ms: number;
}

/** A load a person must fix (unknown table, columns that do not match, a bad file): nothing was loaded. */
export class SourceLoadError extends UserError {
  override name = 'SourceLoadError';
}

const didYouMean = (name: string, known: readonly string[]) => {
  const hint = suggestName(name, known);
  return hint ? `; did you mean '${hint}'?` : '';
};

/** The format of `file`, by its extension. */
export function loadFormatOf(file: string): LoadFormat {
  const ext = path.extname(file).toLowerCase() as keyof typeof LOAD_FORMATS;
  const format = LOAD_FORMATS[ext];
  if (!format) throw new SourceLoadError(`${file}: cannot load a '${ext || 'extension-less'}' file; give a .csv (with a header line), .parquet or .jsonl (one JSON object per line) file`);
  return format;
}

/** DuckDB's reader of `file`; CSV values stay text when a table already types them (Postgres parses them, leading zeros kept). */
function reader(file: string, format: LoadFormat, asText: boolean): string {
  switch (format) {
    case 'csv':
      return `read_csv(${sqlString(file)}, header = true, auto_detect = true${asText ? ', all_varchar = true' : ''})`;
    case 'parquet':
      return `read_parquet(${sqlString(file)})`;
    case 'jsonl':
      return `read_json(${sqlString(file)}, format = 'newline_delimited')`;
  }
}

/** The Postgres type a column inferred by DuckDB is created with: nested values become jsonb. */
export function pgTypeOfDuck(duckType: string): string {
  const t = duckType.trim().toUpperCase();
  if (/^(STRUCT|MAP|UNION)\b/.test(t) || t.endsWith('[]') || /\[\d+\]$/.test(t) || t === 'JSON') return 'jsonb';
  const special: Record<string, string> = {
    'TIMESTAMP WITH TIME ZONE': 'timestamptz',
    TIMESTAMP_S: 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    UTINYINT: 'smallint',
    USMALLINT: 'integer',
    UINTEGER: 'bigint',
    UBIGINT: 'numeric(20,0)',
    HUGEINT: 'numeric(38,0)',
    UHUGEINT: 'numeric(39,0)',
    TIME: 'time',
    UUID: 'uuid',
    INTERVAL: 'interval',
  };
  if (special[t]) return special[t];
  try {
    return pgTypeOfContract(contractTypeOfDuck(t));
  } catch {
    return 'text';
  }
}

/** The SELECT list exporting the file's columns as Postgres reads them in CSV: nested values as JSON text. */
const exportList = (columns: readonly { name: string; type: string }[]) =>
  columns.map((c) => (pgTypeOfDuck(c.type) === 'jsonb' ? `to_json(${duckIdent(c.name)})::VARCHAR AS ${duckIdent(c.name)}` : duckIdent(c.name))).join(', ');

interface TableColumn {
  readonly name: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
}

/** The table's columns, or undefined when it does not exist. */
async function tableColumns(db: SourceDb, schema: string, table: string): Promise<TableColumn[] | undefined> {
  const r = await db.pg.query<{ name: string; is_nullable: string; column_default: string | null }>(
    `SELECT column_name AS name, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return r.rows.length ? r.rows.map((c) => ({ name: c.name, nullable: c.is_nullable === 'YES', hasDefault: c.column_default !== null })) : undefined;
}

async function tablesIn(db: SourceDb, schema: string): Promise<string[]> {
  const r = await db.pg.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`, [schema]);
  return r.rows.map((x) => x.name);
}

/** Reads the file into DuckDB table `src`; a file DuckDB cannot read is the person's to fix. */
async function readFile(con: DuckDBConnection, file: string, format: LoadFormat, asText: boolean): Promise<{ name: string; type: string }[]> {
  try {
    await con.run(`CREATE TABLE src AS SELECT * FROM ${reader(file, format, asText)}`);
  } catch (e) {
    // DuckDB appends the failing SQL ("LINE 1: CREATE TABLE src ..."): ours, not the person's.
    const message = (e as Error).message.split(/\n\s*LINE \d+:/)[0].split('\n').filter(Boolean).join(' ');
    throw new SourceLoadError(`${file}: not a readable ${format === 'jsonl' ? 'JSON Lines' : format.toUpperCase()} file: ${message}`);
  }
  return (await queryRows<{ column_name: string; column_type: string }>(con, 'DESCRIBE src')).map((c) => ({ name: c.column_name, type: c.column_type }));
}

/** Loads `file` into `table` of the local source database (see the file comment). */
export async function loadSourceFile(o: LoadOptions): Promise<LoadResult> {
  const t0 = Date.now();
  const format = loadFormatOf(o.file);
  if (!fs.existsSync(o.file)) throw new SourceLoadError(`${o.file}: no such file`);
  if (fs.statSync(o.file).isDirectory()) throw new SourceLoadError(`${o.file} is a folder; give one .csv, .parquet or .jsonl file`);
  const [schema, table] = o.table.includes('.') ? (o.table.split('.', 2) as [string, string]) : ['public', o.table];
  const qualified = schema === 'public' ? pgIdent(table) : `${pgIdent(schema)}.${pgIdent(table)}`;
  const chunkRows = o.chunkRows ?? 200_000;
  // A fork's first table may be its database's first: --create creates a missing database too.
  const db = await openSourceDb({ ...(o.dir ? { dir: o.dir } : {}), create: Boolean(o.create) });
  try {
    const existing = await tableColumns(db, schema, table);
    if (o.create && existing) throw new SourceLoadError(`table '${o.table}' already exists; drop --create to append to it, or add --replace to replace its rows`);
    if (!o.create && !existing) {
      throw new SourceLoadError(`no table '${o.table}' in the local source database${didYouMean(table, await tablesIn(db, schema))} (add --create to create it from ${o.contract ? `${o.contract.key}'s contract` : "the file's columns"})`);
    }
    // A table that types its columns (existing, or created from a contract) parses CSV text itself.
    const typedByTable = Boolean(existing) || Boolean(o.contract);
    return await withDuckDb(async (con) => {
      const fileColumns = await readFile(con, path.resolve(o.file), format, typedByTable);
      const rows = Number((await queryRows<{ n: number | string }>(con, 'SELECT count(*) AS n FROM src'))[0].n);
      let created: LoadResult['created'];
      let target: TableColumn[];
      if (existing) target = existing;
      else if (o.contract) {
        created = o.contract.contract.columns.map((c) => ({ name: c.name, type: pgTypeOfContract(c.type), nullable: c.nullable }));
        target = created.map((c) => ({ name: c.name, nullable: c.nullable, hasDefault: false }));
      } else {
        // Inferred: NOT NULL where the file holds no NULL (a contract written later can then promise it).
        const nulls = fileColumns.length
          ? (await queryRows<Record<string, number | string>>(con, `SELECT ${fileColumns.map((c, i) => `count(*) FILTER (WHERE ${duckIdent(c.name)} IS NULL) AS n${i}`).join(', ')} FROM src`))[0]
          : {};
        created = fileColumns.map((c, i) => ({ name: c.name, type: pgTypeOfDuck(c.type), nullable: rows === 0 || Number(nulls[`n${i}`]) > 0 }));
        target = created.map((c) => ({ name: c.name, nullable: c.nullable, hasDefault: false }));
      }
      matchColumns(o, fileColumns.map((c) => c.name), target);

      await db.pg.exec('BEGIN');
      try {
        if (created) {
          try {
            await db.pg.exec(`CREATE TABLE ${qualified} (${created.map((c) => `${pgIdent(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`).join(', ')})`);
          } catch (e) {
            throw new SourceLoadError(`cannot create table '${o.table}': ${(e as Error).message}${schema !== 'public' ? ` (create the schema first: assets source query --yes 'CREATE SCHEMA ${schema}')` : ''}`);
          }
        }
        let replacedRows: number | undefined;
        if (o.replace && existing) {
          replacedRows = Number((await db.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qualified}`)).rows[0].n);
          await db.pg.exec(`DELETE FROM ${qualified}`);
        }
        const list = fileColumns.map((c) => pgIdent(c.name)).join(', ');
        const staging = path.join(path.dirname(db.dir), `.load-${process.pid}-${Date.now()}.csv`);
        try {
          for (let offset = 0; offset < rows; offset += chunkRows) {
            await con.run(`COPY (SELECT ${exportList(fileColumns)} FROM src LIMIT ${chunkRows} OFFSET ${offset}) TO ${sqlString(staging)} (FORMAT csv, HEADER false)`);
            try {
              await db.pg.query(`COPY ${qualified} (${list}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([fs.readFileSync(staging)]) });
            } catch (e) {
              throw new SourceLoadError(`${o.file} does not fit table '${o.table}': ${pgMessage(e, offset)}; nothing was loaded`);
            }
          }
        } finally {
          fs.rmSync(staging, { force: true });
        }
        if (o.contract) {
          const diff = await o.contract.check(db);
          if (diff.breaking) {
            const lines = diff.changes.filter((c) => c.breaking).map((c) => `  ${describeChange(c)}`);
            throw new SourceLoadError(`loaded into '${o.table}', the table would break the contract of ${o.contract.key}:\n${lines.join('\n')}\nnothing was loaded; fix the file (or the contract)`);
          }
        }
        await db.pg.exec('COMMIT');
        await db.pg.exec(`ANALYZE ${qualified}`);
        return {
          table: o.table,
          file: o.file,
          format,
          rows,
          columns: fileColumns.map((c) => c.name),
          ...(created ? { created } : {}),
          ...(replacedRows !== undefined ? { replacedRows } : {}),
          ms: Date.now() - t0,
        };
      } catch (e) {
        await db.pg.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  } finally {
    await db.close();
  }
}

/** Every file column must be a table column, and every required table column must be in the file. */
function matchColumns(o: LoadOptions, fileColumns: readonly string[], target: readonly TableColumn[]): void {
  const names = target.map((c) => c.name);
  const problems: string[] = [];
  const suggested = new Set<string>();
  for (const c of fileColumns) {
    if (names.includes(c)) continue;
    const hint = suggestName(c, names.filter((n) => !fileColumns.includes(n) && !suggested.has(n)));
    if (hint) suggested.add(hint);
    problems.push(`the file's column '${c}' is not a column of '${o.table}'${hint ? `; did you mean '${hint}'?` : ''}`);
  }
  for (const c of target) {
    if (!fileColumns.includes(c.name) && !suggested.has(c.name) && !c.nullable && !c.hasDefault) problems.push(`'${o.table}' requires column '${c.name}' (NOT NULL, no default), which the file does not have`);
  }
  if (problems.length) {
    throw new SourceLoadError(`${o.file} does not match table '${o.table}' (columns: ${names.join(', ')}):\n${problems.map((p) => `  ${p}`).join('\n')}\nnothing was loaded; rename the file's columns (names are case-sensitive)`);
  }
}

/** Postgres' COPY error in one line, with the file's row number instead of the chunk's line. */
function pgMessage(e: unknown, offset: number): string {
  const err = e as Error & { where?: string };
  const line = /line (\d+)/.exec(err.where ?? '')?.[1];
  const column = /column (\w+)/.exec(err.where ?? '')?.[1];
  return `${err.message}${line ? ` (data row ${offset + Number(line)}${column ? `, column ${column}` : ''})` : ''}`;
}
