/**
 * Source assets, owned upstream. `rds-table`: the table registered in the Glue Catalog as a JDBC
 * table of the source connection, with its contract as columns (what a crawler would record, but
 * from the contract, so drift is caught by `assets contracts check`, not discovered).
 * `kinesis-stream`: the Kinesis Data Stream the application writes, KMS-encrypted.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings } from '../../assets/core';
import type { KinesisStreamSettings, RdsTableSettings } from '../../assets/kinds';
import type { KinesisStreamManifest, RdsTableManifest } from '../../jobs/aws/manifest';
import { catalogName, slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs } from './context';
import { dataStoreOptions } from '../protection';

export class RdsTable extends pulumi.ComponentResource {
  readonly table: aws.glue.CatalogTable;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:source:RdsTable', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<RdsTableSettings>(asset);
    const source = ctx.sourceDatabase();
    // Glue names JDBC tables `<database>.<schema>.<table>`; the database is the URL's last segment.
    const dbName = ctx.cfg.source.jdbcUrl.split('/').pop()?.split('?')[0] ?? '';
    this.table = new aws.glue.CatalogTable(
      `${name}-table`,
      {
        name: catalogName(`source_${asset.name}`),
        databaseName: ctx.lake.database.name,
        tableType: 'EXTERNAL_TABLE',
        description: asset.description,
        owner: asset.owners[0],
        parameters: { classification: 'postgresql', connectionName: source.connectionName, typeOfData: 'table', 'headwater:asset': asset.key },
        storageDescriptor: {
          location: `${dbName}.${settings.schema}.${settings.table}`,
          columns: (asset.contract?.columns ?? []).map((c) => ({ name: c.name, type: c.type, comment: c.pii ? 'PII' : undefined })),
        },
      },
      { parent: this },
    );
    const manifest = source.connectionName.apply(
      (connectionName): RdsTableManifest => ({ kind: 'rds-table', key: asset.key, connectionName, schema: settings.schema, table: settings.table }),
    );
    this.outputs = { source: { schema: settings.schema, table: settings.table }, manifest };
    this.registerOutputs({ table: this.table.name });
  }
}

export class KinesisStream extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:stream:KinesisStream', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<KinesisStreamSettings>(asset);
    const mode = ctx.cfg.sizes.kinesisMode ?? settings.mode;
    this.stream = new aws.kinesis.Stream(
      `${name}-stream`,
      {
        name: physicalName(ctx.cfg.stack, slug(asset.key), 128),
        retentionPeriod: settings.retentionHours,
        streamModeDetails: { streamMode: mode === 'on-demand' ? 'ON_DEMAND' : 'PROVISIONED' },
        shardCount: mode === 'on-demand' ? undefined : (ctx.cfg.sizes.kinesisShards ?? settings.shards),
        encryptionType: 'KMS',
        kmsKeyId: ctx.lake.key.arn,
        // Stream-level metrics (free) feed the alarms; shard-level ones are billed per shard and metric.
      },
      { parent: this, ...dataStoreOptions(ctx.cfg) },
    );
    const manifest = pulumi
      .all([this.stream.name, this.stream.arn])
      .apply(([streamName, streamArn]): KinesisStreamManifest => ({ kind: 'kinesis-stream', key: asset.key, streamName, streamArn }));
    this.outputs = { stream: { arn: this.stream.arn, name: this.stream.name }, manifest, alarmDimensions: { StreamName: this.stream.name } };
    this.registerOutputs({ streamArn: this.stream.arn });
  }
}
