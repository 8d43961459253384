/**
 * `npm run -s bench:verify -- [--ratings N] [--days D] [--json]`: builds the lake of N ratings
 * (default 2,000,000: raw snapshots and the training set over D days) in a temporary
 * HEADWATER_HOME, then times what lake integrity costs: `status` with and without its integrity
 * pass (size and mtime of every recorded file), and `assets verify --deep` (SHA-256 of every file).
 * Human-readable lines, then with --json one JSON object as the last line:
 * `{files, bytes, statusMs, statusWithoutIntegrityMs, integrityMs, verifyDeepMs}`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import graph from '../../assets/index';
import { EmbeddedEnvironment } from '../../jobs/embedded/environment';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { lastDays, positiveIntArg } from './options';
import { materialize, silentReporter } from '../../jobs/engine';
import { assetStatuses } from '../cli/run/asset-status';
import { verifyAssets } from '../cli/commands/verify';

/** The best of `n` timings of `fn`, ms: the machine is shared, the minimum is the least noisy. */
async function best(n: number, fn: () => unknown): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return Math.round(min * 10) / 10;
}

async function main(): Promise<void> {
  const ratings = positiveIntArg('ratings', 2_000_000);
  const days = positiveIntArg('days', 30);
  const json = process.argv.includes('--json');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-verify-'));
  process.env.HEADWATER_HOME = home;
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`bench:verify: ${ratings.toLocaleString('en-US')} ratings over ${days} days in ${home} (${os.cpus().length} cores; the machine may be shared, figures are noisy)`);
  const env = new EmbeddedEnvironment();
  try {
    await seedSource({ dataset: classicmodels, sizes: { ratings }, days });
    const request = lastDays(days);
    const keys = ['raw/customers', 'raw/products', 'raw/ratings', 'training/ratings_ml_training'];
    const built = await materialize({ graph, keys, selection: keys.join(' or '), request, command: 'backfill', env, reporter: silentReporter, maxParallel: 2 });
    if (built.status !== 'succeeded') throw new Error(`building the lake failed: ${built.results.find((r) => r.outcome !== 'succeeded' && r.outcome !== 'up_to_date')?.detail}`);

    const all = [...graph.keys];
    const snap = await env.runLog.snapshot();
    const readCode = (p: string) => env.readCode(p);
    const statusWithoutIntegrityMs = await best(5, () => assetStatuses(graph, all, snap, readCode, Date.now()));
    const statusMs = await best(5, () => assetStatuses(graph, all, snap, readCode, Date.now(), (f) => env.verifyFiles(f)));
    const report = await verifyAssets(graph, all, env, false);
    const verifyDeepMs = await best(1, () => verifyAssets(graph, all, env, true));
    const result = {
      ratings,
      files: report.files,
      bytes: report.bytes,
      statusMs,
      statusWithoutIntegrityMs,
      integrityMs: Math.round((statusMs - statusWithoutIntegrityMs) * 10) / 10,
      verifyDeepMs,
    };
    log(`${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB`);
    log(`status ${statusMs} ms (without its integrity pass ${statusWithoutIntegrityMs} ms: +${result.integrityMs} ms); verify --deep ${verifyDeepMs} ms`);
    if (json) log(JSON.stringify(result));
  } finally {
    await env.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:verify failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
