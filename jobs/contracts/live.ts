/**
 * The live source schema, read from information_schema, and the contract check every extract
 * runs before reading a single row.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  computeSettings,
  diffContract,
  type AssetDefinition,
  type AssetGraph,
  type ContractDiff,
  type FoundColumn,
} from '../../assets/core';
import type { RdsTableSettings } from '../../assets/kinds';
import { contractTypeOfColumn, type InformationSchemaColumn } from './pg-types';

/** Tables by name (`customers`, or `schema.table` outside `public`), each with its columns in order. */
export interface SchemaSnapshot {
  readonly tables: Readonly<Record<string, readonly FoundColumn[]>>;
}

/** The table a source asset reads, e.g. `orderdetails` (or `sales.orders` outside public). */
export function sourceTableOf(asset: AssetDefinition): { schema: string; table: string; qualified: string } | undefined {
  if (asset.compute.kind !== 'rds-table') return undefined;
  const s = computeSettings<RdsTableSettings>(asset);
  const schema = s.schema ?? 'public';
  return { schema, table: s.table, qualified: schema === 'public' ? s.table : `${schema}.${s.table}` };
}

/** Every source asset of the graph that lives in the source database and has a contract. */
export function contractedSourceTables(graph: AssetGraph): { asset: AssetDefinition; table: string }[] {
  const out: { asset: AssetDefinition; table: string }[] = [];
  for (const key of graph.keys) {
    const asset = graph.get(key);
    const t = sourceTableOf(asset);
    if (asset.source && asset.contract && t) out.push({ asset, table: t.qualified });
  }
  return out;
}

/** Reads every user table's columns from information_schema. */
export async function readLiveSchema(pg: PGlite): Promise<SchemaSnapshot> {
  const res = await pg.query<InformationSchemaColumn & { table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name, column_name, data_type, is_nullable, numeric_precision, numeric_scale
       FROM information_schema.columns
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY table_schema, table_name, ordinal_position`,
  );
  const tables: Record<string, FoundColumn[]> = {};
  for (const r of res.rows) {
    const name = r.table_schema === 'public' ? r.table_name : `${r.table_schema}.${r.table_name}`;
    (tables[name] ??= []).push({ name: r.column_name, type: contractTypeOfColumn(r), nullable: r.is_nullable === 'YES' });
  }
  return { tables };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Compares a source asset's contract with one schema (live or proposed). */
export function diffSource(asset: AssetDefinition, schema: SchemaSnapshot, against: string, nullCounts?: Record<string, number>): ContractDiff {
  const t = sourceTableOf(asset);
  if (!asset.contract || !t) throw new Error(`${asset.key} is not a contracted source table`);
  const found = schema.tables[t.qualified];
  return diffContract(asset.contract, found ?? [], {
    subject: `${asset.key} (table ${t.qualified})`,
    against,
    tableFound: found !== undefined,
    nullCounts,
  });
}

/**
 * Checks a source asset against the live database: schema, plus a count of the NULLs in every
 * column the contract says is not null but the database allows to be null.
 */
export async function checkSourceLive(pg: PGlite, asset: AssetDefinition): Promise<ContractDiff> {
  const schema = await readLiveSchema(pg);
  const t = sourceTableOf(asset);
  const found = t ? schema.tables[t.qualified] : undefined;
  const nullCounts: Record<string, number> = {};
  if (asset.contract && t && found) {
    const nullable = new Set(found.filter((c) => c.nullable).map((c) => c.name));
    const suspects = asset.contract.columns.filter((c) => !c.nullable && nullable.has(c.name)).map((c) => c.name);
    if (suspects.length) {
      const table = t.schema === 'public' ? ident(t.table) : `${ident(t.schema)}.${ident(t.table)}`;
      const sql = `SELECT ${suspects.map((c, i) => `count(*) FILTER (WHERE ${ident(c)} IS NULL)::int AS n${i}`).join(', ')} FROM ${table}`;
      const row = (await pg.query<Record<string, number>>(sql)).rows[0];
      suspects.forEach((c, i) => (nullCounts[c] = Number(row[`n${i}`])));
    }
  }
  return diffSource(asset, schema, 'the live source schema', nullCounts);
}
