/**
 * `lambda-api`: the recommender API on Lambda behind a Function URL with AWS_IAM auth, on a
 * `live` alias with provisioned concurrency (no cold starts on the hot path) and reserved
 * concurrency (caps cost and protects the index). Deploys can be gradual: with
 * `headwater:apiStableVersion` set, the alias keeps that version and sends `apiCanaryWeight` of
 * the traffic to the new one; unsetting it promotes the new version.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import type { LambdaApiSettings } from '../../assets/kinds';
import { FALLBACK_LOG_MESSAGE, FALLBACK_METRIC, METRICS_NAMESPACE, type LambdaApiManifest } from '../../jobs/aws/manifest';
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
    const { fn, role, logGroup } = nodeFunction(this, name, {
      ctx,
      asset,
      functionName: physicalName(ctx.cfg.stack, slug(asset.key)),
      handler: settings.handler,
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      architecture: settings.architecture,
      reservedConcurrency: reserved,
      // Provisioned concurrency and weighted routing need published versions behind an alias.
      publish: true,
      environment: { ...deps.env, HEADWATER_BUDGET_MS: String(settings.budgetMs), RECOMMENDER_BUDGET_MS: String(settings.budgetMs) },
      extraStatements: deps.statements,
      searchClient: deps.searchClient,
    });
    this.fn = fn;
    ctx.searchReader(role.arn);
    const { stableVersion, canaryWeight } = ctx.cfg.api;
    this.alias = new aws.lambda.Alias(
      `${name}-live`,
      {
        name: 'live',
        functionName: fn.name,
        functionVersion: stableVersion ?? fn.version,
        // While a stable version is pinned, the new version takes only the canary share.
        routingConfig: stableVersion !== undefined ? { additionalVersionWeights: fn.version.apply((v) => (v === stableVersion ? {} : { [v]: canaryWeight ?? 0.1 })) } : undefined,
      },
      { parent: this },
    );
    if (provisioned > 0) {
      new aws.lambda.ProvisionedConcurrencyConfig(
        `${name}-provisioned`,
        { functionName: fn.name, qualifier: this.alias.name, provisionedConcurrentExecutions: provisioned },
        { parent: this },
      );
    }
    this.url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: fn.name, qualifier: this.alias.name, authorizationType: 'AWS_IAM' }, { parent: this });
    // Fallback answers are 200s: count them from the handler's log line, so the fallback-rate alarm sees them.
    new aws.cloudwatch.LogMetricFilter(
      `${name}-fallbacks`,
      {
        logGroupName: logGroup.name,
        pattern: `{ $.msg = "${FALLBACK_LOG_MESSAGE}" }`,
        metricTransformation: { namespace: METRICS_NAMESPACE, name: FALLBACK_METRIC, value: '1', unit: 'Count', dimensions: { FunctionName: '$.function' } },
      },
      { parent: this },
    );
    const manifest = pulumi
      .all([fn.name, this.url.functionUrl])
      .apply(([functionName, functionUrl]): LambdaApiManifest => ({ kind: 'lambda-api', key: asset.key, functionName, functionUrl }));
    this.outputs = { manifest, alarmDimensions: { FunctionName: fn.name } };
    this.registerOutputs({ functionName: fn.name, url: this.url.functionUrl });
  }
}
