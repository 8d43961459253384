/**
 * What the stack's orchestration is made of, computed from the graph alone (pure, no Pulumi):
 * the automated assets grouped into one state machine per cron schedule, the EventBridge
 * Scheduler form of each cron, and the Amazon States Language definition of each state machine.
 *
 * One state machine per schedule (not per connected component): a schedule is what EventBridge
 * Scheduler starts, so each execution is exactly one tick of one cron, its history and alarms read
 * as "the 00:30 batch" or "the :05 analytics", and two schedules over the same component (hourly
 * analytics reading a daily snapshot) never wait on each other's executions. Eager assets run in
 * the state machine of the schedule upstream of them, after their deps, as `assets automate` runs
 * connected requests in one run.
 */
import { computeSettings, primitives, type AssetDefinition, type AssetGraph, type AssetKey, type CheckSpec, type PartitionsDefinition } from '../../assets/core';
import type { BatchKindName, EmrSparkSettings } from '../../assets/kinds';
import type { MetricsObject } from '../../jobs/aws/job-metrics';
import { slug } from '../lake-layout';

/**
 * Kinds a state machine can run, and how: the `.sync` service integration of each job kind, and
 * `lambda:invoke` (which waits for the function's answer) for the index load's function.
 */
export const SYNC_RESOURCES = {
  'glue-extract': 'arn:aws:states:::glue:startJobRun.sync',
  'glue-sql': 'arn:aws:states:::glue:startJobRun.sync',
  'emr-spark': 'arn:aws:states:::emr-serverless:startJobRun.sync',
  'vector-index': 'arn:aws:states:::lambda:invoke',
} as const satisfies Partial<Record<BatchKindName, string>>;
export type OrchestratedKind = keyof typeof SYNC_RESOURCES;
const isOrchestrated = (kind: string): kind is OrchestratedKind => kind in SYNC_RESOURCES;

/**
 * Step Functions' hard limit is 25,000 events per standard execution; one partition of a group costs
 * at most EVENTS_PER_STEP events per asset plus the Map iteration's own. A backfill runs at most
 * `partitionsPerExecution` partitions and continues the rest in a new execution.
 */
export const HISTORY_LIMIT = 25_000;
export const EVENTS_PER_STEP = 24;
const HISTORY_HEADROOM = 0.8;

export interface OrchestratedAsset {
  readonly key: AssetKey;
  readonly slug: string;
  readonly kind: OrchestratedKind;
  readonly partitions: PartitionsDefinition | null;
  /** Deps whose latest data versions the materialization records as its inputs. */
  readonly deps: readonly AssetKey[];
  readonly codeVersion: string;
  /** The declared checks, evaluated by the recorder after a success as the engine evaluates them. */
  readonly checks: readonly CheckSpec[];
  /** Whether the job reports metrics in S3 for the recorder to read (a trainer's model.json): a model, or metric checks to judge. */
  readonly reportsMetrics: boolean;
}

export interface ScheduleGroup {
  /** `daily-0030-utc`-style id, unique in the stack; names the state machine and its schedule. */
  readonly id: string;
  readonly cron: string;
  readonly timezone: string;
  /** In topological order: a step runs after every dep of the same group. */
  readonly assets: readonly OrchestratedAsset[];
  readonly partitionsPerExecution: number;
}

export interface OrchestrationPlan {
  readonly groups: readonly ScheduleGroup[];
  /** Automated assets no state machine runs, with why (`assets automate` still does). */
  readonly notCompiled: readonly { readonly key: AssetKey; readonly reason: string }[];
}

const cronOf = (a: AssetDefinition) => (a.automation ? [...primitives(a.automation)].find((p) => p.type === 'on_cron') : undefined);
const isEager = (a: AssetDefinition) => !!a.automation && [...primitives(a.automation)].some((p) => p.type === 'eager');

/**
 * Groups the graph's automated assets by cron schedule; eager assets follow their deps' group.
 * `codeVersion` is the asset's code version as the engine computes it (it reads files).
 */
export function orchestrationPlan(graph: AssetGraph, codeVersion: (asset: AssetDefinition) => string): OrchestrationPlan {
  const groupOf = new Map<AssetKey, string>();
  const groups = new Map<string, { cron: string; timezone: string; assets: OrchestratedAsset[] }>();
  const notCompiled: { key: AssetKey; reason: string }[] = [];
  for (const key of graph.keys) {
    const asset = graph.get(key);
    if (!asset.automation) continue;
    const cron = cronOf(asset);
    let id: string | undefined;
    if (cron && cron.type === 'on_cron') {
      id = scheduleId(cron.cron, cron.timezone);
      if (!groups.has(id)) groups.set(id, { cron: cron.cron, timezone: cron.timezone, assets: [] });
    } else if (isEager(asset)) {
      id = asset.deps.map((d) => groupOf.get(d.key)).find((g) => g !== undefined);
      if (!id) {
        notCompiled.push({ key, reason: 'eager with no dep run by a schedule: nothing in the stack would start it' });
        continue;
      }
    } else {
      notCompiled.push({ key, reason: 'onMissing/onFreshness need the run log at each tick; `assets automate --env` evaluates them' });
      continue;
    }
    if (!isOrchestrated(asset.compute.kind)) {
      notCompiled.push({ key, reason: `compute kind '${asset.compute.kind}' has no Step Functions task yet (runs: ${Object.keys(SYNC_RESOURCES).join(', ')})` });
      continue;
    }
    groupOf.set(key, id);
    const kind = asset.compute.kind;
    const reportsMetrics = kind === 'emr-spark' && (!!computeSettings<EmrSparkSettings>(asset).model || asset.checks.some((c) => c.type === 'metric_compare'));
    groups.get(id)!.assets.push({ key, slug: slug(key), kind, partitions: asset.partitions ?? null, deps: asset.deps.map((d) => d.key), codeVersion: codeVersion(asset), checks: asset.checks, reportsMetrics });
  }
  return {
    groups: [...groups.entries()].map(([id, g]) => ({
      id,
      ...g,
      partitionsPerExecution: Math.max(1, Math.floor((HISTORY_LIMIT * HISTORY_HEADROOM) / (EVENTS_PER_STEP * g.assets.length + 10))),
    })),
    notCompiled,
  };
}

/** A readable, stable id for a schedule: `c-5-x-x-x-x-utc` from `5 * * * *` UTC. */
export function scheduleId(cron: string, timezone: string): string {
  const text = `${cron} ${timezone}`.toLowerCase().replace(/\*/g, 'x').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `c-${text}`.slice(0, 40);
}

const MACROS: Record<string, string> = { '@hourly': '0 * * * *', '@daily': '0 0 * * *', '@weekly': '0 0 * * 0', '@monthly': '0 0 1 * *', '@yearly': '0 0 1 1 *' };

/**
 * A five-field cron in EventBridge Scheduler's `cron(min hour dom month dow year)`: one of
 * day-of-month and day-of-week must be `?`, and days of week count 1-7 from Sunday (cron: 0-6).
 */
export function eventBridgeCron(expr: string): string {
  const fields = (MACROS[expr.trim()] ?? expr).trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron '${expr}' must have five fields (minute hour day-of-month month day-of-week)`);
  const [min, hour, dom, month, dow] = fields;
  const shiftDow = (f: string) => f.replace(/\d+/g, (d) => String((Number(d) % 7) + 1));
  if (dow === '*') return `cron(${min} ${hour} ${dom} ${month} ? *)`;
  if (dom === '*') return `cron(${min} ${hour} ? ${month} ${shiftDow(dow)} *)`;
  // Cron fires when either day field matches; EventBridge cannot say both: the day of week wins.
  throw new Error(`cron '${expr}' restricts both day of month and day of week; EventBridge Scheduler accepts only one of them`);
}

/** The resolved names a definition refers to. */
export interface DefinitionTargets {
  readonly recorderArn: string;
  readonly topicArn: string;
  readonly glueJobs: Readonly<Record<AssetKey, string>>;
  readonly emr: Readonly<Record<AssetKey, { applicationId: string; executionRoleArn: string; entryPoint: string; entryPointArguments: readonly string[]; sparkSubmitParameters: string; timeoutMinutes: number; metricsObject?: MetricsObject }>>;
  /** The index-load function (ARN) of each `vector-index` asset. */
  readonly indexLoaders: Readonly<Record<AssetKey, string>>;
}

type State = Record<string, unknown>;

/** Retries for throttling and transient service errors: exponential backoff with jitter. */
const THROTTLING: Record<OrchestratedKind | 'lambda', string[]> = {
  'glue-extract': ['Glue.ThrottlingException', 'Glue.ConcurrentRunsExceededException', 'Glue.InternalServiceException'],
  'glue-sql': ['Glue.ThrottlingException', 'Glue.ConcurrentRunsExceededException', 'Glue.InternalServiceException'],
  'emr-spark': ['EMRServerless.ThrottlingException', 'EMRServerless.InternalServerException'],
  // The set AWS recommends retrying for every Lambda task (transient service and client-side errors).
  lambda: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
  // The same for the index load; TooManyRequests is also another load of the index still running (its concurrency is 1).
  'vector-index': ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
};
/** The Retry of a task of `kind` (throttling and transient errors of its service). */
export const retry = (kind: OrchestratedKind | 'lambda') => [{ ErrorEquals: THROTTLING[kind], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 300, JitterStrategy: 'FULL' }];

/** A call of the recorder Lambda (run-log writes in the CLI's shape); its payload under `$.<resultPath>`. */
function record(targets: DefinitionTargets, payload: Record<string, unknown>, next: Record<string, unknown>, resultPath: string | null, selector?: Record<string, string>): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: targets.recorderArn, Payload: payload },
    ...(selector ? { ResultSelector: selector } : {}),
    ResultPath: resultPath,
    Retry: retry('lambda'),
    ...next,
  };
}

/** Where a task's answer is kept for the step's record (the index load's metadata); jobs answer nothing kept. */
const resultPath = (asset: OrchestratedAsset) => `$.results.${asset.slug}`;

/** The job task of one asset: its `.sync` integration with the partition window as arguments, or the index load's function. */
function jobTask(asset: OrchestratedAsset, targets: DefinitionTargets): State {
  const at = `$.steps.${asset.slug}`;
  if (asset.kind === 'vector-index') {
    const fn = targets.indexLoaders[asset.key];
    if (!fn) throw new Error(`internal: no index-load function for ${asset.key}`);
    // The function's answer is the materialization's metadata (rows, version, ...), recorded with the step.
    return {
      Type: 'Task',
      Resource: SYNC_RESOURCES[asset.kind],
      Parameters: { FunctionName: fn, Payload: { key: asset.key, 'runId.$': '$.runId' } },
      ResultSelector: { 'metadata.$': '$.Payload' },
      ResultPath: resultPath(asset),
      Retry: retry(asset.kind),
    };
  }
  if (asset.kind === 'emr-spark') {
    const e = targets.emr[asset.key];
    if (!e) throw new Error(`internal: no EMR Serverless application for ${asset.key}`);
    return {
      Type: 'Task',
      Resource: SYNC_RESOURCES[asset.kind],
      Parameters: {
        ApplicationId: e.applicationId,
        ExecutionRoleArn: e.executionRoleArn,
        'Name.$': `States.Format('{}-${asset.slug}', $.runId)`,
        ExecutionTimeoutMinutes: e.timeoutMinutes,
        JobDriver: { SparkSubmit: { EntryPoint: e.entryPoint, 'EntryPointArguments.$': `States.Array(${[...e.entryPointArguments, '--headwater_run_id'].map((a) => `'${a.replace(/'/g, "\\'")}'`).join(', ')}, $.runId)`, SparkSubmitParameters: e.sparkSubmitParameters } },
      },
      ResultPath: null,
      Retry: retry(asset.kind),
    };
  }
  const jobName = targets.glueJobs[asset.key];
  if (!jobName) throw new Error(`internal: no Glue job for ${asset.key}`);
  const window = asset.partitions ? { '--partition_start.$': `${at}.start`, '--partition_end.$': `${at}.end` } : {};
  return {
    Type: 'Task',
    Resource: SYNC_RESOURCES[asset.kind],
    Parameters: { JobName: jobName, Arguments: { '--headwater_run_id.$': '$.runId', ...window } },
    ResultPath: null,
    Retry: retry(asset.kind),
  };
}

/** The states of one asset inside a partition's iteration: run it if planned, record, stop on a blocking check. */
function assetStates(asset: OrchestratedAsset, next: string, targets: DefinitionTargets): Record<string, State> {
  const s = asset.slug;
  const step = { 'runId.$': '$.runId', key: asset.key, deps: asset.deps, codeVersion: asset.codeVersion, 'partition.$': `$.steps.${s}.partition`, 'startedAt.$': `$.started.${s}.at` };
  // What the recorder judges a success by: the declared checks, over the metadata the step reported.
  const metricsObject = asset.reportsMetrics ? targets.emr[asset.key]?.metricsObject : undefined;
  if (asset.reportsMetrics && !metricsObject) throw new Error(`internal: no metrics object for ${asset.key} (its manifest entry has no lake location)`);
  const judged = { kind: asset.kind, checks: asset.checks, ...(metricsObject ? { metricsObject } : {}) };
  return {
    [`${s}?`]: { Type: 'Choice', Choices: [{ Variable: `$.steps.${s}`, IsPresent: true, Next: `${s}:start` }], Default: next },
    // The step's start time, for its step_started event and duration (the job's output is dropped).
    [`${s}:start`]: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, ResultPath: `$.started.${s}`, Next: s },
    [s]: { ...jobTask(asset, targets), Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `${s}:failed` }], Next: `${s}:succeeded` },
    [`${s}:succeeded`]: record(
      targets,
      { action: 'step_succeeded', ...step, ...judged, ...(asset.kind === 'vector-index' ? { 'metadata.$': `${resultPath(asset)}.metadata` } : {}) },
      { Next: `${s}:blocked?` },
      `$.checks.${s}`,
      { 'blocked.$': '$.Payload.blocked', 'reason.$': '$.Payload.reason' },
    ),
    [`${s}:blocked?`]: { Type: 'Choice', Choices: [{ Variable: `$.checks.${s}.blocked`, BooleanEquals: true, Next: `${s}:blocked` }], Default: next },
    [`${s}:blocked`]: { Type: 'Fail', Error: 'Headwater.BlockingCheckFailed', Cause: `a blocking check of ${asset.key} failed; downstream steps were not run` },
    [`${s}:failed`]: record(targets, { action: 'step_failed', ...step, 'error.$': '$.error' }, { Next: `${s}:stop` }, null),
    [`${s}:stop`]: { Type: 'Fail', Error: 'Headwater.StepFailed', Cause: `${asset.key} failed; downstream steps were not run` },
  };
}

/**
 * The state machine of one schedule (JSONPath ASL): plan the partitions (the recorder creates the
 * run record), a Map over them in order, each iteration running the group's assets upstream
 * first; the run's end recorded; any failure recorded, published to the alarm topic and failing
 * the execution; a backfill longer than one execution's history continues in a new execution.
 */
export function stateMachineDefinition(group: ScheduleGroup, targets: DefinitionTargets): Record<string, unknown> {
  const iteration: Record<string, State> = {};
  group.assets.forEach((a, i) => Object.assign(iteration, assetStates(a, i + 1 < group.assets.length ? `${group.assets[i + 1].slug}?` : 'PartitionDone', targets)));
  iteration.PartitionDone = { Type: 'Succeed' };
  const assets = group.assets.map((a) => ({ key: a.key, slug: a.slug, partitions: a.partitions }));
  return {
    Comment: `Headwater schedule ${group.cron} (${group.timezone}): ${group.assets.map((a) => a.key).join(', ')}`,
    StartAt: 'Plan',
    States: {
      Plan: record(
        targets,
        { action: 'plan', group: group.id, assets, maxPartitions: group.partitionsPerExecution, 'input.$': '$', 'execution.$': '$$.Execution.Name', 'startedAt.$': '$$.Execution.StartTime' },
        { Next: 'Partitions', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify' }] },
        '$.plan',
        { 'runId.$': '$.Payload.runId', 'items.$': '$.Payload.items', 'continuation.$': '$.Payload.continuation' },
      ),
      Partitions: {
        Type: 'Map',
        ItemsPath: '$.plan.items',
        // Partitions in order, one at a time: a backfill writes oldest first, as the CLI's does.
        MaxConcurrency: 1,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: `${group.assets[0].slug}?`, States: iteration },
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RunFailed' }],
        Next: 'RunSucceeded',
      },
      RunSucceeded: record(targets, { action: 'run_ended', 'runId.$': '$.plan.runId', status: 'succeeded' }, { Next: 'More?' }, null),
      'More?': { Type: 'Choice', Choices: [{ Variable: '$.plan.continuation', IsNull: false, Next: 'Continue' }], Default: 'Done' },
      Continue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Input.$': '$.plan.continuation' },
        ResultPath: null,
        // Error names of the optimized integration are `StepFunctions.<API error>`; `States.*` names are reserved
        // for the interpreter's own (a `States.Throttling` here is refused when the definition is created).
        Retry: [{ ErrorEquals: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.ThrottlingException'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Notify' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      RunFailed: record(targets, { action: 'run_ended', 'runId.$': '$.plan.runId', status: 'failed', 'error.$': '$.error' }, { Next: 'Notify', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: 'Notify' }] }, null),
      Notify: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: {
          TopicArn: targets.topicArn,
          Subject: `Headwater: scheduled run failed (${group.cron})`,
          'Message.$': `States.Format('Execution {} of ${group.id} failed: {}', $$.Execution.Id, States.JsonToString($.error))`,
        },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['SNS.ThrottledException', 'SNS.InternalErrorException'], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 5, JitterStrategy: 'FULL' }],
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'Headwater.ScheduledRunFailed', Cause: 'see the alarm topic and the run log (assets runs --env)' },
    },
  };
}
