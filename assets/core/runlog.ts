/**
 * The run log: every run's and step's events. It is the memory behind `status`, staleness,
 * freshness and backfill resume. This module defines the events and the interface; the durable
 * stores live with their environment (a local store embedded, DynamoDB on AWS). `MemoryRunLog`
 * is the reference implementation the tests and the planner benchmarks use.
 */
import { runsToPrune } from './retention';
import type { AssetKey } from './types';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** Metadata values a step may record: rows, bytes, duration, model metrics... */
export type MetadataValue = string | number | boolean | null;
export type Metadata = Readonly<Record<string, MetadataValue>>;

/** A run: one invocation of materialize or backfill. */
export interface RunRecord {
  readonly runId: string;
  readonly command: 'materialize' | 'backfill';
  readonly selection: string;
  /** Human form of the partitions asked for, e.g. `2026-01-01..2026-01-31`, or `latest`. */
  readonly partitions: string;
  readonly env: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Who is running it, for lock messages: `host:pid`. */
  readonly owner: string;
  /** Set when this run resumes an earlier one. */
  readonly resumeOf?: string;
  readonly stepsPlanned: number;
  readonly error?: string;
}

interface StepEventBase {
  readonly runId: string;
  readonly key: AssetKey;
  /** The partition keys the step covers; null for an unpartitioned asset. */
  readonly partitions: readonly string[] | null;
  readonly at: string;
}

export type RunEvent =
  | (StepEventBase & { readonly type: 'step_planned' })
  | (StepEventBase & { readonly type: 'step_started' })
  | (StepEventBase & { readonly type: 'step_succeeded'; readonly durationMs: number; readonly metadata: Metadata })
  | (StepEventBase & { readonly type: 'step_failed'; readonly durationMs: number; readonly error: string })
  | (StepEventBase & { readonly type: 'step_skipped'; readonly reason: string })
  | (Omit<StepEventBase, 'partitions'> & { readonly type: 'materialization' } & Materialization)
  | (Omit<StepEventBase, 'partitions'> & { readonly type: 'check_evaluated' } & CheckEvaluation)
  | (Omit<StepEventBase, 'partitions' | 'runId'> & { readonly type: 'observation'; readonly runId?: string } & Observation);

/** One asset-partition written: the facts staleness is computed from. */
export interface Materialization {
  readonly key: AssetKey;
  readonly partition: string | null;
  readonly runId: string;
  readonly codeVersion: string;
  readonly dataVersion: string;
  /** Data version of every input at the time, by upstream key. */
  readonly inputs: Readonly<Record<AssetKey, string>>;
  readonly metadata: Metadata;
  readonly at: string;
}

/** A source asset looked at: its data version (e.g. a hash of row count and max timestamp). */
export interface Observation {
  readonly key: AssetKey;
  readonly dataVersion: string;
  readonly metadata: Metadata;
  readonly at: string;
}

export interface CheckEvaluation {
  readonly key: AssetKey;
  readonly partition: string | null;
  readonly runId: string;
  readonly check: string;
  readonly passed: boolean;
  readonly blocking: boolean;
  readonly message: string;
  readonly at: string;
}

/** Synchronous lookups over a loaded run log: what staleness and status read. */
export interface MaterializationLookup {
  latestMaterialization(key: AssetKey, partition: string | null): Materialization | undefined;
  latestObservation(key: AssetKey): Observation | undefined;
}

/** Which runs to list: newest first, a page at a time. */
export interface RunQuery {
  /** @default 50 */
  readonly limit?: number;
  /** Only runs started strictly before this ISO time: the `startedAt` of the previous page's last run. */
  readonly startedBefore?: string;
  /** Only runs started at or after this ISO time. */
  readonly startedSince?: string;
  readonly status?: RunStatus;
}

/** Which history of one asset to read: newest first. */
export interface HistoryQuery {
  /** Only this partition (null: the unpartitioned asset); every partition when absent. */
  readonly partition?: string | null;
  /** Only records strictly older than this ISO time (paging). */
  readonly before?: string;
  /** @default 50 */
  readonly limit?: number;
}

/** How big the run log is: `assets status --json` reports it. */
export interface RunLogStats {
  readonly runs: number;
  /** Undefined where counting would read the whole store (DynamoDB). */
  readonly events?: number;
  /** Undefined where counting would read the whole store (DynamoDB). */
  readonly materializations?: number;
  /** Asset-partitions with a latest materialization (what staleness reads). */
  readonly latestMaterializations: number;
  /** Bytes on disk; undefined where the store cannot tell (DynamoDB reports its size with a delay of hours). */
  readonly bytes?: number;
  readonly oldestRunAt?: string;
  readonly newestRunAt?: string;
}

/** `assets runs prune`: what to delete. */
export interface PruneOptions {
  /** Runs started before this ISO time are candidates. */
  readonly olderThan: string;
  /** Also keep whole every run that wrote the latest materialization of some asset-partition (its provenance). */
  readonly keepLatestPerPartition?: boolean;
  /** Count what would go, delete nothing. */
  readonly dryRun?: boolean;
}

export interface PruneResult {
  /** Runs deleted (or that would be, on a dry run), with their events. */
  readonly runsPruned: number;
  readonly eventsPruned: number;
  /** Old runs kept because resume or provenance needs them, by reason. */
  readonly kept: { readonly resumable: number; readonly latestPerPartition: number; readonly running: number };
  readonly bytesBefore?: number;
  readonly bytesAfter?: number;
}

/**
 * The run log every environment provides, and the one query layer over it: the CLI, the
 * automation loop and the UI read through these methods, each served by an index of the store.
 * Writes are durable when the promise resolves.
 */
export interface RunLog {
  createRun(run: RunRecord): Promise<void>;
  updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void>;
  append(event: RunEvent): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Most recent first. */
  listRuns(limit?: number): Promise<RunRecord[]>;
  /** Runs newest first, filtered and paged (index: runs by start time). */
  queryRuns(query: RunQuery): Promise<RunRecord[]>;
  /** Events of one run in append order (index: events by run). */
  events(runId: string): Promise<RunEvent[]>;
  /** Materializations of `key`, newest first (index: materializations by asset-partition and time). */
  materializations(key: AssetKey, query?: HistoryQuery): Promise<Materialization[]>;
  /** Check evaluations of `key`, newest first (index: checks by asset and time). */
  checkEvaluations(key: AssetKey, query?: HistoryQuery): Promise<CheckEvaluation[]>;
  /** A consistent in-memory view of the latest materializations, observations and checks. */
  snapshot(): Promise<RunLogSnapshot>;
  stats(): Promise<RunLogStats>;
  /** Deletes old runs and their events; never what staleness or resume needs (see `runsToPrune`). */
  prune(options: PruneOptions): Promise<PruneResult>;
}

/** Everything status needs, loaded once. */
export interface RunLogSnapshot extends MaterializationLookup {
  /** Partitions of `key` with at least one materialization. */
  materializedPartitions(key: AssetKey): ReadonlySet<string | null>;
  /** The latest evaluation of each check of `key` (any partition), by check name. */
  latestChecks(key: AssetKey): readonly CheckEvaluation[];
}

const partitionId = (p: string | null) => p ?? '';

/** An in-memory snapshot built from events: shared by `MemoryRunLog` and durable stores. */
export class RunLogIndex implements RunLogSnapshot {
  private readonly mats = new Map<AssetKey, Map<string, Materialization>>();
  private readonly obs = new Map<AssetKey, Observation>();
  private readonly checks = new Map<AssetKey, Map<string, CheckEvaluation>>();

  /** Folds one event into the index (events must arrive in time order per key). */
  add(event: RunEvent): void {
    if (event.type === 'materialization') {
      let byPartition = this.mats.get(event.key);
      if (!byPartition) this.mats.set(event.key, (byPartition = new Map()));
      byPartition.set(partitionId(event.partition), stripType(event) as Materialization);
    } else if (event.type === 'observation') {
      this.obs.set(event.key, stripType(event) as Observation);
    } else if (event.type === 'check_evaluated') {
      let byName = this.checks.get(event.key);
      if (!byName) this.checks.set(event.key, (byName = new Map()));
      byName.set(event.check, stripType(event) as CheckEvaluation);
    }
  }

  latestMaterialization(key: AssetKey, partition: string | null): Materialization | undefined {
    return this.mats.get(key)?.get(partitionId(partition));
  }

  latestObservation(key: AssetKey): Observation | undefined {
    return this.obs.get(key);
  }

  materializedPartitions(key: AssetKey): ReadonlySet<string | null> {
    const m = this.mats.get(key);
    return new Set(m ? [...m.values()].map((x) => x.partition) : []);
  }

  latestChecks(key: AssetKey): readonly CheckEvaluation[] {
    return [...(this.checks.get(key)?.values() ?? [])];
  }
}

function stripType<T extends { type: string }>(event: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = event;
  return rest;
}

/** Newest first by `at`, then by `before` and `limit`: the paging every store applies to history. */
export function pageNewestFirst<T extends { readonly at: string }>(items: readonly T[], query: HistoryQuery = {}): T[] {
  const { before, limit = 50 } = query;
  return items
    .filter((x) => before === undefined || x.at < before)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, limit);
}

/** Whether a run matches a query's filters (not its limit). */
export function runMatches(run: RunRecord, query: RunQuery): boolean {
  return (
    (query.startedBefore === undefined || run.startedAt < query.startedBefore) &&
    (query.startedSince === undefined || run.startedAt >= query.startedSince) &&
    (query.status === undefined || run.status === query.status)
  );
}

/** Newest first; runs started at the same instant by id, descending (the local store's order). */
export const newestRunFirst = (a: RunRecord, b: RunRecord): number =>
  a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;

/** A run log kept in memory: for tests, benchmarks and dry runs. Not durable. */
export class MemoryRunLog implements RunLog {
  private readonly runs = new Map<string, RunRecord>();
  private log: RunEvent[] = [];
  private readonly index = new RunLogIndex();

  async createRun(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) throw new Error(`run ${run.runId} already exists`);
    this.runs.set(run.runId, run);
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`unknown run ${runId}`);
    this.runs.set(runId, { ...run, ...patch });
  }

  async append(event: RunEvent): Promise<void> {
    this.log.push(event);
    this.index.add(event);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return this.runs.get(runId);
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    return this.queryRuns({ limit });
  }

  async queryRuns(query: RunQuery): Promise<RunRecord[]> {
    return [...this.runs.values()].filter((r) => runMatches(r, query)).sort(newestRunFirst).slice(0, query.limit ?? 50);
  }

  async events(runId: string): Promise<RunEvent[]> {
    return this.log.filter((e) => e.runId === runId);
  }

  async materializations(key: AssetKey, query: HistoryQuery = {}): Promise<Materialization[]> {
    const mats = this.log.filter((e): e is Extract<RunEvent, { type: 'materialization' }> => e.type === 'materialization' && e.key === key);
    return pageNewestFirst(mats.filter((m) => query.partition === undefined || m.partition === query.partition).map((m) => stripType(m) as Materialization), query);
  }

  async checkEvaluations(key: AssetKey, query: HistoryQuery = {}): Promise<CheckEvaluation[]> {
    const checks = this.log.filter((e): e is Extract<RunEvent, { type: 'check_evaluated' }> => e.type === 'check_evaluated' && e.key === key);
    return pageNewestFirst(checks.filter((c) => query.partition === undefined || c.partition === query.partition).map((c) => stripType(c) as CheckEvaluation), query);
  }

  async snapshot(): Promise<RunLogSnapshot> {
    return this.index;
  }

  async stats(): Promise<RunLogStats> {
    const starts = [...this.runs.values()].map((r) => r.startedAt).sort();
    const latest = new Set(this.log.filter((e) => e.type === 'materialization').map((e) => `${e.key}\0${partitionId((e as Materialization).partition)}`)).size;
    return {
      runs: this.runs.size,
      events: this.log.length,
      materializations: this.log.filter((e) => e.type === 'materialization').length,
      latestMaterializations: latest,
      oldestRunAt: starts[0],
      newestRunAt: starts[starts.length - 1],
    };
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    const writers = new Set<string>();
    for (const e of this.log) {
      if (e.type === 'materialization' && this.index.latestMaterialization(e.key, e.partition)?.runId === e.runId) writers.add(e.runId);
    }
    const decision = runsToPrune([...this.runs.values()], writers, options);
    const gone = new Set(decision.prune);
    const eventsPruned = this.log.filter((e) => e.runId !== undefined && gone.has(e.runId)).length;
    if (!options.dryRun) {
      for (const id of gone) this.runs.delete(id);
      this.log = this.log.filter((e) => e.runId === undefined || !gone.has(e.runId));
    }
    return { runsPruned: gone.size, eventsPruned, kept: decision.kept };
  }
}
