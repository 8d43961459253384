/**
 * The run log: every run's and step's events. It is the memory behind `status`, staleness,
 * freshness and backfill resume. This module defines the events and the interface; the durable
 * stores live with their environment (a local store embedded, DynamoDB on AWS). `MemoryRunLog`
 * is the reference implementation the tests and the planner benchmarks use.
 */
import { runsToPrune } from './retention';
import { NO_DATA } from './versions';
import type { AutomationState } from './automation/state';
import type { AssetKey } from './types';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** Metadata values a step may record: rows, bytes, duration, model metrics... */
export type MetadataValue = string | number | boolean | null;
export type Metadata = Readonly<Record<string, MetadataValue>>;

/** A run: one invocation of materialize or backfill, or a stream poller session (its deliveries). */
export interface RunRecord {
  readonly runId: string;
  readonly command: 'materialize' | 'backfill' | 'stream' | 'erase';
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
  /** Set on runs launched by `assets automate`: the tick and request that asked for it. */
  readonly automation?: { readonly tickId: string; readonly requestId: string };
  /** How the run was asked to run; a resume runs with the same options. */
  readonly options?: RunOptions;
}

/** The options of a run that a resume must keep. */
export interface RunOptions {
  /** Recompute partitions even when up to date. */
  readonly force: boolean;
  /** Runs executed at the same time. */
  readonly maxParallel: number;
  /** The engine the steps ran on (embedded: `default` or `spark`); absent on runs of earlier versions. */
  readonly engine?: string;
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
  /**
   * The files that hold this asset-partition as committed, when the environment tracks them
   * (embedded: Parquet files, the model folder, an index version and its alias). Status and
   * planning compare them with what is on disk, so a deleted or changed file is noticed.
   */
  readonly files?: readonly FileFact[];
  /**
   * The one upstream partition each input was read from, by dep key (null: an unpartitioned
   * asset or a source), for inputs whose partition mapping names exactly one partition whatever
   * the time (identity, time window, static). Stores follow those inputs one to one: when the
   * upstream partition changes, they note the reader as changed, so status counts stale
   * partitions from per-asset summaries instead of recomputing every partition. Inputs left out
   * (all and last mappings, several partitions, records of earlier versions) are checked from the
   * materializations themselves.
   */
  readonly reads?: Readonly<Record<AssetKey, string | null>>;
}

/** One committed file: where it is (relative to the environment's state root), its size, mtime and checksum. */
export interface FileFact {
  readonly path: string;
  readonly size: number;
  /** Modification time in ms since the epoch, as the file system reported it after the commit. */
  readonly mtimeMs: number;
  /** Hex SHA-256 of the content. */
  readonly sha256: string;
}

/** A recorded file that is not as it was committed. */
export interface FileProblem {
  readonly path: string;
  readonly problem: 'missing' | 'modified';
  /** What differs, e.g. `size 1024, recorded 2048` or `checksum differs`. */
  readonly detail: string;
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

/** A run `assets automate` decided to launch, and why. */
export interface AutomationRequestRecord {
  readonly requestId: string;
  /** The run executing it; fixed when requested, so a restarted daemon can never launch it twice. */
  readonly runId: string;
  /** Assets of the request, upstream first (one connected part of what the tick requested). */
  readonly keys: readonly AssetKey[];
  /** The partition each asset is requested for: the latest complete one (null: unpartitioned). */
  readonly partitions: Readonly<Record<AssetKey, string | null>>;
  /** Why each asset is requested, in words. */
  readonly reasons: Readonly<Record<AssetKey, readonly string[]>>;
  /** The evaluation instant: the run plans its partitions as of then, however late it starts. */
  readonly asOf: string;
}

/** One evaluation of the automation conditions. */
export interface AutomationTick {
  /** Sortable by time: `tick-<UTC compact>-<random>`. */
  readonly tickId: string;
  readonly env: string;
  /** `host:pid` of the daemon. */
  readonly owner: string;
  readonly at: string;
  readonly durationMs: number;
  readonly status: 'ok' | 'failed';
  /** Assets whose condition was evaluated (only those something changed for). */
  readonly evaluated: number;
  readonly requests: readonly AutomationRequestRecord[];
  readonly error?: string;
  /** When the daemon meant to evaluate next. */
  readonly nextTickAt?: string;
}

/** The evaluator's state after a tick, saved so a restart continues where it stopped. */
export interface AutomationCheckpoint {
  readonly tickId: string;
  readonly state: AutomationState;
}

/** Aggregate facts of one asset that automation reads (kept up to date as events arrive). */
export interface AssetFacts {
  /** Partitions with at least one materialization. */
  readonly materializedPartitions: number;
  readonly newestMaterializationAt?: string;
  /** The latest failed step of the asset. */
  readonly lastFailure?: { readonly at: string; readonly runId: string; readonly error: string };
  /** Median duration of its last five successful steps. */
  readonly typicalDurationMs?: number;
  /** The latest event of any type recorded for the asset. */
  readonly lastEventAt?: string;
}

/**
 * What a store keeps per asset so that `status` reads one summary per asset instead of every
 * partition's materialization: counts by code version and recorded inputs, and the inputs read
 * (see `Materialization.reads`) that changed since. `assetStaleness` (staleness.ts) turns it into
 * stale counts and causes.
 */
export interface AssetSummary {
  /** Asset-partitions with a latest materialization. */
  readonly partitions: number;
  /** The newest latest materialization (a run commits all its partitions at one instant: the greatest partition of that instant). */
  readonly newest?: { readonly at: string; readonly partition: string | null; readonly runId: string };
  /** The greatest partition key materialized (time partition keys sort in time order). */
  readonly maxPartition?: string;
  /** Latest materializations grouped by code version and recorded input keys. */
  readonly groups: readonly {
    readonly codeVersion: string;
    /** The recorded input keys, sorted. */
    readonly inputKeys: readonly AssetKey[];
    readonly count: number;
    /** Partitions of the group (not untracked) with a followed input that changed since it was read. */
    readonly changed: number;
  }[];
  /** Followed inputs that changed since they were read, by dep: new data, or the data is gone (missing). */
  readonly changedInputs: readonly { readonly dep: AssetKey; readonly missing: boolean; readonly count: number }[];
  /** Partitions with an input the store does not follow one to one: checked from their materializations. */
  readonly untracked: readonly (string | null)[];
  /** Partitions whose materialization recorded committed files. */
  readonly withFiles: number;
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
  /**
   * Events of one run in append order (index: events by run); only those of `types` when given
   * (the UI's activity reads the steps of recent runs, not their thousands of materializations).
   */
  events(runId: string, types?: readonly RunEvent['type'][]): Promise<RunEvent[]>;
  /** Materializations of `key`, newest first (index: materializations by asset-partition and time). */
  materializations(key: AssetKey, query?: HistoryQuery): Promise<Materialization[]>;
  /** Check evaluations of `key`, newest first (index: checks by asset and time). */
  checkEvaluations(key: AssetKey, query?: HistoryQuery): Promise<CheckEvaluation[]>;
  /** A consistent in-memory view of the latest materializations, observations and checks. */
  snapshot(): Promise<RunLogSnapshot>;
  stats(): Promise<RunLogStats>;
  /** Deletes old runs and their events; never what staleness or resume needs (see `runsToPrune`). */
  prune(options: PruneOptions): Promise<PruneResult>;
  /** Records an automation tick and the requests it made (durable when it resolves). */
  recordTick(tick: AutomationTick): Promise<void>;
  /** Most recent first. */
  listTicks(limit?: number): Promise<AutomationTick[]>;
  /** Replaces the automation checkpoint. */
  saveAutomationState(checkpoint: AutomationCheckpoint): Promise<void>;
  loadAutomationState(): Promise<AutomationCheckpoint | undefined>;
}

/** Everything status needs, loaded once. */
export interface RunLogSnapshot extends MaterializationLookup {
  /** Partitions of `key` with at least one materialization. */
  materializedPartitions(key: AssetKey): ReadonlySet<string | null>;
  /** The latest evaluation of each check of `key` (any partition), by check name. */
  latestChecks(key: AssetKey): readonly CheckEvaluation[];
  /** Aggregates of `key`, or undefined when nothing was ever recorded for it. */
  assetFacts(key: AssetKey): AssetFacts | undefined;
  /** Keys with an event recorded after `at` (ISO time): what an incremental tick looks at. */
  keysChangedSince(at: string): AssetKey[];
  /** The summary status reads for `key` (see `AssetSummary`). */
  assetSummary(key: AssetKey): AssetSummary;
  /** The latest materializations of `key` whose files were recorded, by partition. */
  materializationsWithFiles(key: AssetKey): readonly Materialization[];
}

const partitionId = (p: string | null) => p ?? '';

interface MutableFacts {
  materializedPartitions: number;
  newestMaterializationAt?: string;
  lastFailure?: { at: string; runId: string; error: string };
  /** Durations of the last five successful steps, oldest first. */
  durations: number[];
  lastEventAt?: string;
}

/** An in-memory snapshot built from events: shared by `MemoryRunLog` and durable stores. */
export class RunLogIndex implements RunLogSnapshot {
  private readonly mats = new Map<AssetKey, Map<string, Materialization>>();
  private readonly obs = new Map<AssetKey, Observation>();
  private readonly checks = new Map<AssetKey, Map<string, CheckEvaluation>>();
  private readonly facts = new Map<AssetKey, MutableFacts>();

  /**
   * Folds one event into the index. Of two records for the same asset-partition (or check) the
   * later `at` wins, ties to the one added last: events may be folded in any order, so a store
   * can add what it read since the last call without rebuilding.
   */
  add(event: RunEvent): void {
    const f = this.factsOf(event.key);
    if (f.lastEventAt === undefined || event.at > f.lastEventAt) f.lastEventAt = event.at;
    if (event.type === 'materialization') {
      let byPartition = this.mats.get(event.key);
      if (!byPartition) this.mats.set(event.key, (byPartition = new Map()));
      const id = partitionId(event.partition);
      const had = byPartition.get(id);
      if (!had || had.at <= event.at) byPartition.set(id, stripType(event) as Materialization);
      f.materializedPartitions = byPartition.size;
      if (f.newestMaterializationAt === undefined || event.at > f.newestMaterializationAt) f.newestMaterializationAt = event.at;
    } else if (event.type === 'observation') {
      const had = this.obs.get(event.key);
      if (!had || had.at <= event.at) this.obs.set(event.key, stripType(event) as Observation);
    } else if (event.type === 'check_evaluated') {
      let byName = this.checks.get(event.key);
      if (!byName) this.checks.set(event.key, (byName = new Map()));
      const had = byName.get(event.check);
      if (!had || had.at <= event.at) byName.set(event.check, stripType(event) as CheckEvaluation);
    } else if (event.type === 'step_failed') {
      if (!f.lastFailure || f.lastFailure.at <= event.at) f.lastFailure = { at: event.at, runId: event.runId, error: event.error };
    } else if (event.type === 'step_succeeded') {
      f.durations.push(event.durationMs);
      if (f.durations.length > 5) f.durations.shift();
    }
  }

  private factsOf(key: AssetKey): MutableFacts {
    let f = this.facts.get(key);
    if (!f) this.facts.set(key, (f = { materializedPartitions: 0, durations: [] }));
    return f;
  }

  assetFacts(key: AssetKey): AssetFacts | undefined {
    const f = this.facts.get(key);
    if (!f) return undefined;
    const sorted = [...f.durations].sort((a, b) => a - b);
    return {
      materializedPartitions: f.materializedPartitions,
      ...(f.newestMaterializationAt ? { newestMaterializationAt: f.newestMaterializationAt } : {}),
      ...(f.lastFailure ? { lastFailure: f.lastFailure } : {}),
      ...(sorted.length ? { typicalDurationMs: sorted[Math.floor(sorted.length / 2)] } : {}),
      ...(f.lastEventAt ? { lastEventAt: f.lastEventAt } : {}),
    };
  }

  keysChangedSince(at: string): AssetKey[] {
    const out: AssetKey[] = [];
    for (const [key, f] of this.facts) if (f.lastEventAt !== undefined && f.lastEventAt > at) out.push(key);
    return out;
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

  materializationsWithFiles(key: AssetKey): readonly Materialization[] {
    return [...(this.mats.get(key)?.values() ?? [])].filter((m) => m.files);
  }

  /** Computed from the latest materializations on each call: an in-memory index is small. */
  assetSummary(key: AssetKey): AssetSummary {
    const latest = [...(this.mats.get(key)?.values() ?? [])];
    const groups = new Map<string, { codeVersion: string; inputKeys: AssetKey[]; count: number; changed: number }>();
    const changedInputs = new Map<string, { dep: AssetKey; missing: boolean; count: number }>();
    const untracked: (string | null)[] = [];
    let newest: Materialization | undefined;
    let maxPartition: string | undefined;
    for (const m of latest) {
      if (!newest || m.at > newest.at || (m.at === newest.at && partitionId(m.partition) > partitionId(newest.partition))) newest = m;
      if (m.partition !== null && (maxPartition === undefined || m.partition > maxPartition)) maxPartition = m.partition;
      const inputKeys = Object.keys(m.inputs).sort();
      const id = `${m.codeVersion}\0${inputKeys.join('\0')}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { codeVersion: m.codeVersion, inputKeys, count: 0, changed: 0 }));
      g.count++;
      const reads = m.reads ?? {};
      if (inputKeys.some((dep) => !(dep in reads))) {
        untracked.push(m.partition);
        continue;
      }
      let changed = false;
      for (const dep of inputKeys) {
        const state = readState(m.inputs[dep], this.currentVersion(dep, reads[dep]));
        if (state === 'same') continue;
        changed = true;
        const c = `${dep}\0${state}`;
        const entry = changedInputs.get(c) ?? { dep, missing: state === 'missing', count: 0 };
        entry.count++;
        changedInputs.set(c, entry);
      }
      if (changed) g.changed++;
    }
    return {
      partitions: latest.length,
      ...(newest ? { newest: { at: newest.at, partition: newest.partition, runId: newest.runId } } : {}),
      ...(maxPartition === undefined ? {} : { maxPartition }),
      groups: [...groups.values()],
      changedInputs: [...changedInputs.values()],
      untracked,
      withFiles: latest.filter((m) => m.files).length,
    };
  }

  /** The data version a followed input reads now: the upstream partition's, or the source's last observation. */
  private currentVersion(dep: AssetKey, partition: string | null): string | undefined {
    return this.latestMaterialization(dep, partition)?.dataVersion ?? (partition === null ? this.latestObservation(dep)?.dataVersion : undefined);
  }
}

/**
 * How a followed input stands against what was read: `same`, `changed` (new data) or `missing`
 * (the upstream partition has no data any more). The one rule every store applies.
 */
export function readState(recorded: string, current: string | undefined): 'same' | 'changed' | 'missing' {
  if (current === undefined) return recorded === NO_DATA ? 'same' : 'missing';
  return current === recorded ? 'same' : 'changed';
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
  private readonly ticks: AutomationTick[] = [];
  private checkpoint?: AutomationCheckpoint;

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

  async events(runId: string, types?: readonly RunEvent['type'][]): Promise<RunEvent[]> {
    return this.log.filter((e) => e.runId === runId && (!types || types.includes(e.type)));
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

  async recordTick(tick: AutomationTick): Promise<void> {
    this.ticks.push(structuredClone(tick));
  }

  async listTicks(limit = 50): Promise<AutomationTick[]> {
    return this.ticks.slice(-limit).reverse();
  }

  async saveAutomationState(checkpoint: AutomationCheckpoint): Promise<void> {
    this.checkpoint = structuredClone(checkpoint);
  }

  async loadAutomationState(): Promise<AutomationCheckpoint | undefined> {
    return this.checkpoint && structuredClone(this.checkpoint);
  }
}
