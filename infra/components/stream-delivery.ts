/**
 * `stream-delivery`: Kinesis -> Firehose (transform Lambda, a published version) -> the lake,
 * under `year=/month=/day=/hour=` folders, failed records under an error prefix outside the table
 * (expiring after `ERROR_EXPIRY_DAYS`), and every source record backed up under a backup prefix
 * (expiring after `BACKUP_EXPIRY_DAYS`) so a bad transform can be replayed. Each delivered object
 * is recorded in the run log as a materialization (delivery-recorder.ts).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import type { StreamDeliverySettings } from '../../assets/kinds';
import type { StreamDeliveryManifest } from '../../jobs/aws/manifest';
import { inlinePolicy, kmsUse, s3PutPrefix, serviceRole, viaServices } from '../iam';
import { slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs } from './context';
import { deliveryRecorder } from './delivery-recorder';
import { depsEnvironment, nodeFunction } from './lambda-function';

/** Firehose's timestamp namespace, giving the Hive layout the catalog table declares. */
const HOURLY_LAYOUT = 'year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';
/** Failed records are kept this long: long enough to inspect and replay, not forever. */
export const ERROR_EXPIRY_DAYS = 30;
/** Source records (before the transform) are kept this long, for replays. */
export const BACKUP_EXPIRY_DAYS = 14;

export class StreamDelivery extends pulumi.ComponentResource {
  readonly transform: aws.lambda.Function;
  readonly deliveryStream: aws.kinesis.FirehoseDeliveryStream;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:serving:StreamDelivery', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<StreamDeliverySettings>(asset);
    const child = { parent: this };
    const id = slug(asset.key);
    const location = ctx.lake.location(asset);
    const streamKey = asset.deps.map((d) => d.key).find((k) => ctx.outputsOf(k).stream);
    if (!streamKey) throw new Error(`${asset.key}: a stream-delivery needs a kinesis-stream dep to read from; add one`);
    const stream = ctx.outputsOf(streamKey).stream!;
    const errorPrefix = `${settings.errorPrefix.replace(/\/?$/, '/')}${asset.name}/`;
    const backupPrefix = `backup/${asset.name}/`;
    ctx.lake.expire(location.zone, errorPrefix, ERROR_EXPIRY_DAYS);
    ctx.lake.expire(location.zone, backupPrefix, BACKUP_EXPIRY_DAYS);

    const deps = depsEnvironment(ctx, asset);
    // Records of erased subjects are dropped before the transform (the deletion register, by the subject fields its contract marks).
    const subjectFields = (asset.contract?.columns ?? []).filter((c) => c.subject).map((c) => ({ subject: c.subject!, field: c.name }));
    const register = subjectFields.length ? ctx.deletionRegister : undefined;
    const registerEnv: Record<string, pulumi.Input<string>> = register
      ? { HEADWATER_DELETION_REGISTER: register.references().table, HEADWATER_ERASURE_SALT: register.references().salt, HEADWATER_SUBJECT_FIELDS: JSON.stringify(subjectFields) }
      : {};
    const { fn, role } = nodeFunction(this, `${name}-transform`, {
      ctx,
      asset,
      functionName: physicalName(ctx.cfg.stack, `${id}-transform`),
      handler: settings.transform,
      memoryMb: settings.transformMemoryMb,
      // Firehose waits up to 5 minutes for a transform; a minute is plenty for one buffer.
      timeoutSeconds: 60,
      architecture: 'arm64',
      environment: { ...deps.env, ...registerEnv },
      extraStatements: [...deps.statements, ...(register?.readStatements() ?? [])],
      searchClient: deps.searchClient,
      // Firehose invokes a published version, so a deploy swaps the transform atomically.
      publish: true,
    });
    this.transform = fn;
    ctx.searchReader(role.arn);

    const firehoseRole = serviceRole(`${name}-firehose-role`, 'firehose.amazonaws.com', child, `Firehose of ${asset.key}`);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-firehose-logs`,
      { name: `/aws/kinesisfirehose/${physicalName(ctx.cfg.stack, id)}`, retentionInDays: ctx.cfg.logRetentionDays, kmsKeyId: ctx.lake.logsKey.arn },
      child,
    );
    const policy = inlinePolicy(
      `${name}-firehose-policy`,
      firehoseRole,
      [
        { Sid: 'ReadStream', Effect: 'Allow', Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'], Resource: [stream.arn] },
        // Firehose only adds objects: no read, no delete.
        ...s3PutPrefix('Output', location.bucketArn, location.prefix),
        { Sid: 'ErrorsAndBackupPut', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [pulumi.interpolate`${location.bucketArn}/${errorPrefix}*`, pulumi.interpolate`${location.bucketArn}/${backupPrefix}*`] },
        // Decrypts the stream (through Kinesis) and encrypts what it writes (through S3).
        kmsUse(ctx.lake.key.arn, 'write', viaServices(ctx.cfg.region, 's3', 'kinesis')),
        { Sid: 'Transform', Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: [fn.arn, pulumi.interpolate`${fn.arn}:*`] },
        { Sid: 'Logs', Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: [pulumi.interpolate`${logGroup.arn}:*`] },
      ],
      child,
    );
    const logStream = new aws.cloudwatch.LogStream(`${name}-firehose-delivery-log`, { logGroupName: logGroup.name, name: 'S3Delivery' }, child);

    this.deliveryStream = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-firehose`,
      {
        name: physicalName(ctx.cfg.stack, id),
        destination: 'extended_s3',
        kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: firehoseRole.arn },
        extendedS3Configuration: {
          roleArn: firehoseRole.arn,
          bucketArn: location.bucketArn,
          prefix: `${location.prefix}${HOURLY_LAYOUT}`,
          errorOutputPrefix: `${errorPrefix}!{firehose:error-output-type}/${HOURLY_LAYOUT}`,
          bufferingInterval: settings.bufferIntervalSeconds,
          bufferingSize: settings.bufferSizeMb,
          compressionFormat: 'GZIP',
          kmsKeyArn: ctx.lake.key.arn,
          cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
          s3BackupMode: 'Enabled',
          s3BackupConfiguration: {
            roleArn: firehoseRole.arn,
            bucketArn: location.bucketArn,
            prefix: `${backupPrefix}${HOURLY_LAYOUT}`,
            errorOutputPrefix: `${errorPrefix}backup/`,
            compressionFormat: 'GZIP',
            kmsKeyArn: ctx.lake.key.arn,
            bufferingInterval: settings.bufferIntervalSeconds,
            bufferingSize: settings.bufferSizeMb,
          },
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: 'Lambda',
                parameters: [
                  { parameterName: 'LambdaArn', parameterValue: fn.qualifiedArn },
                  { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
                  { parameterName: 'BufferIntervalInSeconds', parameterValue: String(Math.min(60, settings.bufferIntervalSeconds)) },
                ],
              },
            ],
          },
        },
      },
      { parent: this, dependsOn: [policy] },
    );
    const manifest = pulumi.all([this.deliveryStream.name, fn.name, location.bucket, location.catalogTable ?? pulumi.output(undefined)]).apply(
      ([deliveryStreamName, transformFunctionName, bucket, catalogTable]): StreamDeliveryManifest => ({
        kind: 'stream-delivery',
        key: asset.key,
        deliveryStreamName,
        transformFunctionName,
        errorPrefix,
        backupPrefix,
        location: { bucket, prefix: location.prefix, partitionKeys: location.partitionKeys, ...(catalogTable ? { catalogTable } : {}) },
      }),
    );
    // Firehose writes continuously, outside any run: each delivered object is recorded as a materialization.
    deliveryRecorder(this, name, { ctx, asset, location, deliveryStreamName: this.deliveryStream.name, id });
    this.outputs = { location, manifest, alarmDimensions: { FunctionName: fn.name, DeliveryStreamName: this.deliveryStream.name } };
    this.registerOutputs({ deliveryStreamName: this.deliveryStream.name, transformFunctionName: fn.name });
  }
}
