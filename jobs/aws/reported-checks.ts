/**
 * Data checks judged on AWS from what a step reported rather than from its data: a query engine
 * over S3 (Athena) is not part of the stack, so only a `row_count` of a step that counts what it
 * wrote (an index load answers the rows it loaded) can be judged. The CLI's AWS environment and
 * the state machines' recorder both evaluate through here, so a check means the same in both.
 */
import type { CheckSpec, Metadata } from '../../assets/core';
import type { CheckOutcome } from '../engine/environment';

/** Kinds whose step reports the rows it wrote as `rows` in its metadata. */
const COUNTS_ROWS: ReadonlySet<string> = new Set(['vector-index']);

/** The outcomes of the data checks that can be judged from `metadata`, and how many cannot. */
export function evaluateReportedChecks(kind: string, checks: readonly CheckSpec[], metadata: Metadata): { outcomes: CheckOutcome[]; notEvaluated: number } {
  const rows = metadata.rows;
  const counted = COUNTS_ROWS.has(kind) && typeof rows === 'number';
  const outcomes: CheckOutcome[] = [];
  let notEvaluated = 0;
  for (const check of checks) {
    if (counted && check.type === 'row_count') outcomes.push(rowCountOutcome(check, rows));
    else notEvaluated++;
  }
  return { outcomes, notEvaluated };
}

/** The log line for checks that were not evaluated (empty when every check was). */
export const notEvaluatedLine = (n: number): string => (n ? `${n} data check(s) not evaluated on AWS (no query engine over S3 yet)` : '');

/** A `row_count` check against the number of rows a step reported. */
function rowCountOutcome(check: Extract<CheckSpec, { type: 'row_count' }>, rows: number): CheckOutcome {
  const low = check.min !== undefined && rows < check.min;
  const high = check.max !== undefined && rows > check.max;
  const bounds = [check.min !== undefined ? `>= ${check.min}` : '', check.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ');
  return { check, passed: !low && !high, message: `${rows} rows loaded${bounds ? `, expected ${bounds}` : ''}` };
}
