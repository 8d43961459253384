/**
 * The run log: every run's and step's events. It is the memory behind `status`, staleness,
 * freshness and backfill resume. This module defines the events and the interface; the durable
 * stores live with their environment (a local store embedded, DynamoDB on AWS). `MemoryRunLog`
 * is the reference implementation the tests and the planner benchmarks use.
 */
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

/** The run log every environment provides. Writes are durable when the promise resolves. */
export interface RunLog {
  createRun(run: RunRecord): Promise<void>;
  updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void>;
  append(event: RunEvent): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Most recent first. */
  listRuns(limit?: number): Promise<RunRecord[]>;
  events(runId: string): Promise<RunEvent[]>;
  /** A consistent in-memory view of materializations, observations and latest checks. */
  snapshot(): Promise<RunLogSnapshot>;
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

/** A run log kept in memory: for tests, benchmarks and dry runs. Not durable. */
export class MemoryRunLog implements RunLog {
  private readonly runs = new Map<string, RunRecord>();
  private readonly log: RunEvent[] = [];
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
    return [...this.runs.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)).slice(0, limit);
  }

  async events(runId: string): Promise<RunEvent[]> {
    return this.log.filter((e) => e.runId === runId);
  }

  async snapshot(): Promise<RunLogSnapshot> {
    return this.index;
  }
}
