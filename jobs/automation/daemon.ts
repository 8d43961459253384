/**
 * The automation daemon behind `assets automate`: one foreground process that evaluates the
 * graph's automation conditions each tick and launches the requested runs through the engine,
 * at most `maxRuns` at a time, in any environment.
 *
 * Exactly-once launches across restarts. A tick first records itself and its requests in the
 * run log, then saves the evaluator's checkpoint (which queues the requests), then launches.
 * Every request carries the run id it will run under, and a run id can be created only once, so
 * a daemon restarted after a crash launches a queued request only if its run does not exist yet.
 * A tick recorded without its checkpoint (a crash in between) is replayed from the run log.
 * One daemon per environment: it holds the environment's lock on `_automation/daemon` for its
 * whole life (a dead holder's lock is taken over, as for asset locks).
 */
import os from 'node:os';
import {
  evaluateAutomation,
  groupRequests,
  initialAutomationState,
  type AssetGraph,
  type AssetKey,
  type AssetWaiting,
  type AutomationRequestRecord,
  type AutomationState,
  type AutomationTick,
  type RunStatus,
} from '../../assets/core';
import { materialize, newRunId, silentReporter, type Environment, type Lock } from '../engine';

/** The lock a running daemon holds (asset keys cannot start with `_`, so it names no asset). */
export const AUTOMATION_LOCK_KEY = '_automation/daemon';

/** What became of a launched request. */
export interface LaunchOutcome {
  readonly status: RunStatus;
  /** `key [partitions]: detail` of each failed or blocked step. */
  readonly failures: readonly string[];
}

export type Launcher = (request: AutomationRequestRecord, tickId: string, signal: AbortSignal) => Promise<LaunchOutcome>;

/** What the daemon did, for its log (the CLI prints each as a line, or as JSON). */
export type DaemonEvent =
  | { readonly type: 'started'; readonly owner: string; readonly env: string; readonly intervalMs: number; readonly maxRuns: number; readonly queued: number }
  | { readonly type: 'tick'; readonly tick: AutomationTick; readonly waiting: readonly AssetWaiting[] }
  | { readonly type: 'launched'; readonly request: AutomationRequestRecord }
  | { readonly type: 'already_launched'; readonly request: AutomationRequestRecord }
  | { readonly type: 'finished'; readonly request: AutomationRequestRecord; readonly outcome: LaunchOutcome; readonly durationMs: number }
  | { readonly type: 'stopping'; readonly inFlight: number };

export interface AutomationDaemonOptions {
  readonly graph: AssetGraph;
  readonly env: Environment;
  /**
   * Runs in flight at most.
   * @default 2
   */
  readonly maxRuns?: number;
  /**
   * Longest wait between two ticks; the daemon also wakes at the next cron tick, window end or
   * freshness deadline, and right after one of its runs ends.
   * @default 30_000
   */
  readonly intervalMs?: number;
  readonly onEvent?: (e: DaemonEvent) => void;
  /** The clock (tests and benchmarks move it). @default Date.now */
  readonly now?: () => number;
  /** Starts a request's run. @default the engine, in `env` */
  readonly launch?: Launcher;
}

interface InFlight {
  readonly request: AutomationRequestRecord;
  readonly done: Promise<void>;
}

/** Folds a recorded tick into a state that predates it: its requests are handled and queued. */
export function replayTick(state: AutomationState, tick: AutomationTick): AutomationState {
  const at = Date.parse(tick.at);
  const assets = { ...state.assets };
  for (const r of tick.requests) {
    for (const k of r.keys) {
      const was = assets[k];
      if (was?.handledMs !== undefined && was.handledMs >= at) continue;
      assets[k] = { ...(was ?? { since: at }), handledMs: at, requestedTarget: r.partitions[k] ?? '', wakeAtMs: undefined };
    }
  }
  const queued = new Set(state.queue.map((r) => r.requestId));
  return { ...state, assets, queue: [...state.queue, ...tick.requests.filter((r) => !queued.has(r.requestId))] };
}

export class AutomationDaemon {
  readonly owner = `${os.hostname()}:${process.pid}`;
  private state: AutomationState = initialAutomationState();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly touched = new Set<AssetKey>();
  private readonly runs = new AbortController();
  private lock?: Lock;
  private wakeUp?: () => void;
  private saving: Promise<void> = Promise.resolve();
  private readonly maxRuns: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly emit: (e: DaemonEvent) => void;
  private readonly launch: Launcher;
  /** Launched runs that did not succeed (for `--once`'s exit code). */
  failedRuns = 0;

  constructor(private readonly opts: AutomationDaemonOptions) {
    this.maxRuns = Math.max(1, Math.floor(opts.maxRuns ?? 2));
    this.intervalMs = Math.max(1000, opts.intervalMs ?? 30_000);
    this.now = opts.now ?? Date.now;
    this.emit = opts.onEvent ?? (() => undefined);
    this.launch = opts.launch ?? engineLauncher(opts.graph, opts.env);
  }

  /** Takes the daemon lock (throws LockHeldError naming the holder), restores the state, launches what a previous daemon queued. */
  async start(): Promise<void> {
    this.lock = await this.opts.env.acquireLock(AUTOMATION_LOCK_KEY, null, `${this.owner}:automate`);
    this.state = await this.restore();
    this.emit({ type: 'started', owner: this.owner, env: this.opts.env.name, intervalMs: this.intervalMs, maxRuns: this.maxRuns, queued: this.state.queue.length });
    await this.dropLaunched();
    this.launchReady();
  }

  /** The saved state, with any tick recorded after it replayed. */
  async restore(): Promise<AutomationState> {
    const log = this.opts.env.runLog;
    const checkpoint = await log.loadAutomationState();
    let state = checkpoint?.state ?? initialAutomationState();
    const later = (await log.listTicks(20)).filter((t) => !checkpoint || t.tickId > checkpoint.tickId).reverse();
    for (const t of later) state = replayTick(state, t);
    this.lastTickId = later.at(-1)?.tickId ?? checkpoint?.tickId;
    return state;
  }

  /** Requests whose run exists were launched before a restart: never again. */
  private async dropLaunched(): Promise<void> {
    const keep: AutomationRequestRecord[] = [];
    for (const r of this.state.queue) {
      if (await this.opts.env.runLog.getRun(r.runId)) this.emit({ type: 'already_launched', request: r });
      else keep.push(r);
    }
    if (keep.length !== this.state.queue.length) {
      this.state = { ...this.state, queue: keep };
      await this.save(undefined);
    }
  }

  /** Evaluates without recording or launching anything (`--dry-run`). */
  async preview(): Promise<{ requests: AutomationRequestRecord[]; waiting: readonly AssetWaiting[]; evaluated: number; nextWakeMs?: number; firstTick: boolean }> {
    const state = await this.restore();
    const nowMs = this.now();
    const r = evaluateAutomation({ graph: this.opts.graph, snapshot: await this.opts.env.runLog.snapshot(), nowMs, state, inProgress: this.busyKeys(state) });
    return { requests: groupRequests(this.opts.graph, r.requests, tickIdAt(nowMs), nowMs), waiting: r.waiting, evaluated: r.evaluated, nextWakeMs: r.nextWakeMs, firstTick: state.lastEvalMs === undefined };
  }

  /** One tick: evaluate, record the tick and its requests, save the checkpoint, launch what fits. */
  async tick(): Promise<{ tick: AutomationTick; nextWakeMs?: number }> {
    const nowMs = this.now();
    const started = Date.now();
    const tickId = tickIdAt(nowMs);
    const touched = [...this.touched];
    this.touched.clear();
    let tick: AutomationTick;
    let nextWakeMs: number | undefined;
    try {
      const r = evaluateAutomation({
        graph: this.opts.graph,
        snapshot: await this.opts.env.runLog.snapshot(),
        nowMs,
        state: this.state,
        inProgress: this.busyKeys(this.state),
        touched,
      });
      const requests = groupRequests(this.opts.graph, r.requests, tickId, nowMs);
      nextWakeMs = Math.min(r.nextWakeMs ?? Infinity, nowMs + this.intervalMs);
      tick = { tickId, env: this.opts.env.name, owner: this.owner, at: new Date(nowMs).toISOString(), durationMs: Date.now() - started, status: 'ok', evaluated: r.evaluated, requests, nextTickAt: new Date(nextWakeMs).toISOString() };
      await this.opts.env.runLog.recordTick(tick);
      this.state = { ...r.state, queue: [...this.state.queue, ...requests] };
      await this.save(tickId);
      this.emit({ type: 'tick', tick, waiting: r.waiting });
    } catch (e) {
      nextWakeMs = nowMs + this.intervalMs;
      for (const k of touched) this.touched.add(k);
      tick = { tickId, env: this.opts.env.name, owner: this.owner, at: new Date(nowMs).toISOString(), durationMs: Date.now() - started, status: 'failed', evaluated: 0, requests: [], error: (e as Error).message, nextTickAt: new Date(nextWakeMs).toISOString() };
      await this.opts.env.runLog.recordTick(tick).catch(() => undefined);
      this.emit({ type: 'tick', tick, waiting: [] });
    }
    this.launchReady();
    return { tick, nextWakeMs };
  }

  /** Ticks until `stop` is aborted, then waits for the runs in flight (aborted by `interruptRuns`). */
  async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const { nextWakeMs } = await this.tick();
      await this.sleepUntil(nextWakeMs ?? this.now() + this.intervalMs, stop);
    }
    this.emit({ type: 'stopping', inFlight: this.inFlight.size });
    await this.drain();
  }

  /** Tells the runs in flight to stop (a second Ctrl-C). */
  interruptRuns(): void {
    this.runs.abort();
  }

  /** Resolves when no run is in flight. */
  async drain(): Promise<void> {
    while (this.inFlight.size) await Promise.race([...this.inFlight.values()].map((f) => f.done));
    await this.saving;
  }

  /** Releases the daemon lock. */
  async stop(): Promise<void> {
    await this.saving;
    await this.lock?.release();
    this.lock = undefined;
  }

  /** Assets of requests queued or running: conditions treat them as in progress. */
  private busyKeys(state: AutomationState): Set<AssetKey> {
    const busy = new Set<AssetKey>();
    for (const r of state.queue) for (const k of r.keys) busy.add(k);
    return busy;
  }

  /** Starts queued requests, oldest first, while fewer than maxRuns run and their assets are free. */
  private launchReady(): void {
    if (this.runs.signal.aborted) return;
    const running = new Set<AssetKey>();
    for (const f of this.inFlight.values()) for (const k of f.request.keys) running.add(k);
    for (const request of this.state.queue) {
      if (this.inFlight.size >= this.maxRuns) break;
      if (this.inFlight.has(request.requestId) || request.keys.some((k) => running.has(k))) continue;
      for (const k of request.keys) running.add(k);
      this.start1(request);
    }
  }

  private start1(request: AutomationRequestRecord): void {
    const t0 = Date.now();
    this.emit({ type: 'launched', request });
    const tickId = request.requestId.replace(/\.\d+$/, '');
    const done = this.launch(request, tickId, this.runs.signal)
      .catch((e: unknown): LaunchOutcome => ({ status: 'failed', failures: [(e as Error).message] }))
      .then(async (outcome) => {
        this.inFlight.delete(request.requestId);
        // A request leaves the saved queue only when its run has ended: a daemon killed before the
        // engine created the run launches it after a restart, one killed later finds the run and does not.
        this.state = { ...this.state, queue: this.state.queue.filter((r) => r.requestId !== request.requestId) };
        await this.save(undefined);
        if (outcome.status !== 'succeeded') this.failedRuns++;
        for (const k of request.keys) this.touched.add(k);
        this.emit({ type: 'finished', request, outcome, durationMs: Date.now() - t0 });
        this.launchReady();
        // Dependents may be due now (eager): tick again without waiting for the interval.
        this.wakeUp?.();
      });
    this.inFlight.set(request.requestId, { request, done });
  }

  /** Saves the checkpoint; saves run one after another so an older state never overwrites a newer one. */
  private save(tickId: string | undefined): Promise<void> {
    const checkpoint = { tickId: tickId ?? this.lastTickId ?? '', state: this.state };
    if (tickId) this.lastTickId = tickId;
    this.saving = this.saving.then(() => this.opts.env.runLog.saveAutomationState(checkpoint));
    return this.saving;
  }
  private lastTickId?: string;

  private sleepUntil(atMs: number, stop: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, atMs - this.now()));
      stop.addEventListener('abort', done);
      this.wakeUp = done;
    });
  }
}

/** A tick id: sortable by time, unique across processes. */
export const tickIdAt = (ms: number): string => `tick-${newRunId(new Date(ms))}`;

/** Launches a request as one engine run of its assets' latest partitions as of the tick. */
export function engineLauncher(graph: AssetGraph, env: Environment): Launcher {
  return async (request, tickId, signal) => {
    const result = await materialize({
      graph,
      env,
      keys: request.keys,
      selection: request.keys.join(' or '),
      request: { type: 'latest' },
      command: 'materialize',
      runId: request.runId,
      nowMs: Date.parse(request.asOf),
      automation: { tickId, requestId: request.requestId },
      reporter: silentReporter,
      signal,
    });
    const failures = result.results
      .filter((r) => r.outcome === 'failed' || r.outcome === 'blocked')
      .map((r) => `${r.key}${r.partitions ? ` [${r.partitions}]` : ''}: ${r.detail}`);
    return { status: result.status, failures };
  };
}
