/**
 * End to end on the reference graph with the real embedded executors: a tiny seeded source,
 * raw snapshots, the training set and the model through the CLI, then a rerun that skips
 * everything as up to date, and status reporting it fresh.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { runCli } from '../cli/run-cli';
import { shiftClock, withEnv } from '../setup/environment';

const cli = (...args: string[]) => runCli(args);

const DAY = 86_400_000;
const key = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('reference graph, embedded, end to end', function () {
  this.timeout(180_000);
  let home: string;
  let restore: (() => void)[] = [];
  // Noon (UTC) of today, running on from there: seeding, the runs and status all see one day.
  const today = Math.floor(Date.now() / DAY) * DAY;
  before(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-ref-'));
    restore = [withEnv({ HEADWATER_HOME: home, NO_COLOR: '1' }), shiftClock(today + DAY / 2)];
    await seedSource({ dataset: classicmodels, sizes: { customers: 300, products: 60, ratings: 8000 }, days: 10, seed: 7 });
  });
  after(() => {
    restore.forEach((undo) => undo());
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('materializes raw, training and the model, then skips them as up to date', async () => {
    const from = key(today - 10 * DAY);
    const to = key(today - DAY);
    const first = await cli('backfill', 'raw/* or training/*', '--from', from, '--to', to, '--max-parallel', '2');
    expect(first.code, first.err).to.equal(0);
    const model = await cli('materialize', 'model/recommender');
    expect(model.code, model.err).to.equal(0);
    expect(fs.readdirSync(path.join(home, 'lake', 'training'))).to.include('ratings_ml_training');

    const again = await cli('backfill', 'raw/* or training/* or model/*', '--from', from, '--to', to);
    expect(again.code, again.err).to.equal(0);
    expect(again.out).to.match(/training\/ratings_ml_training\s+0 written, 1 up to date/);
    expect(again.out).to.match(/model\/recommender\s+0 written, 1 up to date/);

    const status = JSON.parse((await cli('status', 'raw/* or training/* or model/*', '--json')).out);
    const byKey = Object.fromEntries(status.assets.map((a: { key: string }) => [a.key, a]));
    expect(byKey['training/ratings_ml_training'].state).to.equal('fresh');
    expect(byKey['model/recommender'].state).to.equal('fresh');
    expect(byKey['model/recommender'].checks.map((c: { check: string }) => c.check)).to.include('beats_popularity_recall');
    expect(byKey['raw/ratings'].partitions.done).to.equal(10);
  });
});
