/**
 * `npm run -s bench:stream [-- --json] [--events N] [--in-process]`: events put on kinesalite ->
 * the delivery poller (buffer 1 s) -> the stream-transform handler -> the lake, in a temporary HEADWATER_HOME
 * with a classicmodels-sized synthetic catalog (110 products, 122 customers). 1% of the events are
 * malformed on purpose, so `failed` is not 0; the check is sent = delivered + failed.
 * e2e latency is put -> the file holding the event renamed into the lake.
 *
 * The producer is this process; kinesalite and the poller run in one child process each, as
 * Kinesis and Firehose are separate services (`--in-process` runs all three in this process).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import referenceGraph, { demoData } from '../../assets';
import { runStreamDemo } from '../demo/stream';
import { installSyntheticCatalog } from './serve-catalog';

const argv = process.argv.slice(2);
const i = argv.indexOf('--events');
const EVENTS = i >= 0 ? Number(argv[i + 1]) : 50_000;
const JSON_OUT = argv.includes('--json');
const IN_PROCESS = argv.includes('--in-process');

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-bench-stream-'));
  process.env.HEADWATER_HOME = home;
  try {
    process.stdout.write(`bench:stream on ${os.cpus().length} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (shared machine: figures are noisy)\n`);
    await installSyntheticCatalog({ lake: path.join(home, 'lake'), indexes: path.join(home, 'indexes') }, { products: 110, customers: 122 });
    const r = await runStreamDemo({ graph: referenceGraph, stream: demoData.stream!, events: EVENTS, bufferIntervalMs: 1000, timeoutMs: 120_000, malformedShare: 0.01, inProcess: IN_PROCESS });
    process.stdout.write(`put rate ${r.putPerSec} events/s; end-to-end ${r.eventsPerSec} events/s over ${r.seconds}s; e2e max ${r.e2eMaxMs} ms\n`);
    const result = { sent: r.sent, delivered: r.delivered, failed: r.failed, duplicates: r.duplicates, eventsPerSec: r.eventsPerSec, e2eP50Ms: r.e2eP50Ms, e2eP99Ms: r.e2eP99Ms, putPerSec: r.putPerSec, bufferMs: 1000, shards: 2, processes: IN_PROCESS ? 1 : 3 };
    if (JSON_OUT) process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench:stream failed: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
