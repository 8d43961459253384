/** `--partition P` / `--from A --to B` -> a PartitionRequest, with the mistakes people make named. */
import type { PartitionRequest } from '../../../assets/core';
import { UserError } from '../errors';

export interface PartitionFlags {
  readonly partition?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The request the flags name; none means the latest complete partition of each asset. */
export function partitionRequest(flags: PartitionFlags, command: string): PartitionRequest {
  if (flags.partition !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
    throw new UserError(`${command}: give either --partition or --from/--to, not both`);
  }
  if (flags.partition !== undefined) return { type: 'range', from: flags.partition, to: flags.partition };
  if ((flags.from === undefined) !== (flags.to === undefined)) {
    throw new UserError(`${command}: --from and --to go together (got only ${flags.from !== undefined ? '--from' : '--to'}); e.g. --from 2026-01-01 --to 2026-01-31`);
  }
  if (flags.from !== undefined && flags.to !== undefined) return { type: 'range', from: flags.from, to: flags.to };
  return { type: 'latest' };
}

/** Parses `--max-parallel`. */
export function maxParallel(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--max-parallel must be a whole number from 1 to 64 (got '${value}')`);
  return n;
}
