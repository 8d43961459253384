/**
 * `assets serve [--port P] [--workers N]`: the recommendation API (serving/recommender_api) on a
 * local HTTP server, calling the same Lambda handler as AWS with Function URL events.
 *
 * One Node process serves on one core; on AWS, Lambda scales by instances instead. Locally the
 * server forks a worker per core (node:cluster, sharing the port) so a 2-core machine is not
 * capped at one core under load. Each worker opens its own copy of the indexes.
 */
import cluster, { type Worker } from 'node:cluster';
import type http from 'node:http';
import os from 'node:os';
import type { Command } from 'commander';
import { localPaths } from '../../../jobs/embedded/paths';
import { handler } from '../../../jobs/serving/recommender-api/handler';
import { serveHandler, toUrlEvent } from '../../../jobs/serving/http-server';
import { EmbeddedVectorStore } from '../../../jobs/vector-store/embedded';
import { loadGraph, requireAsset, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';
import { untilStopped } from '../until-stopped';

/** What a worker tells the primary once it listens, or why it could not. */
type WorkerMessage = { type: 'listening'; url: string } | { type: 'error'; message: string };

/** A customer and a product the local indexes know, so the example request shows real results. */
async function exampleIds(): Promise<{ customer: string; product: string } | undefined> {
  const store = new EmbeddedVectorStore(localPaths.indexes());
  try {
    const [users, items] = await Promise.all([store.open('user_embeddings'), store.open('item_embeddings')]);
    const customer = users.snapshot().ids[0];
    const product = items.snapshot().ids[0];
    return customer && product ? { customer, product } : undefined;
  } catch {
    return undefined;
  }
}

/** Opens the indexes, model and popular list now rather than on the first user's request. */
async function warmUp(): Promise<void> {
  const req = { url: '/recommendations?customer_number=1&product_code=warmup&k=1', method: 'GET', headers: {}, httpVersion: '1.1', socket: {} };
  await handler(toUrlEvent(req as unknown as http.IncomingMessage, Buffer.alloc(0))).catch(() => undefined);
}

async function announce(url: string, workers: number): Promise<void> {
  process.stdout.write(`${color.green('serving')} serving/recommender_api on ${url}${workers > 1 ? ` (${workers} workers)` : ''}\n`);
  const ids = await exampleIds();
  if (ids) process.stdout.write(`  curl '${url}/recommendations?customer_number=${ids.customer}&product_code=${ids.product}&k=5'\n`);
  else process.stdout.write(color.yellow('  no local indexes yet: every answer is the popular-products fallback until `npm run demo` (or materializing index/*) builds them\n'));
  process.stdout.write(color.dim('  Ctrl-C to stop\n'));
}

/** One process serving the handler (the whole server, or one cluster worker). */
async function serveHere(port: number, host: string): Promise<{ url: string; close(): Promise<void> }> {
  let server;
  try {
    server = await serveHandler(handler, { port, host });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await warmUp();
  return server;
}

async function runWorker(port: number, host: string): Promise<void> {
  try {
    const server = await serveHere(port, host);
    process.send?.({ type: 'listening', url: server.url } satisfies WorkerMessage);
    await new Promise<void>((resolve) => process.once('disconnect', resolve));
    await server.close();
  } catch (e) {
    process.send?.({ type: 'error', message: (e as Error).message } satisfies WorkerMessage);
    process.exitCode = 2;
  }
}

async function runPrimary(workers: number): Promise<void> {
  const forked = Array.from({ length: workers }, () => cluster.fork());
  const urls = await Promise.all(
    forked.map(
      (w) =>
        new Promise<string>((resolve, reject) => {
          w.on('message', (m: WorkerMessage) => (m.type === 'listening' ? resolve(m.url) : reject(new UserError(m.message))));
          w.once('exit', (code) => reject(new UserError(`a server worker exited with code ${code} before listening`)));
        }),
    ),
  ).catch((e: unknown) => {
    for (const w of forked) w.kill();
    throw e;
  });
  await announce(urls[0], workers);
  const live = new Set(forked);
  let stopping = false;
  const deaths: number[] = [];
  let crashLoop: ((e: Error) => void) | undefined;
  // A worker that dies (OOM, a native crash, kill -9) is replaced, so the server keeps its capacity.
  const replaceOnExit = (w: Worker) =>
    w.once('exit', (code, signal) => {
      live.delete(w);
      if (stopping) return;
      const now = Date.now();
      deaths.push(now);
      const recent = deaths.filter((t) => now - t < 10_000);
      process.stderr.write(color.yellow(`server worker ${w.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement\n`));
      if (recent.length >= MAX_DEATHS_PER_10S) {
        crashLoop?.(new UserError(`server workers died ${recent.length} times in 10 s; stopping instead of restarting them in a loop (the last exited with ${signal ?? `code ${code}`})`, 1));
        return;
      }
      const next = cluster.fork();
      live.add(next);
      replaceOnExit(next);
      next.on('message', (m: WorkerMessage) => {
        if (m.type === 'listening') process.stderr.write(color.dim(`server worker ${next.process.pid} replaced ${w.process.pid}\n`));
      });
    });
  for (const w of forked) replaceOnExit(w);
  const failed = new Promise<never>((_, reject) => (crashLoop = reject));
  try {
    await Promise.race([untilStopped(), failed]);
  } finally {
    stopping = true;
    await Promise.all([...live].map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : (w.once('exit', () => resolve()), w.disconnect())))));
  }
}

/** Deaths within 10 s after which the primary stops replacing workers (a crash loop) and exits 1. */
const MAX_DEATHS_PER_10S = 5;

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the recommendation API (serving/recommender_api) locally with the same handler as Lambda')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--workers <n>', 'server processes sharing the port (default: one per core)')
    .action(async (opts: { port: string; host: string; workers?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      if (g.env !== 'local') throw new UserError(`assets serve runs the API locally; on '${g.env}' the API is the Lambda Function URL of serving/recommender_api (see the stack outputs)`);
      const graph = loadGraph(g.graph);
      requireAsset(graph, 'serving/recommender_api');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number (0-65535), got '${opts.port}'`);
      const workers = opts.workers === undefined ? os.availableParallelism() : Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UserError(`--workers must be a whole number from 1 to 64, got '${opts.workers}'`);
      process.env.HEADWATER_MODE ??= 'embedded';
      if (cluster.isWorker) return runWorker(port, opts.host);
      if (workers > 1) return runPrimary(workers);
      const server = await serveHere(port, opts.host);
      await announce(server.url, 1);
      await untilStopped();
      await server.close();
    });
}
