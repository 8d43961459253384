/**
 * The embedded environment (`--env local`): everything on this machine, no AWS. The local source
 * is PGlite, the lake a folder of Parquet files, the run log a SQLite database, locks lock files; the
 * executors of each compute kind come from jobs/embedded/executors/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { computeSettings, type AssetDefinition, type CheckSpec, type FileFact, type FileProblem, type Observation } from '../../assets/core';
import type { VectorIndexSettings } from '../../assets/kinds';
import type { CheckOutcome, Environment, Executor, Lock, StepContext, StepOutput } from '../engine/environment';
import { loadExecutors, type ExecutorDeps } from './executors';
import { acquireLocalLock } from './locks';
import { readRepoFile } from '../engine/repo-files';
import { localPaths, localRoot } from './paths';
import { LocalRunLog } from './runlog';
import { createCheckEvaluator, createSourceObserver } from './checks';
import { fileFacts, listCommittedFiles, verifyFileFacts } from './lake/integrity';
import { dataDir } from './lake/layout';
import { removeDeadStaging } from './lake/staging';
import { readAliasPointer } from '../vector-store/embedded';
import { sharedSource, type SourceAccess } from './source';
import type { EngineName } from './engine-names';
import { createSparkExecutors } from '../spark-local/executors';
import { requireLocalSpark } from '../spark-local/python-env';
import { SparkEngine } from '../spark-local/spark-engine';

export interface EmbeddedEnvironmentOptions {
  /** Executors for kinds the registry does not know (custom kinds of a `--graph` module). */
  readonly extraExecutors?: readonly Executor[];
  /** `spark` runs glue-extract, glue-sql and emr-spark steps on one local Spark per environment. @default 'default' */
  readonly engine?: EngineName;
}

/** Opens the embedded environment rooted at `localRoot()` ($HEADWATER_HOME or .headwater/local). */
export class EmbeddedEnvironment implements Environment {
  readonly name = 'local';
  readonly engine: EngineName;
  readonly runLog: LocalRunLog;
  readonly source: SourceAccess;
  private readonly executors: Map<string, Executor>;
  /** The run's local Spark under `engine: 'spark'` (started by the first Spark step). */
  readonly spark: SparkEngine | undefined;
  private readonly observe: (asset: AssetDefinition) => Promise<Observation | undefined>;
  private readonly checks: (ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]) => Promise<CheckOutcome[]>;

  constructor(options: EmbeddedEnvironmentOptions = {}) {
    this.engine = options.engine ?? 'default';
    // Before anything is opened: a missing spark:setup is said at once, and leaves nothing open.
    if (this.engine === 'spark') requireLocalSpark();
    fs.mkdirSync(localRoot(), { recursive: true });
    removeDeadStaging(localPaths.lake());
    this.runLog = new LocalRunLog(localPaths.runLog());
    this.source = sharedSource();
    const deps: ExecutorDeps = { source: this.source, lakeRoot: localPaths.lake() };
    this.executors = loadExecutors(deps);
    if (this.engine === 'spark') {
      this.spark = new SparkEngine(this.source);
      for (const e of createSparkExecutors({ ...deps, spark: this.spark })) this.executors.set(e.kind, e);
    }
    for (const e of options.extraExecutors ?? []) this.executors.set(e.kind, e);
    this.observe = createSourceObserver(this.source);
    this.checks = createCheckEvaluator({ lakeRoot: localPaths.lake() });
  }

  /** The executor of `kind`; undefined for kinds with no embedded face (the engine says so, naming the kind). */
  executorFor(kind: string): Executor | undefined {
    return this.executors.get(kind);
  }

  async acquireLock(key: string, partition: string | null, owner: string): Promise<Lock> {
    return acquireLocalLock(localPaths.locks(), key, partition, owner);
  }

  /** Observes a source table: its data version and the live contract check (jobs/embedded/checks.ts). */
  observeSource(asset: AssetDefinition): Promise<Observation | undefined> {
    return this.observe(asset);
  }

  /**
   * Data checks with DuckDB over the Parquet files the step wrote (jobs/embedded/checks.ts). An
   * asset stored outside the lake (a vector index) has no files to scan: its row_count is judged
   * by the count the step reported loading, and other data checks say they cannot run there.
   */
  async evaluateChecks(ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]> {
    const storage = ctx.asset.storage?.kind;
    if (storage === undefined || storage === 'lake') return this.checks(ctx, output, checks);
    return checks.map((check): CheckOutcome => {
      const rows = output.metadata.rows;
      if (check.type !== 'row_count') return { check, passed: false, message: `${check.type} cannot be evaluated on ${storage} storage locally; declare it blocking: false or drop it` };
      if (typeof rows !== 'number') return { check, passed: false, message: `the step reported no 'rows' to count (metadata: ${Object.keys(output.metadata).join(', ') || 'none'})` };
      if (rows === 0) return { check, passed: false, message: `0 rows loaded into ${ctx.asset.key}: nothing to check` };
      const low = check.min !== undefined && rows < check.min;
      const high = check.max !== undefined && rows > check.max;
      return { check, passed: !low && !high, message: `${rows} rows loaded${low ? `, below the minimum ${check.min}` : high ? `, above the maximum ${check.max}` : ''}` };
    });
  }

  /**
   * A lake asset's partition folder (or table folder), or a vector index's current version and
   * its alias pointer; paths are recorded relative to the state root so the folder can move.
   */
  committedFiles(asset: AssetDefinition, partition: string | null): FileFact[] {
    if (asset.storage?.kind === 'vector-store') {
      const alias = computeSettings<VectorIndexSettings>(asset).alias;
      const aliasDir = path.join(localPaths.indexes(), alias);
      const pointer = readAliasPointer(aliasDir);
      if (!pointer) return [];
      return fileFacts(localRoot(), [path.join(aliasDir, 'ALIAS'), ...listCommittedFiles(path.join(aliasDir, 'versions', pointer.version))]);
    }
    return fileFacts(localRoot(), listCommittedFiles(dataDir(localPaths.lake(), asset, partition)));
  }

  verifyFiles(files: readonly FileFact[], deep = false): FileProblem[] {
    return verifyFileFacts(localRoot(), files, deep);
  }

  readCode(repoPath: string): string | undefined {
    return readRepoFile(repoPath);
  }

  async close(): Promise<void> {
    // Spark first: its open JDBC connections hold the source.
    await this.spark?.close();
    await this.runLog.close();
    await this.source.close();
  }
}

/** Opens the embedded environment. */
export function openEmbeddedEnvironment(options: EmbeddedEnvironmentOptions = {}): EmbeddedEnvironment {
  return new EmbeddedEnvironment(options);
}
