/**
 * `assets stream start|put|status`: the embedded stream (`--env local`) of the graph's
 * stream-delivery asset (`--asset KEY` when there are several). `start` runs kinesalite and the
 * delivery poller (the embedded Firehose) until Ctrl-C; `put` writes events from a JSONL file or
 * the graph module's event generator, to the running stream or, when none runs, to the stream's
 * stored state (delivered by the next `start`); `status` shows the checkpoint and what reached
 * the lake.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { deliveredSubjectFields, type AssetGraph, type StreamEvents } from '../../../assets/core';
import { localPaths } from '../../../jobs/embedded/paths';
import { ensureStream, localKinesisClient, runningEndpoint, startKinesalite, streamPaths } from '../../../jobs/embedded/stream/kinesalite';
import { putEvents } from '../../../jobs/embedded/stream/producer';
import { generatorFromIndexes, startStreamSession } from '../../../jobs/embedded/stream/session';
import { embeddedStreamOf, type EmbeddedStreamTarget } from '../../../jobs/embedded/stream/target';
import { streamEventsFor } from '../../../jobs/embedded/stream/contract-events';
import { loadDemoData, loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color, printJson } from '../output';
import { untilStopped } from '../until-stopped';

interface StreamOptions extends GlobalOptions {
  readonly asset?: string;
}

/** The graph and its embedded stream (the stream-delivery asset, `--asset` when there are several); local only. */
function streamOf(cmd: Command): { g: StreamOptions; graph: AssetGraph; target: EmbeddedStreamTarget } {
  const g = cmd.optsWithGlobals() as StreamOptions;
  const graph = loadGraph(g.graph);
  const target = embeddedStreamOf(graph, g.asset);
  if (g.env !== 'local') throw new UserError(`assets stream drives the embedded stream; on '${g.env}' events go to the Kinesis stream of ${target.streamKey}`);
  return { g, graph, target };
}

/** The events `put --generate` makes: the graph module's (`demoData.stream`), else derived from the stream's contract. */
function streamEventsOf(g: GlobalOptions, graph: AssetGraph, target: EmbeddedStreamTarget): StreamEvents {
  const events = streamEventsFor(graph, target, loadDemoData(g.graph)?.stream);
  if (!events) {
    throw new UserError(
      `--generate needs an event generator for ${target.streamKey}, which has no contract to derive events from: export \`demoData = { stream: { generator } }\` from the graph module (see StreamEvents in assets/core/demo-data.ts), declare its contract, or put your own events with --file events.jsonl`,
    );
  }
  return events;
}

/** The largest record Kinesis accepts (data plus partition key): 1 MiB. */
const MAX_RECORD_BYTES = 1024 * 1024 - 256;

const countLines = (dir: string): number => {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.jsonl')) n += fs.readFileSync(path.join(e.parentPath, e.name), 'utf8').split('\n').filter(Boolean).length;
  }
  return n;
};

export function register(program: Command): void {
  const stream = program
    .command('stream')
    .description("the embedded stream: kinesalite + the delivery poller (embedded Firehose) of the graph's stream-delivery asset")
    .option('--asset <key>', 'the stream-delivery asset to run (needed when the graph has several)');

  stream
    .command('start')
    .description('run kinesalite and the delivery poller until Ctrl-C')
    .option('--port <port>', 'kinesalite port on 127.0.0.1 (0 = any)', '0')
    .option('--buffer-seconds <s>', 'poller buffer interval (default: the graph bufferIntervalSeconds)')
    .action(async (opts: { port: string; bufferSeconds?: string }, cmd: Command) => {
      const { graph, target } = streamOf(cmd);
      const bufferSeconds = opts.bufferSeconds !== undefined ? Number(opts.bufferSeconds) : target.bufferIntervalSeconds;
      if (!Number.isFinite(bufferSeconds) || bufferSeconds < 0 || bufferSeconds > 900) throw new UserError(`--buffer-seconds must be between 0 and 900, got '${opts.bufferSeconds}'`);
      if (await runningEndpoint(streamPaths(localPaths.stream(), target.streamName).endpoint)) throw new UserError('the embedded stream is already running (another `assets stream start`); stop it first');
      const session = await startStreamSession({
        target,
        bufferIntervalMs: bufferSeconds * 1000,
        port: Number(opts.port),
        record: { graph },
        subjectFields: deliveredSubjectFields(graph),
        onFlush: (b) => process.stdout.write(`delivered ${b.ok} ok, ${b.failed} failed -> ${b.files.join(', ')}\n`),
      });
      process.stdout.write(`${color.green('stream')} ${target.streamName} (${target.streamKey}) on ${session.endpoint} (${target.shards} shards), poller buffer ${bufferSeconds}s -> ${path.join(localPaths.lake(), target.prefix)}\n`);
      process.stdout.write(color.dim(`  deliveries are recorded as materializations of ${target.deliveryKey} in run ${session.ledger?.runId}\n`));
      process.stdout.write(color.dim('  put events with: npm run -s assets -- stream put --generate 100\n  Ctrl-C to stop\n'));
      await untilStopped();
      await session.close();
      process.stdout.write(`stopped: ${JSON.stringify(session.poller?.stats)}\n`);
    });

  stream
    .command('put')
    .description("put events on the stream the stream-delivery asset consumes")
    .option('--file <events.jsonl>', 'one JSON event per line')
    .option('--generate <n>', "generate N events with the graph module's event generator, over the ids of the local indexes")
    .option('--rate <r>', 'events per second when generating (default: as fast as possible)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { file?: string; generate?: string; rate?: string; json?: boolean }, cmd: Command) => {
      const { g, graph, target } = streamOf(cmd);
      if (!opts.file === !opts.generate) throw new UserError('give exactly one of --file events.jsonl or --generate N');
      const events: (object | string)[] = [];
      const oversize: number[] = [];
      if (opts.file) {
        if (!fs.existsSync(opts.file)) throw new UserError(`--file ${opts.file}: no such file`);
        if (fs.statSync(opts.file).isDirectory()) throw new UserError(`--file ${opts.file} is a folder; pass a JSONL file (one JSON event per line)`);
        // Kinesis refuses a record over 1 MiB, and with it the whole request: such lines are
        // rejected one by one, naming their line numbers, and every other line still goes.
        fs.readFileSync(opts.file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (!line.trim()) return;
            if (Buffer.byteLength(line) > MAX_RECORD_BYTES) oversize.push(i + 1);
            else events.push(line);
          });
        if (oversize.length) {
          process.stderr.write(color.yellow(`${opts.file}: line${oversize.length > 1 ? 's' : ''} ${oversize.slice(0, 10).join(', ')}${oversize.length > 10 ? ', ...' : ''} ${oversize.length > 1 ? 'exceed' : 'exceeds'} the 1 MiB Kinesis record limit and were not sent\n`));
        }
      }
      const n = opts.generate !== undefined ? Number(opts.generate) : 0;
      if (opts.generate !== undefined && (!Number.isInteger(n) || n <= 0)) throw new UserError(`--generate must be a positive whole number, got '${opts.generate}'`);
      const rate = opts.rate !== undefined ? Number(opts.rate) : Infinity;
      if (!(rate > 0)) throw new UserError(`--rate must be a positive number of events per second, got '${opts.rate}'`);
      let next: (() => object) | undefined;
      const generated = n > 0 ? streamEventsOf(g, graph, target) : undefined;
      if (generated) {
        try {
          next = await generatorFromIndexes(target, generated);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      }
      const paths = streamPaths(localPaths.stream(), target.streamName);
      const endpoint = await runningEndpoint(paths.endpoint);
      const kin = endpoint ? undefined : await startKinesalite({ dir: paths.kinesalite }).catch((e: Error) => {
        throw new UserError(e.message);
      });
      const client = localKinesisClient(endpoint ?? kin!.endpoint);
      let sent = 0;
      let rejected = oversize.length;
      const started = Date.now();
      try {
        await ensureStream(client, target.streamName, target.shards);
        if (next) {
          // Paced in batches of up to 100 so --rate holds without one request per event.
          const batch = Number.isFinite(rate) ? Math.max(1, Math.min(100, Math.floor(rate / 10))) : 500;
          for (let i = 0; i < n; i += batch) {
            const chunk = Array.from({ length: Math.min(batch, n - i) }, () => next!());
            const r = await putEvents(client, target.streamName, chunk, { partitionKey: generated?.partitionKey });
            sent += r.sent;
            rejected += r.rejected;
            if (Number.isFinite(rate)) {
              const due = started + ((i + chunk.length) / rate) * 1000;
              if (due > Date.now()) await new Promise((res) => setTimeout(res, due - Date.now()));
            }
          }
        } else {
          const r = await putEvents(client, target.streamName, events, { partitionKey: streamEventsFor(graph, target, loadDemoData(g.graph)?.stream)?.partitionKey });
          sent = r.sent;
          rejected += r.rejected;
        }
      } finally {
        client.destroy();
        await kin?.close();
      }
      const result = { sent, rejected, seconds: (Date.now() - started) / 1000, stream: target.streamName, delivery: endpoint ? 'running poller' : 'stored; delivered by the next `assets stream start`' };
      if (opts.json) printJson(result);
      else process.stdout.write(`put ${sent} events on ${target.streamName}${rejected ? `, ${rejected} rejected` : ''} in ${result.seconds.toFixed(1)}s (${result.delivery})\n`);
      if (rejected) process.exitCode = 1;
    });

  stream
    .command('status')
    .description('checkpoint and what reached the lake')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { target } = streamOf(cmd);
      const paths = streamPaths(localPaths.stream(), target.streamName);
      let checkpoint: { committed?: unknown } | undefined;
      try {
        checkpoint = fs.existsSync(paths.checkpoint) ? JSON.parse(fs.readFileSync(paths.checkpoint, 'utf8')) : undefined;
      } catch (e) {
        throw new UserError(`the stream checkpoint ${paths.checkpoint} is damaged (${(e as Error).message}); delete it to re-read the stream from its start (deliveries are idempotent per batch)`);
      }
      const out = path.join(localPaths.lake(), target.prefix);
      const failed = countLines(path.join(out, target.errorPrefix));
      const status = { running: Boolean(await runningEndpoint(paths.endpoint)), checkpoint: checkpoint?.committed ?? {}, delivered: countLines(out) - failed, failed, lake: out };
      if (opts.json) printJson(status);
      else process.stdout.write(`running: ${status.running}\ndelivered: ${status.delivered}\nfailed: ${status.failed}\ncheckpoint: ${JSON.stringify(status.checkpoint)}\nlake: ${out}\n`);
    });
}
