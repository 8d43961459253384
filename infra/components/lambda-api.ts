/**
 * `lambda-api`: the recommender API on Lambda behind a Function URL with AWS_IAM auth, on a
 * `live` alias with provisioned concurrency (no cold starts on the hot path) and reserved
 * concurrency (caps cost and protects the index).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import type { LambdaApiSettings } from '../../assets/kinds';
import type { LambdaApiManifest } from '../../jobs/aws/manifest';
import { slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs } from './context';
import { depsEnvironment, nodeFunction } from './lambda-function';

export class LambdaApi extends pulumi.ComponentResource {
  readonly fn: aws.lambda.Function;
  readonly alias: aws.lambda.Alias;
  readonly url: aws.lambda.FunctionUrl;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:serving:LambdaApi', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<LambdaApiSettings>(asset);
    const reserved = ctx.cfg.api.reservedConcurrency ?? settings.reservedConcurrency;
    const provisioned = ctx.cfg.api.provisionedConcurrency ?? settings.provisionedConcurrency;
    if (provisioned > reserved) throw new Error(`${asset.key}: provisioned concurrency ${provisioned} exceeds reserved ${reserved}; lower headwater:apiProvisionedConcurrency`);
    const deps = depsEnvironment(ctx, asset);
    const { fn, role } = nodeFunction(this, name, {
      ctx,
      asset,
      functionName: physicalName(ctx.cfg.stack, slug(asset.key)),
      handler: settings.handler,
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      architecture: settings.architecture,
      reservedConcurrency: reserved,
      // Provisioned concurrency needs a published version behind an alias.
      publish: true,
      environment: { ...deps.env, HEADWATER_BUDGET_MS: String(settings.budgetMs), RECOMMENDER_BUDGET_MS: String(settings.budgetMs) },
      extraStatements: deps.statements,
    });
    this.fn = fn;
    ctx.searchReader(role.arn);
    this.alias = new aws.lambda.Alias(`${name}-live`, { name: 'live', functionName: fn.name, functionVersion: fn.version }, { parent: this });
    if (provisioned > 0) {
      new aws.lambda.ProvisionedConcurrencyConfig(
        `${name}-provisioned`,
        { functionName: fn.name, qualifier: this.alias.name, provisionedConcurrentExecutions: provisioned },
        { parent: this },
      );
    }
    this.url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, qualifier: this.alias.name, authorizationType: 'AWS_IAM' }, { parent: this });
    ctx.alarms.lambdaErrors(this, name, fn.name);
    ctx.alarms.alarm(this, `${name}-p99`, {
      alarmDescription: `${asset.key}: p99 latency above 1 s (SLO)`,
      namespace: 'AWS/Lambda',
      metricName: 'Duration',
      dimensions: { FunctionName: fn.name },
      extendedStatistic: 'p99',
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1000,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });
    const manifest = pulumi
      .all([fn.name, this.url.functionUrl])
      .apply(([functionName, functionUrl]): LambdaApiManifest => ({ kind: 'lambda-api', key: asset.key, functionName, functionUrl }));
    this.outputs = { manifest };
    this.registerOutputs({ functionName: fn.name, url: this.url.functionUrl });
  }
}
