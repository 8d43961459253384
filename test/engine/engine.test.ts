import fs from 'node:fs';
import { expect } from 'chai';
import { PlanError, selectAssets } from '../../assets/core';
import { EngineInputError, materialize, type MaterializeOptions } from '../../jobs/engine';
import graph from './fixtures/graph';
import { calls, partitionFile, testEnvironment, writeConfig } from './fixtures/test-environment';
import { removeTempHome, tempHome } from './helpers';

const NOW = Date.UTC(2026, 0, 7, 12); // daily partitions 2026-01-01 .. 2026-01-06 are complete
const SIX_DAYS = { type: 'range', from: '2026-01-01', to: '2026-01-06' } as const;

describe('engine', () => {
  let home: string;
  let env: ReturnType<typeof testEnvironment>;
  const run = (selection: string, extra: Partial<MaterializeOptions> = {}) =>
    materialize({ graph, keys: selectAssets(graph, selection), selection, request: SIX_DAYS, command: 'materialize', env, nowMs: NOW, ...extra });

  beforeEach(() => {
    home = tempHome();
    env = testEnvironment(home);
  });
  afterEach(async () => {
    await env.close();
    removeTempHome(home);
  });

  it('runs steps upstream first and records materializations, versions and checks', async () => {
    const r = await run('*');
    expect(r.status).to.equal('succeeded');
    const order = calls(home);
    expect(order).to.have.length(6 + 6 + 1 + 1);
    const at = (line: string) => order.indexOf(line);
    for (let d = 1; d <= 6; d++) {
      const p = `2026-01-0${d}`;
      expect(at(`raw/events ${p}`)).to.be.lessThan(at(`mid/summary ${p}`));
      expect(at(`mid/summary ${p}`)).to.be.lessThan(at('out/report -'));
    }
    // raw/events runs 3 days at a time (its kind's policy): 2 runs; mid/summary one a day.
    expect(r.results.filter((x) => x.key === 'raw/events').map((x) => x.partitions)).to.deep.equal(['2026-01-01..2026-01-03', '2026-01-04..2026-01-06']);
    const snap = await env.runLog.snapshot();
    const m = snap.latestMaterialization('mid/summary', '2026-01-03')!;
    expect(m.runId).to.equal(r.runId);
    expect(Object.keys(m.inputs)).to.deep.equal(['raw/events']);
    expect(m.metadata.rows).to.equal(11);
    expect(snap.latestChecks('out/report').map((c) => [c.check, c.passed])).to.deep.equal([['beats_baseline', true]]);
    expect((await env.runLog.getRun(r.runId))!.status).to.equal('succeeded');
  });

  it('skips partitions whose data version is unchanged, unless --force', async () => {
    await run('*');
    const before = calls(home).length;
    const again = await run('*');
    expect(again.status).to.equal('succeeded');
    expect(calls(home).length).to.equal(before);
    expect(again.counts.up_to_date).to.equal(again.results.length);
    const forced = await run('raw/events', { force: true });
    expect(forced.counts.succeeded).to.equal(2);
    expect(calls(home).length).to.equal(before + 6);
  });

  it('recomputes downstream when a source changes, and an asset whose code changed', async () => {
    await run('*');
    let n = calls(home).length;
    fs.writeFileSync(`${home}/source.txt`, 'new rows');
    const afterSource = await run('*');
    expect(afterSource.status).to.equal('succeeded');
    expect(calls(home).length - n).to.equal(14);
    n = calls(home).length;
    writeConfig(home, { code: 'v2' });
    await run('raw/events');
    expect(calls(home).slice(n)).to.have.length(6);
    // Only the changed days of a range run are redone: force one day, then rerun the range.
    n = calls(home).length;
    await run('raw/events', { request: { type: 'range', from: '2026-01-02', to: '2026-01-02' }, force: true });
    await run('raw/events');
    expect(calls(home).slice(n)).to.deep.equal(['raw/events 2026-01-02']);
  });

  it('marks the downstream of a failed step skipped, naming it, and still runs independent steps', async () => {
    writeConfig(home, { fail: ['raw/events'] });
    const r = await run('*');
    expect(r.status).to.equal('failed');
    const byKey = (k: string) => r.results.filter((x) => x.key === k);
    expect(byKey('raw/events').every((x) => x.outcome === 'failed' && /failed on purpose/.test(x.detail))).to.equal(true);
    expect(byKey('mid/summary').every((x) => x.outcome === 'skipped' && /upstream raw\/events \[2026-01-0[1-4]\.\.2026-01-0[3-6]\] failed/.test(x.detail))).to.equal(true);
    expect(byKey('out/report')[0].outcome).to.equal('skipped');
    expect(byKey('raw/other')[0].outcome).to.equal('succeeded');
    const events = await env.runLog.events(r.runId);
    expect(events.filter((e) => e.type === 'step_skipped').length).to.equal(7);
    expect((await env.runLog.getRun(r.runId))!.error).to.match(/raw\/events/);
  });

  it('a failed blocking check skips downstream; a failed metric check blocks until it passes', async () => {
    writeConfig(home, { empty: ['mid/summary'] });
    const r = await run('*');
    expect(r.status).to.equal('failed');
    expect(r.results.filter((x) => x.key === 'mid/summary').every((x) => x.outcome === 'blocked' && /has_rows/.test(x.detail))).to.equal(true);
    expect(r.results.find((x) => x.key === 'out/report')!.detail).to.match(/failed a blocking check/);

    writeConfig(home, { score: 0.1 });
    const low = await run('*');
    const report = low.results.find((x) => x.key === 'out/report')!;
    expect(report.outcome).to.equal('blocked');
    expect(report.detail).to.match(/score 0\.1000 not > baseline 0\.5/);
    // mid/summary was blocked before, so it is not trusted as up to date: it reruns.
    expect(low.results.filter((x) => x.key === 'mid/summary').every((x) => x.outcome === 'succeeded')).to.equal(true);

    writeConfig(home, { score: 0.9 });
    const ok = await run('*');
    expect(ok.status).to.equal('succeeded');
    expect(ok.results.find((x) => x.key === 'out/report')!.outcome).to.equal('succeeded');
  });

  it('runs independent runs in parallel with --max-parallel and still respects dependencies', async () => {
    writeConfig(home, { delayMs: 20 });
    const r = await run('*', { maxParallel: 4 });
    expect(r.status).to.equal('succeeded');
    const order = calls(home);
    expect(order).to.have.length(14);
    for (let d = 1; d <= 6; d++) expect(order.indexOf(`raw/events 2026-01-0${d}`)).to.be.lessThan(order.indexOf(`mid/summary 2026-01-0${d}`));
    expect(order[order.length - 1] === 'out/report -' || order[order.length - 2] === 'out/report -').to.equal(true);
    expect(fs.existsSync(partitionFile(home, 'mid/summary', '2026-01-06'))).to.equal(true);
  });

  it('refuses bad input before creating a run', async () => {
    let err: unknown;
    try {
      await run('raw/events', { request: { type: 'range', from: '2026-13-01', to: '2026-01-02' } });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(PlanError);
    for (const resumeOf of ['nope', undefined]) {
      err = undefined;
      try {
        if (resumeOf) await run('raw/events', { resumeOf });
        else {
          const ok = await run('raw/events');
          await run('raw/events', { resumeOf: ok.runId });
        }
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(EngineInputError);
      expect((err as Error).message).to.match(resumeOf ? /no run 'nope'/ : /succeeded: there is nothing to resume/);
    }
    expect(await env.runLog.listRuns()).to.have.length(1);
  });

  it('marks the run interrupted when aborted (Ctrl-C)', async () => {
    writeConfig(home, { delayMs: 50 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await run('*', { signal: ac.signal });
    expect(r.status).to.equal('interrupted');
    expect((await env.runLog.getRun(r.runId))!.status).to.equal('interrupted');
    expect(calls(home).length).to.be.lessThan(14);
  });
});
