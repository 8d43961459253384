/**
 * What the AWS executors of one environment share (the stack's manifest, the SDK clients, the
 * clock and the options) and the three things every one of them does around its launcher: find
 * the asset's manifest entry, hand the step's window and cancellation to the launcher, and publish
 * the freshness metric after a materialization.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AssetKey } from '../../assets/core';
import type { KindName } from '../../assets/kinds';
import type { StepContext } from '../engine/environment';
import { publishMaterialized as publishFreshness } from './freshness-metric';
import type { ManifestOf, StackManifest } from './manifest';
import type { Clock, JobRunOptions } from './retry';

/** The SDK clients the environment uses; tests pass mocked ones. */
export interface AwsClients {
  readonly glue: GlueClient;
  readonly emr: EMRServerlessClient;
  readonly dynamodb: DynamoDBClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  /** Invokes the index-load functions. */
  readonly lambda: LambdaClient;
}

export interface AwsEnvironmentOptions {
  /** Default: AWS_REGION / the profile's region. */
  readonly region?: string;
  readonly clients?: Partial<AwsClients>;
  readonly clock?: Clock;
  /** Poll backoff of job runs (defaults 5 s growing to 60 s). */
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
}

/** What every AWS executor of one environment is built with. */
export interface AwsExecutorDeps {
  readonly manifest: StackManifest;
  readonly clients: AwsClients;
  readonly clock: Clock;
  readonly options: AwsEnvironmentOptions;
}

/** The asset's manifest entry, checked to be deployed as one of `kinds`. */
export function deployedEntry<K extends KindName>(deps: AwsExecutorDeps, key: AssetKey, kinds: readonly K[]): ManifestOf<K> {
  const stack = deps.manifest.stack;
  const e = deps.manifest.assets[key];
  if (!e) throw new Error(`${key} is not in the manifest of stack '${stack}'; deploy the current graph with \`pulumi up --stack ${stack}\``);
  if (!(kinds as readonly string[]).includes(e.kind)) throw new Error(`${key} is deployed as '${e.kind}' in stack '${stack}', not ${kinds.join('/')}; redeploy the stack`);
  return e as ManifestOf<K>;
}

/** What every launcher needs from the step and the environment. */
export function jobRunOptions(deps: AwsExecutorDeps, ctx: StepContext): JobRunOptions {
  return {
    region: deps.manifest.region,
    runId: ctx.runId,
    window: ctx.window,
    log: ctx.log,
    signal: ctx.signal,
    clock: deps.clock,
    pollInitialMs: deps.options.pollInitialMs,
    pollMaxMs: deps.options.pollMaxMs,
  };
}

/** One more materialization of `key`: the freshness alarms count these. */
export function publishMaterialized(deps: AwsExecutorDeps, key: AssetKey): Promise<void> {
  return publishFreshness(deps.clients.cloudwatch, key, { namespace: deps.manifest.metricsNamespace, clock: deps.clock });
}
