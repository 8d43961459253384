/**
 * The seam between the generic run engine (plan -> runs -> events) and an environment that
 * executes steps: the embedded one (jobs/embedded/) or a deployed stack (jobs/aws/). The engine
 * owns ordering, skipping, locks, versions and run-log events; an environment owns I/O.
 */
import type {
  AssetDefinition,
  AssetGraph,
  AssetKey,
  CheckSpec,
  FileFact,
  FileProblem,
  Metadata,
  Observation,
  RunLog,
} from '../../assets/core';
import { UserError } from '../../assets/core';

/** What one run of one step is asked to do. */
export interface StepContext {
  readonly graph: AssetGraph;
  readonly asset: AssetDefinition;
  readonly runId: string;
  /** Partition keys this run writes, in order; null for an unpartitioned asset. */
  readonly partitions: readonly string[] | null;
  /** The time window those partitions cover, [start, end), for time-partitioned assets. */
  readonly window?: { readonly start: Date; readonly end: Date };
  /** What the step reads: each dep with the upstream partition keys resolved through its mapping. */
  readonly inputs: readonly StepInput[];
  /** Progress lines for the person watching (the engine prefixes the step). */
  readonly log: (message: string) => void;
  /** Aborted when the run is cancelled (Ctrl-C): stop and leave nothing half-written. */
  readonly signal: AbortSignal;
}

export interface StepInput {
  readonly key: AssetKey;
  readonly source: boolean;
  /** Upstream partition keys read; null when the upstream asset is unpartitioned. */
  readonly partitions: readonly string[] | null;
}

/** What a step reports back. Data must be committed (visible) before the promise resolves. */
export interface StepOutput {
  /** Recorded on the step and on each partition's materialization: rows, bytes, metrics... */
  readonly metadata: Metadata;
  /** Extra metadata per partition key (e.g. rows of that partition). */
  readonly partitionMetadata?: Readonly<Record<string, Metadata>>;
}

/** A check's outcome as an environment evaluates it on written data. */
export interface CheckOutcome {
  readonly check: CheckSpec;
  readonly passed: boolean;
  readonly message: string;
}

/** Executes steps of one compute kind in one environment. */
export interface Executor {
  readonly kind: string;
  execute(ctx: StepContext): Promise<StepOutput>;
}

/** A held lock on an asset-partition; release it when the step ends. */
export interface Lock {
  release(): Promise<void>;
}

/** Thrown when another run holds the lock; the message names the holder. */
export class LockHeldError extends UserError {
  override name = 'LockHeldError';
  constructor(readonly key: AssetKey, readonly partition: string | null, readonly holder: string) {
    super(`${key}${partition ? `[${partition}]` : ''} is being materialized by ${holder}; wait for it to finish (or, if that process is gone, rerun: stale locks of dead local processes are taken over)`);
  }
}

export interface Environment {
  /** `local` or the stack name. */
  readonly name: string;
  /** The engine its executors run on (embedded: `default` or `spark`), recorded on each run. */
  readonly engine?: string;
  readonly runLog: RunLog;
  /** The executor for a compute kind, or undefined when this environment cannot run it. */
  executorFor(kind: string): Executor | undefined;
  /** Takes the lock of an asset-partition for `owner` (`host:pid:runId`), or throws LockHeldError. */
  acquireLock(key: AssetKey, partition: string | null, owner: string): Promise<Lock>;
  /** Looks at a source asset now (contract check + data version), or undefined when it cannot. */
  observeSource(asset: AssetDefinition): Promise<Observation | undefined>;
  /**
   * Evaluates the data checks of `asset` (row_count, not_null, unique, accepted_*) on what the step
   * wrote. `metric_compare` checks are evaluated by the engine from the step's metadata.
   */
  evaluateChecks(ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]>;
  /**
   * The files that now hold `asset`'s `partition` (just committed), as facts the engine records on
   * the materialization. Optional: an environment that cannot list its storage records none.
   */
  committedFiles?(asset: AssetDefinition, partition: string | null): FileFact[];
  /** Compares recorded files with the storage: size and mtime, or every checksum when `deep`. */
  verifyFiles?(files: readonly FileFact[], deep?: boolean): FileProblem[];
  /** The content of a repo-relative code file, for code versions. */
  readCode(repoPath: string): string | undefined;
  close(): Promise<void>;
}
