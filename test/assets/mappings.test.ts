import { expect } from 'chai';
import {
  IntervalSet,
  allPartitionsMapping,
  dailyPartitions,
  defaultMapping,
  hourlyPartitions,
  identityMapping,
  lastPartitionMapping,
  mapToUpstream,
  mappingProblem,
  monthlyPartitions,
  parseUtc,
  partitionIndex,
  partitionKey,
  staticPartitionMapping,
  staticPartitions,
  timeWindowMapping,
  weeklyPartitions,
  type PartitionsDefinition,
} from '../../assets/core';

const NOW = parseUtc('2025-01-01')!;

/** Maps one downstream key to upstream keys. */
function upstreamKeys(mapping: Parameters<typeof mapToUpstream>[0], down: PartitionsDefinition | undefined, up: PartitionsDefinition, key?: string, now = NOW): string[] {
  const i = key && down ? (partitionIndex(down, key) as number) : 0;
  const set = mapToUpstream(mapping, down, up, down ? IntervalSet.of(i, i + 1) : IntervalSet.EMPTY, now);
  return [...set.indexes()].map((j) => partitionKey(up, j));
}

describe('partition mappings', () => {
  const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
  const daily = dailyPartitions({ start: '2024-01-01' });
  const monthly = monthlyPartitions({ start: '2024-01-01' });
  const weekly = weeklyPartitions({ start: '2024-01-01' });

  it('defaults follow Dagster', () => {
    expect(defaultMapping(daily, daily)).to.deep.equal({ type: 'identity' });
    expect(defaultMapping(daily, hourly)).to.deep.equal({ type: 'time_window', startOffset: 0, endOffset: 0 });
    expect(defaultMapping(undefined, hourly)).to.deep.equal({ type: 'all' });
    expect(defaultMapping(staticPartitions(['a']), hourly)).to.equal(undefined);
  });

  it('a daily partition reads the 24 hours of its day', () => {
    const keys = upstreamKeys(undefined, daily, hourly, '2024-03-10');
    expect(keys).to.have.length(24);
    expect(keys[0]).to.equal('2024-03-10T00:00');
    expect(keys[23]).to.equal('2024-03-10T23:00');
  });

  it('an hourly partition reads the day that contains it', () => {
    expect(upstreamKeys(undefined, hourly, daily, '2024-03-10T17:00')).to.deep.equal(['2024-03-10']);
  });

  it('a monthly partition reads every day of its month, leap February included', () => {
    const feb = upstreamKeys(undefined, monthly, daily, '2024-02');
    expect(feb).to.have.length(29);
    expect(feb[28]).to.equal('2024-02-29');
    const jan = upstreamKeys(undefined, monthly, daily, '2024-01');
    expect(jan).to.have.length(31);
    expect(jan[30]).to.equal('2024-01-31');
  });

  it('a daily partition at a month end reads only its own day', () => {
    expect(upstreamKeys(undefined, daily, monthly, '2024-01-31')).to.deep.equal(['2024-01']);
    expect(upstreamKeys(undefined, daily, monthly, '2024-02-01')).to.deep.equal(['2024-02']);
  });

  it('a week reads its seven days', () => {
    expect(upstreamKeys(undefined, weekly, daily, '2024-02-26')).to.deep.equal(['2024-02-26', '2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03']);
  });

  it('offsets count upstream partitions: the previous day, or a trailing window', () => {
    expect(upstreamKeys(timeWindowMapping({ startOffset: -1, endOffset: -1 }), daily, daily, '2024-03-01')).to.deep.equal(['2024-02-29']);
    expect(upstreamKeys(timeWindowMapping({ startOffset: -2, endOffset: 0 }), daily, daily, '2024-03-01')).to.deep.equal(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('clips at the first partition instead of inventing earlier ones', () => {
    expect(upstreamKeys(timeWindowMapping({ startOffset: -3, endOffset: 0 }), daily, daily, '2024-01-02')).to.deep.equal(['2024-01-01', '2024-01-02']);
    expect(upstreamKeys(timeWindowMapping({ startOffset: -1, endOffset: -1 }), daily, daily, '2024-01-01')).to.deep.equal([]);
  });

  it('clips at the last complete partition (range end)', () => {
    const now = parseUtc('2024-03-10T05:00')!;
    // The 10th is not complete: a daily partition for it reads the hours that exist.
    expect(upstreamKeys(undefined, daily, hourly, '2024-03-10', now)).to.have.length(5);
    expect(upstreamKeys(timeWindowMapping({ startOffset: 0, endOffset: 1 }), daily, daily, '2024-03-09', now)).to.deep.equal(['2024-03-09']);
    const bounded = dailyPartitions({ start: '2024-01-01', end: '2024-01-10' });
    expect(upstreamKeys(timeWindowMapping({ startOffset: 0, endOffset: 2 }), bounded, bounded, '2024-01-09')).to.deep.equal(['2024-01-09']);
  });

  it('maps a range at once and merges overlaps', () => {
    const set = mapToUpstream(timeWindowMapping({ startOffset: -1, endOffset: 0 }), daily, daily, IntervalSet.of(10, 20), NOW);
    expect(set.ranges).to.deep.equal([[9, 20]]);
  });

  it('all and last', () => {
    const now = parseUtc('2024-01-04')!;
    expect(upstreamKeys(allPartitionsMapping(), undefined, daily, undefined, now)).to.deep.equal(['2024-01-01', '2024-01-02', '2024-01-03']);
    expect(upstreamKeys(lastPartitionMapping(), undefined, daily, undefined, now)).to.deep.equal(['2024-01-03']);
    expect(upstreamKeys(lastPartitionMapping(), hourly, daily, '2024-01-01T05:00', now)).to.deep.equal(['2024-01-03']);
  });

  it('static: identity by value and explicit maps', () => {
    const regions = staticPartitions(['eu', 'us', 'apac']);
    expect(upstreamKeys(undefined, regions, regions, 'us')).to.deep.equal(['us']);
    const markets = staticPartitions(['europe', 'americas']);
    const map = staticPartitionMapping({ europe: ['eu'], americas: ['us'] });
    expect(upstreamKeys(map, markets, regions, 'americas')).to.deep.equal(['us']);
  });

  it('names what is wrong with each mapping, and accepts what can be mapped', () => {
    const regions = staticPartitions(['eu', 'us']);
    const markets = staticPartitions(['europe', 'americas']);
    const hint = 'declare the dep as { asset, mapping: allPartitionsMapping() | lastPartitionMapping() | staticPartitionMapping({...}) }';
    const cases: [Parameters<typeof mappingProblem>, string | undefined][] = [
      [[undefined, daily, hourly], undefined],
      [[undefined, undefined, hourly], undefined],
      [[undefined, daily, undefined], undefined],
      [[undefined, regions, regions], undefined],
      [[undefined, markets, hourly], `static partitions cannot read hourly partitions without an explicit mapping; ${hint}`],
      [[undefined, daily, regions], `daily partitions cannot read static partitions without an explicit mapping; ${hint}`],
      [[identityMapping(), undefined, undefined], undefined],
      [[identityMapping(), daily, daily], undefined],
      [[identityMapping(), daily, hourly], 'identity mapping needs the same partitions on both sides, but they are daily and hourly with different windows or values; use timeWindowMapping() between time windows'],
      [[identityMapping(), undefined, daily], 'identity mapping needs the same partitions on both sides, but they are unpartitioned and daily with different windows or values; use timeWindowMapping() between time windows'],
      [[identityMapping(), weekly, undefined], 'identity mapping needs the same partitions on both sides, but they are weekly and unpartitioned with different windows or values; use timeWindowMapping() between time windows'],
      [[timeWindowMapping(), daily, monthly], undefined],
      [[timeWindowMapping({ startOffset: -2, endOffset: -2 }), daily, daily], undefined],
      [[timeWindowMapping(), regions, daily], 'time window mapping needs time partitions on both sides, but they are static and daily'],
      [[timeWindowMapping(), daily, undefined], 'time window mapping needs time partitions on both sides, but they are daily and unpartitioned'],
      [[timeWindowMapping({ startOffset: 0.5 }), daily, daily], 'time window offsets must be whole numbers of partitions'],
      [[timeWindowMapping({ endOffset: 1.5 }), daily, daily], 'time window offsets must be whole numbers of partitions'],
      [[timeWindowMapping({ startOffset: 1, endOffset: 0 }), daily, daily], 'time window mapping has startOffset 1 after endOffset 0'],
      [[allPartitionsMapping(), regions, hourly], undefined],
      [[lastPartitionMapping(), undefined, daily], undefined],
      [[lastPartitionMapping(), daily, undefined], 'last-partition mapping needs a partitioned upstream asset'],
      [[staticPartitionMapping({ europe: ['eu'] }), markets, regions], undefined],
      [[staticPartitionMapping({}), daily, regions], 'static mapping needs static partitions on both sides, but they are daily and static'],
      [[staticPartitionMapping({}), markets, monthly], 'static mapping needs static partitions on both sides, but they are static and monthly'],
      [[staticPartitionMapping({ asia: ['eu'] }), markets, regions], "static mapping names downstream partition 'asia', which is not one of europe, americas"],
      [[staticPartitionMapping({ europe: ['eu', 'apac'] }), markets, regions], "static mapping names upstream partition 'apac', which is not one of eu, us"],
    ];
    for (const [args, expected] of cases) expect(mappingProblem(...args), JSON.stringify(args)).to.equal(expected);
  });

  it('maps nothing without an upstream or a usable mapping, everything for an unpartitioned downstream', () => {
    const now = parseUtc('2024-01-04')!;
    const regions = staticPartitions(['eu', 'us', 'apac']);
    expect(mapToUpstream(undefined, daily, undefined, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
    expect(mapToUpstream(undefined, regions, daily, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
    expect(mapToUpstream(undefined, undefined, daily, IntervalSet.EMPTY, now).ranges).to.deep.equal([[0, 3]]);
    expect(mapToUpstream(identityMapping(), undefined, daily, IntervalSet.EMPTY, now).ranges).to.deep.equal([[0, 3]]);
    expect(mapToUpstream(allPartitionsMapping(), daily, regions, IntervalSet.of(1, 2), now).ranges).to.deep.equal([[0, 3]]);
    // Identity keeps the downstream range, clipped to what exists upstream.
    expect(mapToUpstream(identityMapping(), daily, daily, IntervalSet.fromRanges([[1, 2], [5, 9]]), now).ranges).to.deep.equal([[1, 2]]);
    // Before the first upstream window completes there is no last partition.
    expect(mapToUpstream(lastPartitionMapping(), daily, daily, IntervalSet.of(0, 1), parseUtc('2024-01-01T12:00')!).isEmpty).to.equal(true);
    expect(mapToUpstream(lastPartitionMapping(), undefined, daily, IntervalSet.EMPTY, parseUtc('2024-01-02')!).ranges).to.deep.equal([[0, 1]]);
    // Mappings that do not fit the partitions map nothing rather than something wrong.
    expect(mapToUpstream(timeWindowMapping(), regions, daily, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
    expect(mapToUpstream(timeWindowMapping(), daily, regions, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
    expect(mapToUpstream(staticPartitionMapping({ eu: ['eu'] }), daily, regions, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
    expect(mapToUpstream(staticPartitionMapping({ '2024-01-01': ['eu'] }), regions, daily, IntervalSet.of(0, 1), now).isEmpty).to.equal(true);
  });

  it('static maps: several upstream values, several downstream partitions, unknown values skipped', () => {
    const regions = staticPartitions(['eu', 'us', 'apac']);
    const markets = staticPartitions(['world', 'americas', 'none']);
    const map = staticPartitionMapping({ world: ['apac', 'eu'], americas: ['us', 'mars'] });
    expect(mapToUpstream(map, markets, regions, IntervalSet.of(0, 1), NOW).ranges).to.deep.equal([[0, 1], [2, 3]]);
    expect(mapToUpstream(map, markets, regions, IntervalSet.of(1, 2), NOW).ranges).to.deep.equal([[1, 2]]);
    expect(mapToUpstream(map, markets, regions, IntervalSet.of(0, 3), NOW).ranges).to.deep.equal([[0, 3]]);
    expect(mapToUpstream(map, markets, regions, IntervalSet.of(2, 3), NOW).isEmpty).to.equal(true);
  });

  it('time windows map a whole range of several runs at once', () => {
    const set = mapToUpstream(undefined, daily, hourly, IntervalSet.fromRanges([[0, 1], [2, 3]]), NOW);
    expect(set.ranges).to.deep.equal([[0, 24], [48, 72]]);
    expect(timeWindowMapping()).to.deep.equal({ type: 'time_window', startOffset: 0, endOffset: 0 });
  });
});

