/**
 * The embedded environment (`--env local`): everything on this machine, no AWS. The local source
 * is PGlite, the lake a folder of Parquet files, the run log JSONL files, locks lock files; the
 * executors of each compute kind come from jobs/embedded/executors/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { computeSettings, type AssetDefinition, type CheckSpec, type Observation } from '../../assets/core';
import type { RdsTableSettings } from '../../assets/kinds';
import type { CheckOutcome, Environment, Executor, Lock, StepContext, StepOutput } from '../engine/environment';
import { loadExecutors, type ExecutorDeps } from './executors';
import { acquireLocalLock } from './locks';
import { localPaths, localRoot, repoRoot } from './paths';
import { LocalRunLog } from './runlog';
import { pgIdent, sharedSource, type SourceAccess } from './source';

/** A step of a kind the embedded environment cannot run (yet): fails with why, never pretends. */
export class NotRunnableError extends Error {
  override name = 'NotRunnableError';
}

type ObserveFn = (asset: AssetDefinition, source: SourceAccess) => Promise<Observation | undefined>;
type ChecksFn = (ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]) => Promise<CheckOutcome[]>;

/** Finds an optional export in modules other engineers own, without failing when they are absent. */
function optionalExport<T>(modules: readonly string[], name: string): T | undefined {
  for (const m of modules) {
    const file = path.join(repoRoot(), m);
    if (!['.ts', '.js', '/index.ts'].some((ext) => fs.existsSync(file + ext))) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(file) as Record<string, unknown>;
      if (typeof mod[name] === 'function') return mod[name] as T;
    } catch {
      // A module mid-edit or broken: the caller says what is missing.
    }
  }
  return undefined;
}

export interface EmbeddedEnvironmentOptions {
  /** Executors for kinds the registry does not know (custom kinds of a `--graph` module). */
  readonly extraExecutors?: readonly Executor[];
}

/** Opens the embedded environment rooted at `localRoot()` ($HEADWATER_HOME or .headwater/local). */
export class EmbeddedEnvironment implements Environment {
  readonly name = 'local';
  readonly runLog: LocalRunLog;
  readonly source: SourceAccess;
  private readonly executors: Map<string, Executor>;
  private readonly missing: Map<string, string>;
  private observeImpl?: ObserveFn;
  private checksImpl?: ChecksFn;

  constructor(options: EmbeddedEnvironmentOptions = {}) {
    fs.mkdirSync(localRoot(), { recursive: true });
    this.runLog = new LocalRunLog(localPaths.runLog());
    this.source = sharedSource();
    const deps: ExecutorDeps = { source: this.source, lakeRoot: localPaths.lake(), indexesRoot: localPaths.indexes() };
    const { executors, missing } = loadExecutors(deps);
    for (const e of options.extraExecutors ?? []) executors.set(e.kind, e);
    this.executors = executors;
    this.missing = missing;
    this.observeImpl = optionalExport<ObserveFn>(['jobs/embedded/contracts', 'jobs/embedded/source/observe', 'jobs/embedded/source'], 'observeSource');
    this.checksImpl = optionalExport<ChecksFn>(['jobs/embedded/checks'], 'evaluateChecks');
  }

  /** Kinds that cannot run here, with why (for `demo` and error messages). */
  notRunnable(): ReadonlyMap<string, string> {
    return this.missing;
  }

  executorFor(kind: string): Executor | undefined {
    const e = this.executors.get(kind);
    if (e) return e;
    const why = this.missing.get(kind);
    if (!why) return undefined;
    return {
      kind,
      execute: async () => {
        throw new NotRunnableError(`cannot run '${kind}' locally: ${why}`);
      },
    };
  }

  async acquireLock(key: string, partition: string | null, owner: string): Promise<Lock> {
    return acquireLocalLock(localPaths.locks(), key, partition, owner);
  }

  /**
   * Observes a source table: the contract-checking observation of jobs/embedded/ when present,
   * else a plain row count of the table (a data version that changes when rows are added or removed).
   */
  async observeSource(asset: AssetDefinition): Promise<Observation | undefined> {
    if (this.observeImpl) return this.observeImpl(asset, this.source);
    if (asset.compute.kind !== 'rds-table') return undefined;
    const { table, schema } = computeSettings<RdsTableSettings>(asset);
    const rows = await this.source.use(async (pg) => {
      const r = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${pgIdent(schema)}.${pgIdent(table)}`);
      return r.rows[0].n;
    });
    return {
      key: asset.key,
      dataVersion: createHash('sha256').update(`${table}:${rows}`).digest('hex').slice(0, 16),
      metadata: { rows },
      at: new Date().toISOString(),
    };
  }

  async evaluateChecks(ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]> {
    if (this.checksImpl) return this.checksImpl(ctx, output, checks);
    throw new NotRunnableError('data checks cannot run locally: jobs/embedded/checks.ts (evaluateChecks) is not in this tree yet');
  }

  readCode(repoPath: string): string | undefined {
    try {
      return fs.readFileSync(path.join(repoRoot(), repoPath), 'utf8');
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.runLog.close();
    await this.source.close();
  }
}

/** Opens the embedded environment. */
export function openEmbeddedEnvironment(options: EmbeddedEnvironmentOptions = {}): EmbeddedEnvironment {
  return new EmbeddedEnvironment(options);
}
