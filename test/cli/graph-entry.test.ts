/**
 * One graph entry point: `--graph MODULE` or `HEADWATER_GRAPH` for every `assets` command and the
 * demo; help examples come from the loaded graph, so a fork's help names its own assets.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { runCli } from './run-cli';
import { withEnv } from '../setup/environment';

const ROOT = path.resolve(__dirname, '..', '..');
const SMALL = path.join(ROOT, 'test', 'fixtures', 'graphs', 'small.ts');
const FORK = path.join(ROOT, 'test', 'fixtures', 'graphs', 'fork-source.ts');
const FORK_WITH_DATA = path.join(ROOT, 'test', 'fixtures', 'graphs', 'fork-with-data.ts');

describe('the graph entry point (--graph, HEADWATER_GRAPH)', function () {
  this.timeout(120_000);
  let restore: () => void;
  beforeEach(() => (restore = withEnv({ NO_COLOR: '1', HEADWATER_GRAPH: undefined })));
  afterEach(() => restore());

  it('HEADWATER_GRAPH names the graph of every command; --graph wins over it', async () => {
    process.env.HEADWATER_GRAPH = SMALL;
    const list = await runCli(['list', '--json']);
    expect(list.code, list.err).to.equal(0);
    expect(JSON.parse(list.out).map((a: { key: string }) => a.key)).to.deep.equal(['source/events', 'raw/events', 'mart/summary']);
    const plan = await runCli(['plan', 'raw/events+', '--from', '2024-01-01', '--to', '2024-01-02', '--json']);
    expect(plan.code, plan.err).to.equal(0);
    const flag = await runCli(['--graph', FORK, 'list', '--json']);
    expect(JSON.parse(flag.out).map((a: { key: string }) => a.key)).to.include('source/users');
  });

  it('names where a bad module came from: the variable or the flag', async () => {
    process.env.HEADWATER_GRAPH = 'nope/graph.ts';
    const fromVariable = await runCli(['list']);
    expect(fromVariable.code).to.equal(2);
    expect(fromVariable.err).to.match(/^error: HEADWATER_GRAPH=nope\/graph.ts: no such file/);
    const fromFlag = await runCli(['--graph', 'nope/other.ts', 'list']);
    expect(fromFlag.err).to.match(/^error: --graph nope\/other.ts: no such file/);
  });

  it("takes help examples from the loaded graph, not the reference's keys", async () => {
    for (const command of ['list', 'plan', 'materialize', 'show', 'backfill']) {
      const fork = await runCli(['--graph', SMALL, command, '--help']);
      expect(fork.code, command).to.equal(0);
      expect(fork.out, command).to.match(/Examples \(from the graph\):\n {2}\$ assets /);
      expect(fork.out, command).to.match(/mart\/summary|raw\/events/);
      expect(fork.out, command).not.to.match(/ratings|recommend/);
    }
    process.env.HEADWATER_GRAPH = SMALL;
    expect((await runCli(['backfill', '--help'])).out).to.contain("$ assets backfill 'raw/events+' --from 2024-01-01 --to 2024-01-07 --max-parallel 2");
    expect((await runCli(['backfill'])).err).to.contain("backfill needs a selection, e.g. `assets backfill 'raw/events+' --from 2024-01-01 --to 2024-01-07`");
    delete process.env.HEADWATER_GRAPH;
    expect((await runCli(['show', '--help'])).out).to.match(/\$ assets show \w+\/\w+/);
  });

  describe('npm run demo -- --graph', () => {
    const demo = (args: string[], env: Record<string, string | undefined> = {}) => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-demo-graph-'));
      try {
        return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'demo.ts'), ...args], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1', ...env },
        });
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    };

    it('loads the module the flag or HEADWATER_GRAPH names, and says why it cannot run a graph without data', () => {
      const fork = demo(['--graph', FORK]);
      expect(fork.status).to.equal(1);
      expect(fork.stdout).to.contain(`Headwater demo: ${FORK}`);
      expect(fork.stderr).to.match(/demo failed: the local source database is empty and the graph module has no example data set \(`demoData.source`\): load its tables first with `npm run -s assets -- source load TABLE FILE --create`/);
      const variable = demo([], { HEADWATER_GRAPH: 'nope/graph.ts' });
      expect(variable.status).to.equal(1);
      expect(variable.stderr).to.match(/demo failed: HEADWATER_GRAPH=nope\/graph.ts: no such file/);
      const bad = demo(['--graf', FORK]);
      expect(bad.stderr).to.match(/demo failed: unknown argument '--graf'; usage: npm run -s demo \[-- --graph MODULE\]/);
    });

    it("runs a fork end to end from its own example data: seeds its tables, extracts its days and snapshots", () => {
      const r = demo(['--graph', FORK_WITH_DATA]);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('seeding the local source (30 days of tracks and their listens)');
      expect(r.stdout).to.match(/raw\/listens\s+ok\s+[\d,]+/);
      expect(r.stdout).to.match(/raw\/tracks\s+ok\s+30\b/);
      expect(r.stdout).to.contain('streaming half: the graph has no stream-delivery asset; skipped');
      expect(r.stdout).not.to.match(/customer|product|recommend/i);
    });
  });
});
