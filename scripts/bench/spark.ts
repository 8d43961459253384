/**
 * `npm run -s bench:spark -- [--ratings N] [--days D] [--hours H] [--epochs E] [--batch-fraction F] [--no-train] [--json]`:
 * the reference graph on both embedded engines over one seeded source (N ratings over D days,
 * default the demo's 100,000 over 30): the default engines (PGlite -> DuckDB, the TypeScript
 * trainer) in one temporary HEADWATER_HOME, then `--engine spark` (jdbc_extract.py, sql_runner.py,
 * train_recommender.py on one local Spark) in another, each through the real engine. Then every
 * glue-extract and glue-sql asset's lake folders are compared (compare-lake.ts: partitions,
 * Parquet types, rows, values). Raw snapshots and the training set cover the D days, the hourly
 * analytics the last H hours (default 24, as the demo). The model trains with its declared params
 * unless --epochs/--batch-fraction override the PySpark trainer's (the JSON says which ran).
 * Human-readable lines, then with --json one JSON object as the last line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partitionKey, type AssetDefinition, type AssetGraph, type PartitionRequest, type TimeWindowPartitions, defineGraph } from '../../assets/core';
import { REFERENCE_KINDS, type EmrSparkSettings } from '../../assets/kinds';
import referenceGraph, { referenceAssets } from '../../assets/index';
import type { EngineName } from '../../jobs/embedded/engine-names';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { tableDir } from '../../jobs/embedded/lake/layout';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { materialize, silentReporter, type MaterializeResult } from '../../jobs/engine';
import { compareLakeFolders } from './compare-lake';
import { positiveIntArg } from './options';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `--name X` as a number in (0, 1], or undefined when absent; exits 2 naming the flag otherwise. */
function fractionArg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0 && v <= 1)) {
    process.stderr.write(`--${name} must be a number in (0, 1] (got '${process.argv[i + 1]}')\n`);
    process.exit(2);
  }
  return v;
}

/** The range of `key`'s time partitions covering [fromMs, toMs). */
function rangeOf(graph: AssetGraph, key: string, fromMs: number, toMs: number): PartitionRequest {
  const def = graph.get(key).partitions as TimeWindowPartitions;
  const step = def.cadence === 'hourly' ? HOUR : DAY;
  return { type: 'range', from: partitionKey(def, Math.floor((fromMs - def.startMs) / step)), to: partitionKey(def, Math.floor((toMs - def.startMs) / step) - 1) };
}

/** The reference graph with the PySpark trainer's params overridden (the TypeScript trainer keeps the declared ones). */
function withSparkModelParams(overrides: Record<string, number>): AssetGraph {
  if (!Object.keys(overrides).length) return referenceGraph;
  const change = (a: AssetDefinition): AssetDefinition => {
    if (a.compute.kind !== 'emr-spark') return a;
    const compute: EmrSparkSettings = { ...(a.compute as EmrSparkSettings), params: { ...(a.compute as EmrSparkSettings).params, ...overrides } };
    return { ...a, compute };
  };
  return defineGraph(referenceAssets.map(change), { kinds: REFERENCE_KINDS });
}

interface EngineRun {
  readonly sparkStartMs: number;
  readonly extractMs: number;
  readonly sqlMs: number;
  readonly trainMs: number | null;
  readonly model: Readonly<Record<string, unknown>>;
  readonly failures: string[];
}

/** Materializes the batch graph in the current HEADWATER_HOME on one engine, phase by phase. */
async function runEngine(engine: EngineName, graph: AssetGraph, o: { days: number; hours: number; train: boolean; untilMs: number }, log: (s: string) => void): Promise<EngineRun> {
  const env = new EmbeddedEnvironment({ engine });
  const failures: string[] = [];
  try {
    const sparkStartMs = env.spark ? await env.spark.ready() : 0;
    if (env.spark) log(`${engine}: SparkSession up in ${sparkStartMs} ms`);
    const phase = async (name: string, keys: string[], request: PartitionRequest): Promise<{ ms: number; r: MaterializeResult }> => {
      const t = Date.now();
      const r = await materialize({ graph, keys, selection: keys.join(' or '), request, command: 'materialize', env, reporter: silentReporter, maxParallel: 2 });
      const ms = Date.now() - t;
      const bad = r.results.filter((x) => x.outcome !== 'succeeded');
      failures.push(...bad.map((x) => `${engine} ${x.key}: ${x.outcome} ${x.detail.split('\n')[0]}`));
      log(`${engine}: ${name.padEnd(8)} ${ms} ms${bad.length ? `  NOT OK: ${bad.map((x) => `${x.key} ${x.outcome}`).join(', ')}` : ''}`);
      return { ms, r };
    };
    const days = rangeOf(graph, 'raw/ratings', o.untilMs - o.days * DAY, o.untilMs);
    const extract = await phase('extract', ['raw/customers', 'raw/products', 'raw/ratings'], days);
    const training = await phase('training', ['training/ratings_ml_training'], days);
    const analytics = await phase('analytics', ['analytics/popular_products', 'analytics/sales_hourly'], rangeOf(graph, 'analytics/sales_hourly', o.untilMs - o.hours * HOUR, o.untilMs));
    const train = o.train ? await phase('train', ['model/recommender'], { type: 'latest' }) : undefined;
    return { sparkStartMs, extractMs: extract.ms, sqlMs: training.ms + analytics.ms, trainMs: train?.ms ?? null, model: train?.r.results[0]?.metadata ?? {}, failures };
  } finally {
    await env.close();
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

async function main(): Promise<void> {
  const ratings = positiveIntArg('ratings', 100_000);
  const days = positiveIntArg('days', 30);
  const hours = positiveIntArg('hours', 24);
  const epochs = process.argv.includes('--epochs') ? positiveIntArg('epochs', 30) : undefined;
  const batchFraction = fractionArg('batch-fraction');
  const train = !process.argv.includes('--no-train');
  const json = process.argv.includes('--json');
  const overrides: Record<string, number> = { ...(epochs ? { epochs } : {}), ...(batchFraction ? { batchFraction } : {}) };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-spark-'));
  const homes = { default: path.join(root, 'default'), spark: path.join(root, 'spark') };
  const log = (s: string) => process.stdout.write(s + '\n');
  const [load1] = os.loadavg();
  log(`bench:spark: ${ratings.toLocaleString('en-US')} ratings over ${days} days, analytics over ${hours} h, in ${root} (${os.cpus().length} cores, load average ${load1.toFixed(1)}; figures are noisy on a shared machine)`);
  try {
    const untilMs = Math.floor(Date.now() / HOUR) * HOUR;
    process.env.HEADWATER_HOME = homes.default;
    const t = Date.now();
    await seedSource({ dataset: classicmodels, sizes: { ratings }, days, until: new Date(untilMs) });
    log(`seed: ${Date.now() - t} ms`);
    fs.cpSync(path.join(homes.default, 'source-db'), path.join(homes.spark, 'source-db'), { recursive: true });
    const plan = { days, hours, train, untilMs };
    const plain = await runEngine('default', referenceGraph, plan, log);
    process.env.HEADWATER_HOME = homes.spark;
    const spark = await runEngine('spark', withSparkModelParams(overrides), plan, log);

    const compared = referenceGraph.keys.filter((k) => ['glue-extract', 'glue-sql'].includes(referenceGraph.get(k).compute.kind));
    let rowsCompared = 0;
    let mismatches = 0;
    for (const key of compared) {
      const cmp = await compareLakeFolders(tableDir(path.join(homes.spark, 'lake'), key), tableDir(path.join(homes.default, 'lake'), key));
      rowsCompared += cmp.rows;
      mismatches += cmp.differences.length;
      log(`compare ${key}: ${cmp.partitions} partition(s), ${cmp.rows} rows, ${cmp.differences.length ? cmp.differences.slice(0, 3).join('; ') : 'identical'}`);
    }
    const sqlAssets = compared.filter((k) => referenceGraph.get(k).compute.kind === 'glue-sql').length;
    const [loadAfter] = os.loadavg();
    const result = {
      ratings,
      days,
      hours,
      sparkStartMs: spark.sparkStartMs,
      assets: compared.length,
      sqlAssets,
      rowsCompared,
      mismatches,
      extractMs: spark.extractMs,
      sqlMs: spark.sqlMs,
      trainMs: spark.trainMs,
      duckdbExtractMs: plain.extractMs,
      duckdbSqlMs: plain.sqlMs,
      tsTrainMs: plain.trainMs,
      sparkRecallAt10: num(spark.model.recallAt10),
      tsRecallAt10: num(plain.model.recallAt10),
      popularityRecallAt10: num(spark.model.baselineRecallAt10),
      tsPopularityRecallAt10: num(plain.model.baselineRecallAt10),
      sparkModelParams: Object.keys(overrides).length ? overrides : 'declared',
      loadAverage: [Number(load1.toFixed(1)), Number(loadAfter.toFixed(1))],
      failures: [...plain.failures, ...spark.failures],
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    if (result.failures.length || mismatches) process.exitCode = 1;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:spark failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
