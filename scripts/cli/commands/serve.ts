/**
 * `assets serve [--asset KEY] [--port P] [--workers N]`: a `lambda-api` asset of the graph on a
 * local HTTP server, calling the handler it declares with Function URL events, as Lambda does.
 * The handler reads the same serving variables the stack sets (`servingEnvironment`): the API's
 * config from its declaration and deps, and its deps' folders in the local lake.
 *
 * One Node process serves on one core; on AWS, Lambda scales by instances instead. Locally the
 * server forks a worker per core (node:cluster, sharing the port) so a 2-core machine is not
 * capped at one core under load. Each worker opens its own copy of the indexes.
 */
import cluster, { type Worker } from 'node:cluster';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { AssetGraph } from '../../../assets/core';
import { computeSettings } from '../../../assets/core';
import type { LambdaApiSettings, ServingConfig } from '../../../assets/kinds';
import { repoRoot } from '../../../jobs/engine/repo-files';
import { localPaths } from '../../../jobs/embedded/paths';
import { embeddedServingEnvironment, servingConfigFrom } from '../../../jobs/serving/environment';
import { serveHandler, toUrlEvent, type UrlHandler } from '../../../jobs/serving/http-server';
import { EmbeddedVectorStore } from '../../../jobs/vector-store/embedded';
import { loadGraph, requireAsset, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';
import { enableTypeScriptModules } from '../typescript-modules';
import { untilStopped } from '../until-stopped';

/** What a worker tells the primary once it listens, or why it could not. */
type WorkerMessage = { type: 'listening'; url: string } | { type: 'error'; message: string };

/** The `lambda-api` asset to serve: `--asset`, else the graph's only one. */
function apiAsset(graph: AssetGraph, asked?: string): string {
  const apis = graph.keys.filter((k) => graph.get(k).compute.kind === 'lambda-api');
  if (asked) {
    requireAsset(graph, asked);
    if (!apis.includes(asked)) throw new UserError(`${asked} is a ${graph.get(asked).compute.kind} asset; assets serve runs lambda-api assets (${apis.join(', ') || 'the graph has none'})`);
    return asked;
  }
  if (apis.length === 1) return apis[0];
  if (!apis.length) throw new UserError('the graph has no lambda-api asset to serve; declare one with lambdaApi({ handler }) or pass --graph');
  throw new UserError(`the graph has ${apis.length} lambda-api assets (${apis.join(', ')}); say which with --asset KEY`);
}

/** The handler the asset declares (`handler` of lambdaApi), loaded as Lambda would call it. */
function declaredHandler(graph: AssetGraph, key: string): UrlHandler {
  const file = computeSettings<LambdaApiSettings>(graph.get(key)).handler;
  const target = path.resolve(repoRoot(), file);
  let mod: { handler?: unknown };
  try {
    if (target.endsWith('.ts')) enableTypeScriptModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(target) as { handler?: unknown };
  } catch (e) {
    throw new UserError(`${key}: its handler ${file} failed to load (${(e as Error).message.split('\n')[0]}); check the path in lambdaApi({ handler })`);
  }
  if (typeof mod.handler !== 'function') throw new UserError(`${key}: its handler ${file} exports no 'handler' function; export the Lambda entry point as 'handler'`);
  return mod.handler as UrlHandler;
}

/** A user and an item the local indexes know, so the example request shows real results. */
async function exampleIds(config: ServingConfig): Promise<{ user: string; item: string } | undefined> {
  if (!config.indexes.user || !config.indexes.item) return undefined;
  const store = new EmbeddedVectorStore(localPaths.indexes());
  try {
    const [users, items] = await Promise.all([store.open(config.indexes.user), store.open(config.indexes.item)]);
    const user = users.snapshot().ids[0];
    const item = items.snapshot().ids[0];
    return user && item ? { user, item } : undefined;
  } catch {
    return undefined;
  }
}

/** Opens the indexes, model and fallback list now rather than on the first user's request. */
async function warmUp(handler: UrlHandler, config: ServingConfig): Promise<void> {
  const url = `/recommendations?${encodeURIComponent(config.user.field)}=0&${encodeURIComponent(config.item.field)}=0&k=1`;
  const req = { url, method: 'GET', headers: {}, httpVersion: '1.1', socket: {} };
  await handler(toUrlEvent(req as unknown as http.IncomingMessage, Buffer.alloc(0))).catch(() => undefined);
}

async function announce(url: string, workers: number, config: ServingConfig): Promise<void> {
  process.stdout.write(`${color.green('serving')} ${config.asset} on ${url}${workers > 1 ? ` (${workers} workers)` : ''}\n`);
  const ids = await exampleIds(config);
  const q = (field: string, value: string) => `${encodeURIComponent(field)}=${encodeURIComponent(value)}`;
  if (ids) process.stdout.write(`  curl '${url}/recommendations?${q(config.user.field, ids.user)}&${q(config.item.field, ids.item)}&k=5'\n`);
  else process.stdout.write(color.yellow(`  no local indexes yet: every answer is the fallback list until the indexes of ${config.asset} are materialized (\`npm run demo\`, or assets materialize '+${config.asset}')\n`));
  if (config.lab) process.stdout.write(`  lab-compatible surface: ${url}${config.lab.basePath}/user_embeddings, /items_from_user, /items_from_item\n`);
  process.stdout.write(color.dim('  Ctrl-C to stop\n'));
}

/** One process serving the handler (the whole server, or one cluster worker). */
async function serveHere(handler: UrlHandler, config: ServingConfig, port: number, host: string): Promise<{ url: string; close(): Promise<void> }> {
  let server;
  try {
    server = await serveHandler(handler, { port, host });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await warmUp(handler, config);
  return server;
}

async function runWorker(handler: UrlHandler, config: ServingConfig, port: number, host: string): Promise<void> {
  try {
    const server = await serveHere(handler, config, port, host);
    process.send?.({ type: 'listening', url: server.url } satisfies WorkerMessage);
    await new Promise<void>((resolve) => process.once('disconnect', resolve));
    await server.close();
  } catch (e) {
    process.send?.({ type: 'error', message: (e as Error).message } satisfies WorkerMessage);
    process.exitCode = 2;
  }
}

async function runPrimary(workers: number, config: ServingConfig): Promise<void> {
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
  await announce(urls[0], workers, config);
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
    .description("serve a lambda-api asset locally with the handler it declares, as Lambda runs it")
    .option('--asset <key>', 'the lambda-api asset to serve (default: the graph\'s only one)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--workers <n>', 'server processes sharing the port (default: one per core)')
    .action(async (opts: { asset?: string; port: string; host: string; workers?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      const graph = loadGraph(g.graph);
      const key = apiAsset(graph, opts.asset);
      if (g.env !== 'local') throw new UserError(`assets serve runs the API locally; on '${g.env}' the API is the Lambda Function URL of ${key} (see the stack outputs)`);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number (0-65535), got '${opts.port}'`);
      const workers = opts.workers === undefined ? os.availableParallelism() : Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UserError(`--workers must be a whole number from 1 to 64, got '${opts.workers}'`);
      process.env.HEADWATER_MODE ??= 'embedded';
      // The variables the stack sets on the Lambda, for the local lake; cluster workers inherit them.
      Object.assign(process.env, embeddedServingEnvironment(graph, key));
      const config = servingConfigFrom(process.env);
      const handler = declaredHandler(graph, key);
      if (cluster.isWorker) return runWorker(handler, config, port, opts.host);
      if (workers > 1) return runPrimary(workers, config);
      const server = await serveHere(handler, config, port, opts.host);
      await announce(server.url, 1, config);
      await untilStopped();
      await server.close();
    });
}
