/**
 * `npm run demo [-- --graph MODULE]`: the whole platform on this machine, for the reference graph
 * or the graph module named by `--graph` or `HEADWATER_GRAPH` (as for the `assets` CLI). Seeds the
 * local source from the module's example data if needed, runs every batch asset on the embedded
 * engines, prints a summary (rows, time per step, model quality against its baseline), then runs
 * the streaming half for each stream-delivery asset, with the module's event generator or events
 * shaped by its stream's contract.
 * It never ends with a stack trace: every failure is said in one line, with what to do.
 */
import './aws-sdk-node-warning';
import fs from 'node:fs';
import path from 'node:path';
import { plainReporter, ttyReporter } from './cli/run/progress';
import { color, table } from './cli/output';
import { runBatchDemo } from './demo/batch';
import { loadDemoData, loadGraph } from './cli/context';
import { GRAPH_VARIABLE, setGraphOrigin } from './cli/graph-variable';
import { embeddedStreamOf, streamDeliveryKeys } from '../jobs/embedded/stream/target';
import { streamEventsFor } from '../jobs/embedded/stream/contract-events';
import { UserError, type AssetGraph, type StreamEvents } from '../assets/core';

const print = (line: string) => process.stdout.write(line + '\n');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const num = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(4));

/** `--graph MODULE` (or `--graph=MODULE`), else `HEADWATER_GRAPH`, else the reference graph; anything else is refused. */
function demoGraphModule(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  let module: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--graph') {
      module = argv[++i];
      if (!module) throw new UserError('--graph needs a module, e.g. --graph examples/music/graph.ts');
    } else if (argv[i].startsWith('--graph=')) module = argv[i].slice(8);
    else throw new UserError(`unknown argument '${argv[i]}'; usage: npm run -s demo [-- --graph MODULE]`);
  }
  setGraphOrigin(module === undefined && env[GRAPH_VARIABLE] ? 'variable' : 'flag');
  return module ?? (env[GRAPH_VARIABLE] || undefined);
}

/** The rows of a model's metrics table: each `<metric>` with its `baseline<Metric>` (recall@10, NDCG@10, by known and new users...). */
function metricRows(metrics: Readonly<Record<string, number>>): { name: string; model: number; baseline: number }[] {
  const rows: { name: string; model: number; baseline: number }[] = [];
  for (const [name, value] of Object.entries(metrics)) {
    const baseline = metrics[`baseline${name[0].toUpperCase()}${name.slice(1)}`];
    if (!/^baseline/.test(name) && baseline !== undefined) rows.push({ name, model: value, baseline });
  }
  return rows;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const module = demoGraphModule(process.argv.slice(2));
  const graph = loadGraph(module);
  const demoData = loadDemoData(module);
  print(color.bold(`Headwater demo: ${module ?? 'the reference recommender platform'}, embedded (no AWS)`));
  const batch = await runBatchDemo({ reporter: process.stderr.isTTY ? ttyReporter() : plainReporter(), print, graph, ...(demoData ? { demoData } : {}) });
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
  for (const m of batch.models) {
    const rows = metricRows(m.metrics);
    if (!rows.length) continue;
    print('');
    print(color.bold(`${m.key} on its hold-out`));
    print(table(['METRIC', 'MODEL', 'BASELINE'], rows.map((r) => [r.name, num(r.model), num(r.baseline)])));
    const beats = rows.every((r) => r.model > r.baseline);
    print(beats ? color.green('the model beats its baseline on every metric') : color.red(`the model does NOT beat its baseline on ${rows.filter((r) => r.model <= r.baseline).map((r) => r.name).join(', ')}`));
  }
  print(color.dim(`batch half done in ${secs(Date.now() - t0)}`));

  const streamModule = path.join(__dirname, 'demo', 'stream.ts');
  const deliveries = streamDeliveryKeys(graph);
  if (!fs.existsSync(streamModule)) {
    print(color.yellow('streaming half: scripts/demo/stream.ts is not in this tree yet; skipped'));
  } else if (!deliveries.length) {
    print(color.dim('streaming half: the graph has no stream-delivery asset; skipped'));
  } else if (batch.failed) {
    print(color.yellow('streaming half skipped: it serves the model and indexes, and the batch half did not complete'));
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runStreamDemo } = require(streamModule) as { runStreamDemo?: (o: { graph: AssetGraph; stream: StreamEvents; asset: string; print?: (l: string) => void; record?: boolean }) => Promise<unknown> };
    if (typeof runStreamDemo !== 'function') print(color.yellow('scripts/demo/stream.ts exports no runStreamDemo; skipped'));
    else {
      // Each delivery asset in turn; its deliveries are recorded as its materializations, so `status` shows them.
      for (const asset of deliveries) {
        print('');
        print(color.bold(`streaming half: ${asset}`));
        // The module's own events, else events shaped by the stream's contract.
        const stream = streamEventsFor(graph, embeddedStreamOf(graph, asset), demoData?.stream);
        if (stream) await runStreamDemo({ graph, stream, asset, print, record: true });
        else print(color.yellow('skipped: its stream has no contract and the graph module no event generator (`demoData.stream`); put your own events with `assets stream put --file`'));
      }
    }
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
