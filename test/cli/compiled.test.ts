/**
 * The compiled CLI (package.json's bin, built by `npm run build`, which `npm test` runs first):
 * lazy loading of heavy modules, retention and the run log's size report, as a real process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { LocalRunLog } from '../../jobs/embedded/runlog';
import { bin } from './run-cli';

const repo = path.join(__dirname, '..', '..');
/** Modules only some commands may load: the lake engine, the source database, AWS, Pulumi, the stream. */
const HEAVY = ['@duckdb', '@electric-sql/pglite', '@aws-sdk', '@pulumi', 'kinesalite', 'hnswlib-node', '@opensearch-project'];

describe('compiled assets CLI', function () {
  this.timeout(60_000);
  let home: string;
  let preload: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-compiled-'));
    // Writes every module the process loaded to a file when it exits.
    preload = path.join(home, 'modules.js');
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(path.join(home, 'modules.json'))}, JSON.stringify(Object.keys(require.cache))));`);
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const assets = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--require', preload, bin(), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' } });
    const modules = JSON.parse(fs.readFileSync(path.join(home, 'modules.json'), 'utf8')) as string[];
    return { ...r, modules, heavy: modules.filter((m) => HEAVY.some((h) => m.includes(`${path.sep}node_modules${path.sep}${h}`))) };
  };

  it('is JavaScript: runs without tsx and loads no command module for --help', () => {
    expect(bin().endsWith('.js')).to.equal(true);
    const r = assets('--help');
    expect(r.status).to.equal(0);
    for (const c of ['list', 'plan', 'materialize', 'backfill', 'status', 'runs', 'contracts', 'stream', 'serve']) expect(r.stdout).to.match(new RegExp(`\\n  ${c}\\b`));
    expect(r.modules.filter((m) => m.includes(`${path.sep}commands${path.sep}`)).map((m) => path.basename(m))).to.deep.equal(['index.js']);
    expect(r.modules.some((m) => m.includes(`${path.sep}tsx${path.sep}`))).to.equal(false);
    expect(r.heavy).to.deep.equal([]);
  });

  it('status and runs load neither DuckDB, PGlite, the AWS SDK nor Pulumi', () => {
    for (const args of [['status', '--json'], ['runs'], ['runs', 'prune', '--older-than', '90d', '--dry-run']]) {
      const r = assets(...args);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.heavy, args.join(' ')).to.deep.equal([]);
    }
  });

  it('prunes old runs but keeps what resume needs, and reports the run log size in status --json', async () => {
    const log = new LocalRunLog(path.join(home, 'runlog'));
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    const run = (runId: string, startedAt: string, status: 'succeeded' | 'failed') =>
      log.createRun({ runId, command: 'backfill', selection: 'raw/x', partitions: 'p', env: 'local', status, startedAt, owner: 'test', stepsPlanned: 1 });
    for (let i = 0; i < 5; i++) {
      await run(`old${i}`, daysAgo(200 + i), 'succeeded');
      await log.append({ type: 'materialization', key: 'raw/x', partition: `p${i}`, runId: `old${i}`, codeVersion: 'c', dataVersion: 'd', inputs: {}, metadata: {}, at: daysAgo(200 + i) });
    }
    await run('old-failed', daysAgo(150), 'failed');
    await run('recent', daysAgo(1), 'succeeded');
    await log.close();

    const before = JSON.parse(assets('status', '--json').stdout) as { runLog: { runs: number; materializations: number; latestMaterializations: number; bytes: number } };
    expect(before.runLog).to.include({ runs: 7, materializations: 5, latestMaterializations: 5 });
    expect(before.runLog.bytes).to.be.above(0);

    const pruned = assets('runs', 'prune', '--older-than', '90d', '--json');
    expect(pruned.status, pruned.stderr).to.equal(0);
    expect(JSON.parse(pruned.stdout)).to.deep.include({ runsPruned: 5, eventsPruned: 5, kept: { resumable: 1, latestPerPartition: 0, running: 0 } });

    const after = JSON.parse(assets('status', '--json').stdout) as typeof before;
    expect(after.runLog).to.include({ runs: 2, materializations: 0, latestMaterializations: 5 });
    expect(assets('runs', '--json').stdout).to.contain('old-failed');
  });

  it('refuses an age it cannot read, with the form to use', () => {
    const r = assets('runs', 'prune', '--older-than', 'three months');
    expect(r.status).to.equal(2);
    expect(r.stderr.trim()).to.equal("error: --older-than 'three months' is not an age; write a number and a unit (m, h, d or w), e.g. --older-than 90d");
  });

  it('is what `npm run -s assets` runs', () => {
    const r = spawnSync('npm', ['run', '-s', 'assets', '--', 'runs'], { cwd: repo, encoding: 'utf8', env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' } });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('no runs yet in the local run log');
  });
});
