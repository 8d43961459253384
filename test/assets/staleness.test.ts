import { expect } from 'chai';
import {
  MemoryRunLog,
  allPartitionsMapping,
  assetStaleness,
  codeVersionOf,
  currentInputVersions,
  dailyPartitions,
  dataVersionOf,
  defineAsset,
  defineGraph,
  describeCause,
  freshnessOf,
  hourlyPartitions,
  identityMapping,
  lastPartitionMapping,
  parseUtc,
  singleUpstreamPartition,
  stableJson,
  stalenessOf,
  staticPartitionMapping,
  staticPartitions,
  timeWindowMapping,
  NO_DATA,
  type Materialization,
} from '../../assets/core';

const NOW = parseUtc('2024-01-10T12:00')!;
const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
const daily = dailyPartitions({ start: '2024-01-01' });
const graph = defineGraph([
  defineAsset({ key: 'source/db', source: true, compute: { kind: 'rds-table' } }),
  defineAsset({ key: 'raw/a', deps: ['source/db'], compute: { kind: 'glue-extract' } }),
  defineAsset({ key: 'raw/h', deps: ['source/db'], partitions: hourly, compute: { kind: 'glue-sql' }, freshness: { maxLagMinutes: 60 } }),
  defineAsset({ key: 'mart/d', deps: ['raw/a', 'raw/h'], partitions: daily, compute: { kind: 'glue-sql' } }),
  defineAsset({ key: 'ml/m', deps: ['raw/a'], compute: { kind: 'emr-spark' }, freshness: { maxLagMinutes: 24 * 60 } }),
]);

async function materialize(log: MemoryRunLog, m: Omit<Materialization, 'runId' | 'metadata' | 'at'> & { at?: string }) {
  await log.append({ type: 'materialization', runId: 'r1', metadata: {}, at: m.at ?? new Date(NOW).toISOString(), ...m });
}

describe('versions', () => {
  it('code versions change with settings, contract, partitions and code files, not with key order', () => {
    const a = defineAsset({ key: 'x/a', compute: { kind: 'glue-sql', workers: 2, sql: 'q.sql' } as never, code: ['q.sql'] });
    const reordered = defineAsset({ key: 'x/a', compute: { sql: 'q.sql', kind: 'glue-sql', workers: 2 } as never, code: ['q.sql'] });
    const read = (files: Record<string, string>) => (p: string) => files[p];
    const v1 = codeVersionOf(a, read({ 'q.sql': 'select 1' }));
    expect(codeVersionOf(reordered, read({ 'q.sql': 'select 1' }))).to.equal(v1);
    expect(codeVersionOf(a, read({ 'q.sql': 'select 2' }))).to.not.equal(v1);
    expect(codeVersionOf(a, read({}))).to.not.equal(v1);
    const bumped = defineAsset({ key: 'x/a', compute: { kind: 'glue-sql', workers: 2, sql: 'q.sql' } as never, code: ['q.sql'], codeVersion: '2' });
    expect(codeVersionOf(bumped, read({ 'q.sql': 'select 1' }))).to.not.equal(v1);
    expect(v1).to.match(/^[0-9a-f]{16}$/);
  });
  it('data versions depend on the code version and every input, not their order', () => {
    expect(dataVersionOf('c1', { a: '1', b: '2' })).to.equal(dataVersionOf('c1', { b: '2', a: '1' }));
    expect(dataVersionOf('c1', { a: '1', b: '2' })).to.not.equal(dataVersionOf('c2', { a: '1', b: '2' }));
    expect(dataVersionOf('c1', { a: '1', b: '2' })).to.not.equal(dataVersionOf('c1', { a: '1', b: '3' }));
    expect(stableJson({ b: [1, { d: 1, c: 2 }], a: null })).to.equal('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});

describe('staleness', () => {
  it('never materialized is missing', async () => {
    const log = new MemoryRunLog();
    expect(stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c', NOW).status).to.equal('missing');
  });

  it('fresh when code and inputs match what was recorded', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs1', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'd', inputs: { 'source/db': 'obs1' } });
    const s = stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c', NOW);
    expect(s.status).to.equal('fresh');
    expect(s.causes).to.deep.equal([]);
  });

  it('stale when the code changed', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c1', dataVersion: 'd', inputs: {} });
    const s = stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c2', NOW);
    expect(s.status).to.equal('stale');
    expect(s.causes.map(describeCause)).to.deep.equal(['code changed (c1 -> c2)']);
  });

  it('stale when a source has new data', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs2', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'd', inputs: { 'source/db': 'obs1' } });
    expect(stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c', NOW).causes.map(describeCause)).to.deep.equal(['new data in source/db']);
  });

  it('a daily partition is stale when one of its 24 upstream hours changed, and not for other days', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    for (let h = 0; h < 48; h++) {
      const day = h < 24 ? '05' : '06';
      await materialize(log, { key: 'raw/h', partition: `2024-01-${day}T${String(h % 24).padStart(2, '0')}:00`, codeVersion: 'c', dataVersion: `h${h}`, inputs: {} });
    }
    const snap = await log.snapshot();
    const inputs5 = currentInputVersions(graph, 'mart/d', '2024-01-05', snap, NOW).versions;
    const inputs6 = currentInputVersions(graph, 'mart/d', '2024-01-06', snap, NOW).versions;
    expect(inputs5['raw/h']).to.not.equal(inputs6['raw/h']);
    await materialize(log, { key: 'mart/d', partition: '2024-01-05', codeVersion: 'c', dataVersion: 'x', inputs: inputs5 });
    await materialize(log, { key: 'mart/d', partition: '2024-01-06', codeVersion: 'c', dataVersion: 'y', inputs: inputs6 });
    expect(stalenessOf(graph, 'mart/d', '2024-01-05', snap, 'c', NOW).status).to.equal('fresh');
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T07:00', codeVersion: 'c', dataVersion: 'changed', inputs: {} });
    expect(stalenessOf(graph, 'mart/d', '2024-01-05', snap, 'c', NOW).causes.map(describeCause)).to.deep.equal(['new data in raw/h']);
    expect(stalenessOf(graph, 'mart/d', '2024-01-06', snap, 'c', NOW).status).to.equal('fresh');
  });

  it('stale when the deps changed since the last materialization', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'M', inputs: { 'raw/old': 'z' } });
    const s = stalenessOf(graph, 'ml/m', null, await log.snapshot(), 'c', NOW);
    expect(s.causes.map(describeCause)).to.deep.equal(['deps changed (+raw/a) (-raw/old)']);
  });

  it('names an upstream whose data has gone', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'M', inputs: { 'raw/a': 'A' } });
    expect(stalenessOf(graph, 'ml/m', null, await log.snapshot(), 'c', NOW).causes.map(describeCause)).to.deep.equal(['raw/a has no data']);
  });

  it('records an upstream that had no data, and is fresh until that data arrives', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    const snap = await log.snapshot();
    // Day 7 of mart/d reads hours no one has materialized yet.
    const { versions, missing } = currentInputVersions(graph, 'mart/d', '2024-01-07', snap, NOW);
    expect(versions['raw/h']).to.equal(NO_DATA);
    expect(missing).to.deep.equal(['raw/h']);
    await materialize(log, { key: 'mart/d', partition: '2024-01-07', codeVersion: 'c', dataVersion: 'x', inputs: versions });
    const before = stalenessOf(graph, 'mart/d', '2024-01-07', snap, 'c', NOW);
    expect(before.status).to.equal('fresh');
    await materialize(log, { key: 'raw/h', partition: '2024-01-07T03:00', codeVersion: 'c', dataVersion: 'h', inputs: {} });
    expect(stalenessOf(graph, 'mart/d', '2024-01-07', snap, 'c', NOW).causes.map(describeCause)).to.deep.equal(['new data in raw/h']);
  });
});

describe('freshness', () => {
  it('hourly data is as new as the end of its newest materialized hour', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/h', partition: '2024-01-10T10:00', codeVersion: 'c', dataVersion: 'x', inputs: {} });
    // Window ends 11:00; now is 12:00: 60 minutes, the limit.
    expect(freshnessOf(graph, 'raw/h', await log.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 60, lagMinutes: 60, violated: false });
    expect(freshnessOf(graph, 'raw/h', await log.snapshot(), NOW + 60_000)).to.deep.include({ lagMinutes: 61, violated: true });
  });
  it('unpartitioned data is as new as its materialization', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'x', inputs: {}, at: '2024-01-09T00:00:00.000Z' });
    expect(freshnessOf(graph, 'ml/m', await log.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: 2160, violated: true });
  });
  it('never materialized violates its policy; no policy, no result', async () => {
    const snap = await new MemoryRunLog().snapshot();
    expect(freshnessOf(graph, 'raw/h', snap, NOW)).to.deep.equal({ maxLagMinutes: 60, lagMinutes: null, violated: true });
    expect(freshnessOf(graph, 'raw/a', snap, NOW)).to.equal(undefined);
  });
});

describe('stale causes in words', () => {
  it('says which deps were added and removed, and only those', () => {
    expect(describeCause({ type: 'dependencies', added: ['raw/a', 'raw/b'], removed: [] })).to.equal('deps changed (+raw/a, +raw/b)');
    expect(describeCause({ type: 'dependencies', added: [], removed: ['raw/x', 'raw/y'] })).to.equal('deps changed (-raw/x, -raw/y)');
    expect(describeCause({ type: 'dependencies', added: [], removed: [] })).to.equal('deps changed');
  });
  it('tells a source observed as gone from an upstream with no data', () => {
    expect(describeCause({ type: 'upstream_missing', dep: 'source/db', source: true })).to.equal('source/db is missing (not found in the source when last observed)');
    expect(describeCause({ type: 'upstream_missing', dep: 'raw/a' })).to.equal('raw/a has no data');
    expect(describeCause({ type: 'upstream_missing', dep: 'raw/a', source: false })).to.equal('raw/a has no data');
  });
});

describe('the one upstream partition a partition reads', () => {
  const regions = staticPartitions(['us', 'eu', 'ap']);
  const shards = staticPartitions(['s1', 's2', 's3']);
  it('identity, given or by default, reads the same partition', () => {
    expect(singleUpstreamPartition(undefined, hourly, hourly, '2024-01-02T03:00')).to.equal('2024-01-02T03:00');
    expect(singleUpstreamPartition(identityMapping(), daily, daily, '2024-01-03')).to.equal('2024-01-03');
    expect(singleUpstreamPartition(undefined, regions, regions, 'eu')).to.equal('eu');
  });
  it('an hour reads its day; a day reads 24 hours, so no one partition', () => {
    expect(singleUpstreamPartition(undefined, hourly, daily, '2024-01-02T03:00')).to.equal('2024-01-02');
    expect(singleUpstreamPartition(undefined, hourly, daily, '2024-01-02T23:00')).to.equal('2024-01-02');
    expect(singleUpstreamPartition(timeWindowMapping(), hourly, daily, '2024-01-03T00:00')).to.equal('2024-01-03');
    expect(singleUpstreamPartition(undefined, daily, hourly, '2024-01-02')).to.equal(undefined);
  });
  it('time window offsets move the window; one before the first partition is none', () => {
    const previous = timeWindowMapping({ startOffset: -1, endOffset: -1 });
    expect(singleUpstreamPartition(previous, daily, daily, '2024-01-03')).to.equal('2024-01-02');
    expect(singleUpstreamPartition(previous, hourly, daily, '2024-01-03T05:00')).to.equal('2024-01-02');
    expect(singleUpstreamPartition(previous, daily, daily, '2024-01-02')).to.equal('2024-01-01');
    expect(singleUpstreamPartition(previous, daily, daily, '2024-01-01')).to.equal(undefined);
    // Two days (the day before and the day itself), or the next one.
    expect(singleUpstreamPartition(timeWindowMapping({ startOffset: -1 }), daily, daily, '2024-01-03')).to.equal(undefined);
    expect(singleUpstreamPartition(timeWindowMapping({ startOffset: 1, endOffset: 1 }), daily, daily, '2024-01-03')).to.equal('2024-01-04');
  });
  it('a static mapping to exactly one existing value reads it', () => {
    const m = staticPartitionMapping({ us: ['s1'], eu: ['s2', 's3'], ap: ['gone'] });
    expect(singleUpstreamPartition(m, regions, shards, 'us')).to.equal('s1');
    expect(singleUpstreamPartition(m, regions, shards, 'eu')).to.equal(undefined);
    expect(singleUpstreamPartition(m, regions, shards, 'ap')).to.equal(undefined);
    expect(singleUpstreamPartition(staticPartitionMapping({ us: ['s2'] }), regions, shards, 'eu')).to.equal(undefined);
    expect(singleUpstreamPartition(staticPartitionMapping({ us: ['s2'] }), regions, shards, 'us')).to.equal('s2');
  });
  it('none for all, last, an unpartitioned reader, no partition, a key that is not a partition, or mappings that do not fit', () => {
    expect(singleUpstreamPartition(allPartitionsMapping(), daily, daily, '2024-01-03')).to.equal(undefined);
    expect(singleUpstreamPartition(lastPartitionMapping(), daily, daily, '2024-01-03')).to.equal(undefined);
    expect(singleUpstreamPartition(undefined, undefined, daily, null)).to.equal(undefined);
    expect(singleUpstreamPartition(identityMapping(), undefined, daily, '2024-01-03')).to.equal(undefined);
    expect(singleUpstreamPartition(identityMapping(), daily, daily, null)).to.equal(undefined);
    expect(singleUpstreamPartition(identityMapping(), daily, daily, '2024-01-03T05:00')).to.equal(undefined);
    expect(singleUpstreamPartition(identityMapping(), regions, regions, 'mars')).to.equal(undefined);
    // No default between static and time partitions.
    expect(singleUpstreamPartition(undefined, regions, daily, 'us')).to.equal(undefined);
    expect(singleUpstreamPartition(timeWindowMapping(), regions, daily, 'us')).to.equal(undefined);
    expect(singleUpstreamPartition(staticPartitionMapping({ '2024-01-03': ['s1'] }), daily, shards, '2024-01-03')).to.equal(undefined);
  });
});

describe('current input versions', () => {
  const g = defineGraph([
    defineAsset({ key: 'source/db', source: true, compute: { kind: 'rds-table' } }),
    defineAsset({ key: 'raw/a', deps: ['source/db'], compute: { kind: 'glue-extract' } }),
    defineAsset({ key: 'raw/h', deps: ['source/db'], partitions: hourly, compute: { kind: 'glue-sql' } }),
    defineAsset({ key: 'raw/d', deps: ['source/db'], partitions: daily, compute: { kind: 'glue-sql' } }),
    defineAsset({ key: 'mart/h', deps: ['raw/a', 'raw/h', 'raw/d'], partitions: hourly, compute: { kind: 'glue-sql' } }),
    defineAsset({ key: 'mart/d', deps: ['raw/h'], partitions: daily, compute: { kind: 'glue-sql' } }),
  ]);

  it('a source: its last observation, read whole; left out while never observed', async () => {
    const log = new MemoryRunLog();
    expect(currentInputVersions(g, 'raw/a', null, await log.snapshot(), NOW)).to.deep.equal({ versions: {}, missing: [], reads: {} });
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs1', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs2', metadata: {}, at: '2024-01-10T01:00:00Z' });
    expect(currentInputVersions(g, 'raw/a', null, await log.snapshot(), NOW)).to.deep.equal({ versions: { 'source/db': 'obs2' }, missing: [], reads: { 'source/db': null } });
  });

  it('unpartitioned, same hour and the day of an hour: their versions, and the one partition each reads', async () => {
    const log = new MemoryRunLog();
    const before = currentInputVersions(g, 'mart/h', '2024-01-05T07:00', await log.snapshot(), NOW);
    expect(before).to.deep.equal({
      versions: { 'raw/a': NO_DATA, 'raw/h': NO_DATA, 'raw/d': NO_DATA },
      missing: ['raw/a', 'raw/h', 'raw/d'],
      reads: { 'raw/a': null, 'raw/h': '2024-01-05T07:00', 'raw/d': '2024-01-05' },
    });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T06:00', codeVersion: 'c', dataVersion: 'H6', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T07:00', codeVersion: 'c', dataVersion: 'H7', inputs: {} });
    await materialize(log, { key: 'raw/d', partition: '2024-01-05', codeVersion: 'c', dataVersion: 'D5', inputs: {} });
    await materialize(log, { key: 'raw/d', partition: '2024-01-06', codeVersion: 'c', dataVersion: 'D6', inputs: {} });
    expect(currentInputVersions(g, 'mart/h', '2024-01-05T07:00', await log.snapshot(), NOW)).to.deep.equal({
      versions: { 'raw/a': 'A', 'raw/h': 'H7', 'raw/d': 'D5' },
      missing: [],
      reads: { 'raw/a': null, 'raw/h': '2024-01-05T07:00', 'raw/d': '2024-01-05' },
    });
  });

  it('a day of 24 hours: one materialized hour is its version, none is no data, and no one partition is read', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/h', partition: '2024-01-04T23:00', codeVersion: 'c', dataVersion: 'before', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T10:00', codeVersion: 'c', dataVersion: 'H10', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-06T00:00', codeVersion: 'c', dataVersion: 'after', inputs: {} });
    const snap = await log.snapshot();
    expect(currentInputVersions(g, 'mart/d', '2024-01-05', snap, NOW)).to.deep.equal({ versions: { 'raw/h': 'H10' }, missing: [], reads: {} });
    expect(currentInputVersions(g, 'mart/d', '2024-01-07', snap, NOW)).to.deep.equal({ versions: { 'raw/h': NO_DATA }, missing: ['raw/h'], reads: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T11:00', codeVersion: 'c', dataVersion: 'H11', inputs: {} });
    const two = currentInputVersions(g, 'mart/d', '2024-01-05', await log.snapshot(), NOW).versions['raw/h'];
    expect(two).to.not.be.oneOf(['H10', 'H11', NO_DATA]);
  });
});

describe('staleness: what is compared', () => {
  it('returns the materialization it compared with', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A1', inputs: {} });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A2', inputs: {} });
    const s = stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c', NOW);
    expect(s.status).to.equal('fresh');
    expect(s.materialization?.dataVersion).to.equal('A2');
  });

  it('a source not recorded (declared after the run) or no longer observed is no cause', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: { 'source/db': 'obs1' } });
    expect(stalenessOf(graph, 'raw/a', null, await log.snapshot(), 'c', NOW)).to.deep.include({ status: 'fresh', causes: [] });
    const later = new MemoryRunLog();
    await later.append({ type: 'observation', key: 'source/db', dataVersion: 'obs1', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await materialize(later, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    expect(stalenessOf(graph, 'raw/a', null, await later.snapshot(), 'c', NOW)).to.deep.include({ status: 'fresh', causes: [] });
  });

  it('a source observed as gone is missing, marked as a source; a wiped upstream is missing, not marked', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: NO_DATA, metadata: {}, at: '2024-01-10T00:00:00Z' });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: { 'source/db': 'obs1' } });
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'M', inputs: { 'raw/a': 'A-before' } });
    const snap = await log.snapshot();
    expect(stalenessOf(graph, 'raw/a', null, snap, 'c', NOW).causes).to.deep.equal([{ type: 'upstream_missing', dep: 'source/db', source: true }]);
    expect(stalenessOf(graph, 'ml/m', null, snap, 'c', NOW).causes).to.deep.equal([{ type: 'data', dep: 'raw/a' }]);
    const wiped = new MemoryRunLog();
    await materialize(wiped, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'M', inputs: { 'raw/a': 'A' } });
    expect(stalenessOf(graph, 'ml/m', null, await wiped.snapshot(), 'c', NOW).causes).to.deep.equal([{ type: 'upstream_missing', dep: 'raw/a' }]);
  });

  it('code, deps and data at once, in that order; a dep added or removed is not also new data', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs2', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A2', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T00:00', codeVersion: 'c', dataVersion: 'H', inputs: {} });
    await materialize(log, { key: 'mart/d', partition: '2024-01-05', codeVersion: 'c1', dataVersion: 'x', inputs: { 'raw/a': 'A1', 'raw/old': 'z' } });
    expect(stalenessOf(graph, 'mart/d', '2024-01-05', await log.snapshot(), 'c2', NOW).causes).to.deep.equal([
      { type: 'code', was: 'c1', now: 'c2' },
      { type: 'dependencies', added: ['raw/h'], removed: ['raw/old'] },
      { type: 'data', dep: 'raw/a' },
    ]);
  });
});

describe('freshness: which data is newest', () => {
  it('partitions of another format (redeclared): the newest window among the keys that parse', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/h', partition: '2024-01-10T09:00', codeVersion: 'c', dataVersion: 'x', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: '2024-01-10T07:00', codeVersion: 'c', dataVersion: 'x', inputs: {} });
    await materialize(log, { key: 'raw/h', partition: 'x-old-key', codeVersion: 'c', dataVersion: 'x', inputs: {} });
    // The 09:00 window ends at 10:00, two hours before now.
    expect(freshnessOf(graph, 'raw/h', await log.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 60, lagMinutes: 120, violated: true });
    const none = new MemoryRunLog();
    await materialize(none, { key: 'raw/h', partition: 'x-old-key', codeVersion: 'c', dataVersion: 'x', inputs: {} });
    expect(freshnessOf(graph, 'raw/h', await none.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 60, lagMinutes: null, violated: true });
  });
  it('an asset partitioned before: the unpartitioned materialization counts, not newer partitions', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'x', inputs: {}, at: '2024-01-09T00:00:00.000Z' });
    await materialize(log, { key: 'ml/m', partition: '2024-01-10', codeVersion: 'c', dataVersion: 'y', inputs: {}, at: '2024-01-10T11:00:00.000Z' });
    expect(freshnessOf(graph, 'ml/m', await log.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: 2160, violated: true });
    const only = new MemoryRunLog();
    await materialize(only, { key: 'ml/m', partition: '2024-01-10', codeVersion: 'c', dataVersion: 'y', inputs: {}, at: '2024-01-10T11:00:00.000Z' });
    expect(freshnessOf(graph, 'ml/m', await only.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: null, violated: true });
  });
  it('lag in whole minutes, rounded, never negative', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'x', inputs: {}, at: '2024-01-10T11:58:30.000Z' });
    expect(freshnessOf(graph, 'ml/m', await log.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: 2, violated: false });
    const future = new MemoryRunLog();
    await materialize(future, { key: 'ml/m', partition: null, codeVersion: 'c', dataVersion: 'x', inputs: {}, at: '2024-01-10T12:10:00.000Z' });
    expect(freshnessOf(graph, 'ml/m', await future.snapshot(), NOW)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: 0, violated: false });
    // One minute past the limit.
    expect(freshnessOf(graph, 'ml/m', await future.snapshot(), NOW + (24 * 60 + 11) * 60_000)).to.deep.equal({ maxLagMinutes: 1440, lagMinutes: 1441, violated: true });
  });
});

describe('stale counts from a summary (assetStaleness)', () => {
  /** Materializes with `reads` (followed inputs), as the engine records them. */
  async function followed(log: MemoryRunLog, key: string, partition: string | null, codeVersion: string, inputs: Record<string, string>, reads: Record<string, string | null>) {
    await materialize(log, { key, partition, codeVersion, dataVersion: `${key}@${partition}`, inputs, reads });
  }

  it('new data in a followed source: the partitions that read it, once', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs1', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await followed(log, 'raw/a', null, 'c', { 'source/db': 'obs1' }, { 'source/db': null });
    expect(assetStaleness(graph, 'raw/a', await log.snapshot(), 'c', NOW)).to.deep.equal({ stalePartitions: 0, causes: [] });
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs2', metadata: {}, at: '2024-01-10T01:00:00Z' });
    expect(assetStaleness(graph, 'raw/a', await log.snapshot(), 'c', NOW)).to.deep.equal({ stalePartitions: 1, causes: [{ type: 'data', dep: 'source/db' }] });
    await log.append({ type: 'observation', key: 'source/db', dataVersion: NO_DATA, metadata: {}, at: '2024-01-10T02:00:00Z' });
    expect(assetStaleness(graph, 'raw/a', await log.snapshot(), 'c', NOW)).to.deep.equal({ stalePartitions: 1, causes: [{ type: 'upstream_missing', dep: 'source/db', source: true }] });
  });

  it('hours whose hour was rewritten, and one whose hour is gone', async () => {
    const g = defineGraph([
      defineAsset({ key: 'raw/h', partitions: hourly, compute: { kind: 'glue-sql' } }),
      defineAsset({ key: 'mart/h', deps: ['raw/h'], partitions: hourly, compute: { kind: 'glue-sql' } }),
    ]);
    const log = new MemoryRunLog();
    for (const h of ['00', '01', '02']) {
      await materialize(log, { key: 'raw/h', partition: `2024-01-05T${h}:00`, codeVersion: 'c', dataVersion: `v${h}`, inputs: {} });
      await followed(log, 'mart/h', `2024-01-05T${h}:00`, 'c', { 'raw/h': `v${h}` }, { 'raw/h': `2024-01-05T${h}:00` });
    }
    await followed(log, 'mart/h', '2024-01-05T03:00', 'c', { 'raw/h': 'v03' }, { 'raw/h': '2024-01-05T03:00' });
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T01:00', codeVersion: 'c', dataVersion: 'new', inputs: {} });
    expect(assetStaleness(g, 'mart/h', await log.snapshot(), 'c', NOW)).to.deep.equal({
      stalePartitions: 2,
      causes: [{ type: 'data', dep: 'raw/h' }, { type: 'upstream_missing', dep: 'raw/h' }],
    });
    // A new code version makes all four stale, whatever changed.
    expect(assetStaleness(g, 'mart/h', await log.snapshot(), 'c2', NOW)).to.deep.equal({
      stalePartitions: 4,
      causes: [{ type: 'code', was: 'c', now: 'c2' }, { type: 'data', dep: 'raw/h' }, { type: 'upstream_missing', dep: 'raw/h' }],
    });
  });

  it('deps changed: every partition of the group; a removed dep is no data cause, a source dep is never added', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'observation', key: 'source/db', dataVersion: 'obs1', metadata: {}, at: '2024-01-10T00:00:00Z' });
    await followed(log, 'ml/m', null, 'c', { 'raw/old': 'z' }, { 'raw/old': null });
    expect(assetStaleness(graph, 'ml/m', await log.snapshot(), 'c', NOW)).to.deep.equal({
      stalePartitions: 1,
      causes: [{ type: 'dependencies', added: ['raw/a'], removed: ['raw/old'] }],
    });
    // raw/a's inputs recorded before source/db was its dep: not a change.
    await followed(log, 'raw/a', null, 'c', {}, {});
    expect(assetStaleness(graph, 'raw/a', await log.snapshot(), 'c', NOW)).to.deep.equal({ stalePartitions: 0, causes: [] });
  });

  it('untracked partitions are checked one by one and not counted twice in their group', async () => {
    const log = new MemoryRunLog();
    await materialize(log, { key: 'raw/a', partition: null, codeVersion: 'c', dataVersion: 'A', inputs: {} });
    // Two days that read 24 hours each (no reads recorded: untracked), and a new code version.
    await materialize(log, { key: 'raw/h', partition: '2024-01-05T00:00', codeVersion: 'c', dataVersion: 'H', inputs: {} });
    const inputs = { 'raw/a': 'A', 'raw/h': 'H' };
    await materialize(log, { key: 'mart/d', partition: '2024-01-05', codeVersion: 'c1', dataVersion: 'x', inputs });
    await materialize(log, { key: 'mart/d', partition: '2024-01-06', codeVersion: 'c1', dataVersion: 'y', inputs: { 'raw/a': 'A', 'raw/h': NO_DATA } });
    const snap = await log.snapshot();
    expect(snap.assetSummary('mart/d').untracked).to.have.length(2);
    expect(assetStaleness(graph, 'mart/d', snap, 'c1', NOW)).to.deep.equal({ stalePartitions: 0, causes: [] });
    expect(assetStaleness(graph, 'mart/d', snap, 'c2', NOW)).to.deep.equal({ stalePartitions: 2, causes: [{ type: 'code', was: 'c1', now: 'c2' }] });
    // One of them followed (reads recorded for both inputs): one checked, one counted by its group.
    await materialize(log, { key: 'mart/d', partition: '2024-01-07', codeVersion: 'c1', dataVersion: 'z', inputs: { 'raw/a': 'A', 'raw/h': NO_DATA }, reads: { 'raw/a': null, 'raw/h': '2024-01-07T00:00' } });
    expect(assetStaleness(graph, 'mart/d', await log.snapshot(), 'c2', NOW)).to.deep.equal({ stalePartitions: 3, causes: [{ type: 'code', was: 'c1', now: 'c2' }] });
    expect(assetStaleness(graph, 'mart/d', await log.snapshot(), 'c1', NOW)).to.deep.equal({ stalePartitions: 0, causes: [] });
  });
});
