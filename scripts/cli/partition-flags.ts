/**
 * `--partition P` / `--from A --to B` -> a PartitionRequest, shared by plan, materialize and
 * backfill so every command reads partitions the same way.
 */
import type { AssetGraph, PartitionRequest, Plan } from '../../assets/core';
import { UserError } from './errors';

export interface PartitionFlags {
  readonly partition?: string;
  readonly from?: string;
  readonly to?: string;
  readonly all?: boolean;
}

/** The request the flags name; no flag means the latest complete partition. */
export function partitionRequest(flags: PartitionFlags): PartitionRequest {
  const { partition, from, to, all } = flags;
  if (partition !== undefined && (from !== undefined || to !== undefined)) {
    throw new UserError('give either --partition P or --from A --to B, not both');
  }
  if (all && (partition !== undefined || from !== undefined || to !== undefined)) {
    throw new UserError('--all-partitions cannot be combined with --partition, --from or --to');
  }
  if (all) return { type: 'all' };
  if (partition !== undefined) return { type: 'range', from: partition, to: partition };
  if (from !== undefined || to !== undefined) {
    if (from === undefined || to === undefined) throw new UserError(`--from and --to go together; add ${from === undefined ? '--from A' : '--to B'}`);
    return { type: 'range', from, to };
  }
  return { type: 'latest' };
}

/**
 * A partition flag that applies to no planned step would be silently ignored (the plan or run
 * would take each asset's one snapshot): refused instead, naming the assets.
 */
export function refuseIgnoredPartitionFlags(graph: AssetGraph, plan: Plan, request: PartitionRequest, verb: string): void {
  if (request.type !== 'range' || !plan.steps.length || plan.steps.some((s) => graph.get(s.key).partitions)) return;
  const n = plan.steps.length;
  throw new UserError(`--partition/--from/--to: ${plan.steps.map((s) => s.key).join(', ')} ${n === 1 ? 'is' : 'are'} not partitioned; drop the partition flags to ${verb} ${n === 1 ? 'its' : 'their'} one snapshot`);
}
