/** A run's partition request as the run log records it (`latest`, `all`, `A` or `A..B`), both ways. */
import type { PartitionRequest } from '../../assets/core';

/** The human form stored in `RunRecord.partitions`. */
export function describeRequest(request: PartitionRequest): string {
  if (request.type !== 'range') return request.type;
  return request.from === request.to ? request.from : `${request.from}..${request.to}`;
}

/** Reads back what `describeRequest` wrote (used by `--resume`). */
export function parseRequest(label: string): PartitionRequest {
  if (label === 'latest' || label === 'all') return { type: label };
  const [from, to = from] = label.split('..');
  return { type: 'range', from, to };
}

/** `2026-01-01`, `2026-01-01..2026-01-31`, or null for no partitions. */
export function partitionsLabel(keys: readonly string[] | null): string | null {
  if (!keys || keys.length === 0) return null;
  return keys.length === 1 ? keys[0] : `${keys[0]}..${keys[keys.length - 1]}`;
}
