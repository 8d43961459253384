/**
 * Evaluates automation conditions: (graph, run log, now, previous state) -> run requests, each
 * with its reasons, and the next state. Pure: the daemon and the benchmarks call it the same way.
 *
 * Incremental. A tick evaluates only assets something changed for since the previous tick: an
 * event in the run log of the asset or a dep (read through `keysChangedSince`, never a scan of
 * materializations), a cron tick of its schedule, a new partition window, a freshness deadline,
 * a dep requested in this very tick. Every condition is anchored on "since last handled" (as in
 * Dagster), so evaluating an asset again with nothing new never requests it twice; an asset left
 * out of a tick is one whose answer could not have changed.
 *
 * Semantics (Dagster's where it has them):
 * - the target is the latest complete partition (time partitions), every value (static), or the
 *   asset (unpartitioned); "missing" means the target has no materialization;
 * - onCron: a tick of the schedule passed since the asset was last handled, and every dep that is
 *   not a source (nor ignored) has updated since that tick, or is requested in this tick;
 * - eager: the target is newly missing or a dep updated since last handled, and no dep is
 *   missing, failed (its latest step failed or failed a blocking check) or running, nor the asset;
 * - onMissing: the target is missing, was not requested yet, no dep is missing, not running;
 * - onFreshness: now + typical duration + margin reaches the freshness limit of the newest data,
 *   and newer data can be written (a newer window is complete, or the asset is unpartitioned).
 * Sources are observed when an asset reading them runs, so they never trigger nor block.
 * "Handled" is the later of the last request and the asset's own latest materialization.
 */
import type { AssetGraph } from '../graph';
import { MinHeap } from '../heap';
import { IntervalSet } from '../intervals';
import { mapToUpstream } from '../mappings';
import { partitionCount, partitionKey, timeWindow, type PartitionsDefinition } from '../partitions';
import type { AutomationRequestRecord, RunLogSnapshot } from '../runlog';
import type { AssetDefinition, AssetKey } from '../types';
import { describeCondition, primitives, type AutomationCondition } from './conditions';
import { nextCronTick, parseCron, previousCronTick, type CronSchedule } from './cron';
import { initialAutomationState, type AssetAutomationState, type AutomationState } from './state';

/** One asset the tick wants materialized. */
export interface AssetRequest {
  readonly key: AssetKey;
  /** The partition key; null for an unpartitioned asset, `*` for every static value. */
  readonly partition: string | null;
  readonly reasons: readonly string[];
}

/** An asset whose condition is waiting for something, for dry runs and `status`. */
export interface AssetWaiting {
  readonly key: AssetKey;
  readonly why: string;
}

export interface EvaluateInput {
  readonly graph: AssetGraph;
  readonly snapshot: RunLogSnapshot;
  readonly nowMs: number;
  /** The state the previous tick returned; none on the very first tick. */
  readonly state?: AutomationState;
  /** Assets being materialized now (runs the daemon launched and has not seen finish). */
  readonly inProgress?: ReadonlySet<AssetKey>;
  /** Evaluate these too, whatever changed (e.g. assets whose run just ended). */
  readonly touched?: Iterable<AssetKey>;
}

export interface EvaluateResult {
  readonly requests: readonly AssetRequest[];
  readonly waiting: readonly AssetWaiting[];
  readonly state: AutomationState;
  /** Assets whose condition was evaluated. */
  readonly evaluated: number;
  /** The next instant a condition can change with no run-log event: a cron tick, a window end, a deadline. */
  readonly nextWakeMs?: number;
}

/** Run-log events this long before the cursor are read again: a write stamped just before a tick may land just after it. */
const CURSOR_OVERLAP_MS = 5 * 60_000;
/** Mapped dep ranges up to this size are looked at partition by partition; larger ones through the asset's aggregates. */
const EXACT_RANGE = 1024;
const MINUTE = 60_000;

/** What a graph's automation needs, computed once per graph. */
interface Compiled {
  /** Automated assets in topological order. */
  readonly keys: readonly AssetKey[];
  readonly automated: ReadonlySet<AssetKey>;
  readonly schedules: readonly { readonly schedule: CronSchedule; readonly keys: readonly AssetKey[] }[];
  readonly scheduleOf: ReadonlyMap<string, CronSchedule>;
  readonly windows: readonly { readonly def: PartitionsDefinition; readonly keys: readonly AssetKey[] }[];
}

const compiled = new WeakMap<AssetGraph, Compiled>();
const cronId = (c: { cron: string; timezone: string }) => `${c.timezone}\0${c.cron}`;

function compile(graph: AssetGraph): Compiled {
  const hit = compiled.get(graph);
  if (hit) return hit;
  const keys = graph.keys.filter((k) => graph.get(k).automation);
  const scheduleOf = new Map<string, CronSchedule>();
  const byCron = new Map<string, AssetKey[]>();
  const byWindow = new Map<string, { def: PartitionsDefinition; keys: AssetKey[] }>();
  for (const key of keys) {
    const a = graph.get(key);
    for (const p of primitives(a.automation!)) {
      if (p.type !== 'on_cron') continue;
      const id = cronId(p);
      if (!scheduleOf.has(id)) {
        const s = parseCron(p.cron, p.timezone);
        // defineGraph rejected bad expressions already.
        if (typeof s === 'string') throw new Error(`${key}: ${s}`);
        scheduleOf.set(id, s);
      }
      const list = byCron.get(id) ?? [];
      if (!list.includes(key)) list.push(key);
      byCron.set(id, list);
    }
    if (a.partitions?.type === 'time') {
      const id = JSON.stringify(a.partitions);
      const g = byWindow.get(id) ?? { def: a.partitions, keys: [] };
      g.keys.push(key);
      byWindow.set(id, g);
    }
  }
  const c: Compiled = {
    keys,
    automated: new Set(keys),
    schedules: [...byCron].map(([id, ks]) => ({ schedule: scheduleOf.get(id)!, keys: ks })),
    scheduleOf,
    windows: [...byWindow.values()],
  };
  compiled.set(graph, c);
  return c;
}

/** The partition a condition is about at `nowMs`, with its index range; undefined when none is complete yet. */
interface Target {
  readonly id: string;
  readonly partition: string | null;
  readonly range: IntervalSet;
  /** End of the target window (time partitions). */
  readonly endMs?: number;
}

function targetOf(asset: AssetDefinition, nowMs: number): Target | undefined {
  const def = asset.partitions;
  if (!def) return { id: '', partition: null, range: IntervalSet.EMPTY };
  const n = partitionCount(def, nowMs);
  if (n === 0) return undefined;
  if (def.type === 'static') return { id: '*', partition: '*', range: IntervalSet.of(0, n) };
  const key = partitionKey(def, n - 1);
  return { id: key, partition: key, range: IntervalSet.of(n - 1, n), endMs: timeWindow(def, n - 1).endMs };
}

interface DepData {
  /** The mapped upstream partitions do not exist yet (or map to nothing): the dep neither blocks nor counts as updated. */
  readonly empty: boolean;
  readonly missing: boolean;
  readonly newestMs?: number;
}

/** One evaluation: the per-asset lookups, memoized for the tick. */
class Tick {
  readonly requested = new Set<AssetKey>();
  private readonly depMemo = new Map<string, DepData>();

  constructor(
    readonly graph: AssetGraph,
    readonly snapshot: RunLogSnapshot,
    readonly nowMs: number,
    readonly inProgress: ReadonlySet<AssetKey>,
    readonly c: Compiled,
  ) {}

  /** Whether `key`'s target has data, and when its newest data was written. */
  ownMissing(asset: AssetDefinition, target: Target): boolean {
    if (target.partition === '*') return (this.snapshot.assetFacts(asset.key)?.materializedPartitions ?? 0) < target.range.size;
    return this.snapshot.latestMaterialization(asset.key, target.partition) === undefined;
  }

  /** The upstream partitions of `dep` that `asset`'s target reads: missing ones and the newest write. */
  depData(asset: AssetDefinition, dep: { key: AssetKey; mapping?: Parameters<typeof mapToUpstream>[0] }, target: Target): DepData {
    const memo = `${asset.key}\0${dep.key}`;
    const hit = this.depMemo.get(memo);
    if (hit) return hit;
    const up = this.graph.get(dep.key);
    let out: DepData;
    if (!up.partitions) {
      const m = this.snapshot.latestMaterialization(dep.key, null);
      out = { empty: false, missing: !m, newestMs: m ? Date.parse(m.at) : undefined };
    } else {
      const range = mapToUpstream(dep.mapping, asset.partitions, up.partitions, target.range, this.nowMs);
      const upCount = partitionCount(up.partitions, this.nowMs);
      if (range.isEmpty) out = { empty: true, missing: false };
      else if (range.size > EXACT_RANGE && range.ranges.length === 1 && range.ranges[0][0] === 0 && range.ranges[0][1] === upCount) {
        // The whole upstream (an `all` mapping): its aggregates answer without a lookup per partition.
        const f = this.snapshot.assetFacts(dep.key);
        out = { empty: false, missing: (f?.materializedPartitions ?? 0) < upCount, newestMs: f?.newestMaterializationAt ? Date.parse(f.newestMaterializationAt) : undefined };
      } else {
        let missing = false;
        let newest: string | undefined;
        for (const i of range.indexes()) {
          const m = this.snapshot.latestMaterialization(dep.key, partitionKey(up.partitions, i));
          if (!m) missing = true;
          else if (newest === undefined || m.at > newest) newest = m.at;
        }
        out = { empty: false, missing, newestMs: newest ? Date.parse(newest) : undefined };
      }
    }
    this.depMemo.set(memo, out);
    return out;
  }

  /** The dep's latest step failed, or its latest materialization failed a blocking check. */
  depFailed(key: AssetKey): boolean {
    const f = this.snapshot.assetFacts(key);
    if (!f) return false;
    const newest = f.newestMaterializationAt ?? '';
    if (f.lastFailure && f.lastFailure.at > newest) return true;
    return this.snapshot.latestChecks(key).some((c) => c.blocking && !c.passed && c.at >= newest);
  }
}

interface Verdict {
  readonly value: boolean;
  readonly reasons: readonly string[];
  /** Why a condition that could become true is not true yet. */
  readonly waiting?: string;
}

const fmt = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d+Z$/, 'Z');

/** Evaluates one asset's condition tree. */
function evaluateAsset(t: Tick, asset: AssetDefinition, target: Target, st: AssetAutomationState, wake: { at?: number }): Verdict {
  const { nowMs } = t;
  const ownNewest = t.snapshot.assetFacts(asset.key)?.newestMaterializationAt;
  const handled = Math.max(st.since, st.handledMs ?? -Infinity, ownNewest ? Date.parse(ownNewest) : -Infinity);
  const missing = t.ownMissing(asset, target);
  const running = t.inProgress.has(asset.key);
  const materialDeps = asset.deps.filter((d) => !t.graph.get(d.key).source);
  const missingDep = () => materialDeps.find((d) => !t.requested.has(d.key) && t.depData(asset, d, target).missing && !t.depData(asset, d, target).empty);

  const walk = (c: AutomationCondition): Verdict => {
    switch (c.type) {
      case 'on_cron': {
        const tick = previousCronTick(t.c.scheduleOf.get(cronId(c))!, nowMs);
        if (tick === undefined || tick <= handled) return { value: false, reasons: [] };
        const waitingFor: AssetKey[] = [];
        for (const d of materialDeps) {
          if (c.ignoreDeps.includes(d.key) || t.requested.has(d.key)) continue;
          const data = t.depData(asset, d, target);
          if (data.empty) continue;
          if (data.missing || data.newestMs === undefined || data.newestMs < tick) waitingFor.push(d.key);
        }
        if (waitingFor.length) return { value: false, reasons: [], waiting: `cron tick ${fmt(tick)} passed; waiting for ${waitingFor.join(', ')} to update since` };
        return { value: true, reasons: [`cron '${c.cron}'${c.timezone === 'UTC' ? '' : ` (${c.timezone})`} ticked at ${fmt(tick)}${materialDeps.length ? ' and every dep updated since' : ''}`] };
      }
      case 'eager': {
        const newlyMissing = missing && st.requestedTarget !== target.id && (st.lastTarget !== target.id || !st.wasMissing);
        const updated = materialDeps.filter((d) => t.requested.has(d.key) || (t.depData(asset, d, target).newestMs ?? -Infinity) > handled).map((d) => d.key);
        if (!newlyMissing && !updated.length) return { value: false, reasons: [] };
        const gone = missingDep();
        if (gone) return { value: false, reasons: [], waiting: `${gone.key} has no data` };
        const failed = materialDeps.find((d) => !t.requested.has(d.key) && t.depFailed(d.key));
        if (failed) return { value: false, reasons: [], waiting: `${failed.key} failed` };
        const busy = [asset.key, ...materialDeps.map((d) => d.key)].find((k) => t.inProgress.has(k));
        if (busy) return { value: false, reasons: [], waiting: `${busy} is running` };
        return { value: true, reasons: updated.length ? [`new data in ${updated.join(', ')}`] : [`${target.partition ?? 'the asset'} is newly missing`] };
      }
      case 'on_missing': {
        if (!missing || st.requestedTarget === target.id) return { value: false, reasons: [] };
        const gone = missingDep();
        if (gone) return { value: false, reasons: [], waiting: `missing, but ${gone.key} has no data` };
        if (running) return { value: false, reasons: [], waiting: 'missing; a run is in progress' };
        return { value: true, reasons: [`${target.partition === null ? 'never materialized' : `partition ${target.partition} is missing`}`] };
      }
      case 'freshness':
        return freshness(t, asset, target, st, c.marginMinutes, wake, running);
      case 'and': {
        const vs = c.of.map(walk);
        const value = vs.every((v) => v.value);
        return { value, reasons: value ? vs.flatMap((v) => v.reasons) : [], waiting: vs.find((v) => !v.value && v.waiting)?.waiting };
      }
      case 'or': {
        const vs = c.of.map(walk);
        const value = vs.some((v) => v.value);
        return { value, reasons: vs.flatMap((v) => (v.value ? v.reasons : [])), waiting: value ? undefined : vs.find((v) => v.waiting)?.waiting };
      }
      case 'not': {
        const v = walk(c.of);
        return { value: !v.value, reasons: v.value ? [] : [`not (${describeCondition(c.of)})`] };
      }
    }
  };
  return walk(asset.automation!);
}

function freshness(t: Tick, asset: AssetDefinition, target: Target, st: AssetAutomationState, marginMinutes: number, wake: { at?: number }, running: boolean): Verdict {
  const maxLagMs = asset.freshness!.maxLagMinutes * MINUTE;
  const def = asset.partitions;
  // How new the data is: the end of the newest materialized window, or the last write.
  let dataMs: number | undefined;
  if (def?.type === 'time') {
    const n = target.range.ranges[0][1];
    // The newest window is almost always the latest or the one before: walk back a bounded way.
    for (let i = n - 1; i >= Math.max(0, n - 1000); i--) {
      if (t.snapshot.latestMaterialization(asset.key, partitionKey(def, i))) {
        dataMs = timeWindow(def, i).endMs;
        break;
      }
    }
  } else {
    const newest = t.snapshot.assetFacts(asset.key)?.newestMaterializationAt;
    dataMs = newest ? Date.parse(newest) : undefined;
  }
  const lead = (t.snapshot.assetFacts(asset.key)?.typicalDurationMs ?? 0) + marginMinutes * MINUTE;
  const deadline = dataMs === undefined ? -Infinity : dataMs + maxLagMs - lead;
  const newer = target.endMs === undefined || dataMs === undefined || target.endMs > dataMs;
  if (t.nowMs < deadline) {
    wake.at = deadline;
    return { value: false, reasons: [] };
  }
  if (!newer) {
    // Nothing newer can be written before the next window completes.
    if (def?.type === 'time') wake.at = timeWindow(def, target.range.ranges[0][1]).endMs;
    return { value: false, reasons: [], waiting: 'due for freshness; the next window is not complete yet' };
  }
  const already = (st.handledMs ?? -Infinity) >= deadline && (target.endMs !== undefined ? st.requestedTarget === target.id : t.nowMs - st.handledMs! < maxLagMs);
  if (already) return { value: false, reasons: [] };
  if (running) return { value: false, reasons: [], waiting: 'due for freshness; a run is in progress' };
  const age = dataMs === undefined ? 'no data yet' : `data ${Math.round((t.nowMs - dataMs) / MINUTE)} min old`;
  return { value: true, reasons: [`freshness: ${age}, limit ${asset.freshness!.maxLagMinutes} min, lead ${Math.round(lead / MINUTE)} min (typical duration + margin)`] };
}

/** The dirty assets by topological position, upstream first, growing as requests propagate; each once. */
class OrderQueue {
  private readonly heap = new MinHeap<number>((a, b) => a < b);
  private readonly seen = new Set<number>();
  push(i: number): void {
    if (this.seen.has(i)) return;
    this.seen.add(i);
    this.heap.push(i);
  }
  pop(): number | undefined {
    return this.heap.pop();
  }
}

/** Assets whose answer may have changed since the previous tick. */
function dirtyAssets(input: EvaluateInput, c: Compiled, prev: AutomationState): Set<AssetKey> {
  const { graph, snapshot, nowMs } = input;
  const dirty = new Set<AssetKey>();
  const last = prev.lastEvalMs;
  if (last === undefined || prev.cursorAt === undefined) return new Set(c.keys);
  for (const k of c.keys) {
    const s = prev.assets[k];
    if (!s || (s.wakeAtMs !== undefined && s.wakeAtMs <= nowMs)) dirty.add(k);
  }
  const cursor = new Date(Date.parse(prev.cursorAt) - CURSOR_OVERLAP_MS).toISOString();
  for (const k of snapshot.keysChangedSince(cursor)) {
    if (!graph.has(k)) continue;
    if (c.automated.has(k)) dirty.add(k);
    for (const d of graph.downstream(k)) if (c.automated.has(d)) dirty.add(d);
  }
  for (const { schedule, keys } of c.schedules) {
    const tick = previousCronTick(schedule, nowMs);
    if (tick !== undefined && tick > last) for (const k of keys) dirty.add(k);
  }
  for (const { def, keys } of c.windows) {
    if (partitionCount(def, nowMs) !== partitionCount(def, last)) for (const k of keys) dirty.add(k);
  }
  for (const k of input.touched ?? []) if (c.automated.has(k)) dirty.add(k);
  for (const k of input.inProgress ?? []) if (c.automated.has(k)) dirty.add(k);
  return dirty;
}

/** One tick: which assets to request now, and why. */
export function evaluateAutomation(input: EvaluateInput): EvaluateResult {
  const { graph, snapshot, nowMs } = input;
  const c = compile(graph);
  const prev = input.state ?? initialAutomationState();
  const t = new Tick(graph, snapshot, nowMs, input.inProgress ?? new Set(), c);
  const assets: Record<AssetKey, AssetAutomationState> = { ...prev.assets };
  const requests: AssetRequest[] = [];
  const waiting: AssetWaiting[] = [];
  const queue = new OrderQueue();
  for (const k of dirtyAssets(input, c, prev)) queue.push(graph.order(k));
  let evaluated = 0;
  for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
    const key = graph.keys[i];
    const asset = graph.get(key);
    const st: AssetAutomationState = assets[key] ?? { since: nowMs };
    const target = targetOf(asset, nowMs);
    evaluated++;
    if (!target) {
      assets[key] = { ...st, wakeAtMs: undefined };
      continue;
    }
    const wake: { at?: number } = {};
    const v = evaluateAsset(t, asset, target, st, wake);
    const missing = t.ownMissing(asset, target);
    if (v.value) {
      requests.push({ key, partition: target.partition, reasons: v.reasons });
      t.requested.add(key);
      for (const d of graph.downstream(key)) if (c.automated.has(d)) queue.push(graph.order(d));
      assets[key] = { since: st.since, handledMs: nowMs, requestedTarget: target.id, lastTarget: target.id, wasMissing: missing };
    } else {
      if (v.waiting) waiting.push({ key, why: v.waiting });
      assets[key] = { ...st, lastTarget: target.id, wasMissing: missing, wakeAtMs: wake.at };
    }
  }
  // Forget assets no longer automated (a condition removed from the declaration).
  for (const k of Object.keys(assets)) if (!c.automated.has(k)) delete assets[k];
  return {
    requests,
    waiting,
    evaluated,
    state: { version: 1, lastEvalMs: nowMs, cursorAt: new Date(nowMs).toISOString(), assets, queue: prev.queue },
    nextWakeMs: nextWake(c, assets, nowMs),
  };
}

function nextWake(c: Compiled, assets: Readonly<Record<AssetKey, AssetAutomationState>>, nowMs: number): number | undefined {
  let next = Infinity;
  for (const { schedule } of c.schedules) next = Math.min(next, nextCronTick(schedule, nowMs) ?? Infinity);
  for (const { def } of c.windows) {
    if (def.type !== 'time') continue;
    next = Math.min(next, timeWindow(def, partitionCount(def, nowMs)).endMs);
  }
  for (const s of Object.values(assets)) if (s.wakeAtMs !== undefined && s.wakeAtMs > nowMs) next = Math.min(next, s.wakeAtMs);
  return Number.isFinite(next) ? next : undefined;
}

/** The next cron tick of any automated asset, with the assets on it (for `assets status`). */
export function nextScheduledTick(graph: AssetGraph, nowMs: number): { at: number; keys: readonly AssetKey[] } | undefined {
  let best: { at: number; keys: readonly AssetKey[] } | undefined;
  for (const { schedule, keys } of compile(graph).schedules) {
    const at = nextCronTick(schedule, nowMs);
    if (at === undefined) continue;
    if (!best || at < best.at) best = { at, keys };
    else if (at === best.at) best = { at, keys: [...best.keys, ...keys] };
  }
  return best;
}

/**
 * Groups a tick's requests into runs: the requested assets connected through the graph run
 * together (the engine orders them and skips downstream of a failure); unrelated ones apart, so
 * they can run in parallel. Ids are derived from the tick, so the same tick never yields new ones.
 */
export function groupRequests(graph: AssetGraph, requests: readonly AssetRequest[], tickId: string, asOfMs: number): AutomationRequestRecord[] {
  const requested = new Map(requests.map((r) => [r.key, r]));
  const parent = new Map<AssetKey, AssetKey>();
  const find = (k: AssetKey): AssetKey => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  for (const k of requested.keys()) parent.set(k, k);
  for (const k of requested.keys()) {
    for (const up of graph.upstream(k)) if (requested.has(up)) parent.set(find(k), find(up));
  }
  const groups = new Map<AssetKey, AssetKey[]>();
  for (const k of [...requested.keys()].sort((a, b) => graph.order(a) - graph.order(b))) {
    const root = find(k);
    groups.set(root, [...(groups.get(root) ?? []), k]);
  }
  const base = tickId.replace(/^tick-/, '');
  return [...groups.values()].map((keys, n) => ({
    requestId: `${tickId}.${n + 1}`,
    runId: `${base}-a${n + 1}`,
    keys,
    partitions: Object.fromEntries(keys.map((k) => [k, requested.get(k)!.partition])),
    reasons: Object.fromEntries(keys.map((k) => [k, requested.get(k)!.reasons])),
    asOf: new Date(asOfMs).toISOString(),
  }));
}
