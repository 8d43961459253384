/**
 * Data checks on what a step wrote (row_count, not_null, unique, accepted_range,
 * accepted_values), evaluated with DuckDB over the step's Parquet files, and source
 * observation (data version + live contract check) for the embedded environment.
 * `metric_compare` checks read step metadata: the engine evaluates those.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { canonicalType, checkName, formatContractDiff, NO_DATA, type AssetDefinition, type CheckSpec, type Observation } from '../../assets/core';
import type { CheckOutcome, StepContext, StepOutput } from '../engine/environment';
import { partitionsLabel } from '../engine/run-request';
import { checkSourceLive, sourceTableOf } from '../contracts/live';
import { duckIdent, queryRows, readParquet, sqlString, withDuckDb } from './lake/duckdb';
import { parquetFiles } from './lake/layout';
import { assertParquetReadable, namingCorruptFile } from './lake/parquet';
import { pgIdent, type SourceAccess } from './source/db';

export interface CheckEvaluatorOptions {
  readonly lakeRoot: string;
}

const DATA_CHECKS = new Set(['row_count', 'not_null', 'unique', 'accepted_range', 'accepted_values']);
const literal = (v: string | number) => (typeof v === 'number' ? String(v) : sqlString(v));
const SAMPLE = 5;

/** Partition key of a file path (`.../dt=2026-01-01/hour=05/part-00000.parquet` -> `dt=2026-01-01/hour=05`). */
const partitionOfFile = (lakeTable: string, file: string) => path.relative(lakeTable, path.dirname(file)) || '(snapshot)';

/**
 * Evaluates the data checks of `checks` on the Parquet files of `partitions` of `asset`.
 * row_count and unique are judged per partition (each partition is a unit a reader consumes);
 * the others over all rows the step wrote.
 */
export async function evaluateDataChecks(
  lakeRoot: string,
  asset: AssetDefinition,
  partitions: readonly string[] | null,
  checks: readonly CheckSpec[],
): Promise<CheckOutcome[]> {
  const wanted = checks.filter((c) => DATA_CHECKS.has(c.type));
  if (!wanted.length) return [];
  const files = parquetFiles(lakeRoot, asset, asset.partitions ? partitions : null);
  const window = `${asset.key}${partitions?.length ? ` [${partitionsLabel(partitions)}]` : ''}`;
  if (!files.length) {
    return wanted.map((check) => ({ check, passed: false, message: `no committed data found for ${window}` }));
  }
  const table = path.join(lakeRoot, ...asset.key.split('/'));
  return withDuckDb(async (con) => {
    await assertParquetReadable(con, files, asset.key);
    await con.run(`CREATE VIEW data AS SELECT * FROM ${readParquet(files, 'filename = true')}`);
    const q = <T>(sql: string) => namingCorruptFile(con, files, asset.key, () => queryRows<T>(con, sql));
    // A check over no rows proves nothing: it fails, naming the empty window, rather than pass vacuously.
    const [{ n: total }] = await q<{ n: number }>('SELECT CAST(count(*) AS INTEGER) AS n FROM data');
    if (total === 0) {
      return wanted.map((check) => ({ check, passed: false, message: `0 rows in ${window} (${files.length} partition file(s)): nothing to check; load data for that window or leave it out` }));
    }
    const out: CheckOutcome[] = [];
    for (const check of wanted) {
      const name = checkName(check);
      try {
        out.push(await evaluateOne(check, q, table, files));
      } catch (e) {
        out.push({ check, passed: false, message: `${name} could not be evaluated: ${(e as Error).message.split('\n')[0]}` });
      }
    }
    return out;
  });
}

async function evaluateOne(check: CheckSpec, q: <T>(sql: string) => Promise<T[]>, table: string, files: readonly string[]): Promise<CheckOutcome> {
  switch (check.type) {
    case 'row_count': {
      const counted = await q<{ filename: string; n: number }>(`SELECT filename, CAST(count(*) AS INTEGER) AS n FROM data GROUP BY filename ORDER BY filename`);
      // GROUP BY yields no group for an empty file: every partition file counts, with 0 rows if need be.
      const byFile = new Map(counted.map((r) => [r.filename, r.n]));
      const rows = files.map((filename) => ({ filename, n: byFile.get(filename) ?? 0 }));
      const bad = rows.filter((r) => (check.min !== undefined && r.n < check.min) || (check.max !== undefined && r.n > check.max));
      const total = rows.reduce((a, r) => a + r.n, 0);
      const bounds = `${check.min ?? '-inf'}..${check.max ?? 'inf'}`;
      return bad.length
        ? { check, passed: false, message: `row count outside ${bounds} in ${bad.length} partition(s): ${bad.slice(0, SAMPLE).map((r) => `${partitionOfFile(table, r.filename)} has ${r.n}`).join(', ')}` }
        : { check, passed: true, message: `${total} rows in ${rows.length} partition(s), each within ${bounds}` };
    }
    case 'not_null': {
      const cols = check.columns.map((c) => `CAST(count(*) FILTER (WHERE ${duckIdent(c)} IS NULL) AS INTEGER) AS ${duckIdent(c)}`).join(', ');
      const [row] = await q<Record<string, number>>(`SELECT ${cols} FROM data`);
      const bad = check.columns.filter((c) => row[c] > 0);
      return bad.length
        ? { check, passed: false, message: `NULLs found: ${bad.map((c) => `${c} (${row[c]})`).join(', ')}` }
        : { check, passed: true, message: `no NULLs in ${check.columns.join(', ')}` };
    }
    case 'unique': {
      const cols = check.columns.map(duckIdent).join(', ');
      const dups = await q<Record<string, unknown> & { filename: string; n: number }>(
        `SELECT filename, ${cols}, CAST(count(*) AS INTEGER) AS n FROM data GROUP BY filename, ${cols} HAVING count(*) > 1 ORDER BY n DESC LIMIT ${SAMPLE}`,
      );
      if (!dups.length) return { check, passed: true, message: `${check.columns.join(', ')} unique in every partition` };
      const sample = dups.map((d) => `${check.columns.map((c) => `${c}=${JSON.stringify(d[c])}`).join(' ')} x${d.n} (${partitionOfFile(table, d.filename)})`);
      return { check, passed: false, message: `duplicate ${check.columns.join(', ')}: ${sample.join('; ')}` };
    }
    case 'accepted_range': {
      const c = duckIdent(check.column);
      const conds = [check.min !== undefined ? `${c} < ${check.min}` : '', check.max !== undefined ? `${c} > ${check.max}` : ''].filter(Boolean).join(' OR ') || 'false';
      const [row] = await q<{ bad: number; lo: number | null; hi: number | null }>(
        `SELECT CAST(count(*) FILTER (WHERE ${conds}) AS INTEGER) AS bad, CAST(min(${c}) AS DOUBLE) AS lo, CAST(max(${c}) AS DOUBLE) AS hi FROM data`,
      );
      const bounds = `[${check.min ?? '-inf'}, ${check.max ?? 'inf'}]`;
      return row.bad > 0
        ? { check, passed: false, message: `${row.bad} value(s) of ${check.column} outside ${bounds} (found ${row.lo}..${row.hi})` }
        : { check, passed: true, message: `${check.column} within ${bounds} (found ${row.lo ?? 'no values'}..${row.hi ?? ''})` };
    }
    case 'accepted_values': {
      const c = duckIdent(check.column);
      const rows = await q<{ v: unknown; n: number }>(
        `SELECT ${c} AS v, CAST(count(*) AS INTEGER) AS n FROM data WHERE ${c} NOT IN (${check.values.map(literal).join(', ')}) GROUP BY ${c} ORDER BY n DESC LIMIT ${SAMPLE}`,
      );
      return rows.length
        ? { check, passed: false, message: `unexpected ${check.column} values: ${rows.map((r) => `${JSON.stringify(r.v)} (${r.n})`).join(', ')}` }
        : { check, passed: true, message: `${check.column} only holds accepted values` };
    }
    default:
      return { check, passed: false, message: `${check.type} is not a data check` };
  }
}

/** The environment's `evaluateChecks`, bound to a lake. */
export function createCheckEvaluator(options: CheckEvaluatorOptions) {
  return (ctx: StepContext, _output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]> =>
    evaluateDataChecks(options.lakeRoot, ctx.asset, ctx.partitions, checks);
}

/**
 * Looks at a source table now: its data version (row count + newest timestamp for tables with a
 * timestamp column, a content hash otherwise) and the live contract check as metadata.
 * Undefined for sources that are not tables of the local source database (e.g. the stream).
 */
export async function observeSource(source: SourceAccess, asset: AssetDefinition): Promise<Observation | undefined> {
  const t = sourceTableOf(asset);
  if (!t) return undefined;
  return source.use(async (pg) => {
    const diff = await checkSourceLive(pg, asset);
    const table = t.schema === 'public' ? pgIdent(t.table) : `${pgIdent(t.schema)}.${pgIdent(t.table)}`;
    const ts = diff.tableFound ? asset.contract?.columns.find((c) => canonicalType(c.type) === 'timestamp') : undefined;
    let facts: Record<string, string | number | null> = { rows: 0 };
    if (diff.tableFound) {
      const sql = ts
        ? `SELECT count(*)::bigint AS rows, max(${pgIdent(ts.name)})::text AS latest FROM ${table}`
        : `SELECT count(*)::bigint AS rows, coalesce(sum(hashtext(t::text)::bigint), 0)::text AS content FROM ${table} t`;
      const row = (await pg.query<Record<string, string | number | null>>(sql)).rows[0];
      facts = { ...row, rows: Number(row.rows) };
    }
    // A table that is gone has no data (NO_DATA), not new data: staleness then says it is missing.
    const dataVersion = diff.tableFound ? crypto.createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 16) : NO_DATA;
    return {
      key: asset.key,
      dataVersion,
      at: new Date().toISOString(),
      metadata: {
        rows: Number(facts.rows),
        ...(ts ? { latest: (facts.latest as string | null) ?? null } : {}),
        contract: diff.breaking ? 'breaking' : diff.changes.length ? 'compatible' : 'matches',
        contractDiff: diff.changes.length || !diff.tableFound ? formatContractDiff(diff) : '',
      },
    };
  });
}

/** The environment's `observeSource`, bound to a shared source connection. */
export function createSourceObserver(source: SourceAccess) {
  return (asset: AssetDefinition): Promise<Observation | undefined> => observeSource(source, asset);
}
