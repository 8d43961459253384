import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { lockPath } from '../../jobs/embedded/locks';
import { calls, writeConfig } from '../engine/fixtures/test-environment';
import { runCli } from './run-cli';
import { withEnv } from '../setup/environment';

const GRAPH = ['--graph', path.join(__dirname, 'fixtures', 'run-graph.ts')];

const cli = (...args: string[]) => runCli([...GRAPH, ...args]);

describe('assets materialize / backfill / status / checks / runs / run / wipe', function () {
  this.timeout(30_000);
  let home: string;
  let restoreEnv: () => void;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-cli-'));
    restoreEnv = withEnv({ HEADWATER_HOME: home, NO_COLOR: '1' });
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
    restoreEnv();
  });

  it('exits 2 with an actionable message on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['materialize', 'raw/evnts'], /unknown asset 'raw\/evnts'.*did you mean 'raw\/events'/s],
      [['materialize', 'raw/events', '--partition', '2026-01-99'], /'2026-01-99' is not a partition key or date; write it like '2026-01-01'/],
      [['materialize', 'raw/events', '--partition', '2026-01-02', '--from', '2026-01-01'], /give either --partition P or --from A --to B, not both/],
      [['materialize', 'raw/events', '--from', '2026-01-01'], /--from and --to go together/],
      [['backfill', 'raw/events'], /backfill needs --from and --to/],
      [['backfill', '--resume', 'nope'], /no run 'nope'/],
      [['backfill', 'raw/events', '--from', '2026-01-01', '--to', '2026-01-02', '--max-parallel', '0'], /--max-parallel must be a whole number/],
      [['run', 'nope'], /no run 'nope'/],
      [['materialize', 'raw/events', '--env', 'nostack'], /--env nostack/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(message);
      expect(r.err).not.to.match(/\n\s+at /); // no stack trace
    }
  });

  it('materializes, skips what is up to date, and reports runs and status', async () => {
    const first = await cli('backfill', '*', '--from', '2026-01-01', '--to', '2026-01-07', '--max-parallel', '2');
    expect(first.code, first.err).to.equal(0);
    expect(first.out).to.match(/raw\/events\s+3 written/);
    expect(calls(home)).to.have.length(15);
    const again = await cli('materialize', '*', '--from', '2026-01-01', '--to', '2026-01-07');
    expect(again.code).to.equal(0);
    expect(again.err).to.match(/up to date/);
    expect(calls(home)).to.have.length(15);

    const runs = JSON.parse((await cli('runs', '--json')).out);
    expect(runs.map((r: { status: string }) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
    const one = await cli('run', runs[1].runId);
    expect(one.code).to.equal(0);
    expect(one.out).to.match(/out\/report\s+-\s+succeeded/);
    expect(one.out).to.match(/beats_baseline\s+-\s+passed/);

    const status = JSON.parse((await cli('status', '--json')).out);
    const byKey = Object.fromEntries(status.assets.map((a: { key: string }) => [a.key, a]));
    expect(byKey['raw/events'].partitions).to.deep.equal({ done: 7, total: 7 });
    expect(byKey['raw/events'].state).to.equal('fresh');
    expect(byKey['out/report'].checks[0]).to.include({ check: 'beats_baseline', passed: true });

  });

  it('exits 1 naming the failed step, and downstream steps are skipped', async () => {
    writeConfig(home, { fail: ['mid/summary'] });
    const r = await cli('materialize', '*', '--partition', '2026-01-02');
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/mid\/summary \[2026-01-02\]: mid\/summary failed on purpose/);
    expect(r.err).to.match(/skipped\s+out\/report .*upstream mid\/summary \[2026-01-02\] failed/);
    writeConfig(home, { score: 0.1 });
    const blocked = await cli('materialize', '*', '--partition', '2026-01-02');
    expect(blocked.code, blocked.err).to.equal(1);
    expect(blocked.err).to.match(/blocking check failed: beats_baseline \(score 0\.1000 not > baseline 0\.5000\)/);
    // `assets checks` is the gate: exit 1 while a blocking check's last result is a failure.
    const gate = await cli('checks', '--json');
    expect(gate.code).to.equal(1);
    const report = JSON.parse(gate.out);
    expect(report.failingBlocking).to.equal(1);
    expect(report.checks).to.have.length(1);
    expect(report.checks[0]).to.deep.include({ key: 'out/report', check: 'beats_baseline', blocking: true });
    expect(report.checks[0].last).to.include({ passed: false, partition: null });
    writeConfig(home, { score: 0.9 });
    const fixed = await cli('materialize', '*', '--partition', '2026-01-02');
    expect(fixed.code, fixed.err).to.equal(0);
    const passing = await cli('checks');
    expect(passing.code).to.equal(0);
    expect(passing.out).to.match(/out\/report\s+beats_baseline\s+yes\s+passed\s+score 0\.9000 > baseline 0\.5000/);
  });

  it('exits 2 naming the holder when another run holds a lock', async () => {
    const file = lockPath(path.join(home, 'locks'), 'raw/events', '2026-01-02');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: process.pid, owner: 'elsewhere:123:run-x', at: 'now' }));
    const r = await cli('materialize', 'raw/events', '--partition', '2026-01-02');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/raw\/events\[2026-01-02\] is being materialized by elsewhere:123:run-x/);
  });

  it('wipe refuses without a terminal unless --yes, then forgets the data', async () => {
    expect((await cli('materialize', 'raw/events or mid/summary', '--partition', '2026-01-02')).code).to.equal(0);
    const refused = await cli('wipe', 'raw/events');
    expect(refused.code).to.equal(2);
    expect(refused.err).to.match(/pass --yes/);
    const wiped = await cli('wipe', 'raw/events', '--yes');
    expect(wiped.code).to.equal(0);
    const status = JSON.parse((await cli('status', 'raw/events', '--json')).out);
    expect(status.assets[0].state).to.equal('missing');
    const summary = JSON.parse((await cli('status', 'mid/summary', '--json')).out).assets[0];
    expect(summary).to.include({ state: 'stale', stalePartitions: 1 });
    expect(summary.causes).to.deep.equal(['raw/events has no data']);
    // Wiped data is recomputed by the next run.
    expect((await cli('materialize', 'raw/events', '--partition', '2026-01-02')).code).to.equal(0);
    expect(calls(home)).to.deep.equal(['raw/events 2026-01-02', 'mid/summary 2026-01-02', 'raw/events 2026-01-02']);
  });
});
