/**
 * The `glue-extract`, `glue-sql` and `emr-spark` kinds on local Spark (`--engine spark`): each
 * step runs the very script its Glue job or EMR Serverless application runs
 * (jobs/glue/jdbc_extract.py, jobs/glue/sql_runner.py, the asset's PySpark script) with the
 * arguments the Pulumi jobs and the launchers pass (jobs/aws/job-arguments.ts), with lake folders
 * for `s3://` locations and the local source on a loopback port for the Glue connection. What
 * stays the embedded environment's: the checks before writing (the source contract live, the SQL
 * output against the asset's contract), the lake commit (lake-output.ts), and everything the
 * engine does around a step (locks, versions, checks, integrity facts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ContractViolationError, computeSettings, type AssetDefinition, type Metadata } from '../../assets/core';
import type { EmrSparkSettings, GlueSqlSettings } from '../../assets/kinds';
import { checkSourceLive, sourceTableOf } from '../contracts/live';
import type { Executor, StepContext, StepOutput } from '../engine/environment';
import { repoRoot } from '../engine/repo-files';
import { argumentList, emrEntryPointArguments, emrWindowArguments, glueExtractArguments, glueRunArguments, glueSqlArguments, viewName, type GlueInput } from '../aws/job-arguments';
import { MODEL_FILES, recoverInterruptedSwap, swapFolder } from '../embedded/executors/emr-spark';
import { sourceOf } from '../embedded/executors/glue-extract';
import { checkOutput } from '../embedded/executors/glue-sql';
import { readParquet, withDuckDb } from '../embedded/lake/duckdb';
import { parquetFiles, tableDir } from '../embedded/lake/layout';
import type { SourceAccess } from '../embedded/source';
import { localPaths } from '../embedded/paths';
import { sparkRegisterArguments } from '../erasure/register';
import { commitSparkOutput, makeStaging, sparkTarget, stageSideFiles } from './lake-output';
import { LOCAL_CONNECTION, LOOPBACK_JDBC_OPTIONS, type SparkEngine } from './spark-engine';

export interface SparkExecutorDeps {
  readonly lakeRoot: string;
  readonly source: SourceAccess;
  readonly spark: SparkEngine;
  /** Where `compute.sql` and `compute.script` paths are resolved. Default: the repository root. */
  readonly repoRoot?: string;
}

/** Recorded on every step Spark ran (the run records the engine too). */
const ENGINE = 'spark';

/** Checks a source table's contract against the live schema; a breaking diff fails before Spark reads a row. */
async function checkSourceContract(source: SourceAccess, asset: AssetDefinition): Promise<'matches' | 'compatible'> {
  const diff = await source.use((pg) => checkSourceLive(pg, asset));
  if (diff.breaking) throw new ContractViolationError(diff);
  return diff.changes.length ? 'compatible' : 'matches';
}

/** A Glue script's command line: what Glue passes (JOB_NAME), the job's default arguments, the run's window. */
function glueArgv(ctx: StepContext, args: Record<string, string>): string[] {
  return argumentList({ '--JOB_NAME': viewName(ctx.asset.key), '--asset_key': ctx.asset.key, ...args, ...glueRunArguments(ctx.runId, ctx.window) });
}

/** A lake dep's folder, checked to hold committed data (as the DuckDB path checks it). */
function lakeInput(deps: SparkExecutorDeps, ctx: StepContext, key: string): string {
  if (!parquetFiles(deps.lakeRoot, ctx.graph.get(key)).length) {
    throw new Error(`${ctx.asset.key}: dep ${key} has no committed data in the lake (${tableDir(deps.lakeRoot, key)}); materialize it first: assets materialize ${key}`);
  }
  return `${tableDir(deps.lakeRoot, key)}/`;
}

/** Runs a Glue script into a staging folder and commits what it wrote; the staging folder is always removed. */
async function runGlueScript(
  deps: SparkExecutorDeps,
  ctx: StepContext,
  script: string,
  args: (staging: string) => Record<string, string>,
  beforeCommit?: (files: readonly string[]) => Promise<void>,
): Promise<{ rows: number; bytes: number; partitionMetadata?: Record<string, Metadata>; sparkMs: number }> {
  const staging = makeStaging(deps.lakeRoot);
  try {
    stageSideFiles(deps.lakeRoot, ctx.asset, staging);
    const run = await deps.spark.run(script, glueArgv(ctx, args(staging)), ctx.signal);
    const out = await commitSparkOutput({
      lakeRoot: deps.lakeRoot,
      asset: ctx.asset,
      staging,
      partitions: ctx.asset.partitions ? ctx.partitions : null,
      compact: async (pairs) => void (await deps.spark.run('spark-local/compact_parquet.py', [JSON.stringify(pairs)], ctx.signal)),
      beforeCommit,
      signal: ctx.signal,
    });
    ctx.log(`${script} on local Spark in ${run.ms} ms: ${out.rows.toLocaleString('en-US')} rows${out.partitionMetadata ? ` in ${Object.keys(out.partitionMetadata).length} partition(s)` : ''}`);
    return { ...out, sparkMs: run.ms };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function glueExtract(deps: SparkExecutorDeps): Executor {
  return {
    kind: 'glue-extract',
    async execute(ctx) {
      const { settings, source } = sourceOf(ctx);
      const table = sourceTableOf(source);
      if (!table) throw new Error(`${ctx.asset.key}: compute.from ${settings.from} is not an rds-table source; point it at one`);
      const contract = await checkSourceContract(deps.source, source);
      const out = await runGlueScript(deps, ctx, 'glue/jdbc_extract.py', (staging) => ({
        ...glueExtractArguments(ctx.asset, sparkTarget(ctx.asset, staging), {
          connection: LOCAL_CONNECTION,
          schema: table.schema,
          table: table.table,
          partitionColumn: settings.partitionColumn,
          jdbcOptions: LOOPBACK_JDBC_OPTIONS,
        }),
        // Erased subjects stay out, as in the DuckDB extract (the embedded register's files).
        ...sparkRegisterArguments(ctx.asset, localPaths.erasure()),
      }));
      return stepOutput(out, { source: settings.from, contract });
    },
  };
}

function glueSql(deps: SparkExecutorDeps): Executor {
  const root = deps.repoRoot ?? repoRoot();
  return {
    kind: 'glue-sql',
    async execute(ctx) {
      const sqlPath = computeSettings<GlueSqlSettings>(ctx.asset).sql;
      const sqlFile = path.resolve(root, sqlPath);
      if (!fs.existsSync(sqlFile)) throw new Error(`${ctx.asset.key}: cannot read its SQL file ${sqlPath} (resolved against ${root})`);
      if (ctx.asset.partitions && ctx.asset.partitions.type !== 'time') throw new Error(`${ctx.asset.key}: glue-sql runs time-partitioned or unpartitioned assets; static partitions are not supported embedded`);
      const inputs: GlueInput[] = [];
      for (const dep of ctx.asset.deps) {
        const up = ctx.graph.get(dep.key);
        const t = up.source ? sourceTableOf(up) : undefined;
        if (up.source && (!t || !up.contract)) throw new Error(`${ctx.asset.key}: source dep ${dep.key} is not a contracted rds-table, so Spark cannot read it over JDBC`);
        if (t) {
          await checkSourceContract(deps.source, up);
          inputs.push({ view: viewName(dep.key), kind: 'jdbc', connection: LOCAL_CONNECTION, schema: t.schema, table: t.table, options: LOOPBACK_JDBC_OPTIONS });
        } else inputs.push({ view: viewName(dep.key), kind: 'lake', path: lakeInput(deps, ctx, dep.key), format: 'parquet' });
      }
      // The contract is checked on what Spark wrote, before the first partition is committed.
      const contractCheck = (files: readonly string[]) =>
        withDuckDb(async (con) => {
          await con.run(`CREATE VIEW __result AS SELECT * FROM ${readParquet(files, 'union_by_name = true')}`);
          await checkOutput(con, ctx.asset, false, sqlPath);
        });
      const out = await runGlueScript(deps, ctx, 'glue/sql_runner.py', (staging) => glueSqlArguments(ctx.asset, sparkTarget(ctx.asset, staging), sqlFile, inputs), contractCheck);
      return stepOutput(out, { sqlMs: out.sparkMs });
    },
  };
}

function stepOutput(out: { rows: number; bytes: number; partitionMetadata?: Record<string, Metadata>; sparkMs: number }, extra: Metadata): StepOutput {
  return { metadata: { rows: out.rows, bytes: out.bytes, ...extra, engine: ENGINE, sparkMs: out.sparkMs }, ...(out.partitionMetadata ? { partitionMetadata: out.partitionMetadata } : {}) };
}

/** The numbers of the script's result and of model.json's metrics, as step metadata (the checks compare them). */
function numericMetrics(...sources: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sources) {
    if (!s || typeof s !== 'object') continue;
    for (const [k, v] of Object.entries(s)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}

function emrSpark(deps: SparkExecutorDeps): Executor {
  const root = deps.repoRoot ?? repoRoot();
  return {
    kind: 'emr-spark',
    async execute(ctx) {
      const settings = computeSettings<EmrSparkSettings>(ctx.asset);
      const script = path.resolve(root, settings.script);
      if (!fs.existsSync(script)) throw new Error(`${ctx.asset.key}: its Spark script ${settings.script} does not exist (resolved against ${root})`);
      const inputs = ctx.asset.deps.filter((d) => !ctx.graph.get(d.key).source).map((d) => ({ key: d.key, uri: lakeInput(deps, ctx, d.key) }));
      const target = tableDir(deps.lakeRoot, ctx.asset.key);
      recoverInterruptedSwap(target);
      // Named like the default trainer's staging (removed with a dead process), in the same folder as the target.
      const staged = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      fs.mkdirSync(staged, { recursive: true });
      try {
        const argv = [...emrEntryPointArguments(inputs, `${staged}/`, settings.params, settings.model), ...emrWindowArguments(ctx.window)];
        const run = await deps.spark.run(script, argv, ctx.signal);
        const modelFile = path.join(staged, MODEL_FILES.model);
        if (!fs.existsSync(modelFile)) throw new Error(`${settings.script} ended without writing ${MODEL_FILES.model}; the previous model is unchanged`);
        // Hadoop's local file system leaves .crc checksums beside each file: not part of the model.
        for (const name of fs.readdirSync(staged)) if (name.startsWith('.') && name.endsWith('.crc')) fs.rmSync(path.join(staged, name));
        const model = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { dimension?: number; metrics?: Record<string, unknown> };
        if (ctx.signal.aborted) throw new Error('cancelled before commit; the previous model is unchanged');
        swapFolder(staged, target);
        const metrics = numericMetrics(model.metrics, run.result?.metrics);
        ctx.log(`${settings.script} on local Spark in ${run.ms} ms: recall@10 ${metrics.recallAt10?.toFixed(4)} (popularity ${metrics.baselineRecallAt10?.toFixed(4)})`);
        return { metadata: { ...metrics, rows: metrics.trainRows ?? 0, dimension: model.dimension ?? null, path: target, engine: ENGINE, sparkMs: run.ms, trainMs: run.ms } };
      } finally {
        fs.rmSync(staged, { recursive: true, force: true });
      }
    },
  };
}

/** The executors `--engine spark` puts in place of the default ones, by kind. */
export function createSparkExecutors(deps: SparkExecutorDeps): Executor[] {
  return [glueExtract(deps), glueSql(deps), emrSpark(deps)];
}
