/**
 * Lake integrity on the reference graph with the real embedded executors (issue 8, "Why" case 1
 * and the truncated index): a committed file deleted or changed by hand is noticed by status,
 * rebuilt by materialize without --force, refused as an input, and found by `assets verify`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { runCli } from '../cli/run-cli';
import { saveEnv, shiftClock } from '../setup/environment';

const cli = (...args: string[]) => runCli(args);
const DAY = 86_400_000;
const key = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('lake integrity', function () {
  // Puts back what this suite's hooks and tests set (the isolation hook checks it).
  let restoreEnv: () => void = () => undefined;
  before(() => (restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR'])));
  after(() => restoreEnv());

  this.timeout(240_000);
  let home: string;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // The suite runs at noon of `today` on a shifted clock: a real midnight inside it would move the
  // latest partition under the tests.
  let restoreClock: () => void = () => undefined;
  before(() => (restoreClock = shiftClock(today + DAY / 2)));
  after(() => restoreClock());
  const from = key(today - 10 * DAY);
  const to = key(today - DAY);
  const ratingsDir = (day: string) => path.join(home, 'lake', 'raw', 'ratings', `dt=${day}`);
  const status = async (sel: string) => {
    const r = await cli('status', sel, '--json');
    expect(r.code, r.err).to.equal(0);
    return Object.fromEntries(JSON.parse(r.out).assets.map((a: { key: string }) => [a.key, a])) as Record<string, { state: string; damaged: { problem: { path: string } }[]; partitions: { done: number } | null }>;
  };

  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-integrity-'));
    process.env.HEADWATER_HOME = home;
    process.env.NO_COLOR = '1';
    await seedSource({ dataset: classicmodels, sizes: { customers: 200, products: 40, ratings: 4000 }, days: 12, seed: 3 });
    const r = await cli('backfill', 'raw/* or training/*', '--from', from, '--to', to);
    expect(r.code, r.err).to.equal(0);
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('a deleted partition folder makes status say missing, naming the file, and materialize rebuilds it without --force', async () => {
    const day = key(today - 3 * DAY);
    fs.rmSync(ratingsDir(day), { recursive: true });
    const s = await status('raw/ratings');
    expect(s['raw/ratings'].state).to.equal('missing');
    expect(s['raw/ratings'].damaged[0].problem.path).to.contain(`dt=${day}`);
    expect(s['raw/ratings'].partitions!.done).to.equal(9);

    const text = await cli('status', 'raw/ratings');
    expect(text.out).to.contain(`dt=${day}`).and.contain('--repair');

    const r = await cli('materialize', 'raw/ratings', '--partition', day);
    expect(r.code, r.err).to.equal(0);
    expect(fs.existsSync(path.join(ratingsDir(day), 'part-00000.parquet'))).to.equal(true);
    expect((await status('raw/ratings'))['raw/ratings'].state).to.equal('fresh');
  });

  it('a forced downstream step refuses a damaged input instead of writing around it', async () => {
    const day = to; // the partition the latest training partition reads
    fs.rmSync(path.join(ratingsDir(day), 'part-00000.parquet'));
    const r = await cli('materialize', 'training/ratings_ml_training', '--force');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain(`input raw/ratings [${day}] is damaged`).and.contain('part-00000.parquet missing');
    expect(r.err).not.to.match(/\n\s+at /);
    const v = await cli('verify', 'raw/*', '--repair');
    expect(v.code, v.err).to.equal(0);
    expect(v.out).to.contain('all intact (repaired 1)');
  });

  it('verify --deep finds a same-size change that kept its mtime; the cheap check does not pay for hashing', async () => {
    const file = path.join(home, 'lake', 'raw', 'customers', 'part-00000.parquet');
    const st = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, st.atime, st.mtime);
    const cheap = await cli('verify', 'raw/customers');
    expect(cheap.code, cheap.out + cheap.err).to.equal(0);
    const deep = await cli('verify', 'raw/customers', '--deep', '--json');
    expect(deep.code).to.equal(1);
    const report = JSON.parse(deep.out);
    expect(report.damaged[0].problems[0]).to.include({ problem: 'modified', path: file });
    const fixed = await cli('verify', 'raw/customers', '--deep', '--repair');
    expect(fixed.code, fixed.err + fixed.out).to.equal(0);
  });

  it('a truncated index.hnsw and a corrupt ALIAS show as modified, and the next materialize rebuilds the index', async () => {
    const built = await cli('materialize', 'model/recommender or index/item_embeddings');
    expect(built.code, built.err).to.equal(0);
    const aliasDir = path.join(home, 'indexes', 'item_embeddings');
    const { version } = JSON.parse(fs.readFileSync(path.join(aliasDir, 'ALIAS'), 'utf8'));
    const hnsw = path.join(aliasDir, 'versions', version, 'index.hnsw');
    fs.truncateSync(hnsw, 100);
    let s = await status('index/item_embeddings');
    expect(s['index/item_embeddings'].state).to.equal('modified');
    expect(s['index/item_embeddings'].damaged[0].problem.path).to.equal(hnsw);
    // An unpartitioned asset has no partitions to count: the text says what is damaged, no '1 partition(s)'.
    const text = await cli('status', 'index/item_embeddings');
    expect(text.out).to.match(/index\/item_embeddings\s+modified\s/);
    expect(text.out).to.contain(`index/item_embeddings: modified: ${hnsw} modified`);
    expect(text.out).not.to.contain('partition(s)');
    const r = await cli('materialize', 'index/item_embeddings');
    expect(r.code, r.err).to.equal(0);
    expect((await status('index/item_embeddings'))['index/item_embeddings'].state).to.equal('fresh');

    fs.writeFileSync(path.join(aliasDir, 'ALIAS'), '{ not json');
    s = await status('index/item_embeddings');
    expect(s['index/item_embeddings'].state).to.equal('modified');
    const again = await cli('materialize', 'index/item_embeddings');
    expect(again.code, again.err).to.equal(0);
    // The damaged pointer was replaced: the versions kept are the new one and its predecessor.
    expect(fs.readdirSync(path.join(aliasDir, 'versions')).length).to.be.at.most(2);
  });
});
