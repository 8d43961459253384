/**
 * `npm run demo`: the whole platform on this machine. Seeds the local source if needed, runs every
 * batch asset of the reference graph on the embedded engines, prints a summary (rows, time per
 * step, model quality against popularity), then runs the streaming half when it is present.
 * It never ends with a stack trace: every failure is said in one line, with what to do.
 */
import './aws-sdk-node-warning';
import fs from 'node:fs';
import path from 'node:path';
import { plainReporter, ttyReporter } from './cli/run/progress';
import { color, table } from './cli/output';
import { runBatchDemo } from './demo/batch';
import referenceGraph from '../assets/index';
import type { AssetGraph } from '../assets/core';

const print = (line: string) => process.stdout.write(line + '\n');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const num = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(4));

async function main(): Promise<number> {
  const t0 = Date.now();
  print(color.bold('Headwater demo: the recommender platform, embedded (no AWS)'));
  const batch = await runBatchDemo({ reporter: process.stderr.isTTY ? ttyReporter() : plainReporter(), print });
  print('');
  print(color.bold('batch assets'));
  print(
    table(
      ['ASSET', 'RESULT', 'ROWS', 'TIME'],
      batch.steps.map((s) => [
        s.key,
        s.outcome === 'succeeded' ? color.green('ok') : s.outcome === 'up to date' ? color.dim('up to date') : color.red(`${s.outcome}: ${s.detail.split('\n')[0].slice(0, 100)}`),
        s.rows === null ? '-' : s.rows.toLocaleString('en-US'),
        secs(s.ms),
      ]),
    ),
  );
  if (batch.seededMs !== null) print(color.dim(`source seeded in ${secs(batch.seededMs)}`));
  const m = batch.model;
  if (m && m.recallAt10 !== undefined) {
    print('');
    print(color.bold('model/recommender on the time-based hold-out'));
    print(
      table(
        ['', 'RECALL@10', 'NDCG@10'],
        [
          ['model', num(m.recallAt10), num(m.ndcgAt10)],
          ['popularity', num(m.baselineRecallAt10), num(m.baselineNdcgAt10)],
        ],
      ),
    );
    const beats = m.recallAt10 > m.baselineRecallAt10 && m.ndcgAt10 > m.baselineNdcgAt10;
    print(beats ? color.green('the model beats popularity') : color.red('the model does NOT beat popularity'));
  }
  print(color.dim(`batch half done in ${secs(Date.now() - t0)}`));

  const streamModule = path.join(__dirname, 'demo', 'stream.ts');
  if (!fs.existsSync(streamModule)) {
    print(color.yellow('streaming half: scripts/demo/stream.ts is not in this tree yet; skipped'));
  } else if (batch.failed) {
    print(color.yellow('streaming half skipped: it serves the model and indexes, and the batch half did not complete'));
  } else {
    print('');
    print(color.bold('streaming half'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runStreamDemo } = require(streamModule) as { runStreamDemo?: (o?: { print?: (l: string) => void; record?: { graph: AssetGraph; key: string } }) => Promise<unknown> };
    if (typeof runStreamDemo !== 'function') print(color.yellow('scripts/demo/stream.ts exports no runStreamDemo; skipped'));
    // Its deliveries are recorded as materializations of serving/recommendations, so `status` shows them.
    else await runStreamDemo({ print, record: { graph: referenceGraph, key: 'serving/recommendations' } });
  }
  print(color.bold(`demo finished in ${secs(Date.now() - t0)}`));
  if (batch.failed) {
    print(color.red('some steps failed; see above, `npm run -s assets -- runs` and `npm run -s assets -- run <RUN_ID>`'));
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error;
    process.stderr.write(color.red(`demo failed: ${err?.message ?? String(e)}`) + '\n');
    if (process.env.HEADWATER_DEBUG) process.stderr.write(String(err?.stack) + '\n');
    else process.stderr.write(color.dim('(set HEADWATER_DEBUG=1 for the stack trace)') + '\n');
    process.exitCode = 1;
  },
);
