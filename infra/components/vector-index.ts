/**
 * `vector-index`: one k-NN index (versions behind an alias) in the search backend, and the Lambda
 * that loads it (jobs/aws/index-load-handler.ts) with its own role: read exactly the upstream
 * model's `<entity>_embeddings.parquet`, decrypt it through S3, write this index's alias only. The
 * CLI (`assets materialize --env`) and the state machines invoke that function; the operator only
 * may invoke it. The index itself is created by each load (a new version, then the alias swap).
 */
import type * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import { indexedModel, type VectorIndexSettings } from '../../assets/kinds';
import { INDEX_ENTRY_VARIABLE, type LoaderEntry, type VectorIndexManifest } from '../../jobs/aws/manifest';
import { embeddingsFileName } from '../../jobs/model/files';
import { kmsUse, viaServices, type Statement } from '../iam';
import { slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs } from './context';
import { nodeFunction } from './lambda-function';

/** The handler of every index-load function. */
export const INDEX_LOAD_HANDLER = 'jobs/aws/index-load-handler.ts';

/**
 * The load function's size: vectors are held in memory while they are bulk-loaded (100,000 x 32
 * floats is about 13 MB of Parquet), and the longest load Lambda allows. One load of an index at a
 * time: two would race for the alias swap, so a second invoke is throttled (and retried) instead.
 */
export const INDEX_LOADER = { memoryMb: 1024, timeoutSeconds: 900, reservedConcurrency: 1, architecture: 'arm64' } as const;

export class VectorIndex extends pulumi.ComponentResource {
  readonly loader: aws.lambda.Function;
  readonly loaderRole: aws.iam.Role;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:search:VectorIndex', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<VectorIndexSettings>(asset);
    // The model dep (defineGraph checked there is exactly one) and the side this index holds.
    const indexed = indexedModel(asset, (key) => (ctx.graph.has(key) ? ctx.graph.get(key) : undefined));
    const model = ctx.outputsOf(indexed.key).location;
    if (!model) throw new Error(`${asset.key}: its model ${indexed.key} is not stored in the lake; declare storage: { kind: 'lake', ... } on it`);
    // The one object the loader reads (the model step writes it next to model.json), ids in the entity's field.
    const embeddingsKey = `${model.prefix}${embeddingsFileName(settings.entity)}`;
    const search = ctx.search();

    // Exactly one object, no listing: the function knows the key (a missing object then reads as 403, which its error says).
    const readEmbeddings: Statement = { Sid: 'EmbeddingsRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${model.bucketArn}/${embeddingsKey}`] };
    const functionName = physicalName(ctx.cfg.stack, `${slug(asset.key)}-loader`);
    // What the function loads is fixed here, not by its callers (its entry, without its own name).
    const entryOf = (endpoint: string, loaderRoleArn: string, bucket: string): LoaderEntry => ({
      kind: 'vector-index',
      key: asset.key,
      flavour: search.flavour,
      endpoint: endpoint.startsWith('https://') ? endpoint : `https://${endpoint}`,
      signingService: search.signingService,
      alias: settings.alias,
      entity: settings.entity,
      dimension: settings.dimension,
      space: settings.space,
      idField: settings.idField,
      m: settings.m,
      efConstruction: settings.efConstruction,
      efSearch: settings.efSearch,
      loaderRoleArn,
      embeddings: { bucket, key: embeddingsKey, idColumn: indexed.entity.field },
    });
    const { fn, role } = nodeFunction(this, `${name}-loader`, {
      ctx,
      asset,
      functionName,
      handler: INDEX_LOAD_HANDLER,
      ...INDEX_LOADER,
      environment: (loaderRole) => ({
        HEADWATER_ENV: ctx.cfg.stack,
        HEADWATER_ASSET: asset.key,
        [INDEX_ENTRY_VARIABLE]: pulumi.all([search.endpoint, loaderRole.arn, model.bucket]).apply(([endpoint, roleArn, bucket]) => JSON.stringify(entryOf(endpoint, roleArn, bucket))),
      }),
      extraStatements: [readEmbeddings, kmsUse(ctx.lake.key.arn, 'read', viaServices(ctx.cfg.region, 's3')), ...search.statements('write', [settings.alias])],
      // The search endpoint is private: the function runs in the VPC (S3 through the gateway endpoint).
      searchClient: true,
    });
    this.loader = fn;
    this.loaderRole = role;
    // The data-access policy lets this role change this index's alias (and its versions) only.
    ctx.searchWriter(role.arn, settings.alias);

    const manifest = pulumi.all([search.endpoint, role.arn, model.bucket, fn.name, fn.arn]).apply(
      ([endpoint, roleArn, bucket, loaderFunctionName, loaderFunctionArn]): VectorIndexManifest => ({ ...entryOf(endpoint, roleArn, bucket), loaderFunctionName, loaderFunctionArn }),
    );
    const operate: Statement[] = [{ Sid: 'InvokeIndexLoad', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [fn.arn] }];
    this.outputs = { index: { alias: settings.alias, entity: settings.entity }, manifest, operate };
    this.registerOutputs({ loaderFunctionArn: fn.arn, loaderRoleArn: role.arn, alias: settings.alias, id: slug(asset.key) });
  }
}
