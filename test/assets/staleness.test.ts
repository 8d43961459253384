import { expect } from 'chai';
import {
  MemoryRunLog,
  codeVersionOf,
  currentInputVersions,
  dailyPartitions,
  dataVersionOf,
  defineAsset,
  defineGraph,
  describeCause,
  freshnessOf,
  hourlyPartitions,
  parseUtc,
  stableJson,
  stalenessOf,
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
