/**
 * Every command against a matrix of faults (issue 8, item 5): an empty or unwritable home, a
 * corrupt run log, checkpoint, ALIAS, index, model and Parquet file, a busy port, a missing file
 * and a folder given for a file. Each answer is exit 1 or 2 with one message naming what is wrong,
 * no stack trace and no internal error, and the damaged file is left as it was (nothing is lost).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { RUNLOG_DB } from '../../jobs/embedded/runlog/local-runlog';
import { streamPaths } from '../../jobs/embedded/stream/kinesalite';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';
import referenceGraph from '../../assets';
import { bin, runCli, type CliResult } from '../cli/run-cli';
import { saveEnv, shiftClock } from '../setup/environment';

const DAY = 86_400_000;
const key = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The answer to a fault: a failing exit, one message naming `names`, no stack, no internal error. */
function expectFault(r: CliResult, names: string | RegExp, what: string): void {
  expect(r.code, `${what}: ${r.err}${r.out}`).to.be.oneOf([1, 2]);
  const text = r.err + r.out;
  if (typeof names === 'string') expect(text, what).to.contain(names);
  else expect(text, what).to.match(names);
  expect(text, what).not.to.match(/\n\s+at .+:\d+:\d+/);
  expect(text, what).not.to.contain('internal error');
}

/** Commands that read the state folder, for faults that hit every one of them. */
const STATE_COMMANDS: readonly string[][] = [['status'], ['runs'], ['materialize', 'raw/customers'], ['verify'], ['wipe', 'raw/customers', '--yes'], ['contracts', 'check'], ['source', 'seed']];

describe('fault matrix: every command, every fault, one message and no stack trace', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(300_000);
  let base: string;
  let home: string;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // The suite runs at noon of `today` on a shifted clock: a real midnight inside it would move the
  // latest partition under the tests (children spawned below keep the real clock; they only read).
  let restoreClock: () => void = () => undefined;
  before(() => (restoreClock = shiftClock(today + DAY / 2)));
  after(() => restoreClock());

  /** A fresh copy of the materialized baseline as HEADWATER_HOME. */
  const freshHome = () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fault-'));
    fs.cpSync(base, home, { recursive: true });
    process.env.HEADWATER_HOME = home;
    return home;
  };
  const cli = (...args: string[]) => runCli(args);

  before(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fault-base-'));
    process.env.HEADWATER_HOME = base;
    process.env.NO_COLOR = '1';
    await seedSource({ dataset: classicmodels, sizes: { customers: 200, products: 40, ratings: 4000 }, days: 12, seed: 5 });
    const r = await cli('backfill', 'raw/* or training/*', '--from', key(today - 10 * DAY), '--to', key(today - DAY));
    expect(r.code, r.err).to.equal(0);
    const m = await cli('materialize', 'model/recommender or index/item_embeddings');
    expect(m.code, m.err).to.equal(0);
  });
  afterEach(() => home && fs.rmSync(home, { recursive: true, force: true }));
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it('an empty home: runs name the missing source database', async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fault-empty-'));
    process.env.HEADWATER_HOME = home;
    expectFault(await cli('materialize', 'raw/customers'), 'source-db', 'materialize');
    expectFault(await cli('contracts', 'check'), 'source-db', 'contracts check');
    expect((await cli('status')).code).to.equal(0);
    expect((await cli('runs')).code).to.equal(0);
    // Nothing recorded is nothing verified: not "all intact".
    const v = await cli('verify');
    expect(v.code).to.equal(0);
    expect(v.out).to.contain('nothing to verify').and.not.to.contain('all intact');
  });

  it('a home that cannot be written (a file where the folder should be)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fault-file-'));
    home = dir;
    const file = path.join(dir, 'home');
    fs.writeFileSync(file, 'not a folder');
    process.env.HEADWATER_HOME = file;
    for (const args of STATE_COMMANDS) expectFault(await cli(...args), file, args.join(' '));
    expect(fs.readFileSync(file, 'utf8')).to.equal('not a folder');
  });

  it('a read-only home: every command names it (as root, run as an unprivileged user, since permissions do not stop root)', async function () {
    const asRoot = process.getuid?.() === 0;
    const unprivileged = ['--reuid=65534', '--regid=65534', '--clear-groups'];
    // As root the check needs setpriv, and a checkout the unprivileged user can read (not under /root).
    if (asRoot && spawnSync('setpriv', [...unprivileged, process.execPath, bin(), '--help']).status !== 0) this.skip();
    freshHome();
    const lake = path.join(home, 'lake');
    const before = sha(path.join(home, 'runlog', RUNLOG_DB));
    const readOnly = (mode: 'on' | 'off') => {
      for (const e of [home, ...fs.readdirSync(home, { recursive: true }).map((p) => path.join(home, String(p)))]) {
        const st = fs.lstatSync(e);
        if (!st.isSymbolicLink()) fs.chmodSync(e, mode === 'on' ? (st.isDirectory() ? 0o555 : 0o444) : st.isDirectory() ? 0o755 : 0o644);
      }
    };
    // The compiled CLI in a child: as root, under an unprivileged uid (nobody), whom the modes stop.
    const asUser = (args: string[]): CliResult => {
      const argv = [process.execPath, bin(), ...args];
      const r = asRoot
        ? spawnSync('setpriv', [...unprivileged, ...argv], { encoding: 'utf8', env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' } })
        : spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, HEADWATER_HOME: home, NO_COLOR: '1' } });
      return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
    };
    readOnly('on');
    try {
      for (const args of [['status'], ['runs'], ['verify'], ['checks'], ['materialize', 'raw/customers', '--force'], ['wipe', 'raw/customers', '--yes'], ['contracts', 'check'], ['source', 'seed']]) {
        expectFault(asUser(args), home, args.join(' '));
      }
    } finally {
      readOnly('off');
    }
    expect(fs.existsSync(lake)).to.equal(true);
    expect(sha(path.join(home, 'runlog', RUNLOG_DB))).to.equal(before);
  });

  it('a corrupt run-log file is named by every command that reads the run log, and kept', async () => {
    freshHome();
    const dir = path.join(home, 'runlog');
    const file = path.join(dir, RUNLOG_DB);
    for (const side of fs.readdirSync(dir).filter((n) => /-(wal|shm)$/.test(n))) fs.rmSync(path.join(dir, side));
    const bytes = fs.readFileSync(file);
    bytes.fill(0x42, 0, 100); // the SQLite header: no longer a database
    fs.writeFileSync(file, bytes);
    const before = sha(file);
    for (const args of [['status'], ['runs'], ['materialize', 'raw/customers'], ['verify'], ['checks']]) expectFault(await cli(...args), file, args.join(' '));
    expect(sha(file)).to.equal(before);
  });

  it('a corrupt stream checkpoint is named', async () => {
    freshHome();
    const checkpoint = streamPaths(path.join(home, 'stream'), embeddedStreamOf(referenceGraph).streamName).checkpoint;
    fs.mkdirSync(path.dirname(checkpoint), { recursive: true });
    fs.writeFileSync(checkpoint, '{ "committed": ');
    expectFault(await cli('stream', 'status'), checkpoint, 'stream status');
  });

  it('a corrupt ALIAS, a truncated index, a damaged model and Parquet file: verify names each, runs refuse them as inputs', async () => {
    freshHome();
    const alias = path.join(home, 'indexes', 'item_embeddings', 'ALIAS');
    const { version } = JSON.parse(fs.readFileSync(alias, 'utf8'));
    const hnsw = path.join(home, 'indexes', 'item_embeddings', 'versions', version, 'index.hnsw');
    const model = path.join(home, 'lake', 'model', 'recommender', 'model.json');
    const parquet = path.join(home, 'lake', 'raw', 'ratings', `dt=${key(today - DAY)}`, 'part-00000.parquet');
    fs.writeFileSync(alias, '{ broken');
    fs.truncateSync(hnsw, 64);
    fs.appendFileSync(model, ' ');
    fs.truncateSync(parquet, 100);
    const sums = [alias, hnsw, model, parquet].map(sha);

    const v = await cli('verify');
    expectFault(v, alias, 'verify');
    for (const f of [hnsw, model, parquet]) expect(v.out).to.contain(f);
    const status = JSON.parse((await cli('status', '--json')).out) as { assets: { key: string; state: string }[] };
    const state = Object.fromEntries(status.assets.map((a) => [a.key, a.state]));
    expect(state['index/item_embeddings']).to.equal('modified');
    expect(state['model/recommender']).to.equal('modified');
    expect(state['raw/ratings']).to.equal('modified');

    expectFault(await cli('materialize', 'training/ratings_ml_training', '--force'), parquet, 'a forced step on a damaged input');
    expectFault(await cli('materialize', 'index/user_embeddings'), model, 'an index load from a damaged model');
    expect([alias, hnsw, model, parquet].map(sha)).to.deep.equal(sums);
  });

  it('a busy port, a missing file and a folder given for a file', async () => {
    freshHome();
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as net.AddressInfo).port);
    try {
      expectFault(await cli('stream', 'start', '--port', port), `port ${port}`, 'stream start');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
    const missing = path.join(home, 'nope.sql');
    expectFault(await cli('contracts', 'check', '--against', missing), missing, 'contracts --against missing');
    expectFault(await cli('stream', 'put', '--file', missing), missing, 'stream put missing');
    const folder = path.join(home, 'a-folder');
    fs.mkdirSync(folder);
    expectFault(await cli('stream', 'put', '--file', folder), folder, 'stream put folder');
    expectFault(await cli('contracts', 'check', '--against', folder), folder, 'contracts --against folder');
  });
});
