/**
 * How the engine tells a person what it is doing. The CLI injects a bar on a TTY and plain lines
 * otherwise; tests and the demo inject their own (or `silentReporter`).
 */
import type { AssetKey, Plan } from '../../assets/core';

export type RunOutcome = 'succeeded' | 'up_to_date' | 'failed' | 'blocked' | 'skipped' | 'interrupted';

/** One run of one step as the reporter sees it. */
export interface RunProgress {
  readonly runId: string;
  /** The plan run id (`<step>.<n>`). */
  readonly planRunId: string;
  readonly key: AssetKey;
  /** `2026-01-01`, `2026-01-01..2026-01-31`, or null for unpartitioned assets. */
  readonly partitions: string | null;
}

export interface EngineReporter {
  /** The plan is made and the run created. */
  started(info: { runId: string; plan: Plan; resumeOf?: string }): void;
  runStarted(run: RunProgress): void;
  /** A line from an executor (or the engine) about a run in progress. */
  log(run: RunProgress, message: string): void;
  runFinished(run: RunProgress, outcome: RunOutcome, detail: string, durationMs: number): void;
  finished(summary: { runId: string; status: string; counts: Readonly<Record<RunOutcome, number>>; durationMs: number }): void;
}

/** A reporter that says nothing (benchmarks, tests). */
export const silentReporter: EngineReporter = {
  started() {},
  runStarted() {},
  log() {},
  runFinished() {},
  finished() {},
};
