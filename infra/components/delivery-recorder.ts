/**
 * Records a `stream-delivery` asset's Firehose deliveries in the run log: the lake bucket announces
 * new objects to EventBridge, a rule picks the asset's folder, and a small Lambda
 * (jobs/aws/delivery-recorder.ts) appends each delivered object as a materialization of the asset,
 * as the embedded poller does, and publishes the freshness metric. Without it a deployed stream
 * asset shows "not materialized" forever, however much Firehose writes.
 *
 * Its role reads the objects under the asset's folder only (to count their records), writes the
 * run-log table, and puts the freshness metric; only this rule may invoke it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { codeVersionOf, type AssetDefinition } from '../../assets/core';
import { DELIVERY_TARGET_VARIABLE, METRICS_NAMESPACE, type DeliveryTarget } from '../../jobs/aws/manifest';
import { readRepoFile } from '../../jobs/engine/repo-files';
import { kmsUse, viaServices } from '../iam';
import { physicalName, type LakeLocationOutput, type PlatformContext } from './context';
import { nodeFunction } from './lambda-function';

/** The recorder's handler. */
export const DELIVERY_RECORDER_HANDLER = 'jobs/aws/delivery-recorder.ts';

export interface DeliveryRecorderArgs {
  readonly ctx: PlatformContext;
  readonly asset: AssetDefinition;
  readonly location: LakeLocationOutput;
  readonly deliveryStreamName: pulumi.Output<string>;
  /** The slug the asset's resources are named by. */
  readonly id: string;
}

/** The recorder function, its rule and the permission that lets only that rule invoke it. */
export function deliveryRecorder(parent: pulumi.ComponentResource, name: string, args: DeliveryRecorderArgs): { fn: aws.lambda.Function; rule: aws.cloudwatch.EventRule } {
  const { ctx, asset, location } = args;
  const child = { parent };
  const target = pulumi.all([location.bucket, args.deliveryStreamName]).apply(
    ([bucket, deliveryStream]): DeliveryTarget => ({
      key: asset.key,
      deps: asset.deps.map((d) => d.key),
      codeVersion: codeVersionOf(asset, readRepoFile),
      bucket,
      prefix: location.prefix,
      deliveryStream,
    }),
  );
  const { fn } = nodeFunction(parent, `${name}-deliveries`, {
    ctx,
    asset,
    functionName: physicalName(ctx.cfg.stack, `${args.id}-deliveries`),
    handler: DELIVERY_RECORDER_HANDLER,
    memoryMb: 256,
    // One object of at most the buffer size (a few MB, gzipped): read and counted in seconds.
    timeoutSeconds: 60,
    architecture: 'arm64',
    environment: { HEADWATER_ENV: ctx.cfg.stack, HEADWATER_RUNLOG_TABLE: ctx.runLogTable.name, [DELIVERY_TARGET_VARIABLE]: pulumi.jsonStringify(target) },
    extraStatements: [
      // Counts the records of each delivered object: the asset's folder, nothing else (no listing).
      { Sid: 'Deliveries', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${location.bucketArn}/${location.prefix}*`] },
      kmsUse(ctx.lake.key.arn, 'read', viaServices(ctx.cfg.region, 's3'), 'LakeKeyViaS3'),
      { Sid: 'RunLog', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'], Resource: [ctx.runLogTable.arn] },
      // The run-log table is encrypted with the lake key.
      kmsUse(ctx.lake.key.arn, 'write', viaServices(ctx.cfg.region, 'dynamodb')),
      { Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } },
    ],
  });
  ctx.lake.announceToEventBridge(location.zone);
  const rule = new aws.cloudwatch.EventRule(
    `${name}-deliveries-rule`,
    {
      name: physicalName(ctx.cfg.stack, `${args.id}-deliveries`),
      description: `Headwater ${ctx.cfg.stack}: objects Firehose delivers for ${asset.key}, recorded in the run log`,
      eventPattern: location.bucket.apply((bucket) =>
        JSON.stringify({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: location.prefix }] } } }),
      ),
    },
    child,
  );
  const permission = new aws.lambda.Permission(
    `${name}-deliveries-permission`,
    { action: 'lambda:InvokeFunction', function: fn.name, principal: 'events.amazonaws.com', sourceArn: rule.arn },
    child,
  );
  // EventBridge invokes asynchronously; Lambda's own retries handle the function's errors, these the invoke's.
  new aws.cloudwatch.EventTarget(
    `${name}-deliveries-target`,
    { rule: rule.name, arn: fn.arn, retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 8 } },
    { parent, dependsOn: [permission] },
  );
  return { fn, rule };
}
