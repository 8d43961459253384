/**
 * A Node.js Lambda built from a handler in jobs/ (nodejs22.x, arm64 by default, bundled with
 * esbuild), with its own role, a KMS-encrypted log group with retention, and read access to
 * exactly the lake folders and indexes of the asset's deps. Shared by `lambda-api`,
 * `stream-delivery` and `vector-index` (its load function).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AssetDefinition } from '../../assets/core';
import { servingEnvironment } from '../../assets/kinds';
import { bundleHandler } from '../code';
import { LAMBDA_VPC_ACTIONS, inlinePolicy, kmsUse, s3ReadPrefix, serviceRole, viaServices, type Statement } from '../iam';
import { viewName } from './glue-job';
import type { PlatformContext } from './context';

/** The runtime every Headwater Lambda uses; the policy pack accepts only supported runtimes. */
export const LAMBDA_RUNTIME = 'nodejs22.x';

export interface NodeFunctionArgs {
  readonly ctx: PlatformContext;
  readonly asset: AssetDefinition;
  readonly functionName: string;
  readonly handler: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly reservedConcurrency?: number;
  readonly publish?: boolean;
  /** Variables of the function; a function of its role when one names the role (created first). */
  readonly environment?: Readonly<Record<string, pulumi.Input<string>>> | ((role: aws.iam.Role) => Readonly<Record<string, pulumi.Input<string>>>);
  readonly extraStatements?: readonly Statement[];
  /** Attach the function to the VPC as a search client (the search endpoint is private). */
  readonly searchClient?: boolean;
}

/**
 * Environment of a serving Lambda, from the asset's deps: the serving variables
 * (`servingEnvironment`: the config from the declarations, the model's and fallback's `s3://`
 * folders, under the names the handlers read), `HEADWATER_LAKE_<VIEW>` = `s3://` folder for each
 * lake dep, `HEADWATER_INDEX_<ENTITY>` = alias for each index, and the search endpoint.
 */
export function depsEnvironment(ctx: PlatformContext, asset: AssetDefinition): { env: Record<string, pulumi.Input<string>>; statements: Statement[]; searchClient: boolean } {
  const env: Record<string, pulumi.Input<string>> = { HEADWATER_ENV: ctx.cfg.stack, HEADWATER_ASSET: asset.key, HEADWATER_MODE: 'aws' };
  const statements: Statement[] = [];
  let indexes = false;
  const folder = (key: string) => {
    const at = ctx.outputsOf(key).location;
    if (!at) throw new Error(`${asset.key}: its dep ${key} has no lake folder to serve from`);
    return pulumi.interpolate`s3://${at.bucket}/${at.prefix}`;
  };
  Object.assign(env, servingEnvironment(ctx.graph, asset.key, folder));
  asset.deps.forEach((dep, i) => {
    const up = ctx.outputsOf(dep.key);
    if (up.location) {
      env[`HEADWATER_LAKE_${viewName(dep.key).toUpperCase()}`] = pulumi.interpolate`s3://${up.location.bucket}/${up.location.prefix}`;
      statements.push(...s3ReadPrefix(`Dep${i}`, up.location.bucketArn, up.location.prefix));
    }
    if (up.index) {
      indexes = true;
      env[`HEADWATER_INDEX_${up.index.entity.toUpperCase()}`] = up.index.alias;
    }
  });
  if (indexes) {
    const search = ctx.search();
    env.HEADWATER_SEARCH_ENDPOINT = search.endpoint;
    env.HEADWATER_SEARCH_SERVICE = search.signingService;
    env.OPENSEARCH_ENDPOINT = search.endpoint;
    env.OPENSEARCH_SERVICE = search.signingService;
    statements.push(...search.statements('read'));
  }
  // Readers decrypt lake objects through S3 only; they never generate data keys.
  if (statements.length) statements.push(kmsUse(ctx.lake.key.arn, 'read', viaServices(ctx.cfg.region, 's3')));
  return { env, statements, searchClient: indexes };
}

/** Creates the function, its role and its log group as children of `parent`. */
export function nodeFunction(parent: pulumi.ComponentResource, name: string, args: NodeFunctionArgs): { fn: aws.lambda.Function; role: aws.iam.Role; logGroup: aws.cloudwatch.LogGroup } {
  const { ctx, asset } = args;
  const child = { parent };
  const code = bundleHandler(args.handler, asset.key);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: `/aws/lambda/${args.functionName}`, retentionInDays: ctx.cfg.logRetentionDays, kmsKeyId: ctx.lake.logsKey.arn },
    child,
  );
  const role = serviceRole(`${name}-role`, 'lambda.amazonaws.com', child, `Lambda ${args.functionName} of ${asset.key}`);
  const policy = inlinePolicy(
    `${name}-policy`,
    role,
    [
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [pulumi.interpolate`${logGroup.arn}:*`] },
      ...(args.extraStatements ?? []),
      ...(args.searchClient ? [{ Sid: 'LambdaVpcNetworkInterfaces', Effect: 'Allow' as const, Action: [...LAMBDA_VPC_ACTIONS], Resource: ['*'] }] : []),
    ],
    child,
  );
  const network = args.searchClient ? ctx.network() : undefined;
  const fn = new aws.lambda.Function(
    `${name}-fn`,
    {
      name: args.functionName,
      description: `${asset.key}: ${args.handler}`,
      runtime: LAMBDA_RUNTIME,
      architectures: [args.architecture],
      handler: 'index.handler',
      code: code.archive,
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      reservedConcurrentExecutions: args.reservedConcurrency,
      publish: args.publish ?? false,
      role: role.arn,
      environment: { variables: { ...(typeof args.environment === 'function' ? args.environment(role) : args.environment), NODE_OPTIONS: '--enable-source-maps', HEADWATER_CODE_HASH: code.hash } },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      vpcConfig: network ? { subnetIds: network.privateSubnetIds, securityGroupIds: [network.searchClients.id] } : undefined,
    },
    { parent, dependsOn: [policy, logGroup] },
  );
  ctx.alarms.forFunction(parent, asset, name, fn.name);
  return { fn, role, logGroup };
}
