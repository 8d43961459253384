/**
 * The batch half of `npm run demo`, for any graph: seeds the local source from the graph module's
 * example data set when missing, materializes every batch asset (daily and coarser partitions and
 * the snapshots they read over the seeded days, then the unpartitioned assets built from them, such
 * as models and indexes, while hourly assets run over the last 24 hours) and summarizes what
 * happened.
 */
import { partitionKey, selectAssets, type AssetDefinition, type AssetGraph, type DemoData, type PartitionRequest, type TimeWindowPartitions } from '../../assets/core';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { localRoot } from '../../jobs/embedded/paths';
import { seedSource, sourceExists } from '../../jobs/embedded/source';
import { materialize, type EngineReporter, type MaterializeResult } from '../../jobs/engine';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface BatchDemoOptions {
  /** Days of history to seed and extract. Default 30. */
  readonly days?: number;
  readonly reporter: EngineReporter;
  readonly print: (line: string) => void;
  readonly graph: AssetGraph;
  /** The graph module's example data (`demoData`): its data set seeds a missing source. */
  readonly demoData?: DemoData;
}

export interface StepSummary {
  readonly key: string;
  readonly outcome: string;
  readonly runs: number;
  readonly rows: number | null;
  readonly ms: number;
  readonly detail: string;
}

/** A model's quality on its hold-out: an asset's numeric metadata that include a baseline to compare with. */
export interface ModelSummary {
  readonly key: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface BatchDemoResult {
  readonly seededMs: number | null;
  readonly steps: readonly StepSummary[];
  readonly models: readonly ModelSummary[];
  readonly failed: boolean;
}

/** The partition range of `key`'s time partitions from `fromMs` to the last complete one. */
function rangeOf(graph: AssetGraph, key: string, fromMs: number, toMs: number): PartitionRequest {
  const def = graph.get(key).partitions as TimeWindowPartitions;
  const step = def.cadence === 'hourly' ? HOUR : DAY;
  const from = partitionKey(def, Math.max(0, Math.floor((fromMs - def.startMs) / step)));
  const to = partitionKey(def, Math.floor((toMs - def.startMs) / step) - 1);
  return { type: 'range', from, to };
}

const cadenceOf = (a: AssetDefinition) => (a.partitions?.type === 'time' ? (a.partitions as TimeWindowPartitions).cadence : undefined);

/** Everything upstream of `keys` (not the keys themselves). */
function upstreamOf(graph: AssetGraph, keys: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = keys.flatMap((k) => graph.get(k).deps.map((d) => d.key));
  while (stack.length) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    stack.push(...graph.get(k).deps.map((d) => d.key));
  }
  return seen;
}

/** Metrics that look like a model's evaluation: it reports numbers and a baseline to beat. */
function modelMetrics(metadata: Readonly<Record<string, unknown>> | undefined): Record<string, number> | null {
  if (!metadata) return null;
  const numbers = Object.fromEntries(Object.entries(metadata).filter((e): e is [string, number] => typeof e[1] === 'number'));
  return Object.keys(numbers).some((k) => /^baseline/i.test(k)) ? numbers : null;
}

/** Runs the batch demo; never throws for a step failure (the summary says what failed). */
export async function runBatchDemo(o: BatchDemoOptions): Promise<BatchDemoResult> {
  const { graph } = o;
  const days = o.days ?? 30;
  let seededMs: number | null = null;
  if (!sourceExists()) {
    const dataset = o.demoData?.source;
    if (!dataset) throw new Error('the local source database is empty and the graph module has no example data set (`demoData.source`): load its tables first with `npm run -s assets -- source load TABLE FILE --create`');
    o.print(`seeding the local source (${days} days of ${dataset.description}) in ${localRoot()} ...`);
    const t = Date.now();
    await seedSource({ dataset, days, log: (m) => o.print(`  ${m}`) });
    seededMs = Date.now() - t;
  }
  const batch = selectAssets(graph, 'category:batch');
  const hourly = batch.filter((k) => cadenceOf(graph.get(k)) === 'hourly');
  const periodic = batch.filter((k) => cadenceOf(graph.get(k)) !== undefined && !hourly.includes(k));
  // The snapshots the periodic assets read go with them; the other unpartitioned assets (models, indexes) follow.
  const feeding = upstreamOf(graph, periodic);
  const snapshots = batch.filter((k) => !cadenceOf(graph.get(k)) && feeding.has(k));
  const latest = batch.filter((k) => !cadenceOf(graph.get(k)) && !feeding.has(k));
  const env = new EmbeddedEnvironment();
  const results: MaterializeResult[] = [];
  try {
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    const thisHour = Math.floor(now / HOUR) * HOUR;
    const run = async (keys: string[], request: PartitionRequest): Promise<MaterializeResult[]> =>
      keys.length ? [await materialize({ graph, keys, selection: keys.join(' or '), request, command: 'materialize', env, reporter: o.reporter, maxParallel: 2 })] : [];
    // One run per cadence (a range names partitions of one cadence), the snapshots with the first.
    const cadences = [...new Set(periodic.map((k) => cadenceOf(graph.get(k))!))];
    for (const [i, cadence] of cadences.entries()) {
      const group = periodic.filter((k) => cadenceOf(graph.get(k)) === cadence);
      results.push(...(await run([...(i === 0 ? snapshots : []), ...group], rangeOf(graph, group[0], today - days * DAY, today))));
    }
    const models = () => run(latest, { type: 'latest' });
    const hours = () => run(hourly, hourly.length ? rangeOf(graph, hourly[0], thisHour - DAY, thisHour) : { type: 'latest' });
    const modelsReadHours = [...upstreamOf(graph, latest)].some((k) => hourly.includes(k));
    const hoursReadModels = [...upstreamOf(graph, hourly)].some((k) => latest.includes(k));
    if (modelsReadHours) results.push(...(await hours()), ...(await models()));
    else if (hoursReadModels) results.push(...(await models()), ...(await hours()));
    // The trainer is CPU-bound, DuckDB mostly I/O: both at once.
    else for (const r of await Promise.all([models(), hours()])) results.push(...r);
  } finally {
    await env.close();
  }
  const steps = new Map<string, { outcome: string; runs: number; rows: number | null; ms: number; detail: string }>();
  const models = new Map<string, Record<string, number>>();
  for (const r of results.flatMap((x) => x.results)) {
    const s = steps.get(r.key) ?? { outcome: 'succeeded', runs: 0, rows: null, ms: 0, detail: '' };
    s.runs++;
    s.ms += r.durationMs;
    if (typeof r.metadata?.rows === 'number') s.rows = (s.rows ?? 0) + r.metadata.rows;
    if (r.outcome !== 'succeeded' && r.outcome !== 'up_to_date') {
      s.outcome = r.outcome;
      s.detail = r.detail;
    } else if (r.outcome === 'up_to_date' && s.runs === 1) s.outcome = 'up to date';
    steps.set(r.key, s);
    const m = modelMetrics(r.metadata);
    if (m) models.set(r.key, m);
  }
  // Up to date: a model's metrics are on its last materialization.
  const env2 = new EmbeddedEnvironment();
  try {
    const snap = await env2.runLog.snapshot();
    for (const key of latest) {
      if (models.has(key)) continue;
      const m = modelMetrics(snap.latestMaterialization(key, null)?.metadata);
      if (m) models.set(key, m);
    }
  } finally {
    await env2.close();
  }
  return {
    seededMs,
    steps: [...steps].map(([key, s]) => ({ key, ...s })),
    models: [...models].map(([key, metrics]) => ({ key, metrics })),
    failed: results.some((r) => r.status !== 'succeeded'),
  };
}
