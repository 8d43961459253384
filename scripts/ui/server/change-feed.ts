/**
 * Live updates: polls the run log (through `RunLog`, so any environment, and runs started by any
 * process: the CLI, automation, this server) and tells every open page when something changed,
 * by server-sent events. Pages then refetch what they show.
 */
import type http from 'node:http';
import type { RunLog } from '../../../assets/core';

/** What changes when a run starts, progresses or ends: the newest runs' states and event counts. */
async function fingerprint(runLog: RunLog): Promise<string> {
  const runs = await runLog.listRuns(10);
  const parts = await Promise.all(runs.map(async (r) => `${r.runId}:${r.status}:${r.endedAt ?? ''}:${r.status === 'running' ? (await runLog.events(r.runId)).length : ''}`));
  return parts.join('|');
}

export class ChangeFeed {
  private clients = new Set<http.ServerResponse>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private last?: string;
  private polling = false;
  /** Bumped on every change; caches key on it. */
  version = 0;

  constructor(private readonly runLog: RunLog, private readonly intervalMs: number) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    // Comments keep proxies and browsers from closing an idle stream.
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), 15_000);
  }

  /** Checks the run log now; announces a change when it moved. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const f = await fingerprint(this.runLog);
      if (this.last !== undefined && f !== this.last) this.changed();
      this.last = f;
    } catch {
      // A failed poll (network to DynamoDB...) is retried on the next tick; pages keep what they show.
    } finally {
      this.polling = false;
    }
  }

  /** Announces a change (runs this server started call it at once, without waiting for a poll). */
  changed(): void {
    this.version++;
    this.broadcast(`event: change\ndata: ${JSON.stringify({ version: this.version })}\n\n`);
  }

  /** Attaches an SSE response. */
  subscribe(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ version: this.version })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  private broadcast(chunk: string): void {
    for (const c of this.clients) c.write(chunk);
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
