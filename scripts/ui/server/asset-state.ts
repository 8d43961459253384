/**
 * The one state an asset is drawn in, from the CLI's status (assetStatuses) and the recent runs.
 * Several can hold at once; the colour shows the most urgent, the causes list all of them.
 */
import type { AssetStatus } from '../../cli/run/asset-status';
import type { Activity } from './activity';

export type DisplayState = 'running' | 'failed' | 'check_failed' | 'late' | 'stale' | 'missing' | 'fresh' | 'observed' | 'service';

/** Most urgent first: the order the legend lists them in. */
export const DISPLAY_STATES: readonly DisplayState[] = ['running', 'failed', 'check_failed', 'late', 'stale', 'missing', 'fresh', 'observed', 'service'];

export interface AssetState {
  readonly state: DisplayState;
  /** Every reason, in words: stale causes, the failed step, failed checks, the freshness violation. */
  readonly reasons: readonly string[];
}

/** Folds status and activity into a state and its reasons. */
export function assetState(s: AssetStatus, activity: Activity): AssetState {
  const reasons: string[] = [];
  const states = new Set<DisplayState>();
  const run = activity.running.get(s.key);
  if (run) {
    states.add('running');
    reasons.push(`running in ${run.runId}${run.partitions ? ` [${run.partitions}]` : ''} since ${run.since}`);
  }
  const last = activity.lastStep.get(s.key);
  // A failure counts until a later materialization replaces it.
  if (last?.outcome === 'failed' && (!s.lastMaterialization || s.lastMaterialization.at < last.at)) {
    states.add('failed');
    reasons.push(`last run failed (${last.runId}${last.partitions ? ` [${last.partitions}]` : ''}): ${last.detail.split('\n')[0]}`);
  }
  for (const c of s.checks.filter((x) => !x.passed)) {
    states.add('check_failed');
    reasons.push(`check ${c.check} failed${c.partition ? ` [${c.partition}]` : ''}: ${c.message}`);
  }
  if (s.freshness?.violated) {
    states.add('late');
    reasons.push(s.freshness.lagMinutes === null ? `never materialized; must be at most ${s.freshness.maxLagMinutes} minutes old` : `data is ${s.freshness.lagMinutes} minutes old, more than the ${s.freshness.maxLagMinutes} allowed`);
  }
  if (s.state === 'stale') {
    states.add('stale');
    reasons.push(`stale${s.partitions ? ` (${s.stalePartitions} partition${s.stalePartitions === 1 ? '' : 's'})` : ''}: ${s.causes.join('; ')}`);
  }
  if (s.state === 'missing') states.add('missing');
  if (s.state === 'fresh') states.add('fresh');
  if (s.state === 'observed') {
    states.add('observed');
    reasons.push(...s.causes);
  }
  if (s.state === 'not materialized') {
    states.add('service');
    reasons.push(...s.causes);
  }
  return { state: DISPLAY_STATES.find((x) => states.has(x)) ?? 'missing', reasons };
}
