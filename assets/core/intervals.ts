/**
 * Sets of partition indexes as sorted, disjoint, half-open ranges [lo, hi).
 * Planning a 10,000-partition backfill touches one range per asset instead of 10,000 keys.
 */

export type Range = readonly [lo: number, hi: number];

/** An immutable set of indexes stored as sorted disjoint ranges. */
export class IntervalSet {
  static readonly EMPTY = new IntervalSet([]);

  private constructor(readonly ranges: readonly Range[]) {}

  /** A set holding [lo, hi); empty when hi <= lo. */
  static of(lo: number, hi: number): IntervalSet {
    return hi > lo ? new IntervalSet([[lo, hi]]) : IntervalSet.EMPTY;
  }

  /** Normalizes any list of ranges (overlapping, unsorted, empty ones) into a set. */
  static fromRanges(ranges: Iterable<Range>): IntervalSet {
    const sorted = [...ranges].filter(([lo, hi]) => hi > lo).sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const [lo, hi] of sorted) {
      const last = out[out.length - 1];
      if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
      else out.push([lo, hi]);
    }
    return out.length ? new IntervalSet(out) : IntervalSet.EMPTY;
  }

  get size(): number {
    let n = 0;
    for (const [lo, hi] of this.ranges) n += hi - lo;
    return n;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  union(other: IntervalSet): IntervalSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    // Fast path for the common case of one growing contiguous range.
    if (this.ranges.length === 1 && other.ranges.length === 1) {
      const [a, b] = this.ranges[0];
      const [c, d] = other.ranges[0];
      if (c >= a && d <= b) return this;
      if (c <= b && d >= a) return IntervalSet.of(Math.min(a, c), Math.max(b, d));
    }
    return IntervalSet.fromRanges([...this.ranges, ...other.ranges]);
  }

  /** The part of this set inside [lo, hi). */
  clip(lo: number, hi: number): IntervalSet {
    const out: Range[] = [];
    for (const [a, b] of this.ranges) {
      const l = Math.max(a, lo), h = Math.min(b, hi);
      if (h > l) out.push([l, h]);
    }
    if (out.length === this.ranges.length && out.every((r, i) => r[0] === this.ranges[i][0] && r[1] === this.ranges[i][1])) return this;
    return out.length ? new IntervalSet(out) : IntervalSet.EMPTY;
  }

  /** Indexes in this set and not in `other`. */
  minus(other: IntervalSet): IntervalSet {
    if (other.isEmpty || this.isEmpty) return this;
    const out: Range[] = [];
    for (const [lo, hi] of this.ranges) {
      let cur = lo;
      for (const [a, b] of other.ranges) {
        if (b <= cur || a >= hi) continue;
        if (a > cur) out.push([cur, a]);
        cur = Math.max(cur, b);
      }
      if (cur < hi) out.push([cur, hi]);
    }
    return IntervalSet.fromRanges(out);
  }

  has(i: number): boolean {
    for (const [lo, hi] of this.ranges) if (i >= lo && i < hi) return true;
    return false;
  }

  *indexes(): IterableIterator<number> {
    for (const [lo, hi] of this.ranges) for (let i = lo; i < hi; i++) yield i;
  }
}
