/**
 * The Lambda the stack's state machines call to plan a scheduled run and to write it to the run
 * log, through the same DynamoRunLog the CLI uses, so `assets status|runs --env <stack>` show
 * automated runs exactly as they show the CLI's. Actions:
 *
 *   plan          the partitions of this tick (the latest complete window of each asset at the
 *                 scheduled time) or of a backfill (`input.partitions`), at most `maxPartitions`
 *                 per execution (the rest is the continuation); creates the run record
 *   step_succeeded  step_started, materialization (with the metrics the job wrote to S3, for a job
 *                 that reports them), the step's checks evaluated as the engine evaluates them
 *                 (metric checks from that metadata, a `row_count` from the rows an index load
 *                 answered: step-checks.ts, reported-checks.ts) and recorded as `check_evaluated`,
 *                 step_succeeded, the freshness metric; reports a blocking check failure, which
 *                 stops the state machine before anything downstream
 *   step_failed   step_started, step_failed with the service's error
 *   run_ended     the run's status and end
 *
 * A Lambda retry of `plan` reuses the run (the run id is the execution's name).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  checkName,
  dataVersionOf,
  partitionCount,
  partitionIndex,
  partitionKey,
  timeWindow,
  type AssetKey,
  type CheckSpec,
  type PartitionsDefinition,
  type RunLog,
} from '../../assets/core';
import { blockingFailure, checkEvents, evaluateStepChecks } from '../engine/step-checks';
import { DynamoRunLog } from './dynamo-runlog';
import { publishMaterialized } from './freshness-metric';
import { readJobMetrics, type MetricsObject } from './job-metrics';
import { latestInputs } from './latest-inputs';
import { evaluateReportedChecks, notEvaluatedLine } from './reported-checks';
import type { Clock } from './retry';

export interface PlannedAsset {
  readonly key: AssetKey;
  readonly slug: string;
  readonly partitions: PartitionsDefinition | null;
}

/** One iteration of the state machine's Map: the run and, per asset slug, what to write. */
export interface PlanItem {
  readonly runId: string;
  readonly steps: Readonly<Record<string, { key: AssetKey; partition: string | null; start?: string; end?: string }>>;
}

export type RecorderEvent =
  | {
      readonly action: 'plan';
      readonly group: string;
      readonly assets: readonly PlannedAsset[];
      readonly maxPartitions: number;
      /** The execution's input: `{ scheduledTime }` from the scheduler, or `{ partitions: [...] }` for a backfill. */
      readonly input: { readonly scheduledTime?: string; readonly partitions?: readonly string[] };
      readonly execution: string;
      readonly startedAt: string;
    }
  | {
      readonly action: 'step_succeeded' | 'step_failed';
      readonly runId: string;
      readonly key: AssetKey;
      readonly partition: string | null;
      readonly startedAt: string;
      /** From the definition: the deps whose latest data versions are the inputs, and the code version. */
      readonly deps: readonly AssetKey[];
      readonly codeVersion: string;
      /** From the definition: the asset's compute kind and declared checks, evaluated after a success. */
      readonly kind?: string;
      readonly checks?: readonly CheckSpec[];
      /** From the definition: where the job reports its metrics (a trainer's model.json), read after a success. */
      readonly metricsObject?: MetricsObject;
      readonly error?: { Error?: string; Cause?: string };
      /** What the task answered, recorded with the materialization (an index load's rows, version, ...). */
      readonly metadata?: Readonly<Record<string, unknown>>;
    }
  | { readonly action: 'run_ended'; readonly runId: string; readonly status: 'succeeded' | 'failed'; readonly error?: { Error?: string; Cause?: string } };

export interface PlanResult {
  readonly runId: string;
  readonly items: readonly PlanItem[];
  /** The input of the next execution when a backfill does not fit one execution's history; null otherwise. */
  readonly continuation: { readonly partitions: readonly string[] } | null;
}

/** Bad input to the recorder: the message says what and how to fix it (the state machine's Catch publishes it). */
export class RecorderInputError extends Error {
  override readonly name = 'RecorderInputError';
}

const iso = (ms: number) => new Date(ms).toISOString();
/**
 * A task's error as one line. A Lambda task's Cause is the function's error payload (JSON with
 * `errorMessage` and a stack `trace`): its message is what a person needs.
 */
function errorText(e?: { Error?: string; Cause?: string }): string {
  if (!e) return 'unknown error';
  let cause = e.Cause;
  try {
    const payload = JSON.parse(cause ?? '') as { errorMessage?: unknown };
    if (typeof payload?.errorMessage === 'string') cause = payload.errorMessage;
  } catch {
    // Not JSON: a service's own message, kept as is.
  }
  return [e.Error, cause].filter(Boolean).join(': ');
}

/** The windows each asset writes on this tick: its latest complete partition at the scheduled time. */
function tickItem(runId: string, assets: readonly PlannedAsset[], asOfMs: number): PlanItem {
  const steps: Record<string, PlanItem['steps'][string]> = {};
  for (const a of assets) {
    if (!a.partitions) steps[a.slug] = { key: a.key, partition: null };
    else if (a.partitions.type === 'static') continue; // a static set is a backfill's business, not a tick's
    else {
      const n = partitionCount(a.partitions, asOfMs);
      if (n === 0) continue; // before the first window ends there is nothing complete to write
      const w = timeWindow(a.partitions, n - 1);
      steps[a.slug] = { key: a.key, partition: partitionKey(a.partitions, n - 1), start: iso(w.startMs), end: iso(w.endMs) };
    }
  }
  return { runId, steps };
}

/** One item per partition of a backfill, with the assets partitioned that way. */
function backfillItems(runId: string, assets: readonly PlannedAsset[], partitions: readonly string[]): PlanItem[] {
  return partitions.map((p) => {
    const steps: Record<string, PlanItem['steps'][string]> = {};
    for (const a of assets) {
      if (!a.partitions) continue;
      const i = partitionIndex(a.partitions, p);
      // Keys are parsed leniently ('2026-01-01' names an hourly window too): only exact keys select an asset.
      if (typeof i === 'string' || partitionKey(a.partitions, i) !== p) continue;
      if (a.partitions.type === 'static') steps[a.slug] = { key: a.key, partition: p };
      else {
        const w = timeWindow(a.partitions, i);
        steps[a.slug] = { key: a.key, partition: p, start: iso(w.startMs), end: iso(w.endMs) };
      }
    }
    if (!Object.keys(steps).length) throw new RecorderInputError(`backfill partition '${p}' belongs to no asset of this schedule (${assets.map((a) => a.key).join(', ')}); pass partition keys such as ${assets.find((a) => a.partitions)?.partitions ? partitionKey(assets.find((a) => a.partitions)!.partitions!, 0) : '(none: no asset here is partitioned)'}`);
    return { runId, steps };
  });
}

/** Plans the execution and creates its run record. */
export async function plan(log: RunLog, env: string, event: Extract<RecorderEvent, { action: 'plan' }>): Promise<PlanResult> {
  const runId = `sfn-${event.execution}`;
  const backfill = event.input.partitions;
  let items: PlanItem[];
  let continuation: PlanResult['continuation'] = null;
  if (backfill) {
    if (!Array.isArray(backfill) || !backfill.length) throw new RecorderInputError('a backfill execution\'s input needs "partitions": a non-empty list of partition keys');
    items = backfillItems(runId, event.assets, backfill.slice(0, event.maxPartitions));
    if (backfill.length > event.maxPartitions) continuation = { partitions: backfill.slice(event.maxPartitions) };
  } else {
    const asOf = Date.parse(event.input.scheduledTime ?? event.startedAt);
    if (Number.isNaN(asOf)) throw new RecorderInputError(`scheduledTime '${event.input.scheduledTime}' is not an ISO time; the schedule passes <aws.scheduler.scheduled-time>`);
    items = [tickItem(runId, event.assets, asOf)];
  }
  const stepsPlanned = items.reduce((n, i) => n + Object.keys(i.steps).length, 0);
  if (!(await log.getRun(runId))) {
    await log.createRun({
      runId,
      command: backfill ? 'backfill' : 'materialize',
      selection: event.assets.map((a) => a.key).join(','),
      partitions: backfill ? (backfill.length > 1 ? `${backfill[0]}..${backfill[backfill.length - 1]}` : backfill[0]) : 'latest',
      env,
      status: 'running',
      startedAt: event.startedAt,
      owner: `stepfunctions:${event.group}`,
      stepsPlanned,
      automation: { tickId: `${event.group}@${event.input.scheduledTime ?? event.startedAt}`, requestId: event.execution },
    });
  }
  return { runId, items, continuation };
}

/** What the recorder reaches besides the run log; the handler binds them to the SDK, tests to fakes. */
export interface RecorderServices {
  /** The numeric metrics a job wrote to S3 (job-metrics.ts). */
  readonly readMetrics: (object: MetricsObject, owner: AssetKey) => Promise<Record<string, number>>;
  /** One more materialization of `key`: the freshness metric the stack's alarms count. */
  readonly publishMaterialized: (key: AssetKey) => Promise<void>;
  /** The function's log (CloudWatch Logs through stdout). */
  readonly log: (message: string) => void;
}

/** Services that reach nothing: no metrics to read, no metric published (a run log alone). */
export const OFFLINE_SERVICES: RecorderServices = { readMetrics: async () => ({}), publishMaterialized: async () => undefined, log: () => undefined };

/**
 * Writes a step's outcome; for a success, its checks as the engine evaluates them (a blocking
 * failure, its own or one recorded for this run by the step itself, stops downstream).
 */
export async function recordStep(
  log: RunLog,
  event: Extract<RecorderEvent, { action: 'step_succeeded' | 'step_failed' }>,
  nowMs: number,
  services: RecorderServices = OFFLINE_SERVICES,
): Promise<{ blocked: boolean; reason: string; warning?: string }> {
  const base = { runId: event.runId, key: event.key, partitions: event.partition === null ? null : [event.partition] };
  const at = iso(nowMs);
  const durationMs = Math.max(0, nowMs - Date.parse(event.startedAt));
  await log.append({ type: 'step_started', ...base, at: event.startedAt });
  if (event.action === 'step_failed') {
    await log.append({ type: 'step_failed', ...base, at, durationMs, error: errorText(event.error) });
    return { blocked: true, reason: errorText(event.error) };
  }
  const inputs = await latestInputs(log, event.deps);
  let reported: Record<string, unknown> = {};
  if (event.metricsObject) {
    try {
      reported = await services.readMetrics(event.metricsObject, event.key);
    } catch (e) {
      // Recorded, not thrown: the step did write; its metric checks then fail, naming what is missing.
      reported = { metricsUnreadable: (e as Error).message };
      services.log(`${event.key}: ${(e as Error).message}`);
    }
  }
  const metadata = { ...reported, ...event.metadata, orchestrator: 'stepfunctions' };
  await log.append({ type: 'materialization', runId: event.runId, key: event.key, partition: event.partition, codeVersion: event.codeVersion, dataVersion: dataVersionOf(event.codeVersion, inputs), inputs, metadata, at });
  const checks = await evaluateStepChecks(event.checks ?? [], metadata, async (data) => {
    const r = evaluateReportedChecks(event.kind ?? '', data, metadata);
    if (r.notEvaluated) services.log(`${event.key}: ${notEvaluatedLine(r.notEvaluated)}`);
    return r.outcomes;
  });
  for (const e of checkEvents(checks, { key: event.key, partition: event.partition, runId: event.runId, at: () => at })) await log.append(e);
  await log.append({ type: 'step_succeeded', ...base, at, durationMs, metadata });
  let warning: string | undefined;
  try {
    await services.publishMaterialized(event.key);
  } catch (e) {
    // The run log holds the materialization; a missing data point makes the freshness alarm say so.
    warning = `could not publish the freshness metric of ${event.key} (its freshness alarm may fire): ${(e as Error).message}`;
    services.log(warning);
  }
  const own = blockingFailure(checks);
  const evaluated = new Set(checks.map((c) => checkName(c.check)));
  // Checks the step itself recorded for this run (none of the kinds here does yet; a job may).
  const recorded = (await log.checkEvaluations(event.key, { limit: 50 })).filter(
    (c) => c.runId === event.runId && c.partition === event.partition && c.blocking && !c.passed && !evaluated.has(c.check),
  );
  const reasons = [own, ...recorded.map((c) => `${c.check}: ${c.message}`)].filter(Boolean);
  return { blocked: reasons.length > 0, reason: reasons.join('; '), ...(warning ? { warning } : {}) };
}

/** The Lambda entry point: env HEADWATER_ENV and HEADWATER_RUNLOG_TABLE (the stack sets both). */
export async function handler(event: RecorderEvent): Promise<unknown> {
  const table = process.env.HEADWATER_RUNLOG_TABLE;
  const env = process.env.HEADWATER_ENV;
  if (!table || !env) throw new RecorderInputError('HEADWATER_RUNLOG_TABLE and HEADWATER_ENV must be set (the stack sets them)');
  // The SDK's own configuration (Lambda's region and role; AWS_ENDPOINT_URL in the emulator test).
  const log = new DynamoRunLog(new DynamoDBClient({}), table);
  return dispatch(log, env, event, Date.now(), sdkServices(new S3Client({}), new CloudWatchClient({}), (message) => console.log(message)));
}

/** The services over the SDK: metrics objects read from S3, the freshness metric put to CloudWatch. */
export function sdkServices(s3: S3Client, cloudwatch: CloudWatchClient, log: (message: string) => void, clock?: Clock): RecorderServices {
  return {
    readMetrics: (object, owner) => readJobMetrics(s3, object, { owner, log, clock }),
    publishMaterialized: (key) => publishMaterialized(cloudwatch, key, { clock }),
    log,
  };
}

/** The handler's work on a given run log and clock (what the tests call). */
export async function dispatch(log: RunLog, env: string, event: RecorderEvent, nowMs: number, services: RecorderServices = OFFLINE_SERVICES): Promise<unknown> {
  if (event.action === 'plan') return plan(log, env, event);
  if (event.action === 'run_ended') {
    await log.updateRun(event.runId, { status: event.status, endedAt: iso(nowMs), ...(event.error ? { error: errorText(event.error) } : {}) });
    return { ok: true };
  }
  return recordStep(log, event, nowMs, services);
}
