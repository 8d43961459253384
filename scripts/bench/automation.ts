/**
 * bench:automation — one automation tick at scale, and how long after a cron boundary the
 * daemon launches what the boundary asked for.
 *
 * A generated layered graph of 1,000 hourly assets (about 3 deps each) over 10,000 hourly
 * partitions, with a run log holding 1,000 materialized partitions of every asset (1,000,000
 * materializations). Conditions: the first layer on a cron at :05, the others in turn eager,
 * on the cron, or on missing / freshness. Ticks go through the daemon (evaluate, record the tick
 * and its requests, save the checkpoint, launch) with an in-memory run log and a launcher that
 * only notes the launch, so the figures are automation's own, not the runs'.
 *
 * tickMs: the tick at the :05 boundary, where every condition has something new (the window
 * that ended at :00 and the cron tick); coldTickMs: the first tick of a fresh daemon;
 * idleTickMs: a tick with nothing new; boundaryToLaunchMs: wall time from the cron boundary to
 * the launcher being called, with the daemon sleeping until the boundary as it does live.
 * Usage: npm run -s bench:automation -- [--json] [--assets 1000] [--partitions 10000] [--materialized 1000]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  MemoryRunLog,
  RunLogIndex,
  anyOf,
  defineGraph,
  eager,
  hourlyPartitions,
  onCron,
  onFreshness,
  onMissing,
  partitionKey,
  timeWindow,
  type AssetGraph,
  type RunLogSnapshot,
} from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import { AutomationDaemon, type Launcher } from '../../jobs/automation/daemon';
import type { Environment } from '../../jobs/engine';
import { generateLayeredAssets } from './generated-graph';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    assets: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '10000' },
    materialized: { type: 'string', default: '1000' },
  },
});
const nAssets = Number(values.assets);
const nPartitions = Number(values.partitions);
const perAsset = Math.min(Number(values.materialized), nPartitions - 1);

const HOUR = 3_600_000;
const partitions = hourlyPartitions({ start: '2025-01-01T00:00' });
// "Now" is :05 past the end of the last of the 10,000 windows: the cron boundary.
const boundaryMs = partitions.startMs + nPartitions * HOUR + 5 * 60_000;

const assets = generateLayeredAssets({
  assets: nAssets,
  partitions,
  automation: (layer, n) => {
    if (layer === 0 || n % 3 === 1) return { automation: onCron('5 * * * *') };
    if (n % 3 === 0) return { automation: eager() };
    return { automation: anyOf(onMissing(), onFreshness()), freshness: { maxLagMinutes: 120 } };
  },
});
const graph: AssetGraph = defineGraph(assets, { kinds: REFERENCE_KINDS });

// The run log: the `perAsset` windows before the latest of every asset, each written 10 minutes
// after its window ended. Keys and times are shared strings, as a store's interned values would be.
const t0 = performance.now();
const index = new RunLogIndex();
const keys: string[] = [];
const ats: string[] = [];
for (let i = 0; i < nPartitions; i++) {
  keys.push(partitionKey(partitions, i));
  ats.push(new Date(timeWindow(partitions, i).endMs + 10 * 60_000).toISOString());
}
const empty = Object.freeze({});
let materializations = 0;
for (const key of graph.keys) {
  const codeVersion = `code-${key}`;
  for (let i = nPartitions - 1 - perAsset; i < nPartitions - 1; i++) {
    index.add({ type: 'step_succeeded', runId: 'fill', key, partitions: null, durationMs: 60_000, metadata: empty, at: ats[i] });
    index.add({ type: 'materialization', runId: 'fill', key, partition: keys[i], codeVersion, dataVersion: codeVersion, inputs: empty, metadata: empty, at: ats[i] });
    materializations++;
  }
}
const fillMs = performance.now() - t0;

/** The in-memory run log over the prebuilt index (ticks and checkpoints stored as MemoryRunLog stores them). */
class BenchRunLog extends MemoryRunLog {
  override async snapshot(): Promise<RunLogSnapshot> {
    return index;
  }
}
const runLog = new BenchRunLog();
const env: Environment = {
  name: 'bench',
  runLog,
  executorFor: () => undefined,
  acquireLock: async () => ({ release: async () => undefined }),
  observeSource: async () => undefined,
  evaluateChecks: async () => [],
  readCode: () => undefined,
  close: async () => undefined,
};

let launchedAtMs: number | undefined;
const launch: Launcher = async () => {
  launchedAtMs ??= Date.now();
  return { status: 'succeeded', failures: [] };
};

async function main(): Promise<void> {
  let clockMs = boundaryMs - 60 * 60_000;
  const daemon = new AutomationDaemon({ graph, env, launch, maxRuns: 64, now: () => clockMs });
  await daemon.start();

  const timed = async (atMs: number) => {
    clockMs = atMs;
    const s = performance.now();
    const { tick } = await daemon.tick();
    const ms = performance.now() - s;
    await daemon.drain();
    return { ms, tick };
  };
  // A fresh daemon an hour before, the window boundary at :00 (eager and missing conditions see the new hour)...
  const cold = await timed(boundaryMs - 60 * 60_000);
  const atWindow = await timed(boundaryMs - 5 * 60_000);
  // ...a tick with nothing new...
  const idle = await timed(boundaryMs - 60_000);
  // ...and the cron boundary.
  const atBoundary = await timed(boundaryMs);

  // The same boundary an hour later, live: the daemon sleeps until the boundary on a real timer.
  const nextBoundary = boundaryMs + HOUR;
  // The hour's window ended at :00; what it asks for is launched before the :05 boundary.
  await timed(nextBoundary - 2000);
  launchedAtMs = undefined;
  const offset = nextBoundary - 300 - Date.now();
  const live = new AutomationDaemon({ graph, env, launch, maxRuns: 64, now: () => Date.now() + offset });
  await daemon.stop();
  await live.start();
  const stop = new AbortController();
  const boundaryWallMs = nextBoundary - offset;
  const watcher = setInterval(() => {
    if (launchedAtMs !== undefined || Date.now() > boundaryWallMs + 30_000) stop.abort();
  }, 5);
  await live.run(stop.signal);
  clearInterval(watcher);
  await live.stop();

  const out = {
    assets: nAssets,
    partitions: nPartitions,
    materializations,
    tickMs: Number(atBoundary.ms.toFixed(1)),
    requests: atBoundary.tick.requests.length,
    assetsRequested: atBoundary.tick.requests.reduce((n, r) => n + r.keys.length, 0),
    evaluated: atBoundary.tick.evaluated,
    coldTickMs: Number(cold.ms.toFixed(1)),
    windowTickMs: Number(atWindow.ms.toFixed(1)),
    windowAssetsRequested: atWindow.tick.requests.reduce((n, r) => n + r.keys.length, 0),
    idleTickMs: Number(idle.ms.toFixed(1)),
    idleEvaluated: idle.tick.evaluated,
    boundaryToLaunchMs: launchedAtMs === undefined ? null : launchedAtMs - boundaryWallMs,
    fillMs: Math.round(fillMs),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(`graph: ${nAssets} hourly assets x ${nPartitions} partitions; run log: ${materializations.toLocaleString('en-US')} materializations (filled in ${out.fillMs} ms)`);
  console.log(`tick at the :05 cron boundary: ${out.tickMs} ms, ${out.evaluated} evaluated, ${out.assetsRequested} assets requested in ${out.requests} run(s)`);
  console.log(`first tick: ${out.coldTickMs} ms; tick at the window end: ${out.windowTickMs} ms (${out.windowAssetsRequested} assets requested); idle tick: ${out.idleTickMs} ms (${out.idleEvaluated} evaluated)`);
  console.log(`cron boundary -> launch (live, on a real timer): ${out.boundaryToLaunchMs ?? 'no launch'} ms`);
  console.log(`peak RSS: ${out.peakRssMb} MB`);
  if (values.json) console.log(JSON.stringify(out));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
