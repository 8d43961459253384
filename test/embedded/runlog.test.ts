import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { MemoryRunLog, type CheckEvaluation, type Materialization, type RunEvent, type RunLog, type RunRecord } from '../../assets/core';
import { LocalRunLog, RUNLOG_DB } from '../../jobs/embedded/runlog';
import { SCHEMA_STEPS } from '../../jobs/embedded/runlog/local-runlog';

const record = (runId: string, startedAt = new Date().toISOString(), extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  command: 'materialize',
  selection: 'raw/x',
  partitions: 'latest',
  env: 'local',
  status: 'running',
  startedAt,
  owner: `${os.hostname()}:${process.pid}`,
  stepsPlanned: 1,
  ...extra,
});

const mat = (runId: string, partition: string, dataVersion: string, at: string, key = 'raw/x'): RunEvent => ({
  type: 'materialization',
  key,
  partition,
  runId,
  codeVersion: 'c',
  dataVersion,
  inputs: {},
  metadata: { rows: 1 },
  at,
});

const check = (runId: string, partition: string, passed: boolean, at: string): RunEvent => ({
  type: 'check_evaluated',
  key: 'raw/x',
  partition,
  runId,
  check: 'row_count',
  passed,
  blocking: true,
  message: passed ? 'ok' : 'too few rows',
  at,
});

/** A pid that existed and is gone by the time the test reads it. */
const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

const CHILD = path.join(__dirname, 'runlog-writer-child.ts');
function child(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
function exited(p: ReturnType<typeof child>): Promise<{ code: number | null; err: string }> {
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, err })));
}

const day = (d: number, h = 0) => new Date(Date.UTC(2026, 0, d, h)).toISOString();

/** The query layer every store implements, run against the memory and the local store alike. */
for (const [name, open] of [
  ['memory run log', () => new MemoryRunLog()],
  ['local run log', (dir: string) => new LocalRunLog(dir)],
] as const) {
  describe(`${name}: the query layer`, () => {
    let dir: string;
    let log: RunLog;
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-q-'));
      log = open(dir);
      for (let d = 1; d <= 5; d++) {
        await log.createRun(record(`r${d}`, day(d)));
        await log.append(mat(`r${d}`, d % 2 ? 'odd' : 'even', `v${d}`, day(d, 1)));
        await log.append(check(`r${d}`, d % 2 ? 'odd' : 'even', d !== 4, day(d, 2)));
        await log.updateRun(`r${d}`, { status: d === 3 ? 'failed' : 'succeeded', endedAt: day(d, 3) });
      }
    });
    afterEach(async () => {
      if (log instanceof LocalRunLog) await log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('pages runs newest first, filtered by time and status', async () => {
      expect((await log.queryRuns({ limit: 2 })).map((r) => r.runId)).to.deep.equal(['r5', 'r4']);
      expect((await log.queryRuns({ limit: 2, startedBefore: day(4) })).map((r) => r.runId)).to.deep.equal(['r3', 'r2']);
      expect((await log.queryRuns({ startedSince: day(4) })).map((r) => r.runId)).to.deep.equal(['r5', 'r4']);
      expect((await log.queryRuns({ status: 'failed' })).map((r) => r.runId)).to.deep.equal(['r3']);
      expect((await log.listRuns(1)).map((r) => r.runId)).to.deep.equal(['r5']);
    });

    it('reads materialization and check history of an asset, newest first, by partition', async () => {
      expect((await log.materializations('raw/x')).map((m) => m.dataVersion)).to.deep.equal(['v5', 'v4', 'v3', 'v2', 'v1']);
      expect((await log.materializations('raw/x', { partition: 'even' })).map((m) => m.runId)).to.deep.equal(['r4', 'r2']);
      expect((await log.materializations('raw/x', { before: day(3), limit: 1 })).map((m) => m.runId)).to.deep.equal(['r2']);
      expect(await log.materializations('raw/other')).to.deep.equal([]);
      const checks = await log.checkEvaluations('raw/x', { limit: 2 });
      expect(checks.map((c) => [c.runId, c.passed, c.partition])).to.deep.equal([
        ['r5', true, 'odd'],
        ['r4', false, 'even'],
      ]);
      expect((await log.snapshot()).latestMaterialization('raw/x', 'odd')!.dataVersion).to.equal('v5');
    });

    it('counts what it holds', async () => {
      const s = await log.stats();
      expect(s).to.include({ runs: 5, events: 10, materializations: 5, latestMaterializations: 2, oldestRunAt: day(1), newestRunAt: day(5) });
    });

    it('prunes old runs but keeps what staleness and resume need', async () => {
      // r6 failed and was never resumed; r7 failed and r8 resumed it to success.
      await log.createRun(record('r6', day(6), { status: 'failed' }));
      await log.append(mat('r6', 'p6', 'v6', day(6, 1)));
      await log.createRun(record('r7', day(7), { status: 'failed' }));
      await log.createRun(record('r8', day(8), { status: 'succeeded', resumeOf: 'r7' }));
      const before = await log.snapshot();
      const latest = (p: string) => before.latestMaterialization('raw/x', p)!.dataVersion;
      const [odd, even] = [latest('odd'), latest('even')];

      const dry = await log.prune({ olderThan: day(9), dryRun: true });
      expect(dry.runsPruned).to.equal(6);
      expect((await log.queryRuns({})).length).to.equal(8);

      const kept = await log.prune({ olderThan: day(9), keepLatestPerPartition: true });
      // r3 failed (never resumed), r6 failed; r4 and r5 wrote the latest of 'even' and 'odd'.
      expect(kept).to.deep.include({ runsPruned: 4, kept: { resumable: 2, latestPerPartition: 2, running: 0 } });
      expect((await log.queryRuns({})).map((r) => r.runId)).to.deep.equal(['r6', 'r5', 'r4', 'r3']);

      const all = await log.prune({ olderThan: day(9) });
      expect(all.runsPruned).to.equal(2);
      expect((await log.queryRuns({})).map((r) => r.runId)).to.deep.equal(['r6', 'r3']);
      expect(await log.events('r6')).to.have.length(1);
      const after = await log.snapshot();
      expect(after.latestMaterialization('raw/x', 'odd')!.dataVersion).to.equal(odd);
      expect(after.latestMaterialization('raw/x', 'even')!.dataVersion).to.equal(even);
      expect(after.latestChecks('raw/x')).to.have.length(1);
    });

    it('never prunes a run that is still going', async () => {
      await log.createRun(record('live', day(1, 12)));
      const r = await log.prune({ olderThan: day(30) });
      expect(r.kept.running).to.equal(1);
      expect(await log.getRun('live')).to.not.equal(undefined);
    });

    it('does not keep a failed stream session for a resume that never comes', async () => {
      await log.createRun(record('stream-1', day(1, 6), { status: 'failed', command: 'stream' }));
      await log.prune({ olderThan: day(30) });
      expect(await log.getRun('stream-1')).to.equal(undefined);
    });
  });
}

describe('local run log', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps runs and events across instances, newest run first, latest materialization per partition', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1', '2026-01-01T00:00:00.000Z'));
    await a.createRun(record('r2', '2026-01-02T00:00:00.000Z'));
    await Promise.all([a.append(mat('r1', 'p', 'v1', '2026-01-01T00:00:01.000Z')), a.append(mat('r2', 'p', 'v2', '2026-01-02T00:00:01.000Z'))]);
    await a.updateRun('r1', { status: 'succeeded', endedAt: '2026-01-01T00:00:02.000Z' });
    await a.close();

    const b = new LocalRunLog(dir);
    expect((await b.listRuns()).map((r) => r.runId)).to.deep.equal(['r2', 'r1']);
    expect((await b.getRun('r1'))!.status).to.equal('succeeded');
    expect((await b.snapshot()).latestMaterialization('raw/x', 'p')!.dataVersion).to.equal('v2');
    expect(await b.events('r1')).to.deep.equal([mat('r1', 'p', 'v1', '2026-01-01T00:00:01.000Z')]);
    expect(await b.getRun('../etc/passwd')).to.equal(undefined);
    expect(await b.createRun(record('r1')).catch((e: Error) => e.message)).to.match(/run r1 already exists/);
    expect(await b.append(mat('nope', 'p', 'v', '2026-01-03T00:00:00.000Z')).catch((e: Error) => e.message)).to.match(/unknown run nope/);
    await b.close();
  });

  it('reads checks back exactly, blocking or not (only the non-default is stored)', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1', '2026-01-01T00:00:00.000Z'));
    const blocking = check('r1', 'p', false, '2026-01-01T00:00:01.000Z');
    const warning = { ...check('r1', 'p', true, '2026-01-01T00:00:02.000Z'), check: 'unique:id', blocking: false } as RunEvent;
    await a.append(blocking);
    await a.append(warning);
    await a.close();
    const b = new LocalRunLog(dir);
    expect(await b.events('r1')).to.deep.equal([blocking, warning]);
    await b.close();
  });

  it('keeps the latest materialization by time, whatever order writers commit in', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    await a.append(mat('r1', 'p', 'later', '2026-01-02T00:00:00.000Z'));
    await a.append(mat('r1', 'p', 'earlier', '2026-01-01T00:00:00.000Z'));
    expect((await a.snapshot()).latestMaterialization('raw/x', 'p')!.dataVersion).to.equal('later');
    await a.close();
  });

  it('shows a run killed mid-way as interrupted, never running or succeeded, with what it wrote', async () => {
    const p = child(['hang', dir, 'killed']);
    await new Promise<void>((resolve, reject) => {
      p.stdout!.on('data', (d: Buffer) => d.toString().includes('written') && resolve());
      p.on('exit', (code) => reject(new Error(`the child exited early (${code})`)));
    });
    const live = new LocalRunLog(dir);
    expect((await live.getRun('killed'))!.status).to.equal('running');
    p.kill('SIGKILL');
    await new Promise((resolve) => p.on('exit', resolve));
    const r = await live.getRun('killed');
    expect(r!.status).to.equal('interrupted');
    expect(r!.error).to.match(/exited before the run finished/);
    expect((await live.queryRuns({ status: 'interrupted' })).map((x) => x.runId)).to.deep.equal(['killed']);
    expect(await live.events('killed')).to.have.length(1);
    await live.close();
  });

  it('takes concurrent writers from several processes and loses nothing', async () => {
    const writers = ['w1', 'w2', 'w3'].map((id) => exited(child(['write', dir, id, '150'])));
    const results = await Promise.all(writers);
    for (const r of results) expect(r, r.err).to.deep.include({ code: 0 });
    const log = new LocalRunLog(dir);
    expect((await log.queryRuns({})).map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded']);
    for (const id of ['w1', 'w2', 'w3']) expect(await log.events(id)).to.have.length(150);
    const stats = await log.stats();
    expect(stats).to.include({ runs: 3, events: 450, materializations: 450, latestMaterializations: 150 });
    // Each partition's latest is the newest of the three writers' materializations of it.
    const snap = await log.snapshot();
    for (let i = 0; i < 150; i += 37) {
      const history = await log.materializations('raw/x', { partition: `p${i}`, limit: 3 });
      expect(history).to.have.length(3);
      expect(snap.latestMaterialization('raw/x', `p${i}`)!.dataVersion).to.equal(history[0].dataVersion);
    }
    await log.close();
  });

  it('groups concurrent appends and loses none', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    const at = new Date().toISOString();
    await Promise.all(Array.from({ length: 500 }, (_, i) => a.append(mat('r1', `p${i}`, 'v', at))));
    await a.close();
    const b = new LocalRunLog(dir);
    expect(await b.events('r1')).to.have.length(500);
    await b.close();
  });

  it('forgets wiped materializations but keeps later ones', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    await a.append(mat('r1', 'p', 'v1', '2026-01-01T00:00:00.000Z'));
    await a.wipe(['raw/x'], '2026-01-01T00:00:05.000Z');
    expect((await a.snapshot()).materializedPartitions('raw/x').size).to.equal(0);
    await a.append(mat('r1', 'q', 'v2', '2026-01-01T00:00:09.000Z'));
    // A late write from before the wipe (another process's clock) stays forgotten.
    await a.append(mat('r1', 'r', 'v0', '2026-01-01T00:00:04.000Z'));
    await a.close();
    const b = new LocalRunLog(dir);
    expect([...(await b.snapshot()).materializedPartitions('raw/x')]).to.deep.equal(['q']);
    await b.close();
  });

  it('gives the space of pruned runs back to the disk', async () => {
    const a = new LocalRunLog(dir, { durable: false });
    for (let r = 0; r < 40; r++) {
      await a.createRun(record(`r${r}`, day(1, r % 24), { status: 'succeeded' }));
      await Promise.all(Array.from({ length: 100 }, (_, i) => a.append(mat(`r${r}`, `p${i}`, `v${r}`, day(1, r % 24)))));
    }
    const before = (await a.stats()).bytes!;
    const pruned = await a.prune({ olderThan: day(2) });
    expect(pruned.runsPruned).to.equal(40);
    expect(pruned.bytesAfter).to.be.below(before / 2);
    expect(await a.stats()).to.include({ runs: 0, events: 0, materializations: 0, latestMaterializations: 100 });
    await a.close();
  });
});

describe('local run log: migration from the JSONL files of earlier versions', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-mig-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the JSONL layout of earlier versions: runs/<id>.jsonl, wipes.jsonl, observations.jsonl. */
  function writeLegacy(): number {
    const dead = deadPid();
    const runs = path.join(dir, 'runs');
    fs.mkdirSync(runs, { recursive: true });
    const lines = (...xs: unknown[]) => xs.map((x) => JSON.stringify(x) + '\n').join('');
    fs.writeFileSync(
      path.join(runs, 'r1.jsonl'),
      lines(
        { t: 'run', run: record('r1', '2026-01-01T00:00:00.000Z'), proc: { host: os.hostname(), pid: process.pid } },
        { t: 'event', e: mat('r1', 'p', 'v1', '2026-01-01T00:00:01.000Z') },
        { t: 'event', e: mat('r1', 'q', 'q1', '2026-01-01T00:00:01.000Z', 'raw/y') },
        { t: 'event', e: check('r1', 'p', true, '2026-01-01T00:00:02.000Z') },
        { t: 'patch', patch: { status: 'succeeded', endedAt: '2026-01-01T00:00:03.000Z' } },
      ),
    );
    // Killed mid-run: still 'running', a dead pid, a torn last line.
    fs.writeFileSync(
      path.join(runs, 'r2.jsonl'),
      lines({ t: 'run', run: record('r2', '2026-01-02T00:00:00.000Z', { owner: `${os.hostname()}:${dead}` }), proc: { host: os.hostname(), pid: dead } }, { t: 'event', e: mat('r2', 'p', 'v2', '2026-01-02T00:00:01.000Z') }) +
        '{"t":"event","e":{"type":"materializ',
    );
    fs.writeFileSync(path.join(dir, 'wipes.jsonl'), lines({ key: 'raw/y', at: '2026-01-01T12:00:00.000Z' }));
    fs.writeFileSync(path.join(dir, 'observations.jsonl'), lines({ type: 'observation', key: 'source/s', dataVersion: 'o1', metadata: {}, at: '2026-01-01T00:00:00.000Z' }));
    return dead;
  }

  it('imports runs, events, wipes and observations once, and moves the files aside', async () => {
    const dead = writeLegacy();
    const log = new LocalRunLog(dir);
    expect(log.migratedTo).to.equal(path.join(dir, 'jsonl-migrated'));
    expect(fs.readdirSync(log.migratedTo!).sort()).to.deep.equal(['observations.jsonl', 'runs', 'wipes.jsonl']);
    expect(fs.existsSync(path.join(dir, 'runs'))).to.equal(false);

    expect((await log.listRuns()).map((r) => [r.runId, r.status])).to.deep.equal([
      ['r2', 'interrupted'],
      ['r1', 'succeeded'],
    ]);
    expect((await log.getRun('r2'))!.error).to.contain(`${os.hostname()}:${dead}`);
    expect(await log.events('r1')).to.have.length(3);
    expect(await log.events('r2')).to.have.length(1);
    const snap = await log.snapshot();
    expect(snap.latestMaterialization('raw/x', 'p')!.dataVersion).to.equal('v2');
    expect(snap.latestMaterialization('raw/y', 'q')).to.equal(undefined);
    expect(snap.latestObservation('source/s')!.dataVersion).to.equal('o1');
    expect(snap.latestChecks('raw/x').map((c) => c.check)).to.deep.equal(['row_count']);
    expect(await log.stats()).to.include({ runs: 2, events: 5, materializations: 3, latestMaterializations: 1 });
    await log.close();

    // Once: a second open, even with the files put back, imports nothing.
    fs.renameSync(path.join(dir, 'jsonl-migrated', 'runs'), path.join(dir, 'runs'));
    const again = new LocalRunLog(dir);
    expect(again.migratedTo).to.equal(undefined);
    expect(await again.stats()).to.include({ runs: 2, events: 5 });
    await again.close();
  });

  it('imports once when several processes open the old log at the same moment', async () => {
    writeLegacy();
    const opens = Array.from({ length: 3 }, (_, i) => exited(child(['write', dir, `w${i}`, '1'])));
    for (const r of await Promise.all(opens)) expect(r, r.err).to.deep.include({ code: 0 });
    const log = new LocalRunLog(dir);
    expect(await log.stats()).to.include({ runs: 5, events: 8 });
    await log.close();
  });
});

describe('local run log: migration from schema 2 (the first SQLite release)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-runlog-v2-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes a database as schema 2 wrote it: JSON documents per event and per latest row, text times. */
  function writeSchema2(): RunEvent[] {
    const db = new Database(path.join(dir, RUNLOG_DB));
    db.pragma('journal_mode = WAL');
    for (const step of SCHEMA_STEPS.slice(0, 2)) db.exec(step as string);
    db.pragma('user_version = 2');
    const runs = [record('r1', day(1), { status: 'succeeded' }), record('r2', day(2), { status: 'succeeded' })];
    const events: RunEvent[] = [
      { type: 'step_planned', runId: 'r1', key: 'raw/x', partitions: null, at: day(1, 1) },
      { type: 'step_started', runId: 'r1', key: 'raw/x', partitions: ['p'], at: day(1, 1) },
      mat('r1', 'p', 'v1', day(1, 1)),
      { ...(mat('r1', 'p', 'u1', day(1, 1), 'mart/y') as Materialization & { type: 'materialization' }), inputs: { 'raw/x': 'v1' } },
      check('r1', 'p', true, day(1, 2)),
      { type: 'step_succeeded', runId: 'r1', key: 'raw/x', partitions: ['p', 'q'], durationMs: 5, metadata: { rows: 1 }, at: day(1, 2) },
      mat('r2', 'p', 'v2', day(2, 1)),
      { type: 'observation', key: 'source/s', dataVersion: 'o1', metadata: {}, at: day(2, 3) },
    ];
    runs.forEach((r, i) => db.prepare('INSERT INTO runs (id, run_id, started_at, status, doc) VALUES (?, ?, ?, ?, ?)').run(i + 1, r.runId, r.startedAt, r.status, JSON.stringify(r)));
    for (const e of events) {
      const { type, key, runId, at, ...rest } = e as RunEvent & { partition?: string | null };
      const partition = type === 'materialization' || type === 'check_evaluated' ? rest.partition! : null;
      if (type === 'materialization' || type === 'check_evaluated') delete rest.partition;
      const run = runId === undefined ? null : runs.findIndex((r) => r.runId === runId) + 1;
      const seq = Number(db.prepare('INSERT INTO events (run, type, key, partition, at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(run, type, key, partition, at, JSON.stringify(rest)).lastInsertRowid);
      const { type: _t, ...doc } = e;
      if (type === 'materialization') db.prepare('INSERT OR REPLACE INTO latest_materializations VALUES (?, ?, ?, ?, ?)').run(key, partition ?? '', at, runId, JSON.stringify(doc));
      if (type === 'check_evaluated') db.prepare('INSERT OR REPLACE INTO latest_checks VALUES (?, ?, ?, ?)').run(key, (e as CheckEvaluation).check, at, JSON.stringify(doc));
      if (type === 'observation') db.prepare('INSERT OR REPLACE INTO latest_observations VALUES (?, ?, ?)').run(key, at, JSON.stringify(doc));
      if (type === 'step_succeeded') db.prepare('INSERT OR REPLACE INTO latest_steps VALUES (?, ?, ?)').run(key, type, seq);
      db.prepare('UPDATE counters SET n = n + 1 WHERE name = ?').run('events');
      if (type === 'materialization') db.prepare('UPDATE counters SET n = n + 1 WHERE name = ?').run('materializations');
    }
    db.close();
    return events;
  }

  it('moves every run and event into the compact schema once, and reads them back as they were', async () => {
    const written = writeSchema2();
    const log = new LocalRunLog(dir);
    const db = new Database(path.join(dir, RUNLOG_DB), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_STEPS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('events', 'latest_materializations')").all()).to.deep.equal([]);
    db.close();

    expect((await log.events('r1')).map((e) => e.type)).to.deep.equal(['step_planned', 'step_started', 'materialization', 'materialization', 'check_evaluated', 'step_succeeded']);
    expect(await log.events('r1')).to.deep.equal(written.filter((e) => e.runId === 'r1'));
    expect(await log.stats()).to.include({ runs: 2, events: 8, materializations: 3, latestMaterializations: 2 });
    expect((await log.materializations('raw/x')).map((m) => m.dataVersion)).to.deep.equal(['v2', 'v1']);
    const snap = await log.snapshot();
    expect(snap.latestMaterialization('raw/x', 'p')!.dataVersion).to.equal('v2');
    expect(snap.latestObservation('source/s')!.dataVersion).to.equal('o1');
    expect(snap.latestChecks('raw/x').map((c) => c.passed)).to.deep.equal([true]);
    expect(snap.assetFacts('raw/x')).to.include({ materializedPartitions: 1, typicalDurationMs: 5 });
    // Records of schema 2 named no read partitions: their inputs are checked one by one.
    expect(snap.assetSummary('mart/y')).to.deep.include({ partitions: 1, untracked: ['p'] });
    expect(snap.assetSummary('raw/x')).to.deep.include({ partitions: 1, untracked: [], newest: { at: day(2, 1), partition: 'p', runId: 'r2' } });
    await log.append(mat('r2', 'q', 'v3', day(2, 4)));
    await log.close();

    const again = new LocalRunLog(dir);
    expect(await again.stats()).to.include({ runs: 2, events: 9, materializations: 4, latestMaterializations: 3 });
    await again.close();
  });
});
