/**
 * The checks of one step, judged once it has written: `metric_compare` checks from the metadata
 * it reported (metric-checks.ts), every other check by the environment over what it wrote. One
 * split and one event shape, shared by the engine and by the AWS recorder Lambda, so a check means
 * the same whether the CLI or a state machine ran the step.
 */
import { checkName, isBlocking, type AssetKey, type CheckSpec, type Metadata, type RunEvent } from '../../assets/core';
import type { CheckOutcome } from './environment';
import { evaluateMetricCheck } from './metric-checks';

type MetricCheck = Extract<CheckSpec, { type: 'metric_compare' }>;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Evaluates `checks` after a step: metric checks here, data checks through `evaluateData` (a throw fails them all). */
export async function evaluateStepChecks(
  checks: readonly CheckSpec[],
  metadata: Metadata,
  evaluateData: (data: readonly CheckSpec[]) => Promise<CheckOutcome[]>,
): Promise<CheckOutcome[]> {
  const metric = checks.filter((c): c is MetricCheck => c.type === 'metric_compare');
  const data = checks.filter((c) => c.type !== 'metric_compare');
  const out: CheckOutcome[] = metric.map((c) => evaluateMetricCheck(c, metadata));
  if (data.length) {
    try {
      out.push(...(await evaluateData(data)));
    } catch (e) {
      // A check that cannot run has not passed.
      for (const c of data) out.push({ check: c, passed: false, message: `could not evaluate: ${errorText(e)}` });
    }
  }
  return out;
}

/** The run-log events of `outcomes`, as `assets checks|status` read them. */
export function checkEvents(outcomes: readonly CheckOutcome[], step: { key: AssetKey; partition: string | null; runId: string; at: () => string }): RunEvent[] {
  return outcomes.map((c) => ({
    type: 'check_evaluated',
    key: step.key,
    partition: step.partition,
    runId: step.runId,
    check: checkName(c.check),
    passed: c.passed,
    blocking: isBlocking(c.check),
    message: c.message,
    at: step.at(),
  }));
}

/** The failed blocking checks of `outcomes`, as one line (empty when none failed). */
export function blockingFailure(outcomes: readonly CheckOutcome[]): string {
  const failed = outcomes.filter((c) => !c.passed && isBlocking(c.check));
  if (!failed.length) return '';
  return `blocking check${failed.length > 1 ? 's' : ''} failed: ${failed.map((c) => `${checkName(c.check)} (${c.message})`).join('; ')}`;
}
