/**
 * Staleness: is an asset-partition up to date with its code and its inputs? Causes follow
 * Dagster: the code changed, an input's data changed, the dependencies changed, or an upstream
 * asset is itself stale. Freshness is separate: how old the data is against its policy.
 */
import type { AssetGraph } from './graph';
import { IntervalSet } from './intervals';
import { mapToUpstream } from './mappings';
import { partitionIndex, partitionKey, timeWindow, type PartitionsDefinition } from './partitions';
import type { Materialization, MaterializationLookup } from './runlog';
import type { AssetKey } from './types';
import { combineDataVersions } from './versions';

export type StaleCause =
  | { readonly type: 'code'; readonly was: string; readonly now: string }
  | { readonly type: 'data'; readonly dep: AssetKey }
  | { readonly type: 'dependencies'; readonly added: readonly AssetKey[]; readonly removed: readonly AssetKey[] }
  | { readonly type: 'upstream_missing'; readonly dep: AssetKey };

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
      return `${c.dep} has no data`;
  }
}

/**
 * Stands for an input that had no data when a step ran. Recording it (instead of leaving the dep
 * out) lets staleness tell "computed before that upstream had data" from "the deps changed".
 */
export const NO_DATA = 'no-data';

/**
 * The current data version of each input of `key`'s partition: upstream materializations through
 * the partition mapping, or source observations. An upstream with nothing materialized for the
 * mapped partitions gets `NO_DATA` and is listed in `missing`; an unobserved source is left out.
 */
export function currentInputVersions(
  graph: AssetGraph,
  key: AssetKey,
  partition: string | null,
  lookup: MaterializationLookup,
  nowMs: number,
): { versions: Record<AssetKey, string>; missing: AssetKey[] } {
  const asset = graph.get(key);
  const versions: Record<AssetKey, string> = {};
  const missing: AssetKey[] = [];
  const downRange = partitionRange(asset.partitions, partition);
  for (const dep of asset.deps) {
    const up = graph.get(dep.key);
    if (up.source) {
      const obs = lookup.latestObservation(dep.key);
      if (obs) versions[dep.key] = obs.dataVersion;
      continue;
    }
    if (!up.partitions) {
      const m = lookup.latestMaterialization(dep.key, null);
      if (m) versions[dep.key] = m.dataVersion;
      else missing.push(dep.key);
      versions[dep.key] ??= NO_DATA;
      continue;
    }
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
  return { versions, missing };
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
    if (now === NO_DATA) causes.push({ type: 'upstream_missing', dep });
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
 * the newest materialized window; otherwise as new as the latest materialization.
 */
export function freshnessOf(graph: AssetGraph, key: AssetKey, lookup: MaterializationLookup & { materializedPartitions(key: AssetKey): ReadonlySet<string | null> }, nowMs: number): FreshnessResult | undefined {
  const asset = graph.get(key);
  if (!asset.freshness) return undefined;
  let newestMs: number | undefined;
  const def = asset.partitions;
  if (def?.type === 'time') {
    for (const p of lookup.materializedPartitions(key)) {
      if (p === null) continue;
      const i = partitionIndex(def, p);
      if (typeof i === 'number') newestMs = Math.max(newestMs ?? 0, timeWindow(def, i).endMs);
    }
  } else {
    const m = lookup.latestMaterialization(key, null);
    if (m) newestMs = Date.parse(m.at);
  }
  const lagMinutes = newestMs === undefined ? null : Math.max(0, Math.round((nowMs - newestMs) / 60_000));
  return { maxLagMinutes: asset.freshness.maxLagMinutes, lagMinutes, violated: lagMinutes === null || lagMinutes > asset.freshness.maxLagMinutes };
}
