/**
 * Staleness: is an asset-partition up to date with its code and its inputs? Causes follow
 * Dagster: the code changed, an input's data changed, the dependencies changed, or an upstream
 * asset is itself stale. Freshness is separate: how old the data is against its policy.
 */
import type { AssetGraph } from './graph';
import { IntervalSet } from './intervals';
import { mapToUpstream } from './mappings';
import { defaultMapping, type PartitionMapping } from './mappings';
import { partitionIndex, partitionKey, timeWindow, windowIndexAt, windowStart, type PartitionsDefinition } from './partitions';
import type { AssetSummary, Materialization, MaterializationLookup, RunLogSnapshot } from './runlog';
import type { AssetKey } from './types';
import { combineDataVersions, NO_DATA } from './versions';

export type StaleCause =
  | { readonly type: 'code'; readonly was: string; readonly now: string }
  | { readonly type: 'data'; readonly dep: AssetKey }
  | { readonly type: 'dependencies'; readonly added: readonly AssetKey[]; readonly removed: readonly AssetKey[] }
  | { readonly type: 'upstream_missing'; readonly dep: AssetKey; readonly source?: boolean };

export interface Staleness {
  readonly status: 'fresh' | 'stale' | 'missing';
  readonly causes: readonly StaleCause[];
  readonly materialization?: Materialization;
}

/** Describes a cause in a sentence for `status`. */
export function describeCause(c: StaleCause): string {
  switch (c.type) {
    case 'code':
      return `code changed (${c.was} -> ${c.now})`;
    case 'data':
      return `new data in ${c.dep}`;
    case 'dependencies':
      return `deps changed${c.added.length ? ` (+${c.added.join(', +')})` : ''}${c.removed.length ? ` (-${c.removed.join(', -')})` : ''}`;
    case 'upstream_missing':
      return c.source ? `${c.dep} is missing (not found in the source when last observed)` : `${c.dep} has no data`;
  }
}


/**
 * The current data version of each input of `key`'s partition: upstream materializations through
 * the partition mapping, or source observations. An upstream with nothing materialized for the
 * mapped partitions gets `NO_DATA` and is listed in `missing`; an unobserved source is left out.
 * `reads` names the one upstream partition of each input that has exactly one whatever the time
 * (what a materialization records as `reads`).
 */
export function currentInputVersions(
  graph: AssetGraph,
  key: AssetKey,
  partition: string | null,
  lookup: MaterializationLookup,
  nowMs: number,
): { versions: Record<AssetKey, string>; missing: AssetKey[]; reads: Record<AssetKey, string | null> } {
  const asset = graph.get(key);
  const versions: Record<AssetKey, string> = {};
  const missing: AssetKey[] = [];
  const reads: Record<AssetKey, string | null> = {};
  const downRange = partitionRange(asset.partitions, partition);
  for (const dep of asset.deps) {
    const up = graph.get(dep.key);
    if (up.source) {
      const obs = lookup.latestObservation(dep.key);
      if (obs) {
        versions[dep.key] = obs.dataVersion;
        reads[dep.key] = null;
      }
      continue;
    }
    if (!up.partitions) {
      const m = lookup.latestMaterialization(dep.key, null);
      if (m) versions[dep.key] = m.dataVersion;
      else missing.push(dep.key);
      versions[dep.key] ??= NO_DATA;
      reads[dep.key] = null;
      continue;
    }
    const single = singleUpstreamPartition(dep.mapping, asset.partitions, up.partitions, partition);
    if (single !== undefined) reads[dep.key] = single;
    const upRange = mapToUpstream(dep.mapping, asset.partitions, up.partitions, downRange, nowMs);
    const parts: string[] = [];
    for (const i of upRange.indexes()) {
      const m = lookup.latestMaterialization(dep.key, partitionKey(up.partitions, i));
      if (m) parts.push(m.dataVersion);
    }
    if (parts.length) versions[dep.key] = combineDataVersions(parts);
    else {
      versions[dep.key] = NO_DATA;
      missing.push(dep.key);
    }
  }
  return { versions, missing, reads };
}

/**
 * The one upstream partition a downstream partition reads under `mapping`, when the mapping names
 * exactly one and does not depend on the time (identity, time window, static); undefined otherwise
 * (all, last, several partitions, unpartitioned downstream). Computed without clipping to what
 * exists now: a partition read before it existed is still the one to follow.
 */
export function singleUpstreamPartition(
  mapping: PartitionMapping | undefined,
  down: PartitionsDefinition | undefined,
  up: PartitionsDefinition,
  partition: string | null,
): string | undefined {
  const m = mapping ?? defaultMapping(down, up);
  if (!down || partition === null || !m) return undefined;
  const i = partitionIndex(down, partition);
  if (typeof i !== 'number') return undefined;
  if (m.type === 'identity') return partition;
  if (m.type === 'time_window' && down.type === 'time' && up.type === 'time') {
    const lo = windowIndexAt(up, windowStart(down, i)) + m.startOffset;
    const hi = windowIndexAt(up, windowStart(down, i + 1) - 1) + 1 + m.endOffset;
    return hi - lo === 1 && lo >= 0 ? partitionKey(up, lo) : undefined;
  }
  if (m.type === 'static' && down.type === 'static' && up.type === 'static') {
    const values = m.downstreamToUpstream[partition] ?? [];
    return values.length === 1 && up.values.includes(values[0]) ? values[0] : undefined;
  }
  return undefined;
}

function partitionRange(def: PartitionsDefinition | undefined, partition: string | null): IntervalSet {
  if (!def || partition === null) return IntervalSet.EMPTY;
  const i = partitionIndex(def, partition);
  return typeof i === 'number' ? IntervalSet.of(i, i + 1) : IntervalSet.EMPTY;
}

/** Staleness of one asset-partition against the current code version and the run log. */
export function stalenessOf(
  graph: AssetGraph,
  key: AssetKey,
  partition: string | null,
  lookup: MaterializationLookup,
  codeVersion: string,
  nowMs: number,
): Staleness {
  const m = lookup.latestMaterialization(key, partition);
  if (!m) return { status: 'missing', causes: [] };
  const causes: StaleCause[] = [];
  if (m.codeVersion !== codeVersion) causes.push({ type: 'code', was: m.codeVersion, now: codeVersion });
  const deps = graph.get(key).deps.map((d) => d.key);
  const recorded = Object.keys(m.inputs);
  const added = deps.filter((d) => !(d in m.inputs) && !graph.get(d).source);
  const removed = recorded.filter((d) => !deps.includes(d));
  if (added.length || removed.length) causes.push({ type: 'dependencies', added, removed });
  const { versions } = currentInputVersions(graph, key, partition, lookup, nowMs);
  for (const dep of deps) {
    if (removed.includes(dep) || added.includes(dep)) continue;
    const was = m.inputs[dep];
    const now = versions[dep];
    if (was === undefined || now === undefined || was === now) continue;
    // Data that was read has gone (wiped upstream): the result no longer matches any input.
    if (now === NO_DATA) causes.push({ type: 'upstream_missing', dep, ...(graph.get(dep).source ? { source: true } : {}) });
    else causes.push({ type: 'data', dep });
  }
  return { status: causes.length ? 'stale' : 'fresh', causes, materialization: m };
}

export interface FreshnessResult {
  readonly maxLagMinutes: number;
  /** Minutes between now and the newest data (end of the newest partition window, or the materialization time). */
  readonly lagMinutes: number | null;
  readonly violated: boolean;
}

/**
 * Freshness of an asset with a policy: for time-partitioned assets the data is as new as the end of
 * the newest materialized window; otherwise as new as the latest materialization. Read from the
 * asset's summary (pass it when already read): no partition is looked at one by one unless the
 * partitions were redeclared.
 */
export function freshnessOf(
  graph: AssetGraph,
  key: AssetKey,
  lookup: MaterializationLookup & Pick<RunLogSnapshot, 'materializedPartitions' | 'assetSummary'>,
  nowMs: number,
  summary: AssetSummary = lookup.assetSummary(key),
): FreshnessResult | undefined {
  const asset = graph.get(key);
  if (!asset.freshness) return undefined;
  let newestMs: number | undefined;
  const def = asset.partitions;
  if (def?.type === 'time') {
    // Time partition keys are fixed-width and sort in time order: the greatest is the newest window.
    const max = summary.maxPartition;
    const i = max === undefined ? undefined : partitionIndex(def, max);
    if (typeof i === 'number') newestMs = timeWindow(def, i).endMs;
    else if (max !== undefined) {
      // A key of another format (the partitions were redeclared): look at every one.
      for (const p of lookup.materializedPartitions(key)) {
        const j = p === null ? undefined : partitionIndex(def, p);
        if (typeof j === 'number') newestMs = Math.max(newestMs ?? 0, timeWindow(def, j).endMs);
      }
    }
  } else {
    // The unpartitioned materialization: the summary's newest when it is that one (an asset that
    // was partitioned before keeps those partitions' records, and they may be newer).
    const at = summary.newest?.partition === null ? summary.newest.at : lookup.latestMaterialization(key, null)?.at;
    if (at !== undefined) newestMs = Date.parse(at);
  }
  const lagMinutes = newestMs === undefined ? null : Math.max(0, Math.round((nowMs - newestMs) / 60_000));
  return { maxLagMinutes: asset.freshness.maxLagMinutes, lagMinutes, violated: lagMinutes === null || lagMinutes > asset.freshness.maxLagMinutes };
}

/** Stale partitions of one asset and why, from its summary (see `assetStaleness`). */
export interface AssetStaleness {
  readonly stalePartitions: number;
  readonly causes: readonly StaleCause[];
}

/**
 * Staleness of every materialized partition of `key`, counted from the run log's per-asset summary
 * (`RunLogSnapshot.assetSummary`): a group with another code version or other inputs is stale as a
 * whole, followed inputs that changed are counted by the store as they change, and only the
 * partitions whose inputs are not followed (all and last mappings, earlier records) are checked
 * one by one with `stalenessOf`. Equal to running `stalenessOf` on every partition; work grows
 * with the untracked partitions, not with the history.
 */
export function assetStaleness(graph: AssetGraph, key: AssetKey, snap: RunLogSnapshot, codeVersion: string, nowMs: number, summary: AssetSummary = snap.assetSummary(key)): AssetStaleness {
  const deps = graph.get(key).deps.map((d) => d.key);
  const causes = new Map<string, StaleCause>();
  const add = (c: StaleCause) => causes.set(JSON.stringify(c), c);
  // Untracked partitions are checked exactly; take them out of their group's count first.
  const untrackedIn = new Map<string, number>();
  let stale = 0;
  for (const p of summary.untracked) {
    const s = stalenessOf(graph, key, p, snap, codeVersion, nowMs);
    const m = s.materialization!;
    const id = groupId(m.codeVersion, Object.keys(m.inputs).sort());
    untrackedIn.set(id, (untrackedIn.get(id) ?? 0) + 1);
    if (s.status === 'stale') stale++;
    for (const c of s.causes) add(c);
  }
  for (const g of summary.groups) {
    const tracked = g.count - (untrackedIn.get(groupId(g.codeVersion, g.inputKeys)) ?? 0);
    if (tracked <= 0) continue;
    const added = deps.filter((d) => !g.inputKeys.includes(d) && !graph.get(d).source);
    const removed = g.inputKeys.filter((d) => !deps.includes(d));
    if (g.codeVersion !== codeVersion) add({ type: 'code', was: g.codeVersion, now: codeVersion });
    if (added.length || removed.length) add({ type: 'dependencies', added, removed });
    stale += g.codeVersion !== codeVersion || added.length || removed.length ? tracked : g.changed;
  }
  for (const c of summary.changedInputs) {
    if (!deps.includes(c.dep) || c.count === 0) continue;
    // A source observed as gone (a dropped table records NO_DATA) is missing, not new data.
    const source = graph.get(c.dep).source;
    const gone = c.missing || (source && snap.latestObservation(c.dep)?.dataVersion === NO_DATA);
    add(gone ? { type: 'upstream_missing', dep: c.dep, ...(source ? { source: true } : {}) } : { type: 'data', dep: c.dep });
  }
  return { stalePartitions: stale, causes: [...causes.values()] };
}

const groupId = (codeVersion: string, inputKeys: readonly AssetKey[]) => `${codeVersion}\0${inputKeys.join('\0')}`;
