/**
 * `npm run -s bench:erase -- [--ratings N] [--days D] [--subjects S] [--json]`: builds a lake from a
 * seeded source of N ratings (raw snapshots, the training set, the model, both indexes) in a
 * temporary HEADWATER_HOME, then erases S customers (spread over the customer ids) with the real
 * `assets erase` path and verifies them. Human-readable lines, then with --json one JSON object
 * as the last line: {subjects, assetsTouched, partitionsRewritten, rowsRemoved, eraseMs, verifyMs, ...}.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import graph from '../../assets/index';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { queryRows, readParquet, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { localPaths } from '../../jobs/embedded/paths';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { materialize, silentReporter } from '../../jobs/engine';
import { eraseLocal, scanLocal } from '../../jobs/erasure/local';
import { lastDays, positiveIntArg } from './options';

const dirBytes = (dir: string): number =>
  (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);

async function main(): Promise<void> {
  const ratings = positiveIntArg('ratings', 2_000_000);
  const days = positiveIntArg('days', 30);
  const subjects = positiveIntArg('subjects', 100);
  const json = process.argv.includes('--json');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-erase-'));
  process.env.HEADWATER_HOME = home;
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench:erase: ${subjects} customers erased from a lake of ${ratings.toLocaleString('en-US')} ratings over ${days} days in ${home} (the machine may be shared, figures are noisy)`);
  try {
    let t = Date.now();
    await seedSource({ dataset: classicmodels, sizes: { ratings }, days });
    log(`seed       ${Date.now() - t} ms`);
    const env = new EmbeddedEnvironment();
    try {
      const request = lastDays(days);
      for (const [name, keys, req] of [
        ['extract', ['raw/customers', 'raw/products', 'raw/ratings'], request],
        ['transform', ['training/ratings_ml_training'], request],
        ['train+index', ['model/recommender', 'index/item_embeddings', 'index/user_embeddings'], { type: 'latest' as const }],
      ] as const) {
        t = Date.now();
        const r = await materialize({ graph, keys: [...keys], selection: keys.join(' or '), request: req, command: 'materialize', env, reporter: silentReporter, maxParallel: 2 });
        const bad = r.results.filter((x) => x.outcome !== 'succeeded');
        if (bad.length) throw new Error(`${name} failed: ${bad.map((x) => `${x.key}: ${x.detail.split('\n')[0]}`).join('; ')}`);
        log(`${name.padEnd(10)} ${Date.now() - t} ms`);
      }
      const all = await withDuckDb((con) =>
        queryRows<{ c: string }>(con, `SELECT CAST(customerNumber AS VARCHAR) AS c FROM ${readParquet(path.join(localPaths.lake(), 'raw', 'customers', 'part-00000.parquet'))} ORDER BY customerNumber`),
      );
      const step = Math.max(1, Math.floor(all.length / subjects));
      const ids = all.filter((_, i) => i % step === 0).slice(0, subjects).map((r) => r.c);
      const lakeBytes = dirBytes(localPaths.lake());
      const partitions = (fs.readdirSync(path.join(localPaths.lake(), 'raw', 'ratings')).length + fs.readdirSync(path.join(localPaths.lake(), 'training', 'ratings_ml_training')).length);
      const req = new Map([['customer', ids]]);

      t = Date.now();
      const report = await eraseLocal(graph, req, env);
      const eraseMs = Date.now() - t;
      log(`erase      ${eraseMs} ms: ${report.rowsRemoved} records from ${report.assetsTouched} assets, ${report.partitionsRewritten} partitions/files rewritten`);
      t = Date.now();
      const verify = await scanLocal(graph, req, env);
      const verifyMs = Date.now() - t;
      const stillHeld = verify.findings.filter((f) => f.role === 'derived').length;
      log(`verify     ${verifyMs} ms: ${stillHeld} place(s) still hold them`);
      const result = {
        ratings,
        days,
        subjects: ids.length,
        assetsTouched: report.assetsTouched,
        partitionsRewritten: report.partitionsRewritten,
        partitionsInLake: partitions,
        rowsRemoved: report.rowsRemoved,
        eraseMs,
        verifyMs,
        stillHeld,
        lakeMb: Math.round(lakeBytes / 1e6),
      };
      if (json) process.stdout.write(JSON.stringify(result) + '\n');
      if (stillHeld) process.exitCode = 1;
    } finally {
      await env.close();
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:erase failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
