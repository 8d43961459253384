/**
 * The stack keeps itself fresh: one Step Functions state machine per cron schedule of the graph
 * (see orchestration-plan.ts for the grouping and the definition), started by an EventBridge
 * Scheduler schedule in the cron's own time zone. Each state machine runs Glue and EMR Serverless
 * jobs through their `.sync` integrations, index loads through their functions (`lambda:invoke`),
 * and calls the recorder Lambda (jobs/aws, the CLI's own
 * DynamoDB run-log code) to plan the partitions and write the run log. Failures are published to
 * the alarm topic; an alarm watches failed executions.
 *
 * IAM is what AWS documents for each integration, scoped to this stack's jobs, applications,
 * function, topic and state machine. The one `*` (log delivery) is in the policy pack's allow-list.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AssetDefinition, AssetGraph, AssetKey } from '../../assets/core';
import { metricsObjectOf, type MetricsObject } from '../../jobs/aws/job-metrics';
import { METRICS_NAMESPACE, type AssetManifest, type EmrSparkManifest, type GlueJobManifest, type VectorIndexManifest } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import { bundleHandler } from '../code';
import { inlinePolicy, kmsUse, policyDocument, serviceRole, viaServices, type Statement } from '../iam';
import { SHARED_ASSET } from '../tags';
import type { Alarms } from './alarms';
import { FUNCTION_ALARMS } from './kind-alarms';
import { physicalName } from './context';
import { LAMBDA_RUNTIME } from './lambda-function';
import type { Lake } from './lake';
import { eventBridgeCron, orchestrationPlan, stateMachineDefinition, type DefinitionTargets, type OrchestrationPlan, type ScheduleGroup } from './orchestration-plan';

/** The handler the state machines call (planning and run-log writes). */
export const RECORDER_HANDLER = 'jobs/aws/orchestration-recorder.ts';

/** Actions of the log-delivery statement: CloudWatch Logs vended delivery accepts no narrower resource. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** Any failure in 5 minutes alarms at once; no data (nothing ran) is not a failure. */
const ANY_FAILURE_IN_FIVE_MINUTES = { statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' } as const;

/** The rule Step Functions manages to learn that an EMR Serverless job run ended (documented name). */
const EMR_SYNC_RULE = 'StepFunctionsGetEventsForEMRServerlessJobRule';

export interface OrchestrationArgs {
  readonly cfg: PlatformConfig;
  readonly accountId: pulumi.Output<string>;
  readonly graph: AssetGraph;
  readonly lake: Lake;
  readonly runLogTable: aws.dynamodb.Table;
  readonly alarms: Alarms;
  /** The manifest entry of each asset (job names, application ids): what the tasks start. */
  manifestOf(key: AssetKey): pulumi.Output<AssetManifest>;
  /** The engine's code version of an asset (recorded with each materialization). */
  codeVersion(asset: AssetDefinition): string;
}

/** The statements a schedule's state machine needs, exactly (tested against AWS's documented lists). */
export function stateMachineStatements(
  group: ScheduleGroup,
  at: { region: string; accountId: string; stateMachineName: string; recorderArn: string; topicArn: string; keyArn: string },
  targets: DefinitionTargets,
): Statement[] {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${at.region}:${at.accountId}:${rest}`;
  const glueJobs = group.assets.filter((a) => a.kind === 'glue-extract' || a.kind === 'glue-sql').map((a) => arn('glue', `job/${targets.glueJobs[a.key]}`));
  const indexLoaders = group.assets.filter((a) => a.kind === 'vector-index').map((a) => targets.indexLoaders[a.key]);
  const emr = group.assets.filter((a) => a.kind === 'emr-spark').map((a) => targets.emr[a.key]);
  const statements: Statement[] = [
    { Sid: 'Recorder', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [at.recorderArn] },
    { Sid: 'AlarmTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: [at.topicArn] },
    // The topic is encrypted with the stack's logs key: publishing encrypts through SNS.
    kmsUse(at.keyArn, 'write', viaServices(at.region, 'sns'), 'AlarmTopicKey'),
    // A backfill longer than one execution's history continues in a new execution of itself.
    { Sid: 'ContinueAsNew', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [arn('states', `stateMachine:${at.stateMachineName}`)] },
    { Sid: 'LogDelivery', Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: ['*'] },
  ];
  // `lambda:invoke` of the unqualified function: the function ARN alone (no version or alias is invoked).
  if (indexLoaders.length) statements.push({ Sid: 'IndexLoads', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: indexLoaders });
  if (glueJobs.length) statements.push({ Sid: 'GlueJobRunsSync', Effect: 'Allow', Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'], Resource: glueJobs });
  if (emr.length) {
    statements.push(
      { Sid: 'EmrStartJobRun', Effect: 'Allow', Action: ['emr-serverless:StartJobRun'], Resource: emr.map((e) => arn('emr-serverless', `/applications/${e.applicationId}`)) },
      { Sid: 'EmrJobRunsSync', Effect: 'Allow', Action: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], Resource: emr.map((e) => arn('emr-serverless', `/applications/${e.applicationId}/jobruns/*`)) },
      { Sid: 'EmrSyncEvents', Effect: 'Allow', Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Resource: [arn('events', `rule/${EMR_SYNC_RULE}`)] },
      { Sid: 'EmrPassExecutionRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: [...new Set(emr.map((e) => e.executionRoleArn))], Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } } },
    );
  }
  return statements;
}

export class Orchestration extends pulumi.ComponentResource {
  readonly plan: OrchestrationPlan;
  readonly recorder: aws.lambda.Function;
  readonly stateMachines: ReadonlyMap<string, aws.sfn.StateMachine>;
  readonly schedules: ReadonlyMap<string, aws.scheduler.Schedule>;

  constructor(name: string, args: OrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:Orchestration', name, {}, opts);
    const { cfg, accountId, lake, alarms } = args;
    const child = { parent: this };
    this.plan = orchestrationPlan(args.graph, args.codeVersion);
    this.recorder = this.recorderFunction(name, args);
    const machines = new Map<string, aws.sfn.StateMachine>();
    const schedules = new Map<string, aws.scheduler.Schedule>();
    for (const group of this.plan.groups) {
      const id = `${name}-${group.id}`;
      const stateMachineName = physicalName(cfg.stack, group.id, 80);
      const targets = pulumi
        .all(group.assets.map((a) => args.manifestOf(a.key)))
        .apply((entries): DefinitionTargets => ({ recorderArn: '', topicArn: '', ...targetsOf(entries) }));
      const resolved = pulumi.all([targets, this.recorder.arn, alarms.topic.arn]).apply(([t, recorderArn, topicArn]) => ({ ...t, recorderArn, topicArn }));
      const logGroup = new aws.cloudwatch.LogGroup(`${id}-logs`, { name: `/aws/vendedlogs/states/${stateMachineName}`, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn }, child);
      const role = serviceRole(`${id}-role`, 'states.amazonaws.com', child, `State machine of schedule ${group.cron} (${group.timezone})`);
      // The statements name resolved job names and application ids, so the document is built inside apply.
      const policy = new aws.iam.RolePolicy(
        `${id}-policy`,
        {
          role: role.id,
          policy: pulumi
            .all([resolved, accountId, lake.logsKey.arn])
            .apply(([t, account, keyArn]) => policyDocument(stateMachineStatements(group, { region: cfg.region, accountId: account, stateMachineName, recorderArn: t.recorderArn, topicArn: t.topicArn, keyArn }, t))),
        },
        child,
      );
      const machine = new aws.sfn.StateMachine(
        `${id}-sfn`,
        {
          name: stateMachineName,
          type: 'STANDARD',
          roleArn: role.arn,
          definition: resolved.apply((t) => JSON.stringify(stateMachineDefinition(group, t))),
          loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: pulumi.interpolate`${logGroup.arn}:*` },
        },
        { parent: this, dependsOn: [policy] },
      );
      machines.set(group.id, machine);
      alarms.alarm(this, SHARED_ASSET, `${id}-failed`, {
        alarmDescription: `Headwater ${cfg.stack}: an execution of schedule ${group.cron} (${group.timezone}) failed: ${group.assets.map((a) => a.key).join(', ')}`,
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        dimensions: { StateMachineArn: machine.arn },
        ...ANY_FAILURE_IN_FIVE_MINUTES,
      });
      const schedulerRole = serviceRole(`${id}-scheduler-role`, 'scheduler.amazonaws.com', child, `EventBridge Scheduler: starts ${stateMachineName}`);
      const schedulerPolicy = inlinePolicy(`${id}-scheduler-policy`, schedulerRole, [{ Sid: 'StartExecution', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [machine.arn] }], child);
      schedules.set(
        group.id,
        new aws.scheduler.Schedule(
          `${id}-schedule`,
          {
            name: physicalName(cfg.stack, group.id),
            description: `Headwater ${cfg.stack}: ${group.cron} (${group.timezone}) runs ${group.assets.map((a) => a.key).join(', ')}`,
            scheduleExpression: eventBridgeCron(group.cron),
            scheduleExpressionTimezone: group.timezone,
            flexibleTimeWindow: { mode: 'OFF' },
            target: {
              arn: machine.arn,
              roleArn: schedulerRole.arn,
              // The tick's time, not the start's: a delayed start still writes the tick's partitions.
              input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
              retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
            },
          },
          { parent: this, dependsOn: [schedulerPolicy] },
        ),
      );
    }
    this.stateMachines = machines;
    this.schedules = schedules;
    this.registerOutputs({ stateMachines: [...machines.values()].map((m) => m.arn) });
  }

  /**
   * The recorder reads exactly the metrics objects of the jobs that report them (no listing, no
   * other object of their folders), decrypting through S3 only.
   */
  private metricsStatements(args: OrchestrationArgs): Statement[] {
    const keys = this.plan.groups.flatMap((g) => g.assets.filter((a) => a.reportsMetrics).map((a) => a.key));
    if (!keys.length) return [];
    const objects = keys.map((k) =>
      args.manifestOf(k).apply((e) => {
        const o = metricsObjectOfEntry(e as EmrSparkManifest);
        if (!o) throw new Error(`internal: ${e.key} reports metrics but its manifest entry has no lake location`);
        return `arn:aws:s3:::${o.bucket}/${o.key}`;
      }),
    );
    return [
      { Sid: 'JobMetrics', Effect: 'Allow', Action: ['s3:GetObject'], Resource: objects },
      kmsUse(args.lake.key.arn, 'read', viaServices(args.cfg.region, 's3'), 'LakeKeyViaS3'),
    ];
  }

  /** The recorder Lambda: its own role writes the run-log table and reads the jobs' reported metrics. */
  private recorderFunction(name: string, args: OrchestrationArgs): aws.lambda.Function {
    const { cfg, lake, runLogTable } = args;
    const child = { parent: this };
    const functionName = physicalName(cfg.stack, 'orchestration-recorder');
    const code = bundleHandler(RECORDER_HANDLER, 'orchestration');
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-recorder-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn }, child);
    const role = serviceRole(`${name}-recorder-role`, 'lambda.amazonaws.com', child, `Lambda ${functionName}: plans scheduled runs and writes the run log`);
    const policy = inlinePolicy(
      `${name}-recorder-policy`,
      role,
      [
        { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [pulumi.interpolate`${logGroup.arn}:*`] },
        { Sid: 'RunLog', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], Resource: [runLogTable.arn] },
        // The run-log table is encrypted with the lake key.
        kmsUse(lake.key.arn, 'write', viaServices(cfg.region, 'dynamodb')),
        // After each step, one data point of the freshness metric its alarm counts (PutMetricData takes no resource).
        { Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } },
        ...this.metricsStatements(args),
      ],
      child,
    );
    const fn = new aws.lambda.Function(
      `${name}-recorder-fn`,
      {
        name: functionName,
        description: 'Headwater: plans scheduled runs and writes them to the run log',
        runtime: LAMBDA_RUNTIME,
        architectures: ['arm64'],
        handler: 'index.handler',
        code: code.archive,
        memorySize: 256,
        timeout: 60,
        role: role.arn,
        environment: { variables: { HEADWATER_ENV: cfg.stack, HEADWATER_RUNLOG_TABLE: runLogTable.name, NODE_OPTIONS: '--enable-source-maps', HEADWATER_CODE_HASH: code.hash } },
        loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      },
      { parent: this, dependsOn: [policy, logGroup] },
    );
    // The alarms every Lambda gets (errors, throttles), from the one table kinds use too.
    for (const spec of FUNCTION_ALARMS) {
      args.alarms.alarm(this, SHARED_ASSET, `${name}-recorder-${spec.id}`, {
        alarmDescription: `Lambda ${functionName} (scheduled runs' planning and run log): ${spec.means}`,
        namespace: spec.namespace,
        metricName: spec.metricName,
        dimensions: { FunctionName: fn.name },
        statistic: spec.statistic,
        period: spec.period,
        evaluationPeriods: spec.evaluationPeriods,
        threshold: spec.threshold,
        comparisonOperator: spec.comparisonOperator,
        treatMissingData: spec.treatMissingData,
      });
    }
    return fn;
  }
}

/** Where a job reports its metrics (its model.json), from its manifest entry's lake folder. */
function metricsObjectOfEntry(e: EmrSparkManifest): MetricsObject | undefined {
  return e.location ? metricsObjectOf(e.location) : undefined;
}

/** Job names and EMR job parameters from the group's manifest entries. */
function targetsOf(entries: readonly AssetManifest[]): Pick<DefinitionTargets, 'glueJobs' | 'emr' | 'indexLoaders'> {
  const glueJobs: Record<AssetKey, string> = {};
  const emr: Record<AssetKey, DefinitionTargets['emr'][string]> = {};
  const indexLoaders: Record<AssetKey, string> = {};
  for (const e of entries) {
    if (e.kind === 'glue-extract' || e.kind === 'glue-sql') glueJobs[e.key] = (e as GlueJobManifest).jobName;
    else if (e.kind === 'emr-spark') {
      const m = e as EmrSparkManifest;
      const metricsObject = metricsObjectOfEntry(m);
      emr[e.key] = { applicationId: m.applicationId, executionRoleArn: m.executionRoleArn, entryPoint: m.entryPoint, entryPointArguments: m.entryPointArguments, sparkSubmitParameters: m.sparkSubmitParameters, timeoutMinutes: m.timeoutMinutes, ...(metricsObject ? { metricsObject } : {}) };
    } else if (e.kind === 'vector-index') {
      const m = e as VectorIndexManifest;
      if (!m.loaderFunctionArn) throw new Error(`internal: the manifest entry of ${e.key} names no index-load function`);
      indexLoaders[e.key] = m.loaderFunctionArn;
    }
  }
  return { glueJobs, emr, indexLoaders };
}
