/**
 * What the automation evaluator remembers between ticks. Small (one entry per automated asset)
 * and plain JSON, so a store can save it after every tick and a restarted daemon continue.
 */
import type { AutomationRequestRecord } from '../runlog';
import type { AssetKey } from '../types';

export interface AssetAutomationState {
  /** First evaluation: cron ticks and dep updates before it do not count (Dagster: conditions start false). */
  readonly since: number;
  /** When the asset was last requested. With its own latest materialization, this is "handled". */
  readonly handledMs?: number;
  /** The partition last requested: `''` unpartitioned, `'*'` every static value, else the key. */
  readonly requestedTarget?: string;
  /** Target partition and whether it was missing at the last evaluation (for "newly missing"). */
  readonly lastTarget?: string;
  readonly wasMissing?: boolean;
  /** The next instant a time-driven condition (freshness) may become true. */
  readonly wakeAtMs?: number;
}

export interface AutomationState {
  readonly version: 1;
  /** Evaluation instant of the last tick (epoch ms). */
  readonly lastEvalMs?: number;
  /** Run-log events recorded after this ISO time are news to the next tick. */
  readonly cursorAt?: string;
  readonly assets: Readonly<Record<AssetKey, AssetAutomationState>>;
  /** Requests whose run has not ended (queued or running): the daemon drains it, at most N runs at a time. */
  readonly queue: readonly AutomationRequestRecord[];
}

/** The state before the first tick. */
export const initialAutomationState = (): AutomationState => ({ version: 1, assets: {}, queue: [] });
