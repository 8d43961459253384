/**
 * `emr-spark`: an EMR Serverless Spark application (auto start, auto stop when idle, maximum
 * capacity from config), the job's own role and its PySpark script uploaded from jobs/spark/.
 * The launcher starts runs with the entry point and arguments the manifest carries.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import type { EmrSparkSettings } from '../../assets/kinds';
import type { EmrSparkManifest } from '../../jobs/aws/manifest';
import { uploadCode } from '../code';
import { inlinePolicy, kmsUse, s3ReadPrefix, s3WritePrefix, serviceRole, viaServices, type Statement } from '../iam';
import { slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs } from './context';
import { SCRIPT_STORAGE_HELPER, emrEntryPointArguments } from '../../jobs/aws/job-arguments';

export class EmrSparkJob extends pulumi.ComponentResource {
  readonly application: aws.emrserverless.Application;
  readonly role: aws.iam.Role;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:emr:EmrSparkJob', name, {}, opts);
    const { asset, ctx } = args;
    const { cfg, lake } = ctx;
    const settings = computeSettings<EmrSparkSettings>(asset);
    const child = { parent: this };
    const id = slug(asset.key);
    const location = lake.location(asset);
    const codePrefix = `code/${id}/`;
    const logPrefix = `logs/emr/${id}/`;
    const script = uploadCode(`${name}-script`, lake, settings.script, `${codePrefix}${settings.script.split('/').pop()}`, asset.key, child);
    const helper = uploadCode(`${name}-storage-helper`, lake, SCRIPT_STORAGE_HELPER, `${codePrefix}${SCRIPT_STORAGE_HELPER.split('/').pop()}`, asset.key, child);

    this.application = new aws.emrserverless.Application(
      `${name}-app`,
      {
        name: physicalName(cfg.stack, id),
        type: 'spark',
        releaseLabel: settings.releaseLabel,
        architecture: 'ARM64',
        maximumCapacity: { cpu: cfg.sizes.emrMaxCpu ?? settings.maxCapacity.cpu, memory: cfg.sizes.emrMaxMemory ?? settings.maxCapacity.memory },
        autoStartConfiguration: { enabled: true },
        autoStopConfiguration: { enabled: true, idleTimeoutMinutes: settings.idleTimeoutMinutes },
      },
      child,
    );

    const artifacts = lake.artifacts(codePrefix);
    const statements: Statement[] = [
      ...s3WritePrefix('Output', location.bucketArn, location.prefix),
      ...s3ReadPrefix('Code', artifacts.bucketArn, codePrefix),
      ...s3WritePrefix('Logs', artifacts.bucketArn, logPrefix),
      kmsUse(lake.key.arn, 'write', viaServices(cfg.region, 's3')),
    ];
    const inputs: pulumi.Output<{ key: string; uri: string }>[] = [];
    asset.deps.forEach((dep, i) => {
      const up = ctx.outputsOf(dep.key).location;
      if (!up) return;
      statements.push(...s3ReadPrefix(`Dep${i}`, up.bucketArn, up.prefix));
      inputs.push(pulumi.interpolate`s3://${up.bucket}/${up.prefix}`.apply((uri) => ({ key: dep.key, uri })));
    });
    this.role = serviceRole(`${name}-role`, 'emr-serverless.amazonaws.com', child, `EMR Serverless job of ${asset.key}`);
    inlinePolicy(`${name}-policy`, this.role, statements, child);

    ctx.alarms.emrApplication(this.application.id);
    const manifest = pulumi
      .all([this.application.id, this.role.arn, script.uri, location.bucket, pulumi.all(inputs), artifacts.bucket, helper.uri])
      .apply(([applicationId, executionRoleArn, entryPoint, bucket, inputList, artifactsBucket, helperUri]): EmrSparkManifest => ({
        kind: 'emr-spark',
        key: asset.key,
        applicationId,
        executionRoleArn,
        entryPoint,
        entryPointArguments: emrEntryPointArguments(inputList, `s3://${bucket}/${location.prefix}`, settings.params, settings.model),
        sparkSubmitParameters: `--py-files ${helperUri} --conf spark.executor.cores=4 --conf spark.executor.memory=16g --conf spark.driver.cores=2 --conf spark.driver.memory=8g`,
        logUri: `s3://${artifactsBucket}/${logPrefix}`,
        timeoutMinutes: settings.timeoutMinutes,
        location: { bucket, prefix: location.prefix, partitionKeys: location.partitionKeys },
      }));
    // The operator starts, watches and cancels runs, hands the job its role (to EMR Serverless only) and reads model.json back.
    const operate: Statement[] = [
      { Sid: 'EmrRuns', Effect: 'Allow', Action: ['emr-serverless:StartJobRun', 'emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun', 'emr-serverless:GetApplication'], Resource: [this.application.arn, pulumi.interpolate`${this.application.arn}/jobruns/*`] },
      { Sid: 'EmrPassRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: [this.role.arn], Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } } },
      { Sid: 'ModelRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${location.bucketArn}/${location.prefix}*`] },
    ];
    this.outputs = { location, manifest, alarmDimensions: { ApplicationId: this.application.id }, operate };
    this.registerOutputs({ applicationId: this.application.id, roleArn: this.role.arn });
  }
}
