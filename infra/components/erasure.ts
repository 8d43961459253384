/**
 * Right to erasure on the stack (`assets erase --env <stack>`): one Step Functions state machine
 * (see erasure-definition.ts) over every asset lineage and contracts say can hold a person's data
 * (erasure-plan.ts), and what it needs:
 *
 *   - the deletion register (erasure-register.ts, created before the assets, which consult it);
 *   - the erase job: Glue 5.0 running jobs/glue/erase_rows.py, which rewrites Parquet objects
 *     without the subjects' rows (Spark: the same script runs on local Spark), with a role that may
 *     read and put objects under exactly the holders' prefixes and never delete one;
 *   - the worker Lambda (jobs/aws/erasure-worker.ts): JSON-lines objects, the OpenSearch indexes,
 *     earlier object versions (DeleteObject by VersionId), the register, the run log, the summary;
 *   - an alarm on failed executions, failures published to the alarm topic.
 *
 * Why Spark for Parquet and a Lambda for the rest: rewriting a partition means reading and writing
 * Parquet, which Spark does at any size and the embedded engine's DuckDB cannot do inside a Lambda
 * bundle (a native binding per platform); JSON lines, version deletes and OpenSearch calls are a
 * few SDK calls each, which a Lambda does in seconds without a cluster's start-up.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AssetGraph, AssetKey } from '../../assets/core';
import { REGISTER_STATUS_ATTRIBUTES, SPARK_FACES, type ErasureHolder, type ErasureManifest } from '../../jobs/aws/erasure-contract';
import type { AssetManifest } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import { bundleHandler, uploadCode } from '../code';
import { LAMBDA_VPC_ACTIONS, inlinePolicy, kmsUse, policyDocument, serviceRole, viaServices, type Statement } from '../iam';
import { SHARED_ASSET } from '../tags';
import type { Alarms } from './alarms';
import type { AssetOutputs } from './context';
import { physicalName } from './context';
import { erasureDefinition, type ErasureTargets } from './erasure-definition';
import type { DeletionRegister } from './erasure-register';
import { erasureShape, resolveHolders, type ErasureShape } from './erasure-plan';
import type { GlueShared } from './glue-shared';
import { glueRunStatements } from './glue-job';
import { FUNCTION_ALARMS, KIND_ALARMS, type AlarmSpec } from './kind-alarms';
import type { Lake } from './lake';
import { LAMBDA_RUNTIME } from './lambda-function';
import type { Network } from './network';
import { LOG_DELIVERY_ACTIONS } from './orchestration';
import type { SearchBackend } from './search-backend';

/** The handler of the worker Lambda. */
export const ERASURE_WORKER_HANDLER = 'jobs/aws/erasure-worker.ts';
/** The erase job's script. */
export const ERASE_SCRIPT = 'jobs/glue/erase_rows.py';
/** Each erasure's work folder (request, reports, staging) in the artifacts bucket: under `tmp/`, so the lifecycle also expires what a crash leaves. */
export const ERASURE_WORK_PREFIX = 'tmp/erasure/';
/** Summaries (no id in clear) in the artifacts bucket, kept. */
export const ERASURE_SUMMARY_PREFIX = 'erasure/summaries/';

/** The erase job's name. */
export const ERASE_JOB = (stack: string): string => physicalName(stack, 'erasure', 255);

/** Any failure in 5 minutes alarms at once; no data (nothing ran) is not a failure. */
const ANY_FAILURE_IN_FIVE_MINUTES = { statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' } as const;

export interface ErasureArgs {
  readonly cfg: PlatformConfig;
  readonly accountId: pulumi.Output<string>;
  readonly graph: AssetGraph;
  readonly lake: Lake;
  readonly runLogTable: aws.dynamodb.Table;
  readonly register: DeletionRegister;
  readonly alarms: Alarms;
  readonly glue: () => GlueShared;
  readonly network: () => Network;
  readonly search: () => SearchBackend;
  /** Outputs of each deployed asset (lake location, index alias, manifest entry). */
  outputsOf(key: AssetKey): AssetOutputs;
  /** Admits a role as a writer of an index (the search access policy is written after the walk). */
  searchWriter(roleArn: pulumi.Output<string>, alias: string): void;
}

/** A lake prefix as IAM sees it. */
interface PrefixGrant {
  readonly bucketArn: pulumi.Input<string>;
  readonly prefix: string;
}

/** Object actions on `prefix*` and listing restricted to it (versions too when `versions`). */
function prefixStatements(sid: string, grants: readonly PrefixGrant[], objectActions: string[], versions: boolean): Statement[] {
  if (!grants.length) return [];
  const buckets = [...new Set(grants.map((g) => g.bucketArn))];
  return [
    { Sid: `${sid}Objects`, Effect: 'Allow', Action: objectActions, Resource: grants.map((g) => pulumi.interpolate`${g.bucketArn}/${g.prefix}*`) },
    {
      Sid: `${sid}List`,
      Effect: 'Allow',
      Action: versions ? ['s3:ListBucket', 's3:ListBucketVersions'] : ['s3:ListBucket'],
      Resource: buckets,
      Condition: { StringLike: { 's3:prefix': [...new Set(grants.map((g) => `${g.prefix}*`))] } },
    },
  ];
}

/** The lake prefixes of resolved holders of some faces (a declared file: exactly that object). */
function holderGrants(holders: readonly ErasureHolder[], faces: readonly ErasureHolder['face'][]): PrefixGrant[] {
  return holders.flatMap((h): PrefixGrant[] => {
    if (!faces.includes(h.face)) return [];
    const bucketArn = `arn:aws:s3:::${(h as { bucket: string }).bucket}`;
    if (h.face === 'lake-records') return h.prefixes.map((prefix) => ({ bucketArn, prefix }));
    if (h.face === 'lake-file') return [{ bucketArn, prefix: `${h.prefix}${h.file}` }];
    if (h.face === 'lake-table') return [{ bucketArn, prefix: h.prefix }];
    return [];
  });
}

/** One alarm of a kind's declared spec on a shared resource of the erasure (not an asset's). */
function alarmOf(alarms: Alarms, parent: pulumi.Resource, id: string, what: string, spec: AlarmSpec, dimensions: Record<string, pulumi.Input<string>>): void {
  alarms.alarm(parent, SHARED_ASSET, id, {
    alarmDescription: `${what}: ${spec.means}`,
    namespace: spec.namespace,
    metricName: spec.metricName,
    dimensions: { ...dimensions, ...spec.fixedDimensions },
    statistic: spec.statistic,
    period: spec.period,
    evaluationPeriods: spec.evaluationPeriods,
    threshold: spec.threshold,
    comparisonOperator: spec.comparisonOperator,
    treatMissingData: spec.treatMissingData,
  });
}

/** The erase job's `--holders`: each Parquet holder's folder as a URI, its declared file, its fields. */
export function sparkHolders(holders: readonly ErasureHolder[]): { key: AssetKey; uri: string; file?: string; fields: ErasureHolder['fields'] }[] {
  return holders.flatMap((h) => {
    if (h.face === 'lake-table') return [{ key: h.key, uri: `s3://${h.bucket}/${h.prefix}`, fields: h.fields }];
    if (h.face === 'lake-file') return [{ key: h.key, uri: `s3://${h.bucket}/${h.prefix}`, file: h.file, fields: h.fields }];
    return [];
  });
}

export class Erasure extends pulumi.ComponentResource {
  readonly shape: ErasureShape;
  readonly registerTable: aws.dynamodb.Table;
  readonly salt: aws.ssm.Parameter;
  readonly worker: aws.lambda.Function;
  readonly job?: aws.glue.Job;
  readonly stateMachine: aws.sfn.StateMachine;
  readonly manifest: pulumi.Output<ErasureManifest>;
  /** What the stack's operator (the CLI) needs to run an erasure: start and watch it, write the request, read the summary. */
  readonly operate: Statement[];

  constructor(name: string, args: ErasureArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:Erasure', name, {}, opts);
    const { cfg, lake, accountId } = args;
    const child = { parent: this };
    this.shape = erasureShape(args.graph);
    const arn = (service: string, rest: string) => pulumi.interpolate`arn:aws:${service}:${cfg.region}:${accountId}:${rest}`;
    const artifacts = lake.artifacts(ERASURE_WORK_PREFIX);
    const work: PrefixGrant = { bucketArn: artifacts.bucketArn, prefix: ERASURE_WORK_PREFIX };

    this.registerTable = args.register.table;
    this.salt = args.register.salt;

    const spark = this.shape.holders.some((h) => SPARK_FACES.includes(h.face));
    const indexes = this.shape.holders.filter((h) => h.face === 'index');
    // Where each holder rests, from the deployed manifest entries: the definition, the job's arguments and every grant read it.
    const holders = pulumi
      .all(this.shape.holders.map((h) => args.outputsOf(h.key).manifest))
      .apply((es) => resolveHolders(this.shape.holders, Object.fromEntries(es.map((e) => [e.key, e])) as Record<AssetKey, AssetManifest>));
    const job = spark ? this.eraseJob(name, args, work, holders) : undefined;
    this.job = job;

    // The worker.
    const functionName = physicalName(cfg.stack, 'erasure-worker');
    const code = bundleHandler(ERASURE_WORKER_HANDLER, 'erasure');
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-worker-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn }, child);
    const role = serviceRole(`${name}-worker-role`, 'lambda.amazonaws.com', child, `Lambda ${functionName}: erases subjects from JSON lines, indexes and earlier versions; keeps the deletion register`);
    const aliases = indexes.map((h) => {
      const alias = args.outputsOf(h.key).index?.alias;
      if (!alias) throw new Error(`${h.key} keeps subject data in an index but has no alias on the stack`);
      args.searchWriter(role.arn, alias);
      return alias;
    });
    const summaries = lake.artifacts(ERASURE_SUMMARY_PREFIX);
    const statements = (hs: readonly ErasureHolder[]): Statement[] => [
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [pulumi.interpolate`${logGroup.arn}:*`] },
      { Sid: 'RunLog', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], Resource: [args.runLogTable.arn] },
      { Sid: 'Register', Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: [this.registerTable.arn] },
      { Sid: 'Salt', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [args.register.saltArn] },
      // The tables, the salt and the lake's objects are all under the lake key, used through those services only.
      kmsUse(lake.key.arn, 'write', viaServices(cfg.region, 's3', 'dynamodb', 'ssm')),
      ...prefixStatements('Work', [work], ['s3:GetObject', 's3:PutObject', 's3:DeleteObjectVersion'], true),
      { Sid: 'Summaries', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [pulumi.interpolate`${summaries.bucketArn}/${ERASURE_SUMMARY_PREFIX}*`] },
      ...prefixStatements('Records', holderGrants(hs, ['lake-records']), ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], true),
      // The erase job rewrote these objects: the worker deletes their earlier versions, nothing else.
      ...prefixStatements('Versions', holderGrants(hs, SPARK_FACES), ['s3:DeleteObjectVersion'], true),
      ...(indexes.length ? [...args.search().statements('write', aliases), { Sid: 'LambdaVpcNetworkInterfaces', Effect: 'Allow' as const, Action: [...LAMBDA_VPC_ACTIONS], Resource: ['*'] }] : []),
    ];
    const policy = new aws.iam.RolePolicy(`${name}-worker-policy`, { role: role.id, policy: holders.apply((hs) => policyDocument(statements(hs))) }, child);
    const network = indexes.length ? args.network() : undefined;
    this.worker = new aws.lambda.Function(
      `${name}-worker-fn`,
      {
        name: functionName,
        description: 'Headwater: right to erasure (JSON lines, indexes, earlier versions, register, run log)',
        runtime: LAMBDA_RUNTIME,
        architectures: ['arm64'],
        handler: 'index.handler',
        code: code.archive,
        memorySize: 1024,
        // The records step returns within its budget (10 min) and is called again: the rest is margin.
        timeout: 900,
        role: role.arn,
        environment: {
          variables: {
            HEADWATER_ENV: cfg.stack,
            HEADWATER_RUNLOG_TABLE: args.runLogTable.name,
            HEADWATER_REGISTER_TABLE: this.registerTable.name,
            HEADWATER_ERASURE_SALT: this.salt.name,
            HEADWATER_ERASURE_SUMMARIES: pulumi.interpolate`s3://${summaries.bucket}/${ERASURE_SUMMARY_PREFIX}`,
            NODE_OPTIONS: '--enable-source-maps',
            HEADWATER_CODE_HASH: code.hash,
          },
        },
        loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
        vpcConfig: network ? { subnetIds: network.privateSubnetIds, securityGroupIds: [network.searchClients.id] } : undefined,
      },
      { parent: this, dependsOn: [policy, logGroup] },
    );
    for (const spec of FUNCTION_ALARMS) alarmOf(args.alarms, this, `${name}-worker-${spec.id}`, `Lambda ${functionName} (right to erasure)`, spec, { FunctionName: this.worker.name });

    // The state machine.
    const stateMachineName = physicalName(cfg.stack, 'erasure', 80);
    const targets = pulumi.all([this.worker.arn, args.alarms.topic.arn, job ? job.name : pulumi.output(undefined), artifacts.bucket]).apply(
      ([workerArn, topicArn, jobName, workBucket]): ErasureTargets => ({ workerArn, topicArn, ...(jobName ? { jobName } : {}), workBucket, workPrefix: ERASURE_WORK_PREFIX }),
    );
    const machineLogs = new aws.cloudwatch.LogGroup(`${name}-sfn-logs`, { name: `/aws/vendedlogs/states/${stateMachineName}`, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn }, child);
    const machineRole = serviceRole(`${name}-sfn-role`, 'states.amazonaws.com', child, 'State machine of the right to erasure');
    const machinePolicy = inlinePolicy(
      `${name}-sfn-policy`,
      machineRole,
      [
        { Sid: 'Worker', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [this.worker.arn] },
        // AWS's documented actions for glue:startJobRun.sync, on this one job (its template says `*`).
        ...(job ? [{ Sid: 'EraseJobRunsSync', Effect: 'Allow' as const, Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'], Resource: [arn('glue', `job/${ERASE_JOB(cfg.stack)}`)] }] : []),
        { Sid: 'AlarmTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: [args.alarms.topic.arn] },
        // The topic is encrypted with the stack's logs key: publishing encrypts through SNS.
        kmsUse(lake.logsKey.arn, 'write', viaServices(cfg.region, 'sns'), 'AlarmTopicKey'),
        { Sid: 'LogDelivery', Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: ['*'] },
      ],
      child,
    );
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-sfn`,
      {
        name: stateMachineName,
        type: 'STANDARD',
        roleArn: machineRole.arn,
        definition: pulumi.all([holders, targets]).apply(([hs, t]) => JSON.stringify(erasureDefinition(hs, this.shape.sources, t))),
        loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: pulumi.interpolate`${machineLogs.arn}:*` },
      },
      { parent: this, dependsOn: [machinePolicy] },
    );
    args.alarms.alarm(this, SHARED_ASSET, `${name}-failed`, {
      alarmDescription: `Headwater ${cfg.stack}: an erasure failed (its subjects may still be held somewhere; rerun it)`,
      namespace: 'AWS/States',
      metricName: 'ExecutionsFailed',
      dimensions: { StateMachineArn: this.stateMachine.arn },
      ...ANY_FAILURE_IN_FIVE_MINUTES,
    });

    this.manifest = pulumi.all([this.stateMachine.arn, artifacts.bucket, this.registerTable.name, lake.key.arn, holders]).apply(
      ([stateMachineArn, workBucket, registerTable, kmsKeyArn, hs]): ErasureManifest => ({
        stateMachineArn,
        workBucket,
        workPrefix: ERASURE_WORK_PREFIX,
        summaryPrefix: ERASURE_SUMMARY_PREFIX,
        registerTable,
        kmsKeyArn,
        holders: hs,
        sources: this.shape.sources,
        subjects: this.shape.subjects,
      }),
    );
    this.operate = [
      { Sid: 'ErasureStart', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [this.stateMachine.arn] },
      { Sid: 'ErasureWatch', Effect: 'Allow', Action: ['states:DescribeExecution'], Resource: [arn('states', `execution:${stateMachineName}:*`)] },
      // The request (ids in clear) is written by the CLI and deleted by the machine; the CLI never reads it back.
      { Sid: 'ErasureRequest', Effect: 'Allow', Action: ['s3:PutObject'], Resource: [pulumi.interpolate`${artifacts.bucketArn}/${ERASURE_WORK_PREFIX}*`] },
      // The request is written SSE-KMS under the lake key: a data key through S3.
      kmsUse(lake.key.arn, 'write', viaServices(cfg.region, 's3'), 'ErasureRequestKey'),
      { Sid: 'ErasureSummary', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${summaries.bucketArn}/${ERASURE_SUMMARY_PREFIX}*`] },
      // `assets status` counts pending erasures: the register's dates and sources, never its hashes
      // (AWS's fine-grained access pattern: only these attributes, and only when named).
      {
        Sid: 'ErasureRegisterStatus',
        Effect: 'Allow',
        Action: ['dynamodb:Scan'],
        Resource: [this.registerTable.arn],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...REGISTER_STATUS_ATTRIBUTES] }, StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } },
      },
    ];
    this.registerOutputs({ stateMachineArn: this.stateMachine.arn, registerTable: this.registerTable.name });
  }

  /** The erase job and its role: read and put objects under exactly the Parquet holders' prefixes, never delete one. */
  private eraseJob(name: string, args: ErasureArgs, work: PrefixGrant, holders: pulumi.Output<ErasureHolder[]>): aws.glue.Job {
    const { cfg, lake, accountId } = args;
    const child = { parent: this };
    const glue = args.glue();
    const scriptKey = `code/glue/${ERASE_SCRIPT.split('/').pop()}`;
    const script = uploadCode(`${name}-script`, lake, ERASE_SCRIPT, scriptKey, 'the erase job', child);
    const jobName = ERASE_JOB(cfg.stack);
    const logGroupName = `/aws-glue/jobs/${jobName}`;
    const logs = new aws.cloudwatch.LogGroup(`${name}-job-logs`, { name: logGroupName, retentionInDays: cfg.logRetentionDays, kmsKeyId: lake.logsKey.arn }, child);
    const code = lake.artifacts('code/glue/');
    const role = serviceRole(`${name}-job-role`, 'glue.amazonaws.com', child, 'Glue erase job: rewrites Parquet objects without erased subjects');
    const statements = (hs: readonly ErasureHolder[]): Statement[] => [
        ...prefixStatements('Holders', holderGrants(hs, SPARK_FACES), ['s3:GetObject', 's3:PutObject'], false),
        // The request, the report and the staged objects; staging is written and removed by Spark.
        ...prefixStatements('Work', [work], ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], false),
        { Sid: 'Code', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${code.bucketArn}/${scriptKey}`, glue.storageHelper.apply((uri) => `arn:aws:s3:::${uri.slice('s3://'.length)}`)] },
        ...glueRunStatements({ cfg, accountId, lake }, logGroupName),
    ];
    const policy = new aws.iam.RolePolicy(`${name}-job-policy`, { role: role.id, policy: holders.apply((hs) => policyDocument(statements(hs))) }, child);
    const job = new aws.glue.Job(
      `${name}-job`,
      {
        name: jobName,
        description: 'Headwater: right to erasure, Parquet objects (started by the erasure state machine)',
        roleArn: role.arn,
        glueVersion: '5.0',
        workerType: 'G.1X',
        numberOfWorkers: 2,
        maxRetries: 0,
        timeout: 480,
        executionProperty: { maxConcurrentRuns: 1 },
        // A second erasure waits for the first instead of failing.
        jobRunQueuingEnabled: true,
        securityConfiguration: glue.securityConfiguration.name,
        command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.uri },
        defaultArguments: pulumi.all([holders, logs.name, glue.storageHelper]).apply(([hs, logGroup, helper]) => ({
          '--job-language': 'python',
          '--extra-py-files': helper,
          '--enable-metrics': 'true',
          '--enable-continuous-cloudwatch-log': 'true',
          '--continuous-log-logGroup': logGroup,
          '--job-bookmark-option': 'job-bookmark-disable',
          '--holders': JSON.stringify(sparkHolders(hs)),
        })),
      },
      { parent: this, dependsOn: [policy] },
    );
    for (const spec of KIND_ALARMS['glue-sql'] ?? []) alarmOf(args.alarms, this, `${name}-job-${spec.id}`, `Glue ${jobName} (right to erasure)`, spec, { JobName: job.name });
    return job;
  }
}
