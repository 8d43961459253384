/**
 * Status counts stale partitions from the run log's per-asset summaries (assetStaleness). These
 * tests hold it to the definition: the same count and causes as `stalenessOf` on every partition,
 * through rewrites with new and with equal data, new observations, wipes, code and dep changes,
 * for followed inputs (identity, one day of an hour, unpartitioned) and untracked ones (a day
 * reading 24 hours, all partitions), in the memory store and the local one alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  MemoryRunLog,
  assetStaleness,
  currentInputVersions,
  dailyPartitions,
  dataVersionOf,
  defineAsset,
  defineGraph,
  describeCause,
  hourlyPartitions,
  parseUtc,
  partitionKey,
  stalenessOf,
  timeWindowMapping,
  type AssetKey,
  type RunLog,
} from '../../assets/core';
import { LocalRunLog } from '../../jobs/embedded/runlog';

const NOW = parseUtc('2024-01-04T12:00')!;
const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
const daily = dailyPartitions({ start: '2024-01-01' });
const graph = defineGraph([
  defineAsset({ key: 'source/s', source: true, compute: { kind: 'rds-table' } }),
  defineAsset({ key: 'raw/h', deps: ['source/s'], partitions: hourly, compute: { kind: 'glue-sql' } }),
  defineAsset({ key: 'raw/d', deps: ['source/s'], partitions: daily, compute: { kind: 'glue-sql' } }),
  defineAsset({ key: 'raw/u', deps: ['source/s'], compute: { kind: 'glue-sql' } }),
  // Followed: the same hour, the one day of an hour, an unpartitioned input.
  defineAsset({ key: 'mart/h', deps: ['raw/h', { asset: 'raw/d', mapping: timeWindowMapping() }, 'raw/u'], partitions: hourly, compute: { kind: 'glue-sql' } }),
  // Not followed: a day reads 24 hours; an unpartitioned asset reads every day.
  defineAsset({ key: 'mart/d', deps: ['raw/h'], partitions: daily, compute: { kind: 'glue-sql' } }),
  defineAsset({ key: 'ml/m', deps: ['mart/d'], compute: { kind: 'emr-spark' } }),
]);
const BATCH: AssetKey[] = ['raw/h', 'raw/d', 'raw/u', 'mart/h', 'mart/d', 'ml/m'];

/** Count and causes as the definition gives them: stalenessOf on every materialized partition. */
function exact(log: Awaited<ReturnType<RunLog['snapshot']>>, key: AssetKey, code: string) {
  let stale = 0;
  const causes = new Set<string>();
  for (const p of log.materializedPartitions(key)) {
    const s = stalenessOf(graph, key, p, log, code, NOW);
    if (s.status === 'stale') stale++;
    for (const c of s.causes) causes.add(describeCause(c));
  }
  return { stale, causes: [...causes].sort() };
}

for (const [name, open] of [
  ['memory run log', () => new MemoryRunLog()],
  ['local run log', (dir: string) => new LocalRunLog(dir)],
] as const) {
  describe(`${name}: status from per-asset summaries`, () => {
    let dir: string;
    let log: RunLog;
    let t = NOW - 3 * 86_400_000;
    const at = () => new Date((t += 1000)).toISOString();
    const code: Record<AssetKey, string> = Object.fromEntries(BATCH.map((k) => [k, 'c1']));

    /** Materializes `key`'s partitions as the engine does: inputs and reads as of now, data version from them. */
    async function materialize(key: AssetKey, partitions: readonly (string | null)[], dataVersion?: (p: string | null, v: string) => string) {
      const snap = await log.snapshot();
      for (const p of partitions) {
        const { versions, reads } = currentInputVersions(graph, key, p, snap, NOW);
        const v = dataVersionOf(code[key], versions);
        await log.append({ type: 'materialization', runId: 'r', key, partition: p, codeVersion: code[key], dataVersion: dataVersion?.(p, v) ?? v, inputs: versions, reads, metadata: {}, at: at() });
      }
    }
    const hours = (from: number, n: number) => Array.from({ length: n }, (_, i) => partitionKey(hourly, from + i));
    const days = (n: number) => Array.from({ length: n }, (_, i) => partitionKey(daily, i));

    async function expectSummariesMatch(label: string) {
      const snap = await log.snapshot();
      for (const key of BATCH) {
        const want = exact(snap, key, code[key]);
        const got = assetStaleness(graph, key, snap, code[key], NOW);
        expect({ key, stale: got.stalePartitions, causes: got.causes.map(describeCause).sort() }, label).to.deep.equal({ key, ...want });
      }
    }

    beforeEach(async () => {
      t = NOW - 3 * 86_400_000;
      for (const k of BATCH) code[k] = 'c1';
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-sum-'));
      log = open(dir);
      await log.createRun({ runId: 'r', command: 'materialize', selection: '*', partitions: 'all', env: 'local', status: 'running', startedAt: at(), owner: 'test:1', stepsPlanned: 1 });
      await log.append({ type: 'observation', key: 'source/s', dataVersion: 'o1', metadata: {}, at: at() });
      await materialize('raw/h', hours(0, 72));
      await materialize('raw/d', days(3));
      await materialize('raw/u', [null]);
      await materialize('mart/h', hours(0, 72));
      await materialize('mart/d', days(3));
      await materialize('ml/m', [null]);
    });
    afterEach(async () => {
      if (log instanceof LocalRunLog) await log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('everything fresh after one pass, summaries read no partition one by one but the untracked', async () => {
      await expectSummariesMatch('fresh');
      const snap = await log.snapshot();
      expect(assetStaleness(graph, 'mart/h', snap, 'c1', NOW).stalePartitions).to.equal(0);
      expect(snap.assetSummary('mart/h')).to.deep.include({ partitions: 72, untracked: [] });
      expect(snap.assetSummary('mart/d').untracked).to.have.length(3);
    });

    it('upstream partitions rewritten with new data, then with the same data', async () => {
      await materialize('raw/h', hours(5, 3), (p) => `new-${p}`);
      await expectSummariesMatch('new hours');
      const snap = await log.snapshot();
      expect(assetStaleness(graph, 'mart/h', snap, 'c1', NOW).stalePartitions).to.equal(3);
      await materialize('raw/h', hours(5, 3), (p) => `new-${p}`);
      await expectSummariesMatch('same data again');
      // Back to the versions mart/h read: fresh again (compared by version, not by time).
      await materialize('raw/h', hours(5, 3));
      await expectSummariesMatch('reverted');
      expect(assetStaleness(graph, 'mart/h', await log.snapshot(), 'c1', NOW).stalePartitions).to.equal(0);
    });

    it('a new observation of the source, a new day, an unpartitioned input', async () => {
      await log.append({ type: 'observation', key: 'source/s', dataVersion: 'o2', metadata: {}, at: at() });
      await expectSummariesMatch('observed');
      await materialize('raw/d', [partitionKey(daily, 1)]);
      await materialize('raw/u', [null]);
      await expectSummariesMatch('day and unpartitioned rewritten');
      await materialize('mart/h', hours(24, 24));
      await expectSummariesMatch('one day of mart/h redone');
    });

    it('code and dependency changes, then the partitions rewritten', async () => {
      code['mart/h'] = 'c2';
      await expectSummariesMatch('code');
      await materialize('mart/h', hours(0, 10));
      await expectSummariesMatch('partly rewritten');
      await materialize('raw/h', hours(2, 1), () => 'other');
      await expectSummariesMatch('code and data');
      await log.append({ type: 'materialization', runId: 'r', key: 'mart/h', partition: hours(30, 1)[0], codeVersion: 'c2', dataVersion: 'x', inputs: { 'raw/old': 'z' }, reads: { 'raw/old': null }, metadata: {}, at: at() });
      await expectSummariesMatch('deps');
    });

    if (name === 'local run log') {
      it('a wiped upstream: readers name it as gone, and fresh again when it is back', async () => {
        const local = log as LocalRunLog;
        await local.wipe(['raw/d'], at());
        await expectSummariesMatch('wiped');
        expect(assetStaleness(graph, 'mart/h', await log.snapshot(), 'c1', NOW).causes.map(describeCause)).to.deep.equal(['raw/d has no data']);
        await materialize('raw/d', days(3));
        await expectSummariesMatch('back');
        await local.wipe(['mart/h'], at());
        await expectSummariesMatch('downstream wiped');
        expect((await log.snapshot()).assetSummary('mart/h')).to.deep.include({ partitions: 0, groups: [] });
      });
    }
  });
}
