/**
 * IntervalSet, the planner's set of partition indexes, against the obvious model: a plain set
 * of numbers. Every operation must give the same members as the model, and the stored ranges
 * must stay sorted, disjoint, non-empty and non-adjacent (that is what makes `ranges` one
 * entry per contiguous run, which the planner's output relies on).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { IntervalSet, type Range } from '../../assets/core';

const members = (s: IntervalSet): number[] => [...s.indexes()];
const modelOf = (ranges: readonly Range[]): Set<number> => {
  const m = new Set<number>();
  for (const [lo, hi] of ranges) for (let i = lo; i < hi; i++) m.add(i);
  return m;
};
const sorted = (m: Set<number>): number[] => [...m].sort((a, b) => a - b);

/** Sorted, disjoint, each range non-empty, and a gap between neighbours (else they would be one range). */
function expectCanonical(s: IntervalSet): void {
  for (const [lo, hi] of s.ranges) expect(hi, `range [${lo}, ${hi}) is empty`).to.be.greaterThan(lo);
  for (let i = 1; i < s.ranges.length; i++) expect(s.ranges[i][0], `ranges ${JSON.stringify(s.ranges)} touch or overlap`).to.be.greaterThan(s.ranges[i - 1][1]);
}

const range = fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 })).map(([a, b]): Range => [a, b]);
const ranges = fc.array(range, { maxLength: 6 });

describe('IntervalSet', () => {
  it('of(lo, hi) holds exactly lo..hi-1, and is empty when hi <= lo', () => {
    expect(IntervalSet.of(3, 6).ranges).to.deep.equal([[3, 6]]);
    expect(IntervalSet.of(3, 3).isEmpty).to.equal(true);
    expect(IntervalSet.of(5, 3)).to.equal(IntervalSet.EMPTY);
    expect(IntervalSet.of(3, 6).size).to.equal(3);
  });

  it('fromRanges merges overlapping and touching ranges, drops empty ones, and sorts', () => {
    expect(IntervalSet.fromRanges([[10, 12], [0, 2], [2, 4], [3, 3], [11, 15], [7, 6]]).ranges).to.deep.equal([[0, 4], [10, 15]]);
    expect(IntervalSet.fromRanges([[0, 10], [2, 3]]).ranges).to.deep.equal([[0, 10]]);
    expect(IntervalSet.fromRanges([[5, 5]])).to.equal(IntervalSet.EMPTY);
  });

  it('fromRanges, size, has and indexes agree with a set of numbers', () => {
    fc.assert(
      fc.property(ranges, fc.integer({ min: -6, max: 41 }), (rs, probe) => {
        const s = IntervalSet.fromRanges(rs);
        const m = modelOf(rs);
        expectCanonical(s);
        expect(members(s)).to.deep.equal(sorted(m));
        expect(s.size).to.equal(m.size);
        expect(s.isEmpty).to.equal(m.size === 0);
        expect(s.has(probe)).to.equal(m.has(probe));
      }),
    );
  });

  it('union is the set union, from either side', () => {
    fc.assert(
      fc.property(ranges, ranges, (x, y) => {
        const a = IntervalSet.fromRanges(x), b = IntervalSet.fromRanges(y);
        const expected = sorted(new Set([...modelOf(x), ...modelOf(y)]));
        for (const u of [a.union(b), b.union(a)]) {
          expectCanonical(u);
          expect(members(u)).to.deep.equal(expected);
        }
      }),
    );
  });

  it('union of two single ranges (the fast path): contained, overlapping, touching and apart', () => {
    const r = (lo: number, hi: number) => IntervalSet.of(lo, hi);
    expect(r(0, 10).union(r(2, 5)).ranges).to.deep.equal([[0, 10]]);
    expect(r(2, 5).union(r(0, 10)).ranges).to.deep.equal([[0, 10]]);
    expect(r(0, 5).union(r(3, 8)).ranges).to.deep.equal([[0, 8]]);
    expect(r(3, 8).union(r(0, 5)).ranges).to.deep.equal([[0, 8]]);
    expect(r(0, 5).union(r(5, 8)).ranges).to.deep.equal([[0, 8]]);
    expect(r(0, 5).union(r(6, 8)).ranges).to.deep.equal([[0, 5], [6, 8]]);
    expect(r(6, 8).union(r(0, 5)).ranges).to.deep.equal([[0, 5], [6, 8]]);
    expect(r(0, 5).union(IntervalSet.EMPTY).ranges).to.deep.equal([[0, 5]]);
    expect(IntervalSet.EMPTY.union(r(0, 5)).ranges).to.deep.equal([[0, 5]]);
  });

  it('clip keeps the members inside [lo, hi)', () => {
    fc.assert(
      fc.property(ranges, range, (x, [lo, hi]) => {
        const c = IntervalSet.fromRanges(x).clip(lo, hi);
        expectCanonical(c);
        expect(members(c)).to.deep.equal(sorted(modelOf(x)).filter((i) => i >= lo && i < hi));
      }),
    );
    const two = IntervalSet.fromRanges([[0, 5], [10, 15]]);
    expect(two.clip(2, 15).ranges).to.deep.equal([[2, 5], [10, 15]]);
    expect(two.clip(0, 12).ranges).to.deep.equal([[0, 5], [10, 12]]);
    expect(two.clip(-1, 20).ranges).to.deep.equal([[0, 5], [10, 15]]);
  });

  it('minus is the set difference', () => {
    fc.assert(
      fc.property(ranges, ranges, (x, y) => {
        const d = IntervalSet.fromRanges(x).minus(IntervalSet.fromRanges(y));
        const drop = modelOf(y);
        expectCanonical(d);
        expect(members(d)).to.deep.equal(sorted(modelOf(x)).filter((i) => !drop.has(i)));
      }),
    );
    expect(IntervalSet.of(0, 20).minus(IntervalSet.fromRanges([[2, 4], [6, 8], [18, 25]])).ranges).to.deep.equal([[0, 2], [4, 6], [8, 18]]);
    expect(IntervalSet.of(0, 5).minus(IntervalSet.EMPTY).ranges).to.deep.equal([[0, 5]]);
    expect(IntervalSet.EMPTY.minus(IntervalSet.of(0, 5)).isEmpty).to.equal(true);
  });
});
