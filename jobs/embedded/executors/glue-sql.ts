/**
 * glue-sql, embedded: run the asset's SQL file on DuckDB, following the convention in
 * jobs/transforms/sql/convention.ts (the same file the Glue job runs with Spark SQL).
 * Lake deps become views over their committed Parquet files; source deps are read from PGlite
 * for the window (contract-checked first). The result is checked against the asset's contract
 * before anything is written, then each partition is committed atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  canonicalType,
  computeSettings,
  diffContract,
  formatContractDiff,
  type AssetDefinition,
  type ColumnContract,
} from '../../../assets/core';
import { FALLBACK_FILE, fallbackProblems, type FallbackSettings, type GlueSqlSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { repoRoot } from '../../engine/repo-files';
import { depTableName, parseDirectives, PARTITION_COLUMN, renderTemplate } from '../../transforms/sql/convention';
import { commitDirectory, writeFileAtomic } from '../lake/commit';
import { SQL_STAGING_PREFIX } from '../lake/staging';
import { duckIdent, queryRows, readParquet, sqlString, timestampLiteral, withDuckDb } from '../lake/duckdb';
import { DATA_FILE, dataDir, parquetFiles, partitionWindow, tableDir } from '../lake/layout';
import { assertParquetReadable, describeColumns, namingCorruptFile } from '../lake/parquet';
import type { SourceAccess } from '../source/db';
import { exportSourceCsv, loadCsvTable } from '../source/extract';

export interface GlueSqlExecutorOptions {
  /** Root of the lake (`localPaths.lake()`). */
  readonly lakeRoot: string;
  /** The shared source connection, for source deps (`sharedSource()`). */
  readonly source: SourceAccess;
  /** Where `compute.sql` paths are resolved. Default: the repository root. */
  readonly repoRoot?: string;
}

interface Window {
  readonly key: string | null;
  readonly startMs: number;
  readonly endMs: number;
}

const pgTimestamp = (ms: number) => timestampLiteral(ms); // Postgres accepts TIMESTAMP '...' literals too.

/** Registers every dep as a table/view named by its key; returns the Parquet files read (for error messages). */
async function registerDeps(
  con: DuckDBConnection,
  ctx: StepContext,
  options: GlueSqlExecutorOptions,
  run: { startMs: number; endMs: number; lookbackMs: number; sourceFilters: Readonly<Record<string, string>>; sqlPath: string },
  staging: string,
): Promise<string[]> {
  const allFiles: string[] = [];
  for (const dep of ctx.asset.deps) {
    const depAsset: AssetDefinition = ctx.graph.get(dep.key);
    const name = depTableName(dep.key);
    if (depAsset.source) {
      if (!depAsset.contract) throw new Error(`${ctx.asset.key}: source dep ${dep.key} has no contract, so its columns are unknown`);
      const readStart = run.startMs - run.lookbackMs;
      let where: string | undefined;
      const filter = run.sourceFilters[dep.key];
      if (filter) {
        where = renderTemplate(
          filter,
          { read_start: pgTimestamp(readStart), partition_start: pgTimestamp(run.startMs), partition_end: pgTimestamp(run.endMs) },
          `${run.sqlPath} (source_filter ${dep.key})`,
        );
      } else {
        const ts = depAsset.contract.columns.find((c) => canonicalType(c.type) === 'timestamp');
        if (ts) where = `"${ts.name}" >= ${pgTimestamp(readStart)} AND "${ts.name}" < ${pgTimestamp(run.endMs)}`;
      }
      const exp = await exportSourceCsv(options.source, depAsset, path.join(staging, `${name}.csv`), where);
      await loadCsvTable(con, name, exp.file, depAsset.contract);
      continue;
    }
    const files = parquetFiles(options.lakeRoot, depAsset);
    if (!files.length) {
      throw new Error(`${ctx.asset.key}: dep ${dep.key} has no committed data in the lake (${tableDir(options.lakeRoot, dep.key)}); materialize it first: assets materialize ${dep.key}`);
    }
    await assertParquetReadable(con, files, dep.key);
    await con.run(`CREATE OR REPLACE VIEW ${duckIdent(name)} AS SELECT * FROM ${readParquet(files)}`);
    allFiles.push(...files);
  }
  return allFiles;
}

/** Checks the SQL's output (table or view `__result`) against the contract (exact names and types) before writing (both engines). */
export async function checkOutput(con: DuckDBConnection, asset: AssetDefinition, partitioned: boolean, sqlPath: string): Promise<readonly ColumnContract[]> {
  const found = await describeColumns(con, '__result');
  const contract = asset.contract;
  if (!contract) return found.filter((c) => c.name !== PARTITION_COLUMN).map((c) => ({ ...c, nullable: true }));
  if (partitioned && !found.some((c) => c.name === PARTITION_COLUMN)) {
    throw new Error(`${sqlPath}: a time-partitioned asset's SQL must also select ${PARTITION_COLUMN} (TIMESTAMP), the start of each row's partition`);
  }
  const output = found.filter((c) => c.name !== PARTITION_COLUMN);
  // Nullability of SQL output is not declared anywhere; the not_null checks cover the data.
  const diff = diffContract({ ...contract, evolution: 'strict' }, output.map((c) => ({ ...c, nullable: false })), {
    subject: `the output of ${sqlPath}`,
    against: `${asset.key}'s contract`,
  });
  const real = diff.changes.filter((c) => c.kind !== 'tightened');
  if (real.length) {
    throw new Error(`${sqlPath} does not produce ${asset.key}'s contract; nothing was written:\n${formatContractDiff({ ...diff, changes: real })}\nCAST each column to its contract type (and select exactly the contract's columns).`);
  }
  return contract.columns;
}

/** The embedded executor of the `glue-sql` kind. */
export function createGlueSqlExecutor(options: GlueSqlExecutorOptions): Executor {
  const root = options.repoRoot ?? repoRoot();
  return {
    kind: 'glue-sql',
    async execute(ctx: StepContext): Promise<StepOutput> {
      const settings = computeSettings<GlueSqlSettings>(ctx.asset);
      const sqlPath = settings.sql;
      let sqlText: string;
      try {
        sqlText = fs.readFileSync(path.resolve(root, sqlPath), 'utf8');
      } catch {
        throw new Error(`${ctx.asset.key}: cannot read its SQL file ${sqlPath} (resolved against ${root})`);
      }
      const directives = parseDirectives(sqlText, sqlPath);
      const def = ctx.asset.partitions;
      const timePartitioned = def?.type === 'time';
      if (def && !timePartitioned) throw new Error(`${ctx.asset.key}: glue-sql runs time-partitioned or unpartitioned assets; static partitions are not supported embedded`);
      const windows: Window[] =
        timePartitioned && ctx.partitions
          ? ctx.partitions.map((k) => ({ key: k, ...partitionWindow(def, k) }))
          : [{ key: null, startMs: ctx.window?.start.getTime() ?? 0, endMs: ctx.window?.end.getTime() ?? Date.now() }];
      const startMs = Math.min(...windows.map((w) => w.startMs));
      const endMs = Math.max(...windows.map((w) => w.endMs));
      const staging = fs.mkdtempSync(SQL_STAGING_PREFIX());
      try {
        return await withDuckDb(async (con) => {
          const t0 = Date.now();
          const files = await registerDeps(con, ctx, options, { startMs, endMs, ...directives, sqlPath }, staging);
          const values = windows.map((w) => `(${timestampLiteral(w.startMs)}, ${timestampLiteral(w.endMs)})`).join(', ');
          await con.run(`CREATE OR REPLACE TABLE partitions AS SELECT * FROM (VALUES ${values}) AS t(partition_start, partition_end)`);
          const t1 = Date.now();
          // Comment lines hold the directives (with their own placeholders): the engine never sees them.
          const body = renderTemplate(sqlText.replace(/^\s*--.*$/gm, ''), { partition_start: timestampLiteral(startMs), partition_end: timestampLiteral(endMs) }, sqlPath).replace(/;\s*$/, '');
          await namingCorruptFile(con, files, undefined, () => con.run(`CREATE TABLE __result AS ${body}`));
          const columns = await checkOutput(con, ctx.asset, timePartitioned, sqlPath);
          // A fallback naming a column the SQL does not produce fails before anything is written.
          const fallbackIssues = settings.fallback ? fallbackProblems(settings.fallback, (await describeColumns(con, '__result')).map((c) => c.name).filter((n) => n !== PARTITION_COLUMN)) : [];
          if (fallbackIssues.length) throw new Error(`${ctx.asset.key}: ${fallbackIssues.join('; ')}; nothing was written: fix the asset's fallback setting`);
          const t2 = Date.now();
          ctx.log(`inputs ready in ${t1 - t0} ms, ${sqlPath} ran in ${t2 - t1} ms`);
          const select = columns.map((c) => duckIdent(c.name)).join(', ');
          const partitionMetadata: Record<string, { rows: number; bytes: number }> = {};
          let rows = 0;
          let bytes = 0;
          const counts = new Map<number, number>();
          if (timePartitioned) {
            const grouped = await queryRows<{ ms: string; n: string }>(
              con,
              `SELECT CAST(epoch_ms(${PARTITION_COLUMN}) AS VARCHAR) AS ms, CAST(count(*) AS VARCHAR) AS n FROM __result GROUP BY ${PARTITION_COLUMN}`,
            );
            for (const g of grouped) counts.set(Number(g.ms), Number(g.n));
          }
          // One parallel pass writes every partition's file to a staging folder inside the lake
          // (same filesystem); each is then committed into its partition folder by rename.
          const split = timePartitioned ? path.join(options.lakeRoot, '.staging', `${process.pid}-${path.basename(staging)}`) : undefined;
          if (split) {
            fs.mkdirSync(path.dirname(split), { recursive: true });
            await con.run(
              `COPY (SELECT ${select}, CAST(epoch_ms(${PARTITION_COLUMN}) AS BIGINT) AS __pms FROM __result) TO ${sqlString(split)} ` +
                `(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (__pms), FILENAME_PATTERN 'part')`,
            );
          }
          const tSplit = Date.now();
          try {
            // Commits are independent: overlap them so their fsyncs share disk flushes.
            await forEachConcurrently(windows, 8, async (w) => {
              if (ctx.signal.aborted) throw new Error(`${ctx.asset.key}: cancelled; partitions committed so far are complete, the rest were not written`);
              const r = await commitDirectory(dataDir(options.lakeRoot, ctx.asset, w.key), async (tmp) => {
                const file = path.join(tmp, DATA_FILE);
                const staged = split ? path.join(split, `__pms=${w.startMs}`, 'part.parquet') : undefined;
                let n = counts.get(w.startMs) ?? 0;
                if (staged && fs.existsSync(staged)) fs.renameSync(staged, file);
                else {
                  // Unpartitioned, or a partition without rows: write it directly (an empty file keeps the schema).
                  const filter = w.key === null ? '' : ` WHERE ${PARTITION_COLUMN} = ${timestampLiteral(w.startMs)}`;
                  if (w.key === null) [{ n }] = await queryRows<{ n: number }>(con, `SELECT CAST(count(*) AS INTEGER) AS n FROM __result`);
                  await con.run(`COPY (SELECT ${select} FROM __result${filter}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
                }
                return { rows: Number(n), bytes: fs.statSync(file).size };
              });
              if (w.key !== null) partitionMetadata[w.key] = r;
              rows += r.rows;
              bytes += r.bytes;
            });
          } finally {
            if (split) fs.rmSync(split, { recursive: true, force: true });
          }
          if (settings.fallback) await writeFallbackList(con, options.lakeRoot, ctx.asset, settings.fallback, windows[windows.length - 1]);
          ctx.log(`wrote ${rows.toLocaleString('en-US')} rows${windows[0].key !== null ? ` in ${windows.length} partition(s)` : ''} in ${Date.now() - t2} ms (Parquet ${tSplit - t2} ms, commits ${Date.now() - tSplit} ms)`);
          return { metadata: { rows, bytes, sqlMs: t2 - t1 }, ...(windows[0].key !== null ? { partitionMetadata } : {}) };
        });
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure is thrown after in-flight ones settle. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * `<lake>/<key>/latest.json`: the newest partition's top rows by `fallback.orderBy` (ties by id),
 * the list serving answers from when it cannot use the model (jobs/serving/fallback-list.ts reads
 * it; jobs/glue/sql_runner.py writes the same document).
 */
async function writeFallbackList(con: DuckDBConnection, lakeRoot: string, asset: AssetDefinition, fallback: FallbackSettings, w: Window): Promise<void> {
  const extra = fallback.columns.map((c) => `, ${duckIdent(c)}`).join('');
  const rows = await queryRows<Record<string, unknown> & { __id: string; __score: number | null }>(
    con,
    `SELECT CAST(${duckIdent(fallback.id)} AS VARCHAR) AS __id, CAST(${duckIdent(fallback.orderBy)} AS DOUBLE) AS __score${extra} FROM __result
      WHERE ${duckIdent(fallback.id)} IS NOT NULL AND ${duckIdent(fallback.orderBy)} IS NOT NULL
      ${w.key === null ? '' : `AND ${PARTITION_COLUMN} = ${timestampLiteral(w.startMs)}`}
      ORDER BY ${duckIdent(fallback.orderBy)} ${fallback.ascending ? 'ASC' : 'DESC'}, CAST(${duckIdent(fallback.id)} AS VARCHAR) LIMIT ${fallback.top}`,
  );
  const file = path.join(tableDir(lakeRoot, asset.key), FALLBACK_FILE);
  // A backfill of older partitions must not replace a newer list.
  try {
    const current = JSON.parse(fs.readFileSync(file, 'utf8')) as { partition?: string };
    if (w.key !== null && typeof current.partition === 'string' && current.partition > w.key) return;
  } catch {
    // Missing or unreadable: write a fresh one.
  }
  const doc = {
    asset: asset.key,
    asOf: new Date(w.endMs).toISOString(),
    partition: w.key ?? '',
    id: fallback.id,
    orderBy: fallback.orderBy,
    items: rows.map(({ __id, __score, ...columns }) => ({ id: __id, score: Number(__score), ...Object.fromEntries(fallback.columns.map((c) => [c, columns[c] ?? null])) })),
  };
  writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
}
