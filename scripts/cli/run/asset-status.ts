/**
 * The status of each asset from the run log: last materialization, partitions done/total,
 * staleness with causes, freshness, last check results. Sources are shown by their last
 * observation (status does not query the source; a run observes it).
 */
import {
  assetStaleness,
  categoryOf,
  codeVersionOf,
  describeCause,
  freshnessOf,
  NO_DATA,
  partitionCount,
  stalenessOf,
  type AssetGraph,
  type AssetKey,
  type FileFact,
  type FileProblem,
  type RunLogSnapshot,
  type Staleness,
} from '../../../assets/core';

/** Compares recorded files with the disk (the environment's cheap check); absent where files are not tracked. */
export type VerifyFiles = (files: readonly FileFact[]) => FileProblem[];

export interface AssetStatus {
  readonly key: AssetKey;
  readonly category: string;
  readonly lastMaterialization: { readonly at: string; readonly partition: string | null; readonly runId: string } | null;
  /** null for unpartitioned assets. */
  readonly partitions: { readonly done: number; readonly total: number } | null;
  /**
   * `missing`: never materialized, or a committed file is gone; `modified`: a committed file
   * changed on disk; `late`: up to date with its inputs but older than its freshness policy allows.
   */
  readonly state: 'fresh' | 'stale' | 'late' | 'missing' | 'modified' | 'observed' | 'not materialized';
  /** Partitions whose committed files are missing or changed, each naming its first bad file. */
  readonly damaged: readonly { readonly partition: string | null; readonly problem: FileProblem }[];
  readonly stalePartitions: number;
  readonly causes: readonly string[];
  readonly freshness: { readonly maxLagMinutes: number; readonly lagMinutes: number | null; readonly violated: boolean } | null;
  readonly checks: readonly { readonly check: string; readonly passed: boolean; readonly blocking: boolean; readonly partition: string | null; readonly message: string; readonly at: string }[];
}

/**
 * Staleness of the materialized partitions of a batch asset among `partitions` (null: the
 * unpartitioned snapshot), by default every materialized one. Partitions never materialized are
 * left out. Each is read on its own: a page showing the newest partitions reads those only.
 */
export function partitionStaleness(
  graph: AssetGraph,
  key: AssetKey,
  snap: RunLogSnapshot,
  codeVersion: string,
  nowMs: number,
  partitions: Iterable<string | null> = snap.materializedPartitions(key),
): Map<string | null, Staleness> {
  const out = new Map<string | null, Staleness>();
  for (const p of partitions) {
    const s = stalenessOf(graph, key, p, snap, codeVersion, nowMs);
    if (s.status !== 'missing') out.set(p, s);
  }
  return out;
}

/** The status of `keys`, as of `nowMs`. */
export function assetStatuses(
  graph: AssetGraph,
  keys: readonly AssetKey[],
  snap: RunLogSnapshot,
  readCode: (p: string) => string | undefined,
  nowMs: number,
  verify?: VerifyFiles,
): AssetStatus[] {
  return keys.map((key) => {
    const asset = graph.get(key);
    const category = categoryOf(asset, graph.kinds);
    const checks = snap.latestChecks(key).map((c) => ({ check: c.check, passed: c.passed, blocking: c.blocking, partition: c.partition, message: c.message, at: c.at }));
    if (category === 'source') {
      const obs = snap.latestObservation(key);
      // Observed and not found (a dropped table): say so, with what the observation saw.
      const gone = obs?.dataVersion === NO_DATA;
      const seen = gone && typeof obs.metadata.contractDiff === 'string' ? obs.metadata.contractDiff.split('\n')[0] : '';
      return {
        key,
        category,
        lastMaterialization: null,
        partitions: null,
        state: gone ? ('missing' as const) : ('observed' as const),
        damaged: [],
        stalePartitions: 0,
        causes: !obs
          ? ['never observed (a run reading it observes it)']
          : gone
            ? [`not found in the source when observed ${obs.at}${seen ? `: ${seen}` : ''}`]
            : [`observed ${obs.at} (data version ${obs.dataVersion})`],
        freshness: null,
        checks,
      };
    }
    // A stream asset is materialized by its deliveries (recorded by the poller), a service never.
    const delivered = category === 'stream' && snap.assetSummary(key).partitions > 0;
    if (category !== 'batch' && !delivered) {
      const why = category === 'stream' ? 'stream: no delivery recorded yet (deliveries are its materializations)' : `${category}: deployed, not materialized`;
      return { key, category, lastMaterialization: null, partitions: null, state: 'not materialized' as const, damaged: [], stalePartitions: 0, causes: [why], freshness: null, checks };
    }
    const code = codeVersionOf(asset, readCode);
    // Counted from the run log's per-asset summary: the work does not grow with the history.
    const summary = snap.assetSummary(key);
    const staleness = assetStaleness(graph, key, snap, code, nowMs, summary);
    const done = summary.partitions;
    const last: AssetStatus['lastMaterialization'] = summary.newest ?? null;
    const causes = new Set<string>(staleness.causes.map(describeCause));
    const damaged: { partition: string | null; problem: FileProblem }[] = [];
    if (verify && summary.withFiles) {
      for (const m of snap.materializationsWithFiles(key)) {
        const problem = verify(m.files!)[0];
        if (problem) damaged.push({ partition: m.partition, problem });
      }
      // In partition order (time order for time partitions), whatever order the store returns them in.
      damaged.sort((a, b) => ((a.partition ?? '') < (b.partition ?? '') ? -1 : (a.partition ?? '') > (b.partition ?? '') ? 1 : 0));
    }
    // A damaged partition shows as damaged, not also as stale (it is rebuilt either way).
    const damagedStale = damaged.length ? damaged.filter((d) => stalenessOf(graph, key, d.partition, snap, code, nowMs).status === 'stale').length : 0;
    const stale = staleness.stalePartitions - damagedStale;
    const f = freshnessOf(graph, key, snap, nowMs, summary);
    for (const d of damaged.slice(0, 3)) causes.add(`${d.partition ? `[${d.partition}] ` : ''}${d.problem.path} ${d.problem.problem}: ${d.problem.detail}`);
    if (damaged.length > 3) causes.add(`... and ${damaged.length - 3} more damaged partition(s) (assets verify ${key})`);
    const intact = done - damaged.length;
    const state: AssetStatus['state'] =
      done === 0 || damaged.some((d) => d.problem.problem === 'missing')
        ? 'missing'
        : damaged.length
          ? 'modified'
          : stale
            ? 'stale'
            : f?.violated
              ? 'late'
              : 'fresh';
    return {
      key,
      category,
      lastMaterialization: last,
      partitions: asset.partitions ? { done: intact, total: partitionCount(asset.partitions, nowMs) } : null,
      state,
      damaged,
      stalePartitions: stale,
      causes: [...causes],
      freshness: f ? { maxLagMinutes: f.maxLagMinutes, lagMinutes: f.lagMinutes, violated: f.violated } : null,
      checks,
    };
  });
}
