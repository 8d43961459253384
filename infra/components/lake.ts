/**
 * The lake: a bucket per zone (KMS-encrypted, versioned, public access blocked, TLS only, with a
 * lifecycle), the platform's KMS key, the Glue Catalog database and a catalog table per lake
 * asset built from its contract. Contract types are already Glue/Hive syntax.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AssetDefinition } from '../../assets/core';
import type { PlatformConfig } from '../config';
import { policyDocument } from '../iam';
import { catalogName, lakeLayoutOf } from '../lake-layout';
import type { LakeLocationOutput } from './context';
import { dataStoreOptions } from '../protection';

/** The zone holding job code, temporary files and logs (not data assets). */
export const ARTIFACTS_ZONE = 'artifacts';

export interface LakeArgs {
  readonly cfg: PlatformConfig;
  readonly accountId: pulumi.Output<string>;
  /** Every asset of the graph; the lake keeps those stored in it. */
  readonly assets: readonly AssetDefinition[];
}

const FORMATS = {
  parquet: {
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
  },
  json: {
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serde: 'org.openx.data.jsonserde.JsonSerDe',
  },
} as const;

/** How long temporary job files live in the artifacts bucket (Glue `--TempDir`, EMR scratch). */
export const TMP_EXPIRY_DAYS = 7;

export class Lake extends pulumi.ComponentResource {
  /** Encrypts data: buckets, stream, run log, search. Used by roles only through those services. */
  readonly key: aws.kms.Key;
  /** Encrypts operations data: log groups and the alarm topic, used by CloudWatch Logs, CloudWatch and EventBridge. */
  readonly logsKey: aws.kms.Key;
  readonly buckets: Readonly<Record<string, aws.s3.Bucket>>;
  readonly database: aws.glue.CatalogDatabase;
  readonly tables: ReadonlyMap<string, aws.glue.CatalogTable>;
  readonly zones: readonly string[];
  private readonly cfg: PlatformConfig;
  private readonly expiring: { zone: string; prefix: string; days: number }[] = [];
  /** Zones whose new objects S3 announces to EventBridge (a recorder listens for deliveries). */
  private readonly announcing = new Set<string>();
  private sealed = false;

  constructor(name: string, args: LakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:lake:Lake', name, {}, opts);
    const { cfg } = args;
    const child = { parent: this };
    this.cfg = cfg;
    const lakeAssets = args.assets.filter((a) => !a.source && lakeLayoutOf(a));
    const keep = { parent: this, ...dataStoreOptions(cfg) };

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Headwater ${cfg.stack}: lake, stream, run log and search encryption`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: dataKeyPolicy(args.accountId),
      },
      keep,
    );
    new aws.kms.Alias(`${name}-key-alias`, { name: `alias/headwater-${cfg.stack}`, targetKeyId: this.key.keyId }, child);
    this.logsKey = new aws.kms.Key(
      `${name}-logs-key`,
      {
        description: `Headwater ${cfg.stack}: log groups and alarm topic encryption`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: logsKeyPolicy(args.accountId, cfg.region),
      },
      keep,
    );
    new aws.kms.Alias(`${name}-logs-key-alias`, { name: `alias/headwater-${cfg.stack}-logs`, targetKeyId: this.logsKey.keyId }, child);

    this.zones = [...new Set([...lakeAssets.map((a) => lakeLayoutOf(a)!.zone), ARTIFACTS_ZONE])].sort();
    const buckets: Record<string, aws.s3.Bucket> = {};
    for (const zone of this.zones) buckets[zone] = this.zoneBucket(name, zone, cfg);
    this.buckets = buckets;
    // Job scratch and job logs are not data: they expire instead of accumulating forever.
    this.expire(ARTIFACTS_ZONE, 'tmp/', TMP_EXPIRY_DAYS);
    this.expire(ARTIFACTS_ZONE, 'logs/', cfg.logRetentionDays);

    this.database = new aws.glue.CatalogDatabase(
      `${name}-catalog`,
      { name: catalogName(`headwater_${cfg.stack}`), description: `Headwater ${cfg.stack} lake tables, one per asset with a contract` },
      child,
    );
    const tables = new Map<string, aws.glue.CatalogTable>();
    for (const asset of lakeAssets) {
      const table = this.catalogTable(name, asset);
      if (table) tables.set(asset.key, table);
    }
    this.tables = tables;

    this.registerOutputs({
      keyArn: this.key.arn,
      buckets: Object.fromEntries(Object.entries(buckets).map(([z, b]) => [z, b.bucket])),
      database: this.database.name,
    });
  }

  /** The asset's folder in the lake; throws when the asset does not rest in the lake. */
  location(asset: AssetDefinition): LakeLocationOutput {
    const layout = lakeLayoutOf(asset);
    if (!layout) throw new Error(`${asset.key}: its storage is '${asset.storage?.kind ?? 'none'}', not 'lake'; only lake assets have a lake location`);
    const bucket = this.buckets[layout.zone];
    const table = this.tables.get(asset.key);
    return {
      zone: layout.zone,
      bucket: bucket.bucket,
      bucketArn: bucket.arn,
      prefix: layout.prefix,
      format: layout.format,
      partitionKeys: layout.partitionKeys,
      catalogTable: table ? pulumi.interpolate`${this.database.name}.${table.name}` : undefined,
    };
  }

  /** Objects under `zone/prefix` are deleted `days` after creation (temporary files, logs, error records). Call before `seal`. */
  expire(zone: string, prefix: string, days: number): void {
    if (this.sealed) throw new Error(`internal: lake.expire('${zone}', '${prefix}') after the lifecycle rules were written`);
    if (!this.buckets[zone]) throw new Error(`internal: no lake zone '${zone}' (have ${this.zones.join(', ')})`);
    this.expiring.push({ zone, prefix, days });
  }

  /**
   * S3 sends an event to EventBridge for every object created in `zone` (rules then pick the
   * folders they want). A bucket has one notification configuration, so it is written here, once,
   * at `seal`. Call before `seal`.
   */
  announceToEventBridge(zone: string): void {
    if (this.sealed) throw new Error(`internal: lake.announceToEventBridge('${zone}') after the bucket notifications were written`);
    if (!this.buckets[zone]) throw new Error(`internal: no lake zone '${zone}' (have ${this.zones.join(', ')})`);
    this.announcing.add(zone);
  }

  /**
   * Writes each bucket's lifecycle: abort incomplete uploads, expire noncurrent versions, the
   * expiring prefixes components asked for, and Glacier Instant Retrieval for the configured
   * zones (instant: Glue and Spark read it directly, so a backfill over old days needs no restore).
   */
  seal(): void {
    this.sealed = true;
    const { cfg } = this;
    for (const zone of this.zones) {
      const bucket = this.buckets[zone];
      const expiring = this.expiring.filter((e) => e.zone === zone);
      const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
        { id: 'abort-incomplete-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: cfg.lake.abortMultipartDays } },
        { id: 'expire-noncurrent-versions', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: cfg.lake.noncurrentVersionDays } },
        ...expiring.map((e) => ({ id: `expire-${e.prefix.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, '')}`, status: 'Enabled', filter: { prefix: e.prefix }, expiration: { days: e.days } })),
      ];
      if (cfg.lake.glacierZones.includes(zone)) {
        rules.push({ id: 'to-glacier-ir', status: 'Enabled', filter: {}, transitions: [{ days: cfg.lake.glacierAfterDays, storageClass: 'GLACIER_IR' }] });
      }
      new aws.s3.BucketLifecycleConfiguration(`lake-${zone}-lifecycle`, { bucket: bucket.id, rules }, { parent: this, dependsOn: [bucket] });
      if (this.announcing.has(zone)) new aws.s3.BucketNotification(`lake-${zone}-eventbridge`, { bucket: bucket.id, eventbridge: true }, { parent: this, dependsOn: [bucket] });
    }
  }

  /** A folder of the artifacts bucket (job code, temporary files, logs). */
  artifacts(prefix: string): { bucket: pulumi.Output<string>; bucketArn: pulumi.Output<string>; prefix: string } {
    const b = this.buckets[ARTIFACTS_ZONE];
    return { bucket: b.bucket, bucketArn: b.arn, prefix };
  }

  private zoneBucket(name: string, zone: string, cfg: PlatformConfig): aws.s3.Bucket {
    const child = { parent: this };
    const id = `${name}-${zone}`;
    const bucket = new aws.s3.Bucket(id, { forceDestroy: cfg.lake.forceDestroy }, { ...child, ...dataStoreOptions(cfg) });
    const bucketOpts = { parent: this, dependsOn: [bucket] };
    new aws.s3.BucketOwnershipControls(`${id}-ownership`, { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } }, bucketOpts);
    new aws.s3.BucketPublicAccessBlock(
      `${id}-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      bucketOpts,
    );
    new aws.s3.BucketVersioning(`${id}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }, bucketOpts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${id}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }] },
      bucketOpts,
    );
    new aws.s3.BucketPolicy(
      `${id}-tls-only`,
      {
        bucket: bucket.id,
        policy: policyDocument([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            // A Deny to everyone: `*` here narrows access, it grants nothing.
            Principal: '*',
            Action: ['s3:*'],
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
      bucketOpts,
    );
    return bucket;
  }

  private catalogTable(name: string, asset: AssetDefinition): aws.glue.CatalogTable | undefined {
    const layout = lakeLayoutOf(asset)!;
    if (!asset.contract) return undefined;
    const fmt = FORMATS[layout.format];
    const bucket = this.buckets[layout.zone];
    const partitionNames = new Set(layout.partitionKeys);
    return new aws.glue.CatalogTable(
      `${name}-table-${layout.catalogTable}`,
      {
        name: layout.catalogTable,
        databaseName: this.database.name,
        tableType: 'EXTERNAL_TABLE',
        description: asset.description,
        owner: asset.owners[0],
        parameters: { classification: layout.format, 'headwater:asset': asset.key, EXTERNAL: 'TRUE', ...timeProjection(layout.partitionKeys, pulumi.interpolate`s3://${bucket.bucket}/${layout.prefix}`) },
        partitionKeys: layout.partitionKeys.map((k) => ({ name: k, type: 'string' })),
        storageDescriptor: {
          location: pulumi.interpolate`s3://${bucket.bucket}/${layout.prefix}`,
          inputFormat: fmt.inputFormat,
          outputFormat: fmt.outputFormat,
          serDeInfo: { serializationLibrary: fmt.serde, parameters: layout.format === 'json' ? { 'ignore.malformed.json': 'true' } : {} },
          columns: asset.contract.columns
            .filter((c) => !partitionNames.has(c.name))
            .map((c) => ({ name: c.name, type: c.type, comment: [c.pii ? 'PII' : '', c.nullable ? '' : 'NOT NULL', c.description ?? ''].filter(Boolean).join('; ') })),
        },
      },
      { parent: this },
    );
  }
}

/**
 * Partition projection for tables laid out `year=/month=/day=/hour=` (what Firehose writes): the
 * folders exist as soon as Firehose writes them, and nothing would ever register them in the
 * catalog, so Athena computes the partitions from the layout instead. (Spark reads the path and
 * discovers Hive folders itself.)
 */
function timeProjection(keys: readonly string[], location: pulumi.Output<string>): Record<string, pulumi.Input<string>> {
  const ranges: Record<string, [string, number]> = { year: ['2020,2099', 4], month: ['1,12', 2], day: ['1,31', 2], hour: ['0,23', 2] };
  if (!keys.length || !keys.every((k) => k in ranges)) return {};
  const out: Record<string, pulumi.Input<string>> = {
    'projection.enabled': 'true',
    'storage.location.template': pulumi.interpolate`${location}${keys.map((k) => `${k}=\${${k}}`).join('/')}/`,
  };
  for (const k of keys) {
    out[`projection.${k}.type`] = 'integer';
    out[`projection.${k}.range`] = ranges[k][0];
    out[`projection.${k}.digits`] = String(ranges[k][1]);
  }
  return out;
}

const administer = (accountId: pulumi.Output<string>) => ({
  Sid: 'AccountAdministersKey',
  Effect: 'Allow',
  Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
  Action: 'kms:*',
  Resource: '*',
});

/** The data key: the account administers it, and IAM policies (scoped by `kms:ViaService`) decide who uses it. */
function dataKeyPolicy(accountId: pulumi.Output<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: [administer(accountId)] });
}

/**
 * The logs key: CloudWatch Logs encrypts this account's log groups with it (the statement AWS
 * documents for CloudWatch Logs, limited by the log-group encryption context), and CloudWatch and
 * EventBridge publish alarms to the encrypted topic.
 */
function logsKeyPolicy(accountId: pulumi.Output<string>, region: string): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      administer(accountId),
      {
        Sid: 'LogsUseKey',
        Effect: 'Allow',
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:*` } },
      },
      {
        Sid: 'ServicesUseKey',
        Effect: 'Allow',
        Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  });
}
