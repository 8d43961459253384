/**
 * Several processes against one HEADWATER_HOME: lock contention, SIGKILL mid-write, resume.
 * The child runs the engine in its own process (fixtures/child.ts) so kills are real.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { selectAssets } from '../../assets/core';
import { materialize } from '../../jobs/engine';
import graph from './fixtures/graph';
import { calls, partitionFile, testEnvironment, writeConfig } from './fixtures/test-environment';
import { removeTempHome, startChild, tempHome, waitForFile } from './helpers';

const NOW = Date.UTC(2026, 0, 7, 12);

describe('engine across processes', function () {
  this.timeout(60_000);
  let home: string;
  let env: ReturnType<typeof testEnvironment>;

  beforeEach(() => {
    home = tempHome();
    env = testEnvironment(home);
  });
  afterEach(async () => {
    await env.close();
    removeTempHome(home);
  });

  it('refuses a concurrent materialization naming the holder; a SIGKILL mid-write leaves no partial partition, shows interrupted, and the rerun succeeds', async () => {
    writeConfig(home, { pauseAt: 'raw/events@2026-01-02' });
    const child = startChild([home, 'raw/events', '2026-01-01', '2026-01-03']);
    await waitForFile(path.join(home, 'writing'));
    const childRun = fs.readFileSync(path.join(home, 'child-run-id'), 'utf8');

    // Another process wants the same partition: refused, and told who holds it.
    const second = await materialize({
      graph,
      keys: ['raw/events'],
      selection: 'raw/events',
      request: { type: 'range', from: '2026-01-02', to: '2026-01-02' },
      command: 'materialize',
      env,
      nowMs: NOW,
    });
    expect(second.status).to.equal('failed');
    expect(second.lockError?.holder).to.equal(`${os.hostname()}:${child.pid}:${childRun}`);
    expect(second.lockError?.message).to.contain(`raw/events[2026-01-02] is being materialized by ${os.hostname()}:${child.pid}:${childRun}`);
    expect(fs.existsSync(partitionFile(home, 'raw/events', '2026-01-02'))).to.equal(false);

    child.kill('SIGKILL');
    await child.output;
    // Half a file sits in the lake commit's hidden staging folder; the partition itself does not exist.
    const partitionDir = path.dirname(partitionFile(home, 'raw/events', '2026-01-02'));
    expect(fs.existsSync(partitionDir)).to.equal(false);
    expect(fs.readdirSync(path.dirname(partitionDir)).some((f) => f.startsWith(`.${path.basename(partitionDir)}.tmp-`))).to.equal(true);
    const killed = await env.runLog.getRun(childRun);
    expect(killed!.status).to.equal('interrupted');
    expect(killed!.error).to.match(/exited before the run finished/);
    expect((await env.runLog.snapshot()).latestMaterialization('raw/events', '2026-01-02')).to.equal(undefined);

    // The rerun takes over the dead process's locks and completes.
    writeConfig(home, {});
    const rerun = await materialize({ graph, keys: ['raw/events'], selection: 'raw/events', request: { type: 'range', from: '2026-01-01', to: '2026-01-03' }, command: 'materialize', env, nowMs: NOW });
    expect(rerun.status).to.equal('succeeded');
    const written = JSON.parse(fs.readFileSync(partitionFile(home, 'raw/events', '2026-01-02'), 'utf8'));
    expect(written.runId).to.equal(rerun.runId);
  });

  it('a backfill killed mid-way and resumed completes without recomputing what succeeded', async () => {
    writeConfig(home, { pauseAt: 'mid/summary@2026-01-05' });
    const child = startChild([home, 'raw/events or mid/summary', '2026-01-01', '2026-01-06']);
    await waitForFile(path.join(home, 'writing'));
    const crashed = fs.readFileSync(path.join(home, 'child-run-id'), 'utf8');
    child.kill('SIGKILL');
    await child.output;
    const before = calls(home);
    expect(before).to.include('mid/summary 2026-01-04');
    expect(before).not.to.include('mid/summary 2026-01-05');
    expect((await env.runLog.getRun(crashed))!.status).to.equal('interrupted');

    // Even with a changed source (which would make a plain rerun redo everything), resume keeps what the crashed run did.
    writeConfig(home, {});
    fs.writeFileSync(path.join(home, 'source.txt'), 'changed since');
    const resumed = await materialize({
      graph,
      keys: selectAssets(graph, 'raw/events or mid/summary'),
      selection: 'raw/events or mid/summary',
      request: { type: 'range', from: '2026-01-01', to: '2026-01-06' },
      command: 'backfill',
      env,
      nowMs: NOW,
      resumeOf: crashed,
    });
    expect(resumed.status).to.equal('succeeded');
    expect(calls(home).slice(before.length)).to.deep.equal(['mid/summary 2026-01-05', 'mid/summary 2026-01-06']);
    expect((await env.runLog.getRun(resumed.runId))!.resumeOf).to.equal(crashed);
    const snap = await env.runLog.snapshot();
    for (let d = 1; d <= 6; d++) expect(snap.latestMaterialization('mid/summary', `2026-01-0${d}`)).to.not.equal(undefined);
  });
});
