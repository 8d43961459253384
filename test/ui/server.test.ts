/**
 * The `assets ui` server's API without a browser: the selection grammar's answers, run requests
 * refused with the CLI's own messages (bad input, a held lock), resume, and the dashboard
 * declaration's validation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { defineAsset, defineGraph, GraphError, hourlyPartitions } from '../../assets/core';
import { REFERENCE_KINDS } from '../../assets/kinds';
import { acquireLocalLock } from '../../jobs/embedded/locks';
import { localPaths } from '../../jobs/embedded/paths';
import { loadGraph } from '../../scripts/cli/context';
import { startUiServer, type UiServer } from '../../scripts/ui/server/ui-server';
import { writeConfig } from '../engine/fixtures/test-environment';
import { saveEnv } from '../setup/environment';

const GRAPH = path.join(__dirname, 'fixtures', 'ui-graph.ts');
const HOUR = 3_600_000;
const hourKey = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR).toISOString().slice(0, 16);

describe('assets ui server API', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(30_000);
  let home: string;
  let server: UiServer;

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-ui-api-'));
    process.env.HEADWATER_HOME = home;
    server = await startUiServer({ graph: loadGraph(GRAPH), graphModule: GRAPH, envName: 'local', pollMs: 100 });
  });
  after(async () => {
    await server.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const call = async (p: string, body?: unknown) => {
    const res = await fetch(`${server.url}${p}`, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Polls a run until it is no longer running. */
  const settled = async (runId: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await call(`/api/run?id=${runId}`);
      if ((r.body.run as { status: string }).status !== 'running' && r.body.outcome) return r.body;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`run ${runId} did not finish`);
  };

  it('answers selections with keys, or the grammar error and where it is', async () => {
    expect((await call('/api/select?q=' + encodeURIComponent('mart/sales+'))).body).to.deep.equal({ keys: ['mart/sales', 'out/report'] });
    const bad = await call('/api/select?q=' + encodeURIComponent('group:marts and (mart/*'));
    expect(bad.status).to.equal(200);
    expect(bad.body.keys).to.equal(null);
    expect(bad.body.problem).to.include({ position: 16 });
    expect((bad.body.problem as { reason: string }).reason).to.match(/unclosed '\('/);
    expect((await call('/api/asset?key=nope')).status).to.equal(404);
  });

  it('refuses bad run requests with the CLI messages, before any run exists', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ command: 'materialize', selection: 'mart/salez' }, /unknown asset 'mart\/salez'.*did you mean 'mart\/sales'/s],
      [{ command: 'materialize', selection: 'mart/sales', partition: '2026-13-01' }, /not a partition key/],
      [{ command: 'backfill', selection: 'mart/sales', from: hourKey(3) }, /backfill needs from and to/],
      [{ command: 'resume', resume: 'nope' }, /no run 'nope'/],
      [{ command: 'drop' }, /command must be materialize, backfill or resume/],
    ];
    for (const [body, message] of cases) {
      const r = await call('/api/runs', body);
      expect(r.status, JSON.stringify(body)).to.equal(400);
      expect(r.body.error, JSON.stringify(body)).to.match(message);
    }
    expect(((await call('/api/runs')).body.runs as unknown[]).length).to.equal(0);
  });

  it('runs through the engine: a held lock stops the run with the CLI message, and resume finishes it', async () => {
    const lock = acquireLocalLock(localPaths.locks(), 'raw/events', hourKey(2), 'otherhost:4242:r0');
    try {
      // Held by a process on another host: the engine cannot take it over.
      const started = await call('/api/runs', { command: 'backfill', selection: 'raw/events', from: hourKey(3), to: hourKey(2) });
      expect(started.status).to.equal(202);
      const done = await settled(started.body.runId as string);
      expect((done.run as { status: string }).status).to.equal('failed');
      expect((done.outcome as { message: string; exitCode: number }).message).to.match(/raw\/events\[.*\] is being materialized by otherhost:4242:r0/);
      expect((done.outcome as { exitCode: number }).exitCode).to.equal(2);
      expect(done.resumable).to.equal(true);
    } finally {
      await lock.release();
    }
    const failed = ((await call('/api/runs')).body.runs as { runId: string }[])[0].runId;
    writeConfig(home, {});
    const resumed = await call('/api/runs', { command: 'resume', resume: failed });
    expect(resumed.status).to.equal(202);
    const done = await settled(resumed.body.runId as string);
    expect(done.run).to.include({ status: 'succeeded', resumeOf: failed });
    const asset = await call(`/api/asset?key=${encodeURIComponent('raw/events')}`);
    const cells = (asset.body.partitions as { cells: { key: string; state: string }[] }).cells;
    expect(cells.filter((c) => c.key === hourKey(2) || c.key === hourKey(3)).map((c) => c.state)).to.deep.equal(['fresh', 'fresh']);
  });

  it('shows the automation ticks the run log records, as status reports them', async () => {
    const at = new Date().toISOString();
    await server.env.runLog.recordTick({ tickId: 'tick-1', env: 'local', owner: 'host:1', at, durationMs: 12, status: 'ok', evaluated: 2, requests: [{ requestId: 'q1', runId: 'run-a', keys: ['raw/events'], partitions: { 'raw/events': hourKey(1) }, reasons: { 'raw/events': ['cron tick 10:05'] }, asOf: at }], nextTickAt: new Date(Date.now() + 30_000).toISOString() });
    const a = (await call('/api/automation')).body as { status: { lastTick: { tickId: string; requested: { runId: string }[] }; daemonRunning: boolean }; ticks: { requests: { runId: string; reasons: Record<string, string[]> }[] }[] };
    expect(a.status.lastTick).to.include({ tickId: 'tick-1' });
    expect(a.status.lastTick.requested).to.deep.equal([{ runId: 'run-a', keys: ['raw/events'] }]);
    expect(a.status.daemonRunning).to.equal(true);
    expect(a.ticks[0].requests[0].reasons).to.deep.equal({ 'raw/events': ['cron tick 10:05'] });
  });
});

describe('dashboard declarations', () => {
  const contract = { columns: [{ name: 'hour', type: 'timestamp', nullable: false }, { name: 'amount', type: 'double', nullable: false }, { name: 'region', type: 'string', nullable: false }] };
  const asset = (dashboard: object) => defineAsset({ key: 'mart/x', partitions: hourlyPartitions({ start: '2026-01-01T00:00' }), compute: { kind: 'glue-sql' }, contract, dashboard: dashboard as never });

  it('accepts columns of the contract with the right types', () => {
    expect(() => defineGraph([asset({ title: 'X', time: 'hour', measures: [{ column: 'amount' }], breakdowns: ['region'] })], { kinds: REFERENCE_KINDS })).not.to.throw();
  });

  it('names every mistake against the contract', () => {
    let error: GraphError | undefined;
    try {
      defineGraph([asset({ title: '', time: 'amount', measures: [{ column: 'region' }, { column: 'nope' }], breakdowns: ['amount'], windowHours: 0 })], { kinds: REFERENCE_KINDS });
    } catch (e) {
      error = e as GraphError;
    }
    expect(error).to.be.instanceOf(GraphError);
    for (const m of [
      'dashboard.title is empty',
      'dashboard.windowHours must be a positive whole number of hours (got 0)',
      "dashboard time 'amount' is double; it must be a timestamp or date",
      "dashboard measure 'region' is string; it must be numeric",
      "dashboard measure 'nope' is not a column of the contract",
      "dashboard breakdown 'amount' is double; it must be a string",
    ]) expect(error!.message).to.contain(m);
  });
});
