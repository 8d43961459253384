/**
 * The JSON each page of `assets ui` renders. Every figure comes from the code the CLI prints:
 * `assetStatuses` (status), `checkStates` (checks), `describeAsset` (show), the run log's runs and
 * events (runs, run). Nothing here computes staleness, freshness or check results a second way.
 */
import {
  categoryOf,
  checkName,
  codeVersionOf,
  describeCause,
  partitionCount,
  partitionKey,
  type AssetGraph,
  type AssetKey,
  type Metadata,
  type RunEvent,
  type RunLog,
  type RunLogSnapshot,
  type RunRecord,
} from '../../../assets/core';
import { partitionsLabel } from '../../../jobs/engine';
import { checkStates } from '../../cli/commands/checks';
import { describeAsset } from '../../cli/commands/show';
import { assetStatuses, partitionStaleness, type AssetStatus } from '../../cli/run/asset-status';
import { STEP_TYPES, type Activity } from './activity';
import { assetState, type DisplayState } from './asset-state';

/** One node of the graph page. */
export interface GraphNode {
  readonly key: AssetKey;
  readonly group: string | null;
  readonly kind: string;
  readonly category: string;
  readonly deps: readonly AssetKey[];
  readonly state: DisplayState;
  readonly reasons: readonly string[];
  readonly lastMaterializedAt: string | null;
  readonly partitions: { readonly done: number; readonly total: number } | null;
}

/** Status of every asset, joined with what is running and failing. */
export function graphNodes(graph: AssetGraph, statuses: readonly AssetStatus[], activity: Activity): GraphNode[] {
  return statuses.map((s) => {
    const a = graph.get(s.key);
    const { state, reasons } = assetState(s, activity);
    return {
      key: s.key,
      group: a.group ?? null,
      kind: a.compute.kind,
      category: categoryOf(a, graph.kinds),
      deps: a.deps.map((d) => d.key),
      state,
      reasons,
      lastMaterializedAt: s.lastMaterialization?.at ?? null,
      partitions: s.partitions,
    };
  });
}

/** Cells of the partition heat map: the newest partitions, oldest first. */
const HEAT_CELLS: Readonly<Record<string, number>> = { hourly: 14 * 24, daily: 26 * 7, weekly: 52, monthly: 36 };

export type PartitionCellState = 'fresh' | 'stale' | 'missing' | 'failed' | 'running';

export interface PartitionCell {
  readonly key: string;
  readonly state: PartitionCellState;
  readonly detail: string;
}

/** The newest partitions of `key` with their state: the asset page's heat map. */
export function partitionCells(graph: AssetGraph, key: AssetKey, snap: RunLogSnapshot, codeVersion: string, failed: ReadonlyMap<string, { readonly at: string; readonly detail: string }>, running: ReadonlySet<string>, nowMs: number): { cadence: string; cells: PartitionCell[]; total: number } | null {
  const def = graph.get(key).partitions;
  if (!def) return null;
  const total = partitionCount(def, nowMs);
  const cadence = def.type === 'time' ? def.cadence : 'static';
  const shown = def.type === 'time' ? Math.min(total, HEAT_CELLS[def.cadence] ?? 200) : total;
  const keys = Array.from({ length: shown }, (_, j) => partitionKey(def, total - shown + j));
  // The shown partitions only: an hourly asset of years has tens of thousands more.
  const staleness = partitionStaleness(graph, key, snap, codeVersion, nowMs, keys);
  const cells: PartitionCell[] = [];
  for (const p of keys) {
    const s = staleness.get(p);
    let state: PartitionCellState = s ? (s.status === 'stale' ? 'stale' : 'fresh') : 'missing';
    let detail = s?.materialization ? `materialized ${s.materialization.at} by ${s.materialization.runId}` : 'never materialized';
    if (s?.status === 'stale') detail += `; stale: ${s.causes.map(describeCause).join('; ')}`;
    const failure = failed.get(p);
    if (failure && (!s?.materialization || s.materialization.at < failure.at)) {
      state = 'failed';
      detail = failure.detail;
    }
    if (running.has(p)) state = 'running';
    cells.push({ key: p, state, detail });
  }
  return { cadence, cells, total };
}

/** One point of a metadata plot: a succeeded step's value. */
export interface MetadataPoint {
  readonly at: string;
  readonly runId: string;
  readonly value: number;
}

/** A plot of the asset page: one or more series over time (a metric and its baseline share one). */
export interface MetadataPlot {
  readonly title: string;
  readonly series: readonly { readonly name: string; readonly points: readonly MetadataPoint[] }[];
}

export interface HistoryRow {
  readonly runId: string;
  readonly at: string;
  readonly outcome: 'succeeded' | 'failed' | 'skipped';
  readonly partitions: string | null;
  readonly durationMs: number | null;
  readonly detail: string;
}

/** Steps of `key` in `runs` (newest first), plus the per-partition failures the heat map marks. */
export async function assetHistory(runLog: RunLog, runs: readonly RunRecord[], key: AssetKey, checksOf: readonly { metric: string; than: string | number; name: string }[]) {
  const rows: HistoryRow[] = [];
  const numeric = new Map<string, MetadataPoint[]>();
  const failed = new Map<string, { at: string; detail: string }>();
  const running = new Set<string>();
  const perRun = await Promise.all(runs.map((r) => runLog.events(r.runId, STEP_TYPES)));
  runs.forEach((run, i) => {
    const started = new Map<string, RunEvent>();
    for (const e of perRun[i]) {
      if (e.key !== key || !('partitions' in e)) continue;
      const label = partitionsLabel(e.partitions);
      if (e.type === 'step_started') started.set(label ?? '', e);
      if (e.type === 'step_succeeded') {
        started.delete(label ?? '');
        rows.push({ runId: e.runId, at: e.at, outcome: 'succeeded', partitions: label, durationMs: e.durationMs, detail: describeMetadata(e.metadata) });
        const values: Metadata = { ...e.metadata, durationMs: e.durationMs };
        for (const [name, v] of Object.entries(values)) {
          if (typeof v !== 'number' || !Number.isFinite(v)) continue;
          let pts = numeric.get(name);
          if (!pts) numeric.set(name, (pts = []));
          pts.push({ at: e.at, runId: e.runId, value: v });
        }
      } else if (e.type === 'step_failed' || e.type === 'step_skipped') {
        started.delete(label ?? '');
        const detail = e.type === 'step_failed' ? e.error : e.reason;
        rows.push({ runId: e.runId, at: e.at, outcome: e.type === 'step_failed' ? 'failed' : 'skipped', partitions: label, durationMs: e.type === 'step_failed' ? e.durationMs : null, detail: detail.split('\n')[0] });
        // Newest failure per partition; the heat map shows it unless a later materialization replaced it.
        if (e.type === 'step_failed') for (const p of e.partitions ?? []) if (!failed.has(p)) failed.set(p, { at: e.at, detail: `${e.runId}: ${detail.split('\n')[0]}` });
      }
    }
    if (run.status === 'running') for (const e of started.values()) for (const p of ('partitions' in e && e.partitions) || []) running.add(p);
  });
  for (const pts of numeric.values()) pts.sort((a, b) => (a.at < b.at ? -1 : 1));
  // A metric check plots the metric against what it is compared with (recall@10 vs its baseline).
  const plots: MetadataPlot[] = [];
  const used = new Set<string>();
  for (const c of checksOf) {
    const series = [c.metric, typeof c.than === 'string' ? c.than : undefined].flatMap((n) => (n && numeric.has(n) ? [{ name: n, points: numeric.get(n)! }] : []));
    if (typeof c.than === 'number' && numeric.has(c.metric)) series.push({ name: `threshold ${c.than}`, points: numeric.get(c.metric)!.map((p) => ({ ...p, value: c.than as number })) });
    if (!series.length) continue;
    plots.push({ title: `${c.metric} vs ${c.than} (check ${c.name})`, series });
    for (const s of series) used.add(s.name);
  }
  // Then rows and duration, then the rest: the checked metrics lead, they are what a person watches.
  const order = (t: string) => (t === 'rows' ? 0 : t === 'durationMs' ? 1 : 2);
  const rest = [...numeric].filter(([name, points]) => !used.has(name) && points.length).sort(([a], [b]) => order(a) - order(b));
  for (const [name, points] of rest) plots.push({ title: name, series: [{ name, points }] });
  return { rows, plots: plots.slice(0, 8), failed, running };
}

const describeMetadata = (m: Metadata): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`)
    .join(' ');

/** Everything the asset page shows. */
export async function assetPage(graph: AssetGraph, key: AssetKey, runLog: RunLog, snap: RunLogSnapshot, activity: Activity, readCode: (p: string) => string | undefined, nowMs: number, historyRuns: readonly RunRecord[]) {
  const asset = graph.get(key);
  const status = assetStatuses(graph, [key], snap, readCode, nowMs)[0];
  const metricChecks = asset.checks.flatMap((c) => (c.type === 'metric_compare' ? [{ metric: c.metric, than: c.than, name: checkName(c) }] : []));
  const history = await assetHistory(runLog, historyRuns, key, metricChecks);
  const code = codeVersionOf(asset, readCode);
  return {
    declaration: describeAsset(graph, key),
    dashboard: asset.dashboard ?? null,
    status,
    state: assetState(status, activity),
    checks: checkStates(graph, [key], snap),
    partitions: categoryOf(asset, graph.kinds) === 'batch' ? partitionCells(graph, key, snap, code, history.failed, history.running, nowMs) : null,
    history: history.rows.slice(0, 50),
    plots: history.plots,
    historyRuns: historyRuns.length,
  };
}

/** One bar of a run's Gantt chart: a step from start to end (or now, while it runs). */
export interface GanttBar {
  readonly key: AssetKey;
  readonly partitions: string | null;
  readonly plannedAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly outcome: 'planned' | 'running' | 'succeeded' | 'failed' | 'skipped';
  readonly detail: string;
}

/** A run, its events and its steps as Gantt bars, in plan order. */
export function runPage(run: RunRecord, events: readonly RunEvent[]) {
  const bars = new Map<string, { -readonly [K in keyof GanttBar]: GanttBar[K] }>();
  for (const e of events) {
    if (!('partitions' in e)) continue;
    const label = partitionsLabel(e.partitions);
    const id = `${e.key}\0${label ?? ''}`;
    let b = bars.get(id);
    if (!b) bars.set(id, (b = { key: e.key, partitions: label, plannedAt: e.at, startedAt: null, endedAt: null, outcome: 'planned', detail: '' }));
    if (e.type === 'step_started') {
      b.startedAt = e.at;
      b.outcome = 'running';
    } else if (e.type === 'step_succeeded') {
      b.endedAt = e.at;
      b.startedAt ??= new Date(Date.parse(e.at) - e.durationMs).toISOString();
      b.outcome = 'succeeded';
      b.detail = describeMetadata(e.metadata);
    } else if (e.type === 'step_failed') {
      b.endedAt = e.at;
      b.startedAt ??= new Date(Date.parse(e.at) - e.durationMs).toISOString();
      b.outcome = 'failed';
      b.detail = e.error.split('\n')[0];
    } else if (e.type === 'step_skipped') {
      b.endedAt = e.at;
      b.outcome = 'skipped';
      b.detail = e.reason;
    }
  }
  // A run that ended (crashed, interrupted) leaves nothing running.
  if (run.status !== 'running') for (const b of bars.values()) if (b.outcome === 'running') b.outcome = 'failed';
  const checks = events.flatMap((e) => (e.type === 'check_evaluated' ? [{ key: e.key, check: e.check, partition: e.partition, passed: e.passed, blocking: e.blocking, message: e.message, at: e.at }] : []));
  return {
    run,
    resumable: run.status === 'failed' || run.status === 'interrupted',
    bars: [...bars.values()],
    checks,
    events: events.map((e) => ({ ...e, partitions: 'partitions' in e ? partitionsLabel(e.partitions) : undefined })),
  };
}

