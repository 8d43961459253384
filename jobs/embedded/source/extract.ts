/**
 * Reading a contracted source table into DuckDB: check the contract against the live schema
 * (and count NULLs where the contract forbids them), then COPY exactly the contract's columns
 * out of Postgres as CSV and load them with the contract's types. A violation throws before a
 * single row is read, so nothing downstream is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ContractViolationError, type AssetDefinition, type Contract, type ContractDiff } from '../../../assets/core';
import { checkSourceLive, sourceTableOf } from '../../contracts/live';
import { duckIdent, duckTypeOf, sqlString } from '../lake/duckdb';
import { pgIdent, type SourceAccess } from './db';

export interface SourceExport {
  readonly file: string;
  readonly diff: ContractDiff;
  readonly bytes: number;
}

/**
 * Checks `asset`'s contract live, then writes the rows matching `where` (a Postgres predicate)
 * of the contract's columns to `file` as CSV. Throws ContractViolationError on a breaking diff.
 */
export async function exportSourceCsv(source: SourceAccess, asset: AssetDefinition, file: string, where?: string): Promise<SourceExport> {
  const t = sourceTableOf(asset);
  if (!t || !asset.contract) throw new Error(`${asset.key} is not a contracted source table (kind rds-table with a contract); it cannot be extracted`);
  const contract = asset.contract;
  return source.use(async (pg) => {
    const diff = await checkSourceLive(pg, asset);
    if (diff.breaking) throw new ContractViolationError(diff);
    const table = t.schema === 'public' ? pgIdent(t.table) : `${pgIdent(t.schema)}.${pgIdent(t.table)}`;
    const cols = contract.columns.map((c) => pgIdent(c.name)).join(', ');
    const res = await pg.query(`COPY (SELECT ${cols} FROM ${table}${where ? ` WHERE ${where}` : ''}) TO '/dev/blob' WITH (FORMAT csv)`);
    const bytes = res.blob ? Buffer.from(await res.blob.arrayBuffer()) : Buffer.alloc(0);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    return { file, diff, bytes: bytes.length };
  });
}

/** Loads a CSV written by exportSourceCsv into DuckDB table `name`, typed by the contract. */
export async function loadCsvTable(con: DuckDBConnection, name: string, file: string, contract: Contract): Promise<void> {
  const columns = contract.columns.map((c) => `${sqlString(c.name)}: ${sqlString(duckTypeOf(c.type))}`).join(', ');
  // Postgres CSV writes NULL as an empty field and '' as "": keep that distinction.
  await con.run(
    `CREATE OR REPLACE TABLE ${duckIdent(name)} AS SELECT * FROM read_csv(${sqlString(file)}, header = false, auto_detect = false, ` +
      `delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`,
  );
}
