/** The deletion register in DuckDB: the salted hash in SQL, and leaving registered subjects out of a table. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Contract } from '../../assets/core';
import { duckIdent, queryRows, sqlString } from '../embedded/lake/duckdb';
import type { DeletionRegister } from './register';

/** The same hash of a column's value in DuckDB SQL (`expr` is any SQL expression). */
export function subjectHashSql(salt: string, subject: string, expr: string): string {
  return `sha256(concat(${sqlString(`${salt}:${subject}:`)}, CAST(${expr} AS VARCHAR)))`;
}

/**
 * Deletes from DuckDB table `table` the rows of every subject the register holds, matched on the
 * contract's subject columns by salted hash; returns how many rows went. An extract calls it
 * before writing, so a source that still holds an erased subject never brings it back.
 */
export async function excludeRegistered(con: DuckDBConnection, table: string, contract: Contract, register: DeletionRegister | undefined): Promise<number> {
  if (!register) return 0;
  const conditions: string[] = [];
  for (const c of contract.columns) {
    const hashes = c.subject ? register.hashes(c.subject) : [];
    if (hashes.length) conditions.push(`${subjectHashSql(register.salt, c.subject!, duckIdent(c.name))} IN (SELECT unnest([${hashes.map(sqlString).join(', ')}]))`);
  }
  if (!conditions.length) return 0;
  const count = async () => Number((await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM ${duckIdent(table)}`))[0].n);
  const before = await count();
  await con.run(`DELETE FROM ${duckIdent(table)} WHERE ${conditions.map((c) => `(${c}) IS TRUE`).join(' OR ')}`);
  return before - (await count());
}
