/**
 * Retention: which old runs `assets runs prune` may delete. One rule for every store (local,
 * memory, DynamoDB), so what is kept cannot differ between environments:
 *
 * - a run still `running` is never pruned;
 * - a failed or interrupted run that no later run resumed to success is kept, with every run it
 *   resumes: `backfill --resume` reads their materializations to skip what is done (not a stream
 *   session's run, which is never resumed);
 * - with `keepLatestPerPartition`, a run that wrote the latest materialization of some
 *   asset-partition is kept whole (its events are that partition's provenance).
 *
 * The latest materialization, observation and check per asset(-partition) live in the stores'
 * latest tables, not in the runs, so staleness and freshness never depend on what is pruned.
 */
import type { PruneOptions, RunRecord } from './runlog';

/** The fields of a run the rule reads. */
export type RetainedRun = Pick<RunRecord, 'runId' | 'status' | 'startedAt' | 'resumeOf'> & { readonly command?: RunRecord['command'] };

export interface RetentionDecision {
  /** Run ids to delete. */
  readonly prune: readonly string[];
  readonly kept: { readonly resumable: number; readonly latestPerPartition: number; readonly running: number };
}

/** Parses `90d`, `12h`, `30m`, `2w` into milliseconds; undefined when it is not such a duration. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d+)\s*(m|h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/**
 * Decides which of `runs` (every run of the log, with statuses as readers see them) to prune.
 * `latestWriters` holds the run ids that wrote a current latest materialization.
 */
export function runsToPrune(runs: readonly RetainedRun[], latestWriters: ReadonlySet<string>, options: PruneOptions): RetentionDecision {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const resumers = new Map<string, RetainedRun[]>();
  for (const r of runs) if (r.resumeOf) resumers.set(r.resumeOf, [...(resumers.get(r.resumeOf) ?? []), r]);

  // Resumed to success: some run resuming it succeeded, or was itself resumed to success.
  const settled = new Map<string, boolean>();
  const resumedToSuccess = (id: string, seen = new Set<string>()): boolean => {
    const hit = settled.get(id);
    if (hit !== undefined) return hit;
    if (seen.has(id)) return false;
    seen.add(id);
    const ok = (resumers.get(id) ?? []).some((r) => r.status === 'succeeded' || resumedToSuccess(r.runId, seen));
    settled.set(id, ok);
    return ok;
  };

  const keep = new Set<string>();
  const reason = { resumable: 0, latestPerPartition: 0, running: 0 };
  const keepChain = (id: string | undefined) => {
    // The runs a kept resumable run resumes: doneByRunChain walks them.
    for (let cur = id; cur && !keep.has(cur); cur = byId.get(cur)?.resumeOf) keep.add(cur);
  };
  for (const r of runs) {
    if (r.status === 'running') keep.add(r.runId);
    // A stream session is never resumed (the poller continues from its checkpoint): nothing to keep it for.
    else if ((r.status === 'failed' || r.status === 'interrupted') && r.command !== 'stream' && !resumedToSuccess(r.runId)) keepChain(r.runId);
    else if (options.keepLatestPerPartition && latestWriters.has(r.runId)) keep.add(r.runId);
  }
  const prune: string[] = [];
  for (const r of runs) {
    if (r.startedAt >= options.olderThan) continue;
    if (!keep.has(r.runId)) {
      prune.push(r.runId);
      continue;
    }
    if (r.status === 'running') reason.running++;
    else if (options.keepLatestPerPartition && latestWriters.has(r.runId) && r.status === 'succeeded') reason.latestPerPartition++;
    else reason.resumable++;
  }
  return { prune, kept: reason };
}
