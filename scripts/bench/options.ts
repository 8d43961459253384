/** What the batch benchmarks share: their numeric flags and the window of days they build. */
import { partitionKey, type PartitionRequest, type TimeWindowPartitions } from '../../assets/core';
import graph from '../../assets/index';

const DAY = 86_400_000;

/** `--name N` as a positive whole number, or `fallback`; exits 2 naming the flag otherwise. */
export function positiveIntArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    process.stderr.write(`--${name} must be a positive whole number (got '${process.argv[i + 1]}')\n`);
    process.exit(2);
  }
  return v;
}

/** The last `days` complete daily partitions of raw/ratings, as a range request. */
export function lastDays(days: number): Extract<PartitionRequest, { type: 'range' }> {
  const daily = graph.get('raw/ratings').partitions as TimeWindowPartitions;
  const today = Math.floor(Date.now() / DAY) * DAY;
  return {
    type: 'range',
    from: partitionKey(daily, Math.round((today - days * DAY - daily.startMs) / DAY)),
    to: partitionKey(daily, Math.round((today - daily.startMs) / DAY) - 1),
  };
}
