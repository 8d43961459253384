/**
 * `npm run -s bench:batch -- [--graph MODULE] [--<size> N ...] [--days D] [--json]`: seeds the graph
 * module's example source data (`demoData.source`; the reference's sizes are `--ratings N` and
 * `--customers C`, default the demo's 2,000: with many more customers than ratings keep busy, some
 * rate for the first time in the hold-out, the model's new-user figures) in a temporary
 * HEADWATER_HOME, then times the batch phases through the real engine and executors, each phase
 * found from the declarations: extract (every glue-extract asset), transform (the model's
 * interactions asset), train (the model), index (the vector indexes of that model).
 * Human-readable lines, then with --json one JSON object as the last line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { seedSource } from '../../jobs/embedded/source';
import type { AssetGraph } from '../../assets/core';
import { indexedModel, type EmrSparkSettings } from '../../assets/kinds';
import { lastDays, positiveIntArg } from './options';
import { loadDemoData, loadGraph } from '../cli/context';
import { materialize, silentReporter, type MaterializeResult } from '../../jobs/engine';

/** The model's quality figures, overall and for users seen in training (Known) and new users (New), each against popularity on the same users. */
const MODEL_FIGURES = ['', 'Known', 'New'].flatMap((group) =>
  ['recallAt10', 'baselineRecallAt10', 'ndcgAt10', 'baselineNdcgAt10'].map((metric) => `${metric}${group}`),
).concat(['evalUsers', 'evalUsersKnown', 'evalUsersNew']);

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** The batch phases of a graph, from its declarations: the one model, what it learns from, its indexes. */
function phasesOf(graph: AssetGraph) {
  const kind = (k: string) => graph.get(k).compute.kind;
  const models = graph.keys.filter((k) => kind(k) === 'emr-spark' && (graph.get(k).compute as EmrSparkSettings).model);
  if (models.length !== 1) throw new Error(`bench:batch needs exactly one emr-spark asset declaring a model; this graph has ${models.length}`);
  const model = models[0];
  return {
    extract: graph.keys.filter((k) => kind(k) === 'glue-extract'),
    transform: [(graph.get(model).compute as EmrSparkSettings).model!.interactions.asset],
    train: [model],
    index: graph.keys.filter((k) => kind(k) === 'vector-index' && indexedModel(graph.get(k), (d) => graph.get(d)).key === model),
  };
}

/** `--<size> N` for each size the data set declares (the reference: `--ratings`, `--customers`). */
function sizeArgs(names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.filter((n) => process.argv.includes(`--${n}`)).map((n) => [n, positiveIntArg(n, 0)]));
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--graph');
  const module = at >= 0 ? process.argv[at + 1] : process.env.HEADWATER_GRAPH || undefined;
  const graph = loadGraph(module);
  const dataset = loadDemoData(module)?.source;
  if (!dataset) throw new Error(`${module ?? 'the reference graph'} exports no demoData.source to seed; bench:batch needs one`);
  const phases = phasesOf(graph);
  const reference = !module;
  const given = sizeArgs(dataset.sizes.map((s) => s.name));
  // The reference's defaults: 100,000 ratings by the demo's 2,000 customers.
  const requested = reference ? { ratings: 100_000, customers: 2_000, ...given } : given;
  const sizes = dataset.resolveSizes(requested);
  const ratings = sizes.ratings ?? sizes.interactions ?? 0;
  const days = positiveIntArg('days', 30);
  const json = process.argv.includes('--json');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-batch-'));
  process.env.HEADWATER_HOME = home;
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench:batch: ${module ?? 'the reference graph'}, ${Object.entries(sizes).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')} over ${days} days in ${home} (${os.cpus().length} cores; the machine may be shared, figures are noisy)`);
  try {
    let t = Date.now();
    const seeded = await seedSource({ dataset, sizes: requested, days });
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
      extract = await phase('extract', phases.extract, request);
      transform = await phase('transform', phases.transform, request);
      train = await phase('train', phases.train, { type: 'latest' });
      index = await phase('index', phases.index, { type: 'latest' });
    } finally {
      await env.close();
    }
    const rowsOf = (p: typeof transform) => p.r.results.reduce((s, x) => s + (typeof x.metadata?.rows === 'number' ? x.metadata.rows : 0), 0);
    const trainingRows = rowsOf(transform);
    const model = train.r.results[0]?.metadata ?? {};
    const totalMs = extract.ms + transform.ms + train.ms + index.ms;
    const result = {
      ...(module ? { graph: module, sizes } : {}),
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
