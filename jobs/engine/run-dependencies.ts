/**
 * Which plan runs a run waits for: the runs of upstream steps (in the same plan) whose partition
 * ranges overlap the upstream partitions this run reads. With `--max-parallel N` this is what lets
 * day 5 of the training set start as soon as day 5 of the raw ratings is in, not after all 31.
 */
import { IntervalSet, mapToUpstream, type AssetGraph, type PlanRun } from '../../assets/core';

const overlaps = (set: IntervalSet, lo: number, hi: number): boolean => set.ranges.some(([a, b]) => a < hi && lo < b);

/** For each run (by position in `runs`), the positions of the runs it waits for. */
export function runDependencies(graph: AssetGraph, runs: readonly PlanRun[], nowMs: number): number[][] {
  const byStep = new Map<string, number[]>();
  runs.forEach((r, i) => {
    const list = byStep.get(r.step.key);
    if (list) list.push(i);
    else byStep.set(r.step.key, [i]);
  });
  return runs.map((run) => {
    const asset = graph.get(run.step.key);
    const waits: number[] = [];
    for (const up of run.step.upstream) {
      if (!up.inPlan) continue;
      const upRuns = byStep.get(up.key) ?? [];
      const upAsset = graph.get(up.key);
      if (!upAsset.partitions) {
        waits.push(...upRuns);
        continue;
      }
      const mapping = asset.deps.find((d) => d.key === up.key)?.mapping;
      const read = mapToUpstream(mapping, asset.partitions, upAsset.partitions, run.range ? IntervalSet.of(run.range[0], run.range[1]) : IntervalSet.EMPTY, nowMs);
      for (const j of upRuns) {
        const r = runs[j].range;
        if (r && overlaps(read, r[0], r[1])) waits.push(j);
      }
    }
    return waits;
  });
}
