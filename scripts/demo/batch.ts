/**
 * The batch half of `npm run demo`: seeds the local source when missing, materializes every
 * batch asset of the reference graph (raw + training for the seeded days, analytics for the last
 * 24 hours, the model and its indexes) and summarizes what happened.
 */
import { partitionKey, type AssetGraph, type PartitionRequest, type TimeWindowPartitions } from '../../assets/core';
import referenceGraph from '../../assets/index';
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
  readonly graph?: AssetGraph;
}

export interface StepSummary {
  readonly key: string;
  readonly outcome: string;
  readonly runs: number;
  readonly rows: number | null;
  readonly ms: number;
  readonly detail: string;
}

export interface BatchDemoResult {
  readonly seededMs: number | null;
  readonly steps: readonly StepSummary[];
  readonly model: Readonly<Record<string, number>> | null;
  readonly failed: boolean;
}

/** The partition range of `key`'s time partitions from `fromMs` to the last complete one. */
function rangeOf(graph: AssetGraph, key: string, fromMs: number, toMs: number): PartitionRequest {
  const def = graph.get(key).partitions as TimeWindowPartitions;
  const step = def.cadence === 'hourly' ? HOUR : DAY;
  const from = partitionKey(def, Math.floor((fromMs - def.startMs) / step));
  const to = partitionKey(def, Math.floor((toMs - def.startMs) / step) - 1);
  return { type: 'range', from, to };
}

/** Runs the batch demo; never throws for a step failure (the summary says what failed). */
export async function runBatchDemo(o: BatchDemoOptions): Promise<BatchDemoResult> {
  const graph = o.graph ?? referenceGraph;
  const days = o.days ?? 30;
  let seededMs: number | null = null;
  if (!sourceExists()) {
    o.print(`seeding the local source (${days} days of classicmodels-like data) in ${localRoot()} ...`);
    const t = Date.now();
    await seedSource({ days, log: (m) => o.print(`  ${m}`) });
    seededMs = Date.now() - t;
  }
  const env = new EmbeddedEnvironment();
  const results: MaterializeResult[] = [];
  try {
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    const thisHour = Math.floor(now / HOUR) * HOUR;
    const run = (selection: string, keys: string[], request: PartitionRequest) =>
      materialize({ graph, keys, selection, request, command: 'materialize', env, reporter: o.reporter, maxParallel: 2 });
    // Raw snapshots and the training set for the seeded days, then the model and indexes while the
    // analytics of the last 24 hours run alongside (the trainer is CPU-bound, DuckDB mostly I/O).
    results.push(await run('raw/* or training/*', ['raw/customers', 'raw/products', 'raw/ratings', 'training/ratings_ml_training'], rangeOf(graph, 'raw/ratings', today - days * DAY, today)));
    results.push(
      ...(await Promise.all([
        run('model/* or index/*', ['model/recommender', 'index/item_embeddings', 'index/user_embeddings'], { type: 'latest' }),
        run('analytics/*', ['analytics/popular_products', 'analytics/sales_hourly'], rangeOf(graph, 'analytics/sales_hourly', thisHour - DAY, thisHour)),
      ])),
    );
  } finally {
    await env.close();
  }
  const steps = new Map<string, { outcome: string; runs: number; rows: number | null; ms: number; detail: string }>();
  let model: Record<string, number> | null = null;
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
    if (r.key === 'model/recommender' && r.metadata) {
      model = Object.fromEntries(Object.entries(r.metadata).filter((e): e is [string, number] => typeof e[1] === 'number'));
    }
  }
  if (!model) {
    // Up to date: the metrics are on the model's last materialization.
    const env2 = new EmbeddedEnvironment();
    try {
      const m = (await env2.runLog.snapshot()).latestMaterialization('model/recommender', null);
      if (m) model = Object.fromEntries(Object.entries(m.metadata).filter((e): e is [string, number] => typeof e[1] === 'number'));
    } finally {
      await env2.close();
    }
  }
  return {
    seededMs,
    steps: [...steps].map(([key, s]) => ({ key, ...s })),
    model,
    failed: results.some((r) => r.status !== 'succeeded'),
  };
}
