/**
 * The generic run engine: selection x partitions -> plan -> runs -> run-log events, in any
 * environment. It owns ordering, parallelism, skipping what is up to date, locks, code and data
 * versions, checks and the fate of downstream steps; the environment owns all I/O.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  IntervalSet,
  RunLogIndex,
  codeVersionOf,
  currentInputVersions,
  describeRequest,
  dataVersionOf,
  mapToUpstream,
  partitionKey,
  plan as makePlan,
  planRuns,
  runPartitionKeys,
  timeWindow,
  type AssetGraph,
  type AssetKey,
  type FileFact,
  type FileProblem,
  type Materialization,
  type MaterializationLookup,
  type Metadata,
  type Observation,
  type PartitionRequest,
  type Plan,
  type PlanRun,
  type RunEvent,
  type RunStatus,
} from '../../assets/core';
import { LockHeldError, type CheckOutcome, type Environment, type Lock, type StepContext, type StepInput, type StepOutput } from './environment';
import { blockingFailure, checkEvents, evaluateStepChecks } from './step-checks';
import { silentReporter, type EngineReporter, type RunOutcome, type RunProgress } from './reporter';
import { runDependencies } from './run-dependencies';
import { partitionsLabel } from './run-request';
import { UserError } from '../../assets/core';

/** A mistake in what the engine was asked to do (resume of an unknown run...): exit 2 in the CLI. */
export class EngineInputError extends UserError {
  override name = 'EngineInputError';
}

export interface MaterializeOptions {
  readonly graph: AssetGraph;
  /** Selected asset keys (any order); non-batch assets are left out by the planner, with why. */
  readonly keys: readonly AssetKey[];
  /** The selection as the person wrote it, recorded on the run. */
  readonly selection: string;
  readonly request: PartitionRequest;
  readonly command: 'materialize' | 'backfill';
  readonly env: Environment;
  /** Recompute partitions even when their data version is unchanged. */
  readonly force?: boolean;
  /** Runs executed at the same time (default 1: strictly in step order). */
  readonly maxParallel?: number;
  /** Continue this earlier run: what it materialized is not recomputed. */
  readonly resumeOf?: string;
  readonly reporter?: EngineReporter;
  /** Aborting it (Ctrl-C) stops the run: in-flight steps are told to stop, the run is `interrupted`. */
  readonly signal?: AbortSignal;
  readonly nowMs?: number;
  readonly runId?: string;
  /** Set when `assets automate` launches the run: recorded on it. */
  readonly automation?: { readonly tickId: string; readonly requestId: string };
}

/** What happened to one run of one step. */
export interface RunResult {
  readonly planRunId: string;
  readonly key: AssetKey;
  readonly partitions: string | null;
  readonly outcome: RunOutcome;
  readonly detail: string;
  readonly durationMs: number;
  /** Metadata the step recorded (of its last execution when a run was split). */
  readonly metadata?: Metadata;
  readonly checks: readonly CheckOutcome[];
}

export interface MaterializeResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly plan: Plan;
  readonly results: readonly RunResult[];
  readonly counts: Readonly<Record<RunOutcome, number>>;
  readonly durationMs: number;
  /** Set when a lock was held by another run: the CLI exits 2 naming the holder. */
  readonly lockError?: LockHeldError;
}

/** A new run id: sortable by start time, unique across processes. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '')}-${randomBytes(3).toString('hex')}`;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Partitions materialized by `runId` and the runs it resumed: a resume does not redo them. */
async function doneByRunChain(env: Environment, runId: string): Promise<Set<string>> {
  const done = new Set<string>();
  const seen = new Set<string>();
  for (let id: string | undefined = runId; id && !seen.has(id); ) {
    seen.add(id);
    const record = await env.runLog.getRun(id);
    if (!record) break;
    for (const e of await env.runLog.events(id)) if (e.type === 'materialization') done.add(`${e.key}\0${e.partition ?? ''}`);
    id = record.resumeOf;
  }
  return done;
}

const withFiles = (files: FileFact[] | undefined) => (files ? { files } : {});

/** Splits sorted partition indexes into contiguous [lo, hi) ranges. */
function contiguous(indexes: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const i of indexes) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

/** Plans and runs `keys` for `request` in `env`, recording everything in the environment's run log. */
export async function materialize(opts: MaterializeOptions): Promise<MaterializeResult> {
  const { graph, env } = opts;
  const reporter = opts.reporter ?? silentReporter;
  const nowMs = opts.nowMs ?? Date.now();
  const t0 = Date.now();
  if (opts.resumeOf) {
    const prior = await env.runLog.getRun(opts.resumeOf);
    if (!prior) throw new EngineInputError(`no run '${opts.resumeOf}' in the ${env.name} run log; list runs with \`assets runs\``);
    if (prior.status === 'running') {
      throw new EngineInputError(`run ${opts.resumeOf} is still running (${prior.owner}); wait for it, or stop it (Ctrl-C) before resuming`);
    }
    if (prior.status === 'succeeded') throw new EngineInputError(`run ${opts.resumeOf} succeeded: there is nothing to resume`);
  }
  const plan = makePlan(graph, opts.keys, opts.request, nowMs);
  const resumeDone = opts.resumeOf ? await doneByRunChain(env, opts.resumeOf) : new Set<string>();
  const runId = opts.runId ?? newRunId();
  const owner = `${os.hostname()}:${process.pid}`;
  await env.runLog.createRun({
    runId,
    command: opts.command,
    selection: opts.selection,
    partitions: describeRequest(opts.request),
    env: env.name,
    status: 'running',
    startedAt: new Date().toISOString(),
    owner,
    ...(opts.resumeOf ? { resumeOf: opts.resumeOf } : {}),
    ...(opts.automation ? { automation: opts.automation } : {}),
    stepsPlanned: plan.runCount,
    options: { force: Boolean(opts.force), maxParallel: Math.max(1, Math.floor(opts.maxParallel ?? 1)), ...(env.engine ? { engine: env.engine } : {}) },
  });
  reporter.started({ runId, plan, resumeOf: opts.resumeOf });

  const runs = [...planRuns(plan)];
  const keysOf = runs.map((r) => runPartitionKeys(graph, r));
  await Promise.all(
    runs.map((r, i) => env.runLog.append({ type: 'step_planned', runId, key: r.step.key, partitions: keysOf[i], at: new Date().toISOString() })),
  );

  // The run log as it was when we started, overlaid with what this run writes.
  const base = await env.runLog.snapshot();
  const own = new RunLogIndex();
  const lookup: MaterializationLookup = {
    latestMaterialization: (k, p) => own.latestMaterialization(k, p) ?? base.latestMaterialization(k, p),
    latestObservation: (k) => own.latestObservation(k) ?? base.latestObservation(k),
  };
  const emit = async (event: RunEvent) => {
    await env.runLog.append(event);
    own.add(event);
  };
  /** A materialization whose run failed a blocking check is not trusted to skip a rerun. */
  const blockedRuns = (key: AssetKey): Set<string> =>
    new Set(base.latestChecks(key).filter((c) => c.blocking && !c.passed).map((c) => c.runId));

  const codeVersions = new Map<AssetKey, string>();
  const codeVersion = (key: AssetKey) => {
    let v = codeVersions.get(key);
    if (!v) codeVersions.set(key, (v = codeVersionOf(graph.get(key), (p) => env.readCode(p))));
    return v;
  };
  const observations = new Map<AssetKey, Promise<Observation | undefined>>();
  const observe = (key: AssetKey) => {
    let p = observations.get(key);
    if (!p) {
      p = env.observeSource(graph.get(key)).then(async (obs) => {
        if (obs) await emit({ ...obs, type: 'observation', runId });
        return obs;
      });
      observations.set(key, p);
    }
    return p;
  };

  /** Recorded files of a materialization that are gone or changed on disk (none when not tracked). */
  const fileProblems = (m: Materialization): FileProblem[] => (m.files && env.verifyFiles ? env.verifyFiles(m.files) : []);
  /**
   * The first damaged input of a step, as a message naming the file and the fix: a step must not
   * read around a deleted partition and write a result that looks complete.
   */
  const damagedInputs = (inputs: readonly StepInput[]): string | undefined => {
    for (const input of inputs) {
      if (input.source) continue;
      // An unpartitioned step reads every committed partition of a partitioned input.
      const read = input.partitions?.length === 0 && graph.get(input.key).partitions ? [...base.materializedPartitions(input.key)] : input.partitions ?? [null];
      for (const p of read) {
        const m = lookup.latestMaterialization(input.key, p);
        const problem = m && fileProblems(m)[0];
        if (problem) {
          return `input ${input.key}${p ? ` [${p}]` : ''} is damaged: ${problem.path} ${problem.problem} (${problem.detail}); rebuild it with \`assets materialize ${input.key}${p ? ` --partition ${p}` : ''}\` (or \`assets verify ${input.key} --repair\`)`;
        }
      }
    }
    return undefined;
  };

  let lockError: LockHeldError | undefined;
  const stopped = () => Boolean(lockError) || Boolean(opts.signal?.aborted);

  /** Executes one plan run (maybe as several contiguous chunks when some partitions are up to date). */
  async function executeRun(run: PlanRun, index: number, progress: RunProgress): Promise<Omit<RunResult, 'durationMs'>> {
    const step = run.step;
    const asset = graph.get(step.key);
    const keys = keysOf[index];
    const base = { planRunId: run.id, key: step.key, partitions: progress.partitions };
    const executor = env.executorFor(asset.compute.kind);
    if (!executor) {
      const detail = `the ${env.name} environment cannot run compute kind '${asset.compute.kind}' (no executor is registered for it)`;
      await emit({ type: 'step_failed', runId, key: step.key, partitions: keys, durationMs: 0, error: detail, at: new Date().toISOString() });
      return { ...base, outcome: 'failed', detail, checks: [] };
    }
    const locks: Lock[] = [];
    try {
      try {
        for (const p of keys ?? [null]) locks.push(await env.acquireLock(step.key, p, `${owner}:${runId}`));
      } catch (e) {
        if (e instanceof LockHeldError) {
          lockError ??= e;
          await emit({ type: 'step_failed', runId, key: step.key, partitions: keys, durationMs: 0, error: e.message, at: new Date().toISOString() });
          return { ...base, outcome: 'failed', detail: e.message, checks: [] };
        }
        throw e;
      }
      const sourceDeps = asset.deps.filter((d) => graph.get(d.key).source);
      try {
        for (const d of sourceDeps) await observe(d.key);
      } catch (e) {
        const detail = `observing ${sourceDeps.map((d) => d.key).join(', ')}: ${errorText(e)}`;
        await emit({ type: 'step_failed', runId, key: step.key, partitions: keys, durationMs: 0, error: detail, at: new Date().toISOString() });
        return { ...base, outcome: 'failed', detail, checks: [] };
      }
      const code = codeVersion(step.key);
      const blocked = opts.force ? new Set<string>() : blockedRuns(step.key);
      // Per partition: its inputs now, its data version, and whether it is already there (and intact).
      const damaged: string[] = [];
      const parts = (keys ?? [null]).map((p, i) => {
        const { versions, reads } = currentInputVersions(graph, step.key, p, lookup, nowMs);
        const dataVersion = dataVersionOf(code, versions);
        const m: Materialization | undefined = lookup.latestMaterialization(step.key, p);
        // What the resumed run chain finished is done even under --force: a resume finishes only the rest.
        let done = resumeDone.has(`${step.key}\0${p ?? ''}`) || (!opts.force && m !== undefined && m.dataVersion === dataVersion && !blocked.has(m.runId));
        if (done && m) {
          const problem = fileProblems(m)[0];
          if (problem) {
            done = false;
            damaged.push(`${p ?? step.key}: ${problem.path} ${problem.problem} (${problem.detail})`);
          }
        }
        return { p, index: run.range ? run.range[0] + i : -1, inputs: versions, reads, dataVersion, done };
      });
      for (const d of damaged.slice(0, 5)) reporter.log(progress, `rebuilding ${d}`);
      const todo = parts.filter((x) => !x.done);
      if (!todo.length) {
        const reason = resumeDone.size && parts.every((x) => resumeDone.has(`${step.key}\0${x.p ?? ''}`)) ? `done by run ${opts.resumeOf}` : 'up to date (same code and inputs)';
        await emit({ type: 'step_skipped', runId, key: step.key, partitions: keys, reason, at: new Date().toISOString() });
        return { ...base, outcome: 'up_to_date', detail: reason, checks: [] };
      }
      const chunks = run.range ? contiguous(todo.map((x) => x.index)).map(([lo, hi]) => todo.filter((x) => x.index >= lo && x.index < hi)) : [todo];
      let metadata: Metadata | undefined;
      const allChecks: CheckOutcome[] = [];
      let outcome: RunOutcome = 'succeeded';
      const details: string[] = [];
      for (const chunk of chunks) {
        if (opts.signal?.aborted) return { ...base, outcome: 'interrupted', detail: 'interrupted before it started', checks: allChecks };
        const r = await executeChunk(run, chunk, progress, code);
        metadata = r.metadata ?? metadata;
        allChecks.push(...r.checks);
        if (r.outcome !== 'succeeded') {
          outcome = r.outcome;
          details.push(r.detail);
          if (r.outcome === 'failed' || r.outcome === 'interrupted') break;
        }
      }
      const skippedParts = parts.length - todo.length;
      if (outcome === 'succeeded') {
        details.push(keys ? `${todo.length} partition${todo.length === 1 ? '' : 's'} written${skippedParts ? `, ${skippedParts} up to date` : ''}` : 'written');
        if (damaged.length) details.push(`rebuilt ${damaged.length} whose files were missing or modified`);
      }
      return { ...base, outcome, detail: details.join('; '), metadata, checks: allChecks };
    } finally {
      for (const l of locks) await l.release().catch(() => undefined);
    }
  }

  async function executeChunk(
    run: PlanRun,
    chunk: readonly { p: string | null; index: number; inputs: Record<AssetKey, string>; reads: Record<AssetKey, string | null>; dataVersion: string }[],
    progress: RunProgress,
    code: string,
  ): Promise<{ outcome: RunOutcome; detail: string; metadata?: Metadata; checks: CheckOutcome[] }> {
    const asset = graph.get(run.step.key);
    const executor = env.executorFor(asset.compute.kind)!;
    const keys = run.range ? chunk.map((x) => x.p as string) : null;
    const lo = chunk[0].index;
    const hi = chunk[chunk.length - 1].index + 1;
    const def = asset.partitions;
    const window = def?.type === 'time' && run.range ? { start: new Date(timeWindow(def, lo).startMs), end: new Date(timeWindow(def, hi - 1).endMs) } : undefined;
    const inputs: StepInput[] = asset.deps.map((d) => {
      const up = graph.get(d.key);
      if (up.source || !up.partitions) return { key: d.key, source: up.source, partitions: null };
      const read = mapToUpstream(d.mapping, def, up.partitions, run.range ? IntervalSet.of(lo, hi) : IntervalSet.EMPTY, nowMs);
      const upKeys: string[] = [];
      for (const i of read.indexes()) upKeys.push(partitionKey(up.partitions, i));
      return { key: d.key, source: false, partitions: upKeys };
    });
    const ctx: StepContext = {
      graph,
      asset,
      runId,
      partitions: keys,
      ...(window ? { window } : {}),
      inputs,
      log: (message) => reporter.log(progress, message),
      signal: opts.signal ?? new AbortController().signal,
    };
    const broken = damagedInputs(inputs);
    if (broken) {
      await emit({ type: 'step_failed', runId, key: asset.key, partitions: keys, durationMs: 0, error: broken, at: new Date().toISOString() });
      return { outcome: 'failed', detail: broken, checks: [] };
    }
    const started = Date.now();
    await emit({ type: 'step_started', runId, key: asset.key, partitions: keys, at: new Date().toISOString() });
    let output: StepOutput;
    try {
      output = await executor.execute(ctx);
    } catch (e) {
      const durationMs = Date.now() - started;
      const interrupted = Boolean(opts.signal?.aborted);
      const detail = interrupted ? `interrupted: ${errorText(e)}` : errorText(e);
      await emit({ type: 'step_failed', runId, key: asset.key, partitions: keys, durationMs, error: detail, at: new Date().toISOString() });
      return { outcome: interrupted ? 'interrupted' : 'failed', detail, checks: [] };
    }
    const at = new Date().toISOString();
    const filesOf = (p: string | null) => {
      try {
        return env.committedFiles?.(asset, p);
      } catch (e) {
        // The data is committed; without a manifest it is merely not integrity-checked later.
        reporter.log(progress, `could not record the files of ${p ?? asset.key}: ${errorText(e)}`);
        return undefined;
      }
    };
    // The data is committed: record each partition before anything else can fail.
    await Promise.all(
      chunk.map((x) =>
        emit({
          type: 'materialization',
          key: asset.key,
          partition: x.p,
          runId,
          codeVersion: code,
          dataVersion: x.dataVersion,
          inputs: x.inputs,
          reads: x.reads,
          metadata: (x.p !== null ? output.partitionMetadata?.[x.p] : undefined) ?? output.metadata,
          at,
          ...withFiles(filesOf(x.p)),
        }),
      ),
    );
    const checks = await evaluateStepChecks(ctx.asset.checks, output.metadata, (data) => env.evaluateChecks(ctx, output, data));
    await Promise.all(checkEvents(checks, { key: asset.key, partition: partitionsLabel(keys), runId, at: () => new Date().toISOString() }).map(emit));
    const durationMs = Date.now() - started;
    await emit({ type: 'step_succeeded', runId, key: asset.key, partitions: keys, durationMs, metadata: output.metadata, at: new Date().toISOString() });
    const blocked = blockingFailure(checks);
    if (blocked) return { outcome: 'blocked', detail: blocked, metadata: output.metadata, checks };
    return { outcome: 'succeeded', detail: '', metadata: output.metadata, checks };
  }

  // The scheduler: start runs whose upstream runs are done, up to maxParallel at a time, in plan order.
  const deps = runDependencies(graph, runs, nowMs);
  const results: (RunResult | undefined)[] = new Array(runs.length);
  const maxParallel = Math.max(1, Math.floor(opts.maxParallel ?? 1));
  const inflight = new Map<number, Promise<void>>();
  let next = 0; // every run before `next` has started or been settled
  const progressOf = (i: number): RunProgress => ({ runId, planRunId: runs[i].id, key: runs[i].step.key, partitions: partitionsLabel(keysOf[i]) });
  const isOk = (o: RunOutcome) => o === 'succeeded' || o === 'up_to_date';
  /**
   * A step that ran and wrote no rows: what reads its window downstream (a retrain, an index swap)
   * would only replace good outputs with ones built from nothing, so those steps are skipped.
   */
  const wroteNothing = (r: RunResult) => r.outcome === 'succeeded' && r.metadata?.rows === 0;

  const startReady = async () => {
    for (let i = next; i < runs.length && inflight.size < maxParallel && !stopped(); i++) {
      if (results[i] || inflight.has(i)) continue;
      const waits = deps[i];
      if (waits.some((j) => !results[j])) continue;
      const bad = waits.map((j) => results[j]!).filter((r) => !isOk(r.outcome) || wroteNothing(r));
      const progress = progressOf(i);
      if (bad.length) {
        const b = bad[0];
        const what = wroteNothing(b) ? 'wrote 0 rows: its input window is empty, so there is nothing new to compute from' : b.outcome === 'blocked' ? 'failed a blocking check' : b.outcome === 'skipped' ? 'was skipped' : b.outcome;
        const reason = `upstream ${b.key}${b.partitions ? ` [${b.partitions}]` : ''} ${what}`;
        await emit({ type: 'step_skipped', runId, key: runs[i].step.key, partitions: keysOf[i], reason, at: new Date().toISOString() });
        results[i] = { planRunId: runs[i].id, key: runs[i].step.key, partitions: progress.partitions, outcome: 'skipped', detail: reason, durationMs: 0, checks: [] };
        reporter.runFinished(progress, 'skipped', reason, 0);
        continue;
      }
      reporter.runStarted(progress);
      const started = Date.now();
      const p = executeRun(runs[i], i, progress)
        .catch((e): Omit<RunResult, 'durationMs'> => ({ planRunId: runs[i].id, key: runs[i].step.key, partitions: progress.partitions, outcome: 'failed', detail: errorText(e), checks: [] }))
        .then((r) => {
          const durationMs = Date.now() - started;
          results[i] = { ...r, durationMs };
          inflight.delete(i);
          reporter.runFinished(progress, r.outcome, r.detail, durationMs);
        });
      inflight.set(i, p);
    }
    while (next < runs.length && results[next]) next++;
  };

  for (;;) {
    await startReady();
    // Nothing in flight after a pass: every run is settled (deps come earlier in plan order), or we stopped.
    if (!inflight.size) break;
    await Promise.race(inflight.values());
  }

  const settled = results.filter((r): r is RunResult => r !== undefined);
  const counts: Record<RunOutcome, number> = { succeeded: 0, up_to_date: 0, failed: 0, blocked: 0, skipped: 0, interrupted: 0 };
  for (const r of settled) counts[r.outcome]++;
  const interrupted = Boolean(opts.signal?.aborted) || counts.interrupted > 0;
  const status: RunStatus = interrupted ? 'interrupted' : counts.failed || counts.blocked || counts.skipped || lockError || settled.length < runs.length ? 'failed' : 'succeeded';
  const firstProblem = settled.find((r) => !isOk(r.outcome));
  await env.runLog.updateRun(runId, {
    status,
    endedAt: new Date().toISOString(),
    ...(status !== 'succeeded' ? { error: interrupted ? 'interrupted (Ctrl-C)' : lockError?.message ?? (firstProblem ? `${firstProblem.key}: ${firstProblem.detail}` : 'not every step ran') } : {}),
  });
  const durationMs = Date.now() - t0;
  reporter.finished({ runId, status, counts, durationMs });
  return { runId, status, plan, results: settled, counts, durationMs, ...(lockError ? { lockError } : {}) };
}
