/**
 * `npm run -s bench:batch -- [--ratings N] [--days D] [--json]`: seeds a source of N ratings in a
 * temporary HEADWATER_HOME, then times the batch phases through the real engine and executors:
 * extract (raw/*), transform (the training set), train (the model), index (both indexes).
 * Human-readable lines, then with --json one JSON object as the last line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import graph from '../../assets/index';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { seedSource } from '../../jobs/embedded/source';
import { lastDays, positiveIntArg } from './options';
import { materialize, silentReporter, type MaterializeResult } from '../../jobs/engine';

/** The model's quality figures, overall and for users seen in training (Known) and new users (New), each against popularity on the same users. */
const MODEL_FIGURES = ['', 'Known', 'New'].flatMap((group) =>
  ['recallAt10', 'baselineRecallAt10', 'ndcgAt10', 'baselineNdcgAt10'].map((metric) => `${metric}${group}`),
).concat(['evalUsers', 'evalUsersKnown', 'evalUsersNew']);

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const ratings = positiveIntArg('ratings', 100_000);
  const days = positiveIntArg('days', 30);
  const json = process.argv.includes('--json');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-batch-'));
  process.env.HEADWATER_HOME = home;
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench:batch: ${ratings.toLocaleString('en-US')} ratings over ${days} days in ${home} (${os.cpus().length} cores; the machine may be shared, figures are noisy)`);
  try {
    let t = Date.now();
    const seeded = await seedSource({ ratings, days });
    const seedMs = Date.now() - t;
    log(`seed       ${seedMs} ms (${Object.entries(seeded.rows).map(([k, v]) => `${k} ${v}`).join(', ')})`);

    const env = new EmbeddedEnvironment();
    const request = lastDays(days);
    const phase = async (name: string, keys: string[], req: typeof request | { type: 'latest' }) => {
      t = Date.now();
      const r: MaterializeResult = await materialize({ graph, keys, selection: keys.join(' or '), request: req, command: 'materialize', env, reporter: silentReporter, maxParallel: 2 });
      const ms = Date.now() - t;
      const bad = r.results.filter((x) => x.outcome !== 'succeeded');
      log(`${name.padEnd(10)} ${ms} ms${bad.length ? `  FAILED: ${bad.map((x) => `${x.key}: ${x.detail.split('\n')[0]}`).join('; ')}` : ''}`);
      return { ms, ok: !bad.length, r };
    };
    let extract, transform, train, index;
    try {
      extract = await phase('extract', ['raw/customers', 'raw/products', 'raw/ratings'], request);
      transform = await phase('transform', ['training/ratings_ml_training'], request);
      train = await phase('train', ['model/recommender'], { type: 'latest' });
      index = await phase('index', ['index/item_embeddings', 'index/user_embeddings'], { type: 'latest' });
    } finally {
      await env.close();
    }
    const rowsOf = (p: typeof transform) => p.r.results.reduce((s, x) => s + (typeof x.metadata?.rows === 'number' ? x.metadata.rows : 0), 0);
    const trainingRows = rowsOf(transform);
    const model = train.r.results[0]?.metadata ?? {};
    const totalMs = extract.ms + transform.ms + train.ms + index.ms;
    const result = {
      ratings,
      days,
      trainingRows,
      seedMs,
      extractMs: extract.ms,
      transformMs: transform.ms,
      trainMs: train.ms,
      indexMs: index.ok ? index.ms : null,
      totalMs,
      rowsPerSec: Math.round(ratings / (totalMs / 1000)),
      peakRssMb: peakRssMb(),
      ...Object.fromEntries(MODEL_FIGURES.map((k) => [k, model[k] ?? null])),
      allSucceeded: extract.ok && transform.ok && train.ok && index.ok,
    };
    log(`training rows ${trainingRows}, ${result.rowsPerSec} ratings/s end to end, peak RSS ${result.peakRssMb} MB`);
    const figure = (k: string) => (typeof model[k] === 'number' ? (model[k] as number).toFixed(4) : '-');
    for (const group of ['', 'Known', 'New']) {
      log(
        `model ${(group || 'all').toLowerCase().padEnd(5)} recall@10 ${figure(`recallAt10${group}`)} (popularity ${figure(`baselineRecallAt10${group}`)}), ` +
          `NDCG@10 ${figure(`ndcgAt10${group}`)} (popularity ${figure(`baselineNdcgAt10${group}`)}) on ${model[`evalUsers${group}`] ?? 0} users`,
      );
    }
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:batch failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
