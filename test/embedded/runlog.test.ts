import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import type { RunEvent, RunRecord } from '../../assets/core';
import { acquireLocalLock, lockPath } from '../../jobs/embedded/locks';
import { LocalRunLog } from '../../jobs/embedded/runlog';
import { LockHeldError } from '../../jobs/engine/environment';

const record = (runId: string, startedAt = new Date().toISOString()): RunRecord => ({
  runId,
  command: 'materialize',
  selection: 'raw/x',
  partitions: 'latest',
  env: 'local',
  status: 'running',
  startedAt,
  owner: `${os.hostname()}:${process.pid}`,
  stepsPlanned: 1,
});

const mat = (runId: string, partition: string, dataVersion: string, at: string): RunEvent => ({
  type: 'materialization',
  key: 'raw/x',
  partition,
  runId,
  codeVersion: 'c',
  dataVersion,
  inputs: {},
  metadata: { rows: 1 },
  at,
});

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
    expect(await b.events('r1')).to.have.length(1);
    expect(await b.getRun('../etc/passwd')).to.equal(undefined);
  });

  it('ignores a torn last line left by a killed writer', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    await a.append(mat('r1', 'p', 'v1', new Date().toISOString()));
    await a.close();
    fs.appendFileSync(path.join(dir, 'runs', 'r1.jsonl'), '{"t":"event","e":{"type":"materializ');
    const b = new LocalRunLog(dir);
    expect(await b.events('r1')).to.have.length(1);
  });

  it('shows a run whose process died as interrupted, never running or succeeded', async () => {
    // A process that exits at once: its pid is dead by the time we read.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const line = { t: 'run', run: { ...record('r9'), owner: `${os.hostname()}:${dead}` }, proc: { host: os.hostname(), pid: Number(dead) } };
    fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'runs', 'r9.jsonl'), JSON.stringify(line) + '\n');
    const r = await new LocalRunLog(dir).getRun('r9');
    expect(r!.status).to.equal('interrupted');
    expect(r!.error).to.contain(`${os.hostname()}:${dead}`);
  });

  it('groups concurrent appends and loses none', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    const at = new Date().toISOString();
    await Promise.all(Array.from({ length: 500 }, (_, i) => a.append(mat('r1', `p${i}`, 'v', at))));
    await a.close();
    expect(await new LocalRunLog(dir).events('r1')).to.have.length(500);
  });

  it('forgets wiped materializations but keeps later ones', async () => {
    const a = new LocalRunLog(dir);
    await a.createRun(record('r1'));
    await a.append(mat('r1', 'p', 'v1', '2026-01-01T00:00:00.000Z'));
    await a.wipe(['raw/x'], '2026-01-01T00:00:05.000Z');
    expect((await a.snapshot()).materializedPartitions('raw/x').size).to.equal(0);
    await a.append(mat('r1', 'q', 'v2', '2026-01-01T00:00:09.000Z'));
    await a.close();
    expect([...(await new LocalRunLog(dir).snapshot()).materializedPartitions('raw/x')]).to.deep.equal(['q']);
  });
});

describe('local locks', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-locks-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is exclusive, names the holder, and is free again after release', async () => {
    const lock = acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:1:run-a');
    expect(() => acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:2:run-b')).to.throw(LockHeldError, /being materialized by h:1:run-a/);
    const other = acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T06:00', 'h:2:run-b');
    await lock.release();
    await other.release();
    (await acquireLocalLock(dir, 'analytics/sales_hourly', '2026-01-01T05:00', 'h:2:run-b')).release();
  });

  it('takes over the lock of a dead process', () => {
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const file = lockPath(dir, 'raw/x', null);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: dead, owner: `${os.hostname()}:${dead}:old`, at: 'x' }));
    const lock = acquireLocalLock(dir, 'raw/x', null, 'me');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).owner).to.equal('me');
    return lock.release();
  });
});
