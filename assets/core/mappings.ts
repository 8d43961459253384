/**
 * Partition mappings: which upstream partitions a downstream partition reads.
 * Defaults follow Dagster: same partitions -> identity, two time windows -> overlapping windows
 * (a daily asset reads the 24 hours of its day), partitioned upstream of an unpartitioned asset -> all.
 */
import { IntervalSet } from './intervals';
import {
  partitionCount,
  samePartitions,
  windowIndexAt,
  windowStart,
  type PartitionsDefinition,
} from './partitions';

export type PartitionMapping =
  | { readonly type: 'identity' }
  /** Upstream windows overlapping the downstream window, widened by offsets counted in upstream partitions. */
  | { readonly type: 'time_window'; readonly startOffset: number; readonly endOffset: number }
  | { readonly type: 'all' }
  /** Only the latest complete upstream partition (e.g. a model trained on the last snapshot). */
  | { readonly type: 'last' }
  /** Explicit static-to-static mapping: downstream value -> upstream values. */
  | { readonly type: 'static'; readonly downstreamToUpstream: Readonly<Record<string, readonly string[]>> };

export const identityMapping = (): PartitionMapping => ({ type: 'identity' });
/** `timeWindowMapping({ startOffset: -1, endOffset: -1 })`: the previous upstream window. */
export const timeWindowMapping = (opts: { startOffset?: number; endOffset?: number } = {}): PartitionMapping => ({
  type: 'time_window',
  startOffset: opts.startOffset ?? 0,
  endOffset: opts.endOffset ?? 0,
});
export const allPartitionsMapping = (): PartitionMapping => ({ type: 'all' });
export const lastPartitionMapping = (): PartitionMapping => ({ type: 'last' });
export const staticPartitionMapping = (downstreamToUpstream: Record<string, readonly string[]>): PartitionMapping => ({
  type: 'static',
  downstreamToUpstream,
});

/** The mapping used when a dependency names none, or undefined when the partitions cannot be mapped by default. */
export function defaultMapping(down: PartitionsDefinition | undefined, up: PartitionsDefinition | undefined): PartitionMapping | undefined {
  if (!up) return { type: 'all' };
  if (!down) return { type: 'all' };
  if (samePartitions(down, up)) return { type: 'identity' };
  if (down.type === 'time' && up.type === 'time') return { type: 'time_window', startOffset: 0, endOffset: 0 };
  return undefined;
}

const describe = (p: PartitionsDefinition | undefined) => (!p ? 'unpartitioned' : p.type === 'static' ? 'static' : p.cadence);

/** Why `mapping` cannot map between these partitions, or undefined when it can. */
export function mappingProblem(
  mapping: PartitionMapping | undefined,
  down: PartitionsDefinition | undefined,
  up: PartitionsDefinition | undefined,
): string | undefined {
  if (!mapping) {
    if (defaultMapping(down, up)) return undefined;
    return `${describe(down)} partitions cannot read ${describe(up)} partitions without an explicit mapping; ` +
      `declare the dep as { asset, mapping: allPartitionsMapping() | lastPartitionMapping() | staticPartitionMapping({...}) }`;
  }
  switch (mapping.type) {
    case 'identity':
      if (!down && !up) return undefined;
      if (!down || !up || !samePartitions(down, up)) {
        return `identity mapping needs the same partitions on both sides, but they are ${describe(down)} and ${describe(up)} with different windows or values; use timeWindowMapping() between time windows`;
      }
      return undefined;
    case 'time_window':
      if (down?.type !== 'time' || up?.type !== 'time') {
        return `time window mapping needs time partitions on both sides, but they are ${describe(down)} and ${describe(up)}`;
      }
      if (!Number.isInteger(mapping.startOffset) || !Number.isInteger(mapping.endOffset)) return 'time window offsets must be whole numbers of partitions';
      if (mapping.startOffset > mapping.endOffset) return `time window mapping has startOffset ${mapping.startOffset} after endOffset ${mapping.endOffset}`;
      return undefined;
    case 'all':
      return undefined;
    case 'last':
      return up ? undefined : 'last-partition mapping needs a partitioned upstream asset';
    case 'static': {
      if (down?.type !== 'static' || up?.type !== 'static') return `static mapping needs static partitions on both sides, but they are ${describe(down)} and ${describe(up)}`;
      for (const [d, us] of Object.entries(mapping.downstreamToUpstream)) {
        if (!down.values.includes(d)) return `static mapping names downstream partition '${d}', which is not one of ${down.values.join(', ')}`;
        for (const u of us) if (!up.values.includes(u)) return `static mapping names upstream partition '${u}', which is not one of ${up.values.join(', ')}`;
      }
      return undefined;
    }
  }
}

/**
 * The upstream partition indexes that downstream partitions `downRange` read.
 * `downRange` is ignored when downstream is unpartitioned. Results are clipped to what exists at `nowMs`.
 */
export function mapToUpstream(
  mapping: PartitionMapping | undefined,
  down: PartitionsDefinition | undefined,
  up: PartitionsDefinition | undefined,
  downRange: IntervalSet,
  nowMs: number,
): IntervalSet {
  if (!up) return IntervalSet.EMPTY;
  const m = mapping ?? defaultMapping(down, up);
  const upCount = partitionCount(up, nowMs);
  if (!m) return IntervalSet.EMPTY;
  if (!down && m.type !== 'last') return IntervalSet.of(0, upCount);
  switch (m.type) {
    case 'identity':
      return downRange.clip(0, upCount);
    case 'all':
      return IntervalSet.of(0, upCount);
    case 'last':
      // Before the upstream's first window completes there is no last partition (not index -1).
      return upCount > 0 ? IntervalSet.of(upCount - 1, upCount) : IntervalSet.EMPTY;
    case 'time_window': {
      if (down?.type !== 'time' || up.type !== 'time') return IntervalSet.EMPTY;
      const ranges: [number, number][] = [];
      for (const [lo, hi] of downRange.ranges) {
        const t0 = windowStart(down, lo);
        const t1 = windowStart(down, hi);
        // Upstream windows overlapping [t0, t1): from the one containing t0 to the one containing t1 - 1.
        const uLo = windowIndexAt(up, t0) + m.startOffset;
        const uHi = windowIndexAt(up, t1 - 1) + 1 + m.endOffset;
        ranges.push([Math.max(0, uLo), Math.min(upCount, uHi)]);
      }
      return IntervalSet.fromRanges(ranges);
    }
    case 'static': {
      if (down?.type !== 'static' || up.type !== 'static') return IntervalSet.EMPTY;
      const ranges: [number, number][] = [];
      for (const i of downRange.indexes()) {
        for (const u of m.downstreamToUpstream[down.values[i]] ?? []) {
          const j = up.values.indexOf(u);
          if (j >= 0) ranges.push([j, j + 1]);
        }
      }
      return IntervalSet.fromRanges(ranges);
    }
  }
}
