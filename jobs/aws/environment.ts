/**
 * The AWS environment (`--env <stack>`): runs steps on a deployed stack through the AWS SDK v3,
 * guided by the stack's manifest (SSM). Glue kinds start Glue job runs, `emr-spark` EMR
 * Serverless job runs, `vector-index` invokes the index's load Lambda; the run log and the locks live in the stack's DynamoDB table; each
 * successful materialization publishes the freshness metric the stack's alarms watch.
 *
 * Each batch kind's executor is its own module, named after the kind (glue-extract.ts, glue-sql.ts,
 * emr-spark.ts, vector-index.ts), registered by kind in executors.ts.
 *
 * Not here (say so rather than pretend): data checks over S3 data are not evaluated on AWS (they
 * need a query engine over S3, e.g. Athena); only `row_count` of an index load is, from the count
 * the load reported. Sources are not observed (the database is inside the VPC, out of the CLI's reach).
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AssetDefinition, AssetGraph, AssetKey, CheckSpec, Observation } from '../../assets/core';
import type { PendingErasures } from '../erasure/pending';
import type { CheckOutcome, Environment, Executor, Lock, StepContext, StepOutput } from '../engine/environment';
import { readRepoFile } from '../engine/repo-files';
import { DynamoRunLog } from './dynamo-runlog';
import { explainAccessError } from './access-errors';
import { alarmStatus, type AlarmStatus } from './alarm-status';
import { stackPendingErasures } from './erasure-pending';
import type { AwsClients, AwsEnvironmentOptions } from './executor-deps';
import { loadAwsExecutors } from './executors';
import { manifestParameterName, type StackManifest } from './manifest';
import { readManifest } from './manifest-store';
import { evaluateReportedChecks, notEvaluatedLine } from './reported-checks';
import { realClock } from './retry';

export type { AwsClients, AwsEnvironmentOptions } from './executor-deps';

/** Creates the clients for a region (the SDK's default credential chain). */
export function defaultClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return {
    glue: new GlueClient(config),
    emr: new EMRServerlessClient(config),
    dynamodb: new DynamoDBClient(config),
    cloudwatch: new CloudWatchClient(config),
    ssm: new SSMClient(config),
    s3: new S3Client(config),
    sns: new SNSClient(config),
    lambda: new LambdaClient(config),
  };
}

/**
 * Opens the environment of a deployed stack: reads its manifest from SSM first. Failing to reach
 * the stack at all (no region, no credentials, no network) says what to set.
 */
export async function openAwsEnvironment(stack: string, options: AwsEnvironmentOptions = {}): Promise<AwsEnvironment> {
  const clients = { ...defaultClients(options.region), ...options.clients };
  let manifest: StackManifest;
  try {
    manifest = await readManifest(clients.ssm, clients.s3, stack, options.clock);
  } catch (e) {
    for (const c of Object.values(clients)) (c as { destroy?: () => void }).destroy?.();
    const why = explainAccessError(e, stack, `the stack manifest at SSM ${manifestParameterName(stack)}`);
    throw why ? new Error(why) : e;
  }
  return new AwsEnvironment(manifest, clients, options);
}

export class AwsEnvironment implements Environment {
  readonly name: string;
  readonly runLog: DynamoRunLog;
  private readonly executors: Map<string, Executor>;

  constructor(
    readonly manifest: StackManifest,
    private readonly clients: AwsClients,
    private readonly options: AwsEnvironmentOptions = {},
  ) {
    this.name = manifest.stack;
    this.runLog = new DynamoRunLog(clients.dynamodb, manifest.runLog.tableName, { clock: options.clock });
    this.executors = loadAwsExecutors({ manifest, clients, clock: options.clock ?? realClock, options });
  }

  executorFor(kind: string): Executor | undefined {
    return this.executors.get(kind);
  }

  /** The stack's alarms in ALARM and whether their notifications reach anyone (`assets status`). */
  alarms(): Promise<AlarmStatus> {
    return alarmStatus(this.clients.cloudwatch, this.clients.sns, this.manifest);
  }

  /** The stack's pending erasures from its deletion register, hashes left out (`assets status`). */
  pendingErasures(graph: AssetGraph, nowMs: number): Promise<PendingErasures | undefined> {
    if (!this.manifest.erasure) return Promise.resolve(undefined);
    return stackPendingErasures(this.clients.dynamodb, this.manifest.erasure.registerTable, graph, nowMs, this.options.clock);
  }

  acquireLock(key: AssetKey, partition: string | null, owner: string): Promise<Lock> {
    return this.runLog.acquireLock(key, partition, owner);
  }

  /** Sources sit inside the stack's VPC: the CLI cannot observe them from outside. */
  async observeSource(_asset: AssetDefinition): Promise<Observation | undefined> {
    return undefined;
  }

  /**
   * Data checks over S3 data need a query engine (Athena), which this environment does not have
   * yet; a `row_count` of an index load is evaluated from the count the load reported.
   */
  async evaluateChecks(ctx: StepContext, output: StepOutput, checks: readonly CheckSpec[]): Promise<CheckOutcome[]> {
    const { outcomes, notEvaluated } = evaluateReportedChecks(ctx.asset.compute.kind, checks, output.metadata);
    if (notEvaluated) ctx.log(notEvaluatedLine(notEvaluated));
    return outcomes;
  }

  readCode(repoPath: string): string | undefined {
    return readRepoFile(repoPath);
  }

  async close(): Promise<void> {
    for (const c of Object.values(this.clients)) (c as { destroy?: () => void }).destroy?.();
  }
}
