/**
 * The streaming part of `npm run demo`, for the graph's stream-delivery asset: starts kinesalite
 * and the delivery poller (one child process each, as Kinesis and Firehose are separate services;
 * `--in-process` runs both in this process, as `assets stream start` does), puts a burst of events
 * (the graph module's `demoData.stream`, or shaped by the stream's contract), waits until they
 * come out in the lake, and reports sent / delivered / failed, end-to-end latency percentiles
 * (put -> visible in the lake) and example deliveries, with a `curl` line for `assets serve`.
 * Everything it starts is stopped before it returns. Also the engine of `bench:stream`.
 *
 * Run alone: `tsx scripts/demo/stream.ts [--graph MODULE] [--asset KEY] [--events N] [--buffer-ms MS]
 * [--in-process] [--synthetic]` (needs the indexes the delivery reads, i.e. the batch assets
 * materialized, or `--synthetic` to run the reference graph in a temporary local root with a small
 * synthetic catalog).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AssetGraph, StreamEvents } from '../../assets/core';
import { servingVariable } from '../../assets/kinds';
import { localPaths } from '../../jobs/embedded/paths';
import { LocalRunLog } from '../../jobs/embedded/runlog';
import { DeliveryLedger, type DeliveredBatch } from '../../jobs/embedded/stream/deliveries';
import { putEvents } from '../../jobs/embedded/stream/producer';
import { generatorFromIndexes, startStreamSession } from '../../jobs/embedded/stream/session';
import { ensureStream, localKinesisClient, streamPaths } from '../../jobs/embedded/stream/kinesalite';
import { spawnKinesalite, spawnPoller } from '../../jobs/embedded/stream/processes';
import { embeddedStreamOf, type EmbeddedStreamTarget } from '../../jobs/embedded/stream/target';
import { streamEventsFor } from '../../jobs/embedded/stream/contract-events';
import { installSyntheticCatalog } from '../bench/serve-catalog';
import { loadDemoData, loadGraph } from '../cli/context';

export interface StreamDemoOptions {
  /** The graph whose stream-delivery asset runs. */
  readonly graph: AssetGraph;
  /** The events to put: its module's generator (`demoData.stream`) or events shaped by the stream's contract (`streamEventsFor`). */
  readonly stream: StreamEvents;
  /** The stream-delivery asset, when the graph has several. */
  readonly asset?: string;
  /** Events to put. Default 2,000. */
  readonly events?: number;
  /** Share of deliberately malformed events (cut-off JSON, an empty object). Default 0.01. */
  readonly malformedShare?: number;
  /** Poller buffer interval, ms. Default 1,000. */
  readonly bufferIntervalMs?: number;
  /** Shards of the stream. Default: its declared shards. */
  readonly shards?: number;
  /** Give up waiting for delivery after this long, ms. Default 60,000. */
  readonly timeoutMs?: number;
  /** Where to print; default stdout. Pass `() => {}` to stay quiet. */
  readonly print?: (line: string) => void;
  /** API port shown in the curl line. Default 8080. */
  readonly apiPort?: number;
  /**
   * Run kinesalite and the poller in this process instead of one child process each (as Kinesis
   * and Firehose are separate services). Default false.
   */
  readonly inProcess?: boolean;
  /** Record the deliveries as materializations of the stream-delivery asset in the local run log (the demo does; benchmarks do not). @default false */
  readonly record?: boolean;
}

export interface StreamDemoResult {
  readonly sent: number;
  readonly delivered: number;
  readonly failed: number;
  readonly duplicates: number;
  readonly eventsPerSec: number;
  readonly putPerSec: number;
  readonly e2eP50Ms: number;
  readonly e2eP99Ms: number;
  readonly e2eMaxMs: number;
  readonly seconds: number;
  /** A few delivered records, each in one line (the generator's `describe`). */
  readonly examples: readonly string[];
  /** A request to try against `assets serve`, when the generator suggests one. */
  readonly curl?: string;
  readonly lake: string;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** A delivered batch: when it became visible, and its Ok lines (in-process) or lake files (child). */
interface Delivered {
  readonly deliveredAt: number;
  readonly okLines?: readonly string[];
  readonly files?: readonly string[];
}

/** The stream the demo puts on and the poller delivering it, however they run. */
interface Running {
  readonly endpoint: string;
  readonly client: KinesisClient;
  readonly mode: string;
  duplicates(): number;
  close(): Promise<void>;
}

/** Sees every delivered batch (the run-log record of the deliveries). */
type OnBatch = (b: DeliveredBatch) => void;

/** kinesalite and the poller in this process (`assets stream start` runs this way). */
async function inProcess(target: EmbeddedStreamTarget, shards: number, bufferIntervalMs: number, onDelivered: (ok: number, failed: number, d: Delivered) => void, onBatch: OnBatch): Promise<Running> {
  const session = await startStreamSession({
    target,
    shards,
    bufferIntervalMs,
    onFlush: (b) => {
      onBatch(b);
      onDelivered(b.ok, b.failed, { deliveredAt: b.deliveredAt, okLines: b.okLines });
    },
  });
  return { endpoint: session.endpoint, client: session.client, mode: 'one process', duplicates: () => session.poller?.stats.duplicates ?? 0, close: () => session.close() };
}

/** kinesalite and the poller in one child process each; the producer is this process. */
async function separateProcesses(target: EmbeddedStreamTarget, shards: number, bufferIntervalMs: number, onDelivered: (ok: number, failed: number, d: Delivered) => void, onBatch: OnBatch): Promise<Running> {
  const paths = streamPaths(localPaths.stream(), target.streamName);
  const kin = await spawnKinesalite(paths.kinesalite, { publishEndpoint: paths.endpoint });
  const client = localKinesisClient(kin.endpoint);
  try {
    await ensureStream(client, target.streamName, shards);
    fs.mkdirSync(path.dirname(paths.checkpoint), { recursive: true });
    const lakeDir = localPaths.lake();
    const poller = await spawnPoller(
      { endpoint: kin.endpoint, streamName: target.streamName, lakeDir, prefix: target.prefix, errorPrefix: target.errorPrefix, checkpointFile: paths.checkpoint, bufferIntervalMs, transformModule: target.transformModule },
      {
        env: { ...process.env, ...(target.serving ? { [servingVariable('config')]: JSON.stringify(target.serving) } : {}) },
        onFlush: (f) => {
          onBatch(f);
          onDelivered(f.ok, f.failed, { deliveredAt: f.deliveredAt, files: f.files.filter((x) => !x.startsWith(path.join(target.prefix, target.errorPrefix) + path.sep)).map((x) => path.join(lakeDir, x)) });
        },
      },
    );
    let duplicates = poller.startStats.duplicates;
    return {
      endpoint: kin.endpoint,
      client,
      mode: `separate processes (kinesalite pid ${kin.pid}, poller pid ${poller.pid})`,
      duplicates: () => duplicates,
      async close() {
        try {
          duplicates = (await poller.stop()).duplicates;
        } finally {
          client.destroy();
          await kin.close();
        }
      },
    };
  } catch (e) {
    client.destroy();
    await kin.close();
    throw e;
  }
}

/** Runs the stream demo (see the file comment) and cleans up everything it started. */
export async function runStreamDemo(options: StreamDemoOptions): Promise<StreamDemoResult> {
  const target = embeddedStreamOf(options.graph, options.asset);
  const events = options.stream;
  const total = options.events ?? 2000;
  const badShare = options.malformedShare ?? 0.01;
  const bufferIntervalMs = options.bufferIntervalMs ?? 1000;
  const print = options.print ?? ((l: string) => process.stdout.write(l + '\n'));
  const next = await generatorFromIndexes(target, events, 7);
  const batches: Delivered[] = [];
  let delivered = 0;
  let failed = 0;
  let lastDelivery = 0;
  // Only counts here: latencies are read from the delivered lines after the run, off the clock.
  const onDelivered = (ok: number, bad: number, d: Delivered) => {
    delivered += ok;
    failed += bad;
    lastDelivery = d.deliveredAt;
    batches.push(d);
  };
  const start = options.inProcess ? inProcess : separateProcesses;
  // The deliveries are the stream asset's materializations: recorded here, where the graph is.
  const runLog = options.record ? new LocalRunLog(localPaths.runLog()) : undefined;
  const ledger = runLog ? await DeliveryLedger.open({ runLog, graph: options.graph, key: target.deliveryKey }) : undefined;
  let stream: Running;
  try {
    stream = await start(target, options.shards ?? target.shards, bufferIntervalMs, onDelivered, (b) => ledger?.record(b));
  } catch (e) {
    await ledger?.close(e as Error);
    await runLog?.close();
    throw e;
  }
  let sent = 0;
  let putMs = 0;
  const started = Date.now();
  try {
    print(`stream: ${target.streamKey} -> ${target.deliveryKey}: kinesalite on ${stream.endpoint}, poller buffer ${bufferIntervalMs / 1000}s, ${stream.mode}; putting ${total} events`);
    const badEvery = badShare > 0 ? Math.round(1 / badShare) : Infinity;
    for (let i = 0; i < total; i += 500) {
      // Generated right before the put so the event's time is the put time (e2e = put -> in the lake).
      // Malformed on purpose: cut-off JSON, and an object holding none of the fields the transform needs.
      const batch: (object | string)[] = Array.from({ length: Math.min(500, total - i) }, (_, j) => {
        const n = i + j;
        if (n % badEvery === badEvery - 1) return n % 2 ? JSON.stringify(next()).slice(0, -7) : {};
        return next();
      });
      const r = await putEvents(stream.client, target.streamName, batch, { partitionKey: events.partitionKey });
      sent += r.sent;
    }
    putMs = Date.now() - started;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (delivered + failed < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  } finally {
    try {
      await stream.close();
    } finally {
      await ledger?.close();
      await runLog?.close();
    }
  }
  // e2e latency of each Ok record: its put time (the event's own time) -> its file renamed into the lake.
  const latencies: number[] = [];
  const examples: string[] = [];
  let request: string | undefined;
  const describe = events.describe ?? ((r: Record<string, unknown>) => JSON.stringify(r).slice(0, 160));
  for (const b of batches) {
    const lines = b.okLines ?? (b.files ?? []).flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      const at = events.eventTime?.(record);
      if (at !== undefined && Number.isFinite(Date.parse(at))) latencies.push(b.deliveredAt - Date.parse(at));
      if (examples.length < 3) examples.push(describe(record));
      request ??= events.apiExample?.(record);
    }
  }
  const seconds = ((lastDelivery || Date.now()) - started) / 1000;
  const apiPort = options.apiPort ?? 8080;
  const curl = request === undefined ? undefined : `curl 'http://127.0.0.1:${apiPort}${request}'`;
  const result: StreamDemoResult = {
    sent,
    delivered,
    failed,
    duplicates: stream.duplicates(),
    eventsPerSec: Math.round((delivered + failed) / Math.max(seconds, 1e-3)),
    putPerSec: Math.round(sent / Math.max(putMs / 1000, 1e-3)),
    e2eP50Ms: Math.round(pct(latencies, 50)),
    e2eP99Ms: Math.round(pct(latencies, 99)),
    e2eMaxMs: Math.round(pct(latencies, 100)),
    seconds: Number(seconds.toFixed(2)),
    examples,
    ...(curl ? { curl } : {}),
    lake: path.join(localPaths.lake(), target.prefix),
  };
  print(`stream: sent ${sent}, delivered ${delivered}, failed ${failed} (with reasons under ${path.join(target.prefix, target.errorPrefix)}/), duplicates ${result.duplicates}`);
  if (latencies.length) print(`stream: end-to-end put -> lake p50 ${result.e2eP50Ms} ms, p99 ${result.e2eP99Ms} ms (buffer ${bufferIntervalMs / 1000}s); ${result.eventsPerSec} events/s`);
  else print(`stream: ${result.eventsPerSec} events/s (no latency: the event generator gives no event time)`);
  for (const e of examples) print(`  ${e}`);
  print(`API: npm run -s assets -- serve --port ${apiPort}${curl ? `   then   ${curl}` : ''}`);
  if (sent !== delivered + failed) print(`stream: WARNING ${sent - delivered - failed} events not delivered before the timeout; they stay in the stream and the next poller run delivers them`);
  return result;
}

/** `--synthetic`: a temporary local root holding a small synthetic catalog (the real one is left alone). */
async function withSyntheticCatalog<T>(run: () => Promise<T>): Promise<T> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-demo-stream-'));
  const previous = process.env.HEADWATER_HOME;
  process.env.HEADWATER_HOME = home;
  try {
    await installSyntheticCatalog({ lake: localPaths.lake(), indexes: localPaths.indexes() }, { products: 110, customers: 122 });
    return await run();
  } finally {
    if (previous === undefined) delete process.env.HEADWATER_HOME;
    else process.env.HEADWATER_HOME = previous;
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string) => (value(name) === undefined ? undefined : Number(value(name)));
  const run = () => {
    const module = value('graph') ?? process.env.HEADWATER_GRAPH;
    const graph = loadGraph(module);
    const asset = value('asset');
    const events = streamEventsFor(graph, embeddedStreamOf(graph, asset), loadDemoData(module)?.stream);
    if (!events) throw new Error(`${module ?? 'the reference graph'} exports no demoData.stream event generator and its stream has no contract to derive events from`);
    return runStreamDemo({ graph, stream: events, ...(asset ? { asset } : {}), events: num('events'), bufferIntervalMs: num('buffer-ms'), inProcess: argv.includes('--in-process') });
  };
  (argv.includes('--synthetic') ? withSyntheticCatalog(run) : run()).catch((e: Error) => {
    process.stderr.write(`stream demo failed: ${e.message}\n`);
    process.exitCode = 1;
  });
}
