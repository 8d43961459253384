/**
 * The local run log's snapshot answers status from per-asset summaries and reads a partition only
 * when asked (an untracked partition, a file to verify, an asset page), one query each. These
 * tests hold that fast path to the slow one: every latest materialization read whole and folded
 * into the in-memory index (`RunLogIndex`, the definition) gives the same status (files verified),
 * summaries, lookups and file lists, through out-of-order commits from two processes, a wipe and
 * the late writes it hides, and a prune. And the summary queries read indexes, not the history.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import {
  RunLogIndex,
  codeVersionOf,
  currentInputVersions,
  dailyPartitions,
  dataVersionOf,
  defineAsset,
  defineGraph,
  hourlyPartitions,
  parseUtc,
  partitionKey,
  type AssetKey,
  type AssetSummary,
  type FileFact,
  type FileProblem,
  type Materialization,
  type RunEvent,
  type RunLogSnapshot,
  type RunRecord,
} from '../../assets/core';
import { LocalRunLog, RUNLOG_DB } from '../../jobs/embedded/runlog';
import { SUMMARY_SQL } from '../../jobs/embedded/runlog/local-runlog';
import { assetStatuses, type AssetStatus } from '../../scripts/cli/run/asset-status';

const NOW = parseUtc('2024-01-05T12:00')!;
const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
const daily = dailyPartitions({ start: '2024-01-01' });
const graph = defineGraph([
  defineAsset({ key: 'source/s', source: true, compute: { kind: 'rds-table' } }),
  defineAsset({ key: 'raw/h', deps: ['source/s'], partitions: hourly, compute: { kind: 'glue-sql' }, freshness: { maxLagMinutes: 120 } }),
  defineAsset({ key: 'raw/u', deps: ['source/s'], compute: { kind: 'glue-sql' }, freshness: { maxLagMinutes: 60 } }),
  // Followed: the same hour, an unpartitioned input.
  defineAsset({ key: 'mart/h', deps: ['raw/h', 'raw/u'], partitions: hourly, compute: { kind: 'glue-sql' }, freshness: { maxLagMinutes: 180 } }),
  // Not followed: a day reads 24 hours.
  defineAsset({ key: 'mart/d', deps: ['raw/h'], partitions: daily, compute: { kind: 'glue-sql' } }),
]);
const readCode = () => undefined;
const code = (key: AssetKey) => codeVersionOf(graph.get(key), readCode);
/** Files whose path says so are gone or edited, as the environment's check would find them. */
const verify = (files: readonly FileFact[]): FileProblem[] =>
  files.flatMap((f): FileProblem[] => (f.path.includes('gone') ? [{ path: f.path, problem: 'missing', detail: 'not found' }] : f.path.includes('edited') ? [{ path: f.path, problem: 'modified', detail: 'checksum differs' }] : []));
const hours = (from: number, n: number) => Array.from({ length: n }, (_, i) => partitionKey(hourly, from + i));
const days = (n: number) => Array.from({ length: n }, (_, i) => partitionKey(daily, i));
const iso = (ms: number) => new Date(ms).toISOString();
const byPartition = (ms: readonly Materialization[]) => [...ms].sort((a, b) => ((a.partition ?? '') < (b.partition ?? '') ? -1 : 1));
const record = (runId: string, startedAt: string): RunRecord => ({ runId, command: 'materialize', selection: '*', partitions: 'all', env: 'local', status: 'running', startedAt, owner: 'test:1', stepsPlanned: 1 });

const CHILD = path.join(__dirname, 'runlog-append-child.ts');

describe('local run log snapshot: summaries and on-demand partitions agree with reading every partition', function () {
  this.timeout(60_000);
  let dir: string;
  let log: LocalRunLog;
  let t: number;
  const at = () => iso((t += 1000));

  /** Materializations of `key` as the engine records them (inputs and reads as of the log now). */
  async function materializations(key: AssetKey, partitions: readonly (string | null)[], o: { runId: string; at: () => string; data?: (p: string | null) => string; file?: (p: string | null) => string | undefined }): Promise<RunEvent[]> {
    const snap = await log.snapshot();
    return partitions.map((p) => {
      const { versions, reads } = currentInputVersions(graph, key, p, snap, NOW);
      const file = o.file?.(p);
      const files = file ? { files: [{ path: file, size: 1, mtimeMs: 0, sha256: 'a' }] } : {};
      return { type: 'materialization', runId: o.runId, key, partition: p, codeVersion: code(key), dataVersion: o.data?.(p) ?? dataVersionOf(code(key), versions), inputs: versions, reads, metadata: { rows: 1 }, ...files, at: o.at() };
    });
  }
  async function append(events: readonly RunEvent[]): Promise<void> {
    for (const e of events) await log.append(e);
  }
  /** Appends from another process, which creates its runs; resolves when it exited. */
  async function appendFromChild(runs: readonly RunRecord[], events: readonly RunEvent[]): Promise<void> {
    const file = path.join(dir, `child-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ runs, events }));
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, 'append', dir, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exitCode = await new Promise<number | null>((resolve) => p.on('exit', resolve));
    expect({ exitCode, err }).to.deep.equal({ exitCode: 0, err: '' });
  }

  /** The slow path: every asset's latest materializations read whole, folded into the in-memory index. */
  async function definition(): Promise<{ index: RunLogIndex; whole: Map<AssetKey, Materialization[]> }> {
    const slow = await log.snapshot();
    const index = new RunLogIndex();
    const whole = new Map<AssetKey, Materialization[]>();
    for (const key of graph.keys) {
      const ms = [...slow.materializedPartitions(key)].map((p) => slow.latestMaterialization(key, p)!);
      whole.set(key, ms);
      for (const m of ms) index.add({ type: 'materialization', ...m });
      const o = slow.latestObservation(key);
      if (o) index.add({ type: 'observation', ...o });
      for (const c of slow.latestChecks(key)) index.add({ type: 'check_evaluated', ...c });
    }
    return { index, whole };
  }

  const sortedCauses = (statuses: readonly AssetStatus[]) => statuses.map((s) => ({ ...s, causes: [...s.causes].sort() }));
  const sortedSummary = (s: AssetSummary) => ({
    ...s,
    groups: [...s.groups].sort((a, b) => (`${a.codeVersion}${a.inputKeys}` < `${b.codeVersion}${b.inputKeys}` ? -1 : 1)),
    changedInputs: [...s.changedInputs].sort((a, b) => (`${a.dep}${a.missing}` < `${b.dep}${b.missing}` ? -1 : 1)),
    untracked: [...s.untracked].sort(),
  });

  async function expectAgreement(label: string): Promise<void> {
    const { index, whole } = await definition();
    // What `assets status` prints (files verified), from the summaries and from the definition.
    expect(sortedCauses(assetStatuses(graph, graph.keys, await log.snapshot(), readCode, NOW, verify)), `${label}: status`).to.deep.equal(sortedCauses(assetStatuses(graph, graph.keys, index, readCode, NOW, verify)));
    const fast = await log.snapshot();
    for (const key of graph.keys) expect(sortedSummary(fast.assetSummary(key)), `${label}: summary of ${key}`).to.deep.equal(sortedSummary(index.assetSummary(key)));
    // One partition at a time (past 64 of an asset, the rest read at once), and the file-bearing partitions alone.
    const point = await log.snapshot();
    const files = await log.snapshot();
    for (const key of graph.keys) {
      expect(byPartition(files.materializationsWithFiles(key)), `${label}: files of ${key}`).to.deep.equal(byPartition(whole.get(key)!.filter((m) => m.files)));
      for (const m of whole.get(key)!) expect(point.latestMaterialization(key, m.partition), `${label}: ${key} [${m.partition}]`).to.deep.equal(m);
      expect(point.latestMaterialization(key, '2030-01-01T00:00'), `${label}: ${key}, a partition never written`).to.equal(undefined);
    }
  }

  beforeEach(async () => {
    t = NOW - 4 * 86_400_000;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-snap-'));
    log = new LocalRunLog(dir);
    await log.createRun(record('r0', at()));
    await log.append({ type: 'observation', key: 'source/s', dataVersion: 'o1', metadata: {}, at: at() });
    // Every fifth hour of raw/h recorded files; four of them are damaged (more than status names one by one).
    const file = (p: string | null) => {
      const i = hours(0, 100).indexOf(p!);
      if (i % 5) return undefined;
      return `lake/raw/h/${p}/${{ 5: 'gone', 15: 'edited', 40: 'gone', 60: 'edited' }[i] ?? 'ok'}.parquet`;
    };
    await append(await materializations('raw/h', hours(0, 100), { runId: 'r0', at, file }));
    await append(await materializations('raw/u', [null], { runId: 'r0', at }));
    await append(await materializations('mart/h', hours(0, 100), { runId: 'r0', at }));
    await append(await materializations('mart/d', days(4), { runId: 'r0', at }));
    await log.append({ type: 'check_evaluated', runId: 'r0', key: 'raw/h', partition: hours(99, 1)[0], check: 'row_count', passed: false, blocking: true, message: 'too few rows', at: at() });
  });
  afterEach(async () => {
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('agrees on a history written by one process', async () => {
    await expectAgreement('one writer');
    const status = assetStatuses(graph, graph.keys, await log.snapshot(), readCode, NOW, verify);
    expect(status.find((s) => s.key === 'raw/h')).to.deep.include({ state: 'missing', stalePartitions: 0 });
    expect(status.find((s) => s.key === 'raw/h')!.damaged.map((d) => d.partition)).to.deep.equal(hours(0, 100).filter((_, i) => [5, 15, 40, 60].includes(i)));
  });

  it('agrees when two processes commit out of order, one after the other and at once', async () => {
    const later = t + 100_000;
    const earlier = t + 50_000;
    let a = later;
    let b = earlier;
    // A commits first with the later times; B commits after it with earlier ones, some over A's hours.
    const fromA = await materializations('raw/h', hours(10, 10), { runId: 'ra', at: () => iso((a += 1000)), data: (p) => `a-${p}`, file: (p) => `lake/raw/h/${p}/a.parquet` });
    const fromB = await materializations('raw/h', hours(10, 15), { runId: 'rb', at: () => iso((b += 1000)), data: (p) => `b-${p}`, file: (p) => `lake/raw/h/${p}/gone-b.parquet` });
    const oldU = await materializations('raw/u', [null], { runId: 'rb', at: () => iso(NOW - 5 * 86_400_000), data: () => 'older than any' });
    await appendFromChild([record('ra', iso(later))], fromA);
    await appendFromChild([record('rb', iso(earlier))], [...fromB, ...oldU]);
    const snap = await log.snapshot();
    expect(snap.latestMaterialization('raw/h', hours(12, 1)[0])!.dataVersion, 'the later time wins').to.equal(`a-${hours(12, 1)[0]}`);
    expect(snap.latestMaterialization('raw/h', hours(22, 1)[0])!.dataVersion).to.equal(`b-${hours(22, 1)[0]}`);
    expect(snap.assetSummary('raw/h').newest).to.deep.include({ runId: 'ra', partition: hours(19, 1)[0] });
    await expectAgreement('sequential, out of order');

    // Two processes at once over the same hours of mart/h, their times interleaved: D's are later.
    let c = later + 100_000;
    const times = (offset: number) => () => iso((c += 2000) + offset);
    const fromC = await materializations('mart/h', hours(50, 20), { runId: 'rc', at: times(0), data: (p) => `c-${p}` });
    c = later + 100_000;
    const fromD = await materializations('mart/h', hours(50, 20), { runId: 'rd', at: times(1), data: (p) => `d-${p}` });
    await Promise.all([appendFromChild([record('rc', iso(later))], fromC), appendFromChild([record('rd', iso(later))], fromD)]);
    expect((await log.snapshot()).latestMaterialization('mart/h', hours(55, 1)[0])!.dataVersion).to.equal(`d-${hours(55, 1)[0]}`);
    await expectAgreement('concurrent');
  });

  it('agrees after a wipe, with the late writes it hides and the later ones it keeps', async () => {
    const wipedAt = at();
    await log.wipe(['raw/h'], wipedAt);
    await expectAgreement('wiped');
    const before = NOW - 4 * 86_400_000 + 500;
    const hidden = await materializations('raw/h', hours(0, 5), { runId: 'rl', at: () => iso(before), file: (p) => `lake/raw/h/${p}/gone.parquet` });
    const kept = await materializations('raw/h', hours(5, 2), { runId: 'rl', at, file: (p) => `lake/raw/h/${p}/edited.parquet` });
    await appendFromChild([record('rl', wipedAt)], [...hidden, ...kept]);
    expect((await log.snapshot()).assetSummary('raw/h')).to.deep.include({ partitions: 2, withFiles: 2 });
    await expectAgreement('written after the wipe');
  });

  it('agrees after a prune that kept only the latest materializations', async () => {
    await append(await materializations('raw/h', hours(0, 30), { runId: 'r0', at, data: (p) => `again-${p}` }));
    await log.createRun(record('r1', at()));
    await append(await materializations('mart/h', hours(0, 10), { runId: 'r1', at }));
    await log.updateRun('r0', { status: 'succeeded' });
    await log.updateRun('r1', { status: 'succeeded' });
    const pruned = await log.prune({ olderThan: iso(NOW) });
    expect(pruned.runsPruned).to.equal(2);
    expect(await log.stats(), 'the history went, the latest materialization of each partition stayed').to.include({ events: 0, latestMaterializations: 205 });
    await expectAgreement('pruned');
  });

  it('status of every asset reads partitions one by one only where the summary cannot answer', async () => {
    const asked = { latest: new Set<AssetKey>(), whole: new Set<AssetKey>(), files: new Set<AssetKey>() };
    const counting = (snap: RunLogSnapshot): RunLogSnapshot =>
      new Proxy(snap, {
        get(target, prop) {
          const value = Reflect.get(target, prop) as unknown;
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const key = args[0] as AssetKey;
            if (prop === 'latestMaterialization') asked.latest.add(key);
            if (prop === 'materializedPartitions') asked.whole.add(key);
            if (prop === 'materializationsWithFiles') asked.files.add(key);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    assetStatuses(graph, graph.keys, counting(await log.snapshot()), readCode, NOW, verify);
    // mart/d's days read 24 hours each (not followed): those days, their hours and raw/h's damaged hours.
    expect({ latest: [...asked.latest].sort(), whole: [...asked.whole], files: [...asked.files] }).to.deep.equal({ latest: ['mart/d', 'raw/h'], whole: [], files: ['raw/h'] });
    // As the UI asks (no file verification), with mart/d left out: no partition at all.
    for (const s of Object.values(asked)) s.clear();
    assetStatuses(graph, ['raw/h', 'raw/u', 'mart/h'], counting(await log.snapshot()), readCode, NOW);
    expect(asked).to.deep.equal({ latest: new Set(), whole: new Set(), files: new Set() });
  });

  it('the summary queries read indexes: only the per-asset tables are scanned', async () => {
    const db = new Database(path.join(dir, RUNLOG_DB), { readonly: true });
    try {
      for (const [name, sql] of Object.entries(SUMMARY_SQL)) {
        const plan = db.prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => r.detail);
        // asset_state (s) and asset_groups (g) hold a few rows per asset; reads, latest and ev are searched.
        expect(plan.filter((d) => /^SCAN /.test(d) && !/^SCAN [sg]\b/.test(d)), `${name}: ${plan.join(' | ')}`).to.deep.equal([]);
      }
    } finally {
      db.close();
    }
  });
});
