/**
 * `metric_compare` checks: evaluated by the engine from the metadata a step recorded, e.g. the
 * model's recall@10 against the popularity baseline's, so every environment judges them alike.
 */
import { checkName, type CheckSpec, type Metadata } from '../../assets/core';
import type { CheckOutcome } from './environment';

type MetricCheck = Extract<CheckSpec, { type: 'metric_compare' }>;

const compare = (a: number, op: MetricCheck['op'], b: number): boolean =>
  op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;

/** Evaluates one metric check against `metadata`; a missing or non-numeric metric fails it, saying which. */
export function evaluateMetricCheck(check: MetricCheck, metadata: Metadata): CheckOutcome {
  const value = metadata[check.metric];
  if (typeof value !== 'number') {
    return { check, passed: false, message: `${checkName(check)}: the step recorded no numeric '${check.metric}' (metadata keys: ${Object.keys(metadata).join(', ') || 'none'})` };
  }
  let than: number;
  let thanLabel: string;
  if (typeof check.than === 'number') {
    than = check.than;
    thanLabel = String(check.than);
  } else {
    const v = metadata[check.than];
    if (typeof v !== 'number') {
      return { check, passed: false, message: `${checkName(check)}: the step recorded no numeric '${check.than}' to compare ${check.metric} with` };
    }
    than = v;
    thanLabel = `${check.than} ${fmt(v)}`;
  }
  const passed = compare(value, check.op, than);
  return { check, passed, message: `${check.metric} ${fmt(value)} ${passed ? '' : 'not '}${check.op} ${thanLabel}` };
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(4));
