/**
 * What the run log says is happening now: steps in flight and each asset's last step outcome,
 * read from the most recent runs through the `RunLog` interface (any environment). Status from
 * the snapshot says fresh/stale/missing; only the runs know "running" and "last attempt failed".
 */
import type { AssetKey, RunEvent, RunLog, RunRecord } from '../../../assets/core';
import { partitionsLabel } from '../../../jobs/engine';

/** The last finished step of an asset in the recent runs. */
export interface LastStep {
  readonly outcome: 'succeeded' | 'failed' | 'skipped';
  readonly runId: string;
  readonly partitions: string | null;
  readonly at: string;
  readonly detail: string;
}

export interface Activity {
  /** Assets with a step started and not finished in a run that is still running. */
  readonly running: ReadonlyMap<AssetKey, { readonly runId: string; readonly partitions: string | null; readonly since: string }>;
  readonly lastStep: ReadonlyMap<AssetKey, LastStep>;
  readonly runs: readonly RunRecord[];
}

type StepEvent = Extract<RunEvent, { partitions: unknown }>;
/** The events of a run that say what its steps did: the activity and the asset pages read only these. */
export const STEP_TYPES: readonly RunEvent['type'][] = ['step_planned', 'step_started', 'step_succeeded', 'step_failed', 'step_skipped'];

/** Folds the events of `runs` (newest first) into what is running and how each asset's last step ended. */
export async function recentActivity(runLog: RunLog, runs: readonly RunRecord[]): Promise<Activity> {
  const running = new Map<AssetKey, { runId: string; partitions: string | null; since: string }>();
  const lastStep = new Map<AssetKey, LastStep>();
  const perRun = await Promise.all(runs.map((r) => runLog.events(r.runId, STEP_TYPES)));
  runs.forEach((run, i) => {
    const open = new Map<string, StepEvent>();
    for (const e of perRun[i]) {
      if (!('partitions' in e)) continue;
      const id = `${e.key}\0${partitionsLabel(e.partitions) ?? ''}`;
      if (e.type === 'step_started') open.set(id, e);
      else if (e.type !== 'step_planned') {
        open.delete(id);
        const outcome = e.type === 'step_succeeded' ? 'succeeded' : e.type === 'step_failed' ? 'failed' : 'skipped';
        const detail = e.type === 'step_failed' ? e.error : e.type === 'step_skipped' ? e.reason : '';
        const prev = lastStep.get(e.key);
        if (!prev || prev.at <= e.at) lastStep.set(e.key, { outcome, runId: e.runId, partitions: partitionsLabel(e.partitions), at: e.at, detail });
      }
    }
    if (run.status !== 'running') return;
    for (const e of open.values()) if (!running.has(e.key)) running.set(e.key, { runId: e.runId, partitions: partitionsLabel(e.partitions), since: e.at });
  });
  return { running, lastStep, runs };
}
