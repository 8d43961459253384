/**
 * The planner: (selected assets, partitions asked for) -> ordered, deduplicated steps, each
 * split into runs by its kind's backfill policy. Steps hold partition *ranges*, and runs are
 * enumerated lazily, so a plan of 10 million asset-partitions costs one range per asset.
 */
import type { AssetGraph } from './graph';
import { IntervalSet, type Range } from './intervals';
import { backfillPolicyOf, categoryOf, type BackfillPolicy } from './kinds';
import { mapToUpstream } from './mappings';
import {
  parseUtc,
  partitionCount,
  partitionIndex,
  partitionKey,
  windowIndexAt,
  windowStart,
  type PartitionsDefinition,
} from './partitions';
import type { AssetKey } from './types';
import { UserError } from './errors';

/** Which partitions to plan. `--partition P` is a range from P to P. */
export type PartitionRequest =
  | { readonly type: 'latest' }
  | { readonly type: 'all' }
  | { readonly type: 'range'; readonly from: string; readonly to: string };

/** The request in words, as run records store it: `latest`, `all`, `A` or `A..B`. */
export function describeRequest(request: PartitionRequest): string {
  if (request.type !== 'range') return request.type;
  return request.from === request.to ? request.from : `${request.from}..${request.to}`;
}

/** Reads back what `describeRequest` wrote (`--resume` replays a run as it was asked). */
export function parseRequest(label: string): PartitionRequest {
  if (label === 'latest' || label === 'all') return { type: label };
  const [from, to = from] = label.split('..');
  return { type: 'range', from, to };
}

/** A planning mistake the user can fix (bad partition key, empty range...). */
export class PlanError extends UserError {
  override name = 'PlanError';
}

export interface PlanUpstream {
  readonly key: AssetKey;
  /** The upstream partitions read, through the dep's mapping; undefined for an unpartitioned upstream. */
  readonly partitions?: IntervalSet;
  /** True when the upstream asset is also a step of this plan (the step waits for it). */
  readonly inPlan: boolean;
}

export interface PlanStep {
  readonly index: number;
  readonly key: AssetKey;
  /** Partition indexes to materialize; undefined for an unpartitioned asset. */
  readonly partitions?: IntervalSet;
  readonly policy: BackfillPolicy;
  readonly runCount: number;
  readonly upstream: readonly PlanUpstream[];
}

/** One run of one step: a contiguous partition range (or the whole unpartitioned asset). */
export interface PlanRun {
  readonly id: string;
  readonly step: PlanStep;
  readonly range?: Range;
}

export interface Plan {
  readonly request: PartitionRequest;
  readonly steps: readonly PlanStep[];
  /** Selected assets the batch planner does not run, with why (sources, services, streams). */
  readonly excluded: readonly { readonly key: AssetKey; readonly reason: string }[];
  readonly assetPartitions: number;
  readonly runCount: number;
  readonly notes: readonly string[];
}

/** The partition keys of a run (strings are built only here, on demand). */
export function runPartitionKeys(graph: AssetGraph, run: PlanRun): string[] | null {
  const def = graph.get(run.step.key).partitions;
  if (!def || !run.range) return null;
  const keys: string[] = [];
  for (let i = run.range[0]; i < run.range[1]; i++) keys.push(partitionKey(def, i));
  return keys;
}

function chunk(ranges: readonly Range[], policy: BackfillPolicy): Range[] {
  const out: Range[] = [];
  const max = policy.type === 'per_partition' ? 1 : policy.maxPartitionsPerRun ?? Infinity;
  for (const [lo, hi] of ranges) {
    for (let a = lo; a < hi; a += Math.min(max, hi - a)) out.push([a, Math.min(hi, a + max)]);
  }
  return out;
}

function countRuns(ranges: readonly Range[], policy: BackfillPolicy): number {
  const max = policy.type === 'per_partition' ? 1 : policy.maxPartitionsPerRun ?? Infinity;
  let n = 0;
  for (const [lo, hi] of ranges) n += max === Infinity ? 1 : Math.ceil((hi - lo) / max);
  return n;
}

/** Every run of the plan, in step order: the order an executor with no parallelism runs them. */
export function* planRuns(plan: Plan): IterableIterator<PlanRun> {
  for (const step of plan.steps) {
    if (!step.partitions) {
      yield { id: `${step.index}`, step };
      continue;
    }
    let i = 0;
    for (const range of chunk(step.partitions.ranges, step.policy)) yield { id: `${step.index}.${i++}`, step, range };
  }
}

/** End of the period a date string names: `2024-01` -> February 1st, `2024-01-05` -> the 6th, `...T05:00` -> 06:00. */
function periodEnd(text: string, startMs: number): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}$/.test(t)) {
    const d = new Date(startMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return startMs + 86_400_000;
  return startMs + 3_600_000;
}

function resolveStatic(def: Extract<PartitionsDefinition, { type: 'static' }>, key: AssetKey, request: PartitionRequest): IntervalSet {
  if (request.type !== 'range') return IntervalSet.of(0, def.values.length);
  const a = partitionIndex(def, request.from);
  const b = partitionIndex(def, request.to);
  if (typeof a === 'string') throw new PlanError(`${key}: ${a}`);
  if (typeof b === 'string') throw new PlanError(`${key}: ${b}`);
  if (b < a) throw new PlanError(`${key}: '${request.from}' comes after '${request.to}' in its static partitions`);
  return IntervalSet.of(a, b + 1);
}

/** The partitions of one asset a request names, clipped to those that exist at `nowMs`. */
export function resolvePartitions(
  key: AssetKey,
  def: PartitionsDefinition,
  request: PartitionRequest,
  nowMs: number,
  notes: string[],
): IntervalSet {
  if (def.type === 'static') return resolveStatic(def, key, request);
  const n = partitionCount(def, nowMs);
  if (request.type === 'all') return IntervalSet.of(0, n);
  if (request.type === 'latest') {
    if (n === 0) throw new PlanError(`${key}: no ${def.cadence} partition is complete yet (the first is ${partitionKey(def, 0)})`);
    return IntervalSet.of(n - 1, n);
  }
  const fromMs = parseUtc(request.from);
  const toMs = parseUtc(request.to);
  const example = partitionKey(def, 0);
  if (fromMs === undefined) throw new PlanError(`'${request.from}' is not a partition key or date; write it like '${example}'`);
  if (toMs === undefined) throw new PlanError(`'${request.to}' is not a partition key or date; write it like '${example}'`);
  if (toMs < fromMs) throw new PlanError(`the range ends (${request.to}) before it starts (${request.from}); swap --from and --to`);
  const endMs = periodEnd(request.to, toMs);
  // Windows whose start lies in [from, end of the period `to` names).
  let lo = windowIndexAt(def, fromMs);
  if (windowStart(def, lo) < fromMs) lo++;
  const hi = windowIndexAt(def, endMs - 1) + 1;
  const wanted = IntervalSet.of(Math.max(lo, 0), hi);
  const existing = wanted.clip(0, n);
  if (existing.size < wanted.size) {
    const future = wanted.minus(IntervalSet.of(0, n)).size;
    if (future) notes.push(`${key}: ${future} partition${future === 1 ? ' is' : 's are'} not complete yet and ${future === 1 ? 'was' : 'were'} left out`);
  }
  if (lo < 0) notes.push(`${key}: the range starts before the first partition ${example}; planning from there`);
  if (existing.isEmpty) {
    throw new PlanError(`${key}: no complete ${def.cadence} partition between ${request.from} and ${request.to} (partitions start at ${example})`);
  }
  return existing;
}

/**
 * Plans `keys` (already selected, any order) for `request` as of `nowMs`. Steps come in the graph's
 * topological order; each step lists the upstream partitions it reads, resolved through mappings.
 */
export function plan(graph: AssetGraph, keys: readonly AssetKey[], request: PartitionRequest, nowMs: number): Plan {
  const selected = new Set(keys);
  const ordered = graph.keys.filter((k) => selected.has(k));
  const steps: PlanStep[] = [];
  const excluded: { key: AssetKey; reason: string }[] = [];
  const notes: string[] = [];
  const inPlan = new Set<AssetKey>();
  let assetPartitions = 0;
  let runCount = 0;
  for (const key of ordered) {
    const asset = graph.get(key);
    const category = categoryOf(asset, graph.kinds);
    if (category !== 'batch') {
      excluded.push({
        key,
        reason:
          category === 'source'
            ? 'source asset: owned upstream, observed and contract-checked by the steps that read it'
            : `${category}: deployed and long-running, not materialized by batch runs`,
      });
      continue;
    }
    const policy = backfillPolicyOf(asset, graph.kinds);
    const partitions = asset.partitions ? resolvePartitions(key, asset.partitions, request, nowMs, notes) : undefined;
    const upstream: PlanUpstream[] = asset.deps.map((dep) => {
      const up = graph.get(dep.key);
      return {
        key: dep.key,
        partitions: up.partitions ? mapToUpstream(dep.mapping, asset.partitions, up.partitions, partitions ?? IntervalSet.EMPTY, nowMs) : undefined,
        inPlan: inPlan.has(dep.key),
      };
    });
    const runs = partitions ? countRuns(partitions.ranges, policy) : 1;
    steps.push({ index: steps.length, key, partitions, policy, runCount: runs, upstream });
    inPlan.add(key);
    assetPartitions += partitions ? partitions.size : 1;
    runCount += runs;
  }
  return { request, steps, excluded, assetPartitions, runCount, notes };
}
