/**
 * The `assets ui` server: a JSON API over the CLI's own status, checks, runs and engine, the
 * bundled front end (built by esbuild, no CDN), and server-sent events when the run log moves.
 * Outline: open the environment; watch the run log; answer requests; close both on stop.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SelectionError, selectAssets, type AssetGraph, type RunLogSnapshot, type RunRecord } from '../../../assets/core';
import type { Environment } from '../../../jobs/engine';
import { UserError } from '../../cli/errors';
import { assetStatuses, type AssetStatus } from '../../cli/run/asset-status';
import { openEnvironment } from '../../cli/run/environment';
import { RunLauncher } from './actions';
import { recentActivity, type Activity } from './activity';
import { DISPLAY_STATES } from './asset-state';
import { automationPage } from './automation';
import { ChangeFeed } from './change-feed';
import { dashboardPage, localLakeFiles, stackLakeFiles, type LakeFiles } from './dashboard';
import { assetPage, graphNodes, runPage } from './views';
import { bundleDir, ensureBundle } from '../bundle';

export interface UiServerOptions {
  readonly graph: AssetGraph;
  /** The `--graph` module, when not the reference graph (the engine loads its executors). */
  readonly graphModule?: string;
  /** `local` or a stack name. */
  readonly envName: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default 127.0.0.1 (loopback only: the UI starts runs, so it is not offered to the network) */
  readonly host?: string;
  /** How often the run log is polled for changes. @default 1,000 ms locally, 10,000 ms on a stack */
  readonly pollMs?: number;
  /** Where dashboards read Parquet files. @default the embedded lake, or the stack's S3 */
  readonly lakeFiles?: LakeFiles;
  /** Recent runs scanned for activity (running, last failure). @default 25 */
  readonly activityRuns?: number;
  /** Recent runs scanned for an asset's history and plots. @default 200 */
  readonly historyRuns?: number;
}

export interface UiServer {
  readonly url: string;
  readonly env: Environment;
  close(): Promise<void>;
}

/** Status and activity of every asset, recomputed when the run log changed or every 15 s (freshness ages). */
class StatusCache {
  private cached?: { version: number; atMs: number; value: Promise<{ snap: RunLogSnapshot; statuses: AssetStatus[]; activity: Activity; nowMs: number }> };

  constructor(private readonly graph: AssetGraph, private readonly env: Environment, private readonly feed: ChangeFeed, private readonly activityRuns: number) {}

  get() {
    const now = Date.now();
    const c = this.cached;
    if (c && c.version === this.feed.version && now - c.atMs < 15_000) return c.value;
    const value = (async () => {
      const [snap, runs] = await Promise.all([this.env.runLog.snapshot(), this.env.runLog.listRuns(this.activityRuns)]);
      const statuses = assetStatuses(this.graph, this.graph.keys, snap, (p) => this.env.readCode(p), now);
      return { snap, statuses, activity: await recentActivity(this.env.runLog, runs), nowMs: now };
    })();
    const entry = { version: this.feed.version, atMs: now, value };
    this.cached = entry;
    // The 15 s age counts from when the statuses were ready: a slow computation is not redone at once.
    value.then(() => (entry.atMs = Date.now()), () => (this.cached = undefined));
    return value;
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new UserError('request body too large (64 KiB at most)');
    chunks.push(c as Buffer);
  }
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  } catch {
    throw new UserError('the request body is not JSON');
  }
}

/** Starts the server; resolves once it listens. */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const { graph } = o;
  await ensureBundle();
  const env = await openEnvironment(o.envName, o.graphModule);
  const feed = new ChangeFeed(env.runLog, o.pollMs ?? (o.envName === 'local' ? 1_000 : 10_000));
  const cache = new StatusCache(graph, env, feed, o.activityRuns ?? 25);
  const launcher = new RunLauncher(graph, o.envName, o.graphModule, () => feed.changed());
  const lakeFiles = o.lakeFiles ?? (o.envName === 'local' ? localLakeFiles : stackLakeFiles(env));
  const historyRuns = o.historyRuns ?? 200;
  const dashboards = graph.keys.filter((k) => graph.get(k).dashboard).map((k) => ({ key: k, title: graph.get(k).dashboard!.title }));

  const requireKey = (key: string | null): string => {
    if (!key) throw new UserError('add ?key=<asset key>');
    if (!graph.has(key)) throw new UserError(`unknown asset '${key}'`, 404);
    return key;
  };

  const api = async (req: http.IncomingMessage, url: URL): Promise<[number, unknown]> => {
    const p = url.pathname;
    if (p === '/api/meta') return [200, { env: o.envName, graph: o.graphModule ?? 'the reference graph (assets/index.ts)', assets: graph.keys.length, states: DISPLAY_STATES, dashboards, version: feed.version }];
    if (p === '/api/graph') {
      const { statuses, activity, nowMs } = await cache.get();
      return [200, { at: new Date(nowMs).toISOString(), version: feed.version, nodes: graphNodes(graph, statuses, activity) }];
    }
    if (p === '/api/select') {
      const q = url.searchParams.get('q') ?? '';
      try {
        return [200, { keys: q.trim() ? selectAssets(graph, q) : [...graph.keys] }];
      } catch (e) {
        // A half-typed expression is the normal case in a search box: an answer, not an HTTP error.
        if (e instanceof SelectionError) return [200, { keys: null, problem: { reason: e.reason, position: e.position, message: e.message } }];
        throw e;
      }
    }
    if (p === '/api/asset') {
      const key = requireKey(url.searchParams.get('key'));
      const { snap, activity, nowMs } = await cache.get();
      const runs = await env.runLog.listRuns(historyRuns);
      return [200, await assetPage(graph, key, env.runLog, snap, activity, (f) => env.readCode(f), nowMs, runs)];
    }
    if (p === '/api/runs' && req.method === 'GET') {
      const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
      const runs: RunRecord[] = await env.runLog.listRuns(limit);
      return [200, { runs: runs.map((r) => ({ ...r, outcome: launcher.outcomes.get(r.runId) ?? null })) }];
    }
    if (p === '/api/runs' && req.method === 'POST') {
      return [202, await launcher.start((await readBody(req)) as object)];
    }
    if (p === '/api/run') {
      const id = url.searchParams.get('id') ?? '';
      const run = await env.runLog.getRun(id);
      if (!run) throw new UserError(`no run '${id}' in the ${o.envName} run log`, 404);
      return [200, { ...runPage(run, await env.runLog.events(id)), outcome: launcher.outcomes.get(id) ?? null }];
    }
    if (p === '/api/dashboard') {
      const key = requireKey(url.searchParams.get('key'));
      if (!graph.get(key).dashboard) throw new UserError(`${key} declares no dashboard`, 404);
      const { snap, statuses, nowMs } = await cache.get();
      return [200, await dashboardPage(graph, key, snap, statuses.find((s) => s.key === key)!, lakeFiles, nowMs)];
    }
    if (p === '/api/automation') return [200, await automationPage(graph, env.runLog, Date.now())];
    throw new UserError(`no API route ${p}`, 404);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/events') return feed.subscribe(res);
    if (url.pathname.startsWith('/api/')) {
      api(req, url).then(
        ([status, body]) => sendJson(res, status, body),
        (e: unknown) => {
          if (e instanceof UserError) return sendJson(res, e.exitCode === 404 ? 404 : 400, { error: e.message, exitCode: e.exitCode === 404 ? 2 : e.exitCode });
          process.stderr.write(`assets ui: ${(e as Error).stack ?? String(e)}\n`);
          sendJson(res, 500, { error: `internal error: ${(e as Error).message}` });
        },
      );
      return;
    }
    // Static files of the bundle; every other path is the single page (it routes on the hash).
    const name = url.pathname === '/' ? 'index.html' : path.basename(url.pathname);
    const file = path.join(bundleDir, name);
    const target = fs.existsSync(file) && TYPES[path.extname(file)] ? file : path.join(bundleDir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(target)], 'cache-control': 'no-cache' });
    fs.createReadStream(target).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  feed.start();
  await feed.poll();
  const { port } = server.address() as AddressInfo;
  const host = o.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    env,
    async close() {
      feed.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await launcher.drain();
      lakeFiles.dispose?.();
      await env.close();
    },
  };
}
