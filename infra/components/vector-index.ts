/**
 * `vector-index`: one k-NN index (versions behind an alias) in the search backend, and the role its
 * loader assumes: read exactly the upstream model's `<entity>_embeddings.parquet`, write the index.
 * The index itself is created by each load (a new version, then the alias swap), not by Pulumi.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import { indexedModel, type VectorIndexSettings } from '../../assets/kinds';
import type { VectorIndexManifest } from '../../jobs/aws/manifest';
import { embeddingsFileName } from '../../jobs/model/files';
import { inlinePolicy, kmsUse, viaServices, type Statement } from '../iam';
import { slug } from '../lake-layout';
import type { AssetComponentArgs, AssetOutputs } from './context';

export class VectorIndex extends pulumi.ComponentResource {
  readonly loaderRole: aws.iam.Role;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:search:VectorIndex', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<VectorIndexSettings>(asset);
    const child = { parent: this };
    // The model dep (defineGraph checked there is exactly one) and the side this index holds.
    const indexed = indexedModel(asset, (key) => (ctx.graph.has(key) ? ctx.graph.get(key) : undefined));
    const model = ctx.outputsOf(indexed.key).location;
    if (!model) throw new Error(`${asset.key}: its model ${indexed.key} is not stored in the lake; declare storage: { kind: 'lake', ... } on it`);
    // The one object the loader reads (the model step writes it next to model.json), ids in the entity's field.
    const embeddingsKey = `${model.prefix}${embeddingsFileName(settings.entity)}`;
    const search = ctx.search();

    // The stack's operator role and the configured ones, never the whole account.
    const trusted = pulumi.output(ctx.operatorRoleArn).apply((operator) => [operator, ...ctx.cfg.operatorRoleArns]);
    this.loaderRole = new aws.iam.Role(
      `${name}-loader`,
      {
        description: `Loads ${asset.key} (${settings.alias}) from ${embeddingsKey}; assumed by the assets CLI`,
        assumeRolePolicy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: trusted }, Action: 'sts:AssumeRole' }],
        }),
        maxSessionDuration: 3600 * 4,
      },
      child,
    );
    // Exactly one object, no listing: the loader knows the key (a missing object then reads as 403, which its error says).
    const readEmbeddings: Statement = { Sid: 'EmbeddingsRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${model.bucketArn}/${embeddingsKey}`] };
    inlinePolicy(`${name}-loader-policy`, this.loaderRole, [readEmbeddings, kmsUse(ctx.lake.key.arn, 'read', viaServices(ctx.cfg.region, 's3')), ...search.statements('write')], child);
    ctx.searchWriter(this.loaderRole.arn, settings.alias);

    const manifest = pulumi.all([search.endpoint, this.loaderRole.arn, model.bucket]).apply(
      ([endpoint, loaderRoleArn, bucket]): VectorIndexManifest => ({
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
      }),
    );
    const operate: Statement[] = [{ Sid: 'AssumeLoader', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [this.loaderRole.arn] }];
    this.outputs = { index: { alias: settings.alias, entity: settings.entity }, manifest, operate };
    this.registerOutputs({ loaderRoleArn: this.loaderRole.arn, alias: settings.alias, id: slug(asset.key) });
  }
}
