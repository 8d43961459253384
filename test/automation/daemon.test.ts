/**
 * The automation daemon on the real local run log and lock files: ticks recorded, requests
 * launched once across restarts, one daemon per environment (a second process is refused).
 */
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { defineAsset, defineGraph, onMissing } from '../../assets/core';
import { AutomationDaemon, engineLauncher, type DaemonEvent, type Launcher, type LaunchOutcome } from '../../jobs/automation/daemon';
import graph from '../cli/fixtures/automate-graph';
import { runCli } from '../cli/run-cli';
import { calls, testEnvironment } from '../engine/fixtures/test-environment';
import { removeTempHome, tempHome } from '../engine/helpers';
import { withEnv } from '../setup/environment';

const FIXTURE = path.join(__dirname, '..', 'cli', 'fixtures', 'automate-graph.ts');

describe('assets automate: the daemon', function () {
  this.timeout(60_000);
  let home: string;
  let env: ReturnType<typeof testEnvironment>;
  let restoreEnv: () => void;
  beforeEach(() => {
    home = tempHome();
    env = testEnvironment(home);
    restoreEnv = withEnv({ NO_COLOR: '1' });
  });
  afterEach(async () => {
    await env.close();
    removeTempHome(home);
    restoreEnv();
  });

  /** A launcher standing for a daemon killed mid-launch: before (or after) the engine created the run. */
  const killedLauncher = (createRun: boolean): Launcher => async (request) => {
    if (createRun) {
      await env.runLog.createRun({ runId: request.runId, command: 'materialize', selection: request.keys.join(' or '), partitions: 'latest', env: 'local', status: 'running', startedAt: new Date().toISOString(), owner: 'gone:1', stepsPlanned: 1 });
    }
    return new Promise(() => undefined);
  };

  it('records the tick and its request, runs the chain once, and then has nothing to do', async () => {
    const events: DaemonEvent[] = [];
    const d = new AutomationDaemon({ graph, env, onEvent: (e) => events.push(e) });
    await d.start();
    const { tick } = await d.tick();
    await d.drain();
    await d.stop();
    expect(tick.requests.map((r) => r.keys)).to.deep.equal([['raw/a', 'mid/b', 'out/c']]);
    expect(calls(home)).to.deep.equal(['raw/a -', 'mid/b -', 'out/c -']);
    const run = await env.runLog.getRun(tick.requests[0].runId);
    expect(run).to.deep.include({ status: 'succeeded', automation: { tickId: tick.tickId, requestId: tick.requests[0].requestId } });
    expect((await env.runLog.listTicks(5)).map((t) => t.tickId)).to.deep.equal([tick.tickId]);
    expect(events.map((e) => e.type)).to.deep.equal(['started', 'tick', 'launched', 'finished']);

    const again = new AutomationDaemon({ graph, env });
    await again.start();
    const second = await again.tick();
    await again.drain();
    await again.stop();
    expect(second.tick.requests).to.deep.equal([]);
    expect(calls(home)).to.have.length(3);
  });

  it('after a crash launches a request whose run was never created, exactly once; one whose run exists, never', async () => {
    const crashed = new AutomationDaemon({ graph, env, launch: killedLauncher(false) });
    await crashed.start();
    const { tick } = await crashed.tick();
    await crashed.stop(); // the process is gone: its lock goes with it
    const runId = tick.requests[0].runId;
    expect(await env.runLog.getRun(runId)).to.equal(undefined);

    const seen: DaemonEvent[] = [];
    const restarted = new AutomationDaemon({ graph, env, launch: engineLauncher(graph, env), onEvent: (e) => seen.push(e) });
    await restarted.start();
    await restarted.drain();
    await restarted.stop();
    expect(seen.filter((e) => e.type === 'launched').map((e) => (e as { request: { runId: string } }).request.runId)).to.deep.equal([runId]);
    expect((await env.runLog.getRun(runId))?.status).to.equal('succeeded');
    expect(calls(home)).to.deep.equal(['raw/a -', 'mid/b -', 'out/c -']);

    // Restarting again launches nothing: the queue is empty and the run exists.
    const again = new AutomationDaemon({ graph, env });
    await again.start();
    await again.drain();
    await again.stop();
    expect((await env.runLog.listRuns()).map((r) => r.runId)).to.deep.equal([runId]);
    expect(calls(home)).to.have.length(3);
  });

  it('after a crash once the run existed, does not launch it again', async () => {
    const crashed = new AutomationDaemon({ graph, env, launch: killedLauncher(true) });
    await crashed.start();
    const { tick } = await crashed.tick();
    await crashed.stop();
    const seen: DaemonEvent[] = [];
    const restarted = new AutomationDaemon({ graph, env, onEvent: (e) => seen.push(e) });
    await restarted.start();
    await restarted.drain();
    await restarted.stop();
    expect(seen.map((e) => e.type)).to.deep.equal(['started', 'already_launched']);
    expect((await env.runLog.listRuns()).map((r) => r.runId)).to.deep.equal([tick.requests[0].runId]);
    expect(calls(home)).to.deep.equal([]);
  });

  it('replays a tick recorded without its checkpoint: its request runs once, and is not requested again', async () => {
    const first = new AutomationDaemon({ graph, env, launch: killedLauncher(false) });
    await first.start();
    const before = await env.runLog.loadAutomationState();
    const { tick } = await first.tick();
    await first.stop();
    // Put back the checkpoint from before the tick, as a kill between the two writes would leave it.
    if (before) await env.runLog.saveAutomationState(before);
    else await env.runLog.saveAutomationState({ tickId: '', state: { version: 1, assets: {}, queue: [] } });
    const d = new AutomationDaemon({ graph, env });
    await d.start();
    await d.drain();
    const next = await d.tick();
    await d.drain();
    await d.stop();
    expect((await env.runLog.listRuns()).map((r) => r.runId)).to.deep.equal([tick.requests[0].runId]);
    expect(next.tick.requests).to.deep.equal([]);
    expect(calls(home)).to.have.length(3);
  });

  it('refuses a second daemon on the same environment, naming the first; status shows the last and next tick', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'scripts', 'cli', 'main.ts'), '--graph', FIXTURE, 'automate', '--interval', '1h'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const until = Date.now() + 45_000;
      while (!/run \S+ succeeded/.test(out)) {
        if (Date.now() > until) throw new Error(`the daemon did not run its first request:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).to.match(/tick: 3 evaluated, 1 run\(s\) requested/);
      expect(out).to.match(/raw\/a: never materialized/);

      const second = await runCli(['--graph', FIXTURE, 'automate', '--once']);
      expect(second.code).to.equal(2);
      expect(second.err).to.contain(`another \`assets automate\` is running for the local environment (${os.hostname()}:${child.pid}:automate)`);

      const status = await runCli(['--graph', FIXTURE, 'status', '--json']);
      const automation = JSON.parse(status.out).automation;
      expect(automation).to.deep.include({ automated: 3, daemonRunning: true });
      expect(automation.lastTick.owner).to.equal(`${os.hostname()}:${child.pid}`);
      expect(Date.parse(automation.nextTickAt)).to.be.greaterThan(Date.now());
      const text = await runCli(['--graph', FIXTURE, 'status']);
      expect(text.out).to.match(/automation: last tick .* by \S+: nothing to do|automation: last tick .* 1 run\(s\) requested/);
      expect(text.out).to.match(/automation: next tick by .*\(in \d+[sm]\)/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
    expect(out).to.match(/stopped/);
  });

  it('runs at most maxRuns at a time, starting queued requests as runs end', async () => {
    const independent = defineGraph(['raw/x', 'raw/y', 'raw/z'].map((key) => defineAsset({ key, compute: { kind: 'test-file' }, automation: onMissing() })));
    const finish = new Map<string, (o: LaunchOutcome) => void>();
    const started: string[] = [];
    const launch: Launcher = (request) =>
      new Promise((resolve) => {
        started.push(request.keys.join());
        finish.set(request.keys.join(), resolve);
      });
    const d = new AutomationDaemon({ graph: independent, env, maxRuns: 2, launch });
    await d.start();
    const { tick } = await d.tick();
    expect(tick.requests.map((r) => r.keys)).to.deep.equal([['raw/x'], ['raw/y'], ['raw/z']]);
    expect(started).to.deep.equal(['raw/x', 'raw/y']);
    finish.get('raw/x')!({ status: 'succeeded', failures: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(started).to.deep.equal(['raw/x', 'raw/y', 'raw/z']);
    finish.get('raw/y')!({ status: 'succeeded', failures: [] });
    finish.get('raw/z')!({ status: 'failed', failures: ['raw/z: boom'] });
    await d.drain();
    await d.stop();
    expect(d.failedRuns).to.equal(1);
    expect((await env.runLog.loadAutomationState())!.state.queue).to.deep.equal([]);
  });

  it('exits 2 on bad options, and a dry run launches and records nothing', async () => {
    for (const [args, message] of [
      [['automate', '--interval', 'soon'], /--interval 'soon' must be a duration from 1s to 24h/],
      [['automate', '--max-runs', '0'], /--max-runs must be a whole number from 1 to 64/],
    ] as const) {
      const r = await runCli(['--graph', FIXTURE, ...args]);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(message);
    }
    const dry = await runCli(['--graph', FIXTURE, 'automate', '--dry-run', '--json']);
    expect(dry.code).to.equal(0);
    const doc = JSON.parse(dry.out);
    expect(doc.requests.map((r: { keys: string[] }) => r.keys)).to.deep.equal([['raw/a', 'mid/b', 'out/c']]);
    expect(doc.requests[0].reasons).to.deep.equal({ 'raw/a': ['never materialized'], 'mid/b': ['new data in raw/a'], 'out/c': ['new data in mid/b'] });
    expect(await env.runLog.listTicks()).to.deep.equal([]);
    expect(await env.runLog.listRuns()).to.deep.equal([]);
  });
});
