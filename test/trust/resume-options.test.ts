/** A resumed run keeps the original run's options (issue 8, "Why" case 4). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { calls, writeConfig } from '../engine/fixtures/test-environment';
import { runCli } from '../cli/run-cli';
import { saveEnv } from '../setup/environment';

const GRAPH = ['--graph', path.join(__dirname, '..', 'cli', 'fixtures', 'run-graph.ts')];
const cli = (...args: string[]) => runCli([...GRAPH, ...args]);

describe('backfill --resume keeps the original options', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(60_000);
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-resume-'));
    process.env.HEADWATER_HOME = home;
    process.env.NO_COLOR = '1';
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const failedForcedRun = async () => {
    expect((await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-07')).code).to.equal(0);
    writeConfig(home, { fail: ['out/report'] });
    const forced = await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-07', '--force', '--max-parallel', '3');
    expect(forced.code).to.equal(1);
    writeConfig(home, {});
    const [run] = JSON.parse((await cli('runs', '--json')).out) as { runId: string; options?: { force: boolean; maxParallel: number } }[];
    expect(run.options).to.deep.equal({ force: true, maxParallel: 3, engine: 'default' });
    return run.runId;
  };

  it('a resumed --force run still forces what the original had not finished', async () => {
    const id = await failedForcedRun();
    const before = calls(home).length;
    const r = await cli('backfill', '--resume', id);
    expect(r.code, r.err).to.equal(0);
    // Only out/report: up to date by its inputs, but the original run was forced.
    expect(calls(home).slice(before)).to.deep.equal(['out/report -']);
    const [resumed] = JSON.parse((await cli('runs', '--json')).out);
    expect(resumed.options).to.deep.equal({ force: true, maxParallel: 3, engine: 'default' });
  });

  it('--resume --force does not recompute what the original had finished', async () => {
    const id = await failedForcedRun();
    const before = calls(home).length;
    expect((await cli('backfill', '--resume', id, '--force')).code).to.equal(0);
    expect(calls(home).slice(before)).to.deep.equal(['out/report -']);
  });

  it('resuming a run again continues its newest resume, and refuses once that one succeeded (nothing recomputed)', async () => {
    const id = await failedForcedRun();
    // Resumed while the fault is still there: that resume fails too.
    writeConfig(home, { fail: ['out/report'] });
    expect((await cli('backfill', '--resume', id)).code).to.equal(1);
    const [failedResume] = JSON.parse((await cli('runs', '--json')).out) as { runId: string; resumeOf?: string }[];
    expect(failedResume.resumeOf).to.equal(id);
    writeConfig(home, {});
    const before = calls(home).length;
    const again = await cli('backfill', '--resume', id, '--force');
    expect(again.code, again.err).to.equal(0);
    expect(again.err).to.contain(`already resumed by run ${failedResume.runId}`);
    expect(calls(home).slice(before), 'only what no run of the chain finished').to.deep.equal(['out/report -']);
    const [newest] = JSON.parse((await cli('runs', '--json')).out) as { runId: string; resumeOf?: string }[];
    expect(newest.resumeOf).to.equal(failedResume.runId);

    const done = calls(home).length;
    const third = await cli('backfill', '--resume', id, '--force');
    expect(third.code).to.equal(2);
    expect(third.err).to.contain(`already resumed to success by run ${newest.runId}`);
    expect(calls(home).length, 'nothing recomputed').to.equal(done);
  });
});

describe('a partition flag on unpartitioned assets', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(30_000);
  it('is refused with exit 2 instead of silently ignored', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-partition-flag-'));
    process.env.HEADWATER_HOME = home;
    try {
      const r = await cli('materialize', 'out/report', '--partition', '2026-01-02');
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('out/report is not partitioned');
      // plan takes the same flags: it used to print the unpartitioned plan as if they applied.
      const p = await cli('plan', 'out/report', '--partition', '2026-01-02');
      expect(p.code).to.equal(2);
      expect(p.err).to.contain('out/report is not partitioned').and.to.contain('to plan its one snapshot');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
