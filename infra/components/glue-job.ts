/**
 * A Glue job per Glue asset (Glue 5.0, Spark): `glue-sql` runs the asset's SQL file, the same one
 * DuckDB runs embedded, through jobs/glue/sql_runner.py; `glue-extract` snapshots a source table
 * over the JDBC connection through jobs/glue/jdbc_extract.py. Each job has its own role that reads
 * exactly its deps' prefixes and writes its own.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { computeSettings, type AssetDefinition } from '../../assets/core';
import type { GlueExtractSettings, GlueSqlSettings, RdsTableSettings } from '../../assets/kinds';
import type { GlueJobManifest } from '../../jobs/aws/manifest';
import { glueExtractArguments, glueSqlArguments, viewName, type GlueInput, type LakeTarget } from '../../jobs/aws/job-arguments';
import { uploadCode } from '../code';
import { VPC_NETWORK_INTERFACE_ACTIONS, inlinePolicy, kmsUse, s3ReadPrefix, s3WritePrefix, serviceRole, viaServices, type Statement } from '../iam';
import { slug } from '../lake-layout';
import { physicalName, type AssetComponentArgs, type AssetOutputs, type LakeLocationOutput, type PlatformContext } from './context';

/** The job's own continuous-logging group (retention and the logs key; Glue's default groups keep logs forever). */
export const glueLogGroupName = (stack: string, key: string): string => `/aws-glue/jobs/${physicalName(stack, slug(key), 200)}`;

export { viewName };

/** What every Glue job's role needs to run at all: the lake key through S3, its bookmarks key, its logs (continuous, encrypted) and Glue's metrics. */
export function glueRunStatements(ctx: Pick<PlatformContext, 'cfg' | 'accountId' | 'lake'>, logGroupName: string): Statement[] {
  const { cfg, accountId, lake } = ctx;
  return [
    kmsUse(lake.key.arn, 'write', viaServices(cfg.region, 's3')),
    // Job bookmarks are encrypted client-side (CSE-KMS): the job calls KMS itself, so kms:ViaService cannot apply.
    { Sid: 'BookmarksKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [lake.key.arn] },
    kmsUse(lake.logsKey.arn, 'write', viaServices(cfg.region, 'logs'), 'LogsKey'),
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
      Resource: [pulumi.interpolate`arn:aws:logs:${cfg.region}:${accountId}:log-group:/aws-glue/*`, pulumi.interpolate`arn:aws:logs:${cfg.region}:${accountId}:log-group:${logGroupName}:*`],
    },
    { Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } } },
  ];
}

/** Statements for the Glue job's own role: its output, its deps, its code, the catalog, logs, metrics. */
function jobStatements(ctx: PlatformContext, asset: AssetDefinition, location: LakeLocationOutput, codePrefix: string, jdbc: boolean): Statement[] {
  const { cfg, accountId, lake } = ctx;
  const artifacts = lake.artifacts(codePrefix);
  const statements: Statement[] = [
    ...s3WritePrefix('Output', location.bucketArn, location.prefix),
    ...s3ReadPrefix('Code', artifacts.bucketArn, codePrefix),
    ...s3ReadPrefix('Runners', artifacts.bucketArn, 'code/glue/'),
    ...s3WritePrefix('Temp', artifacts.bucketArn, `tmp/${slug(asset.key)}/`),
    ...glueRunStatements(ctx, glueLogGroupName(cfg.stack, asset.key)),
  ];
  asset.deps.forEach((dep, i) => {
    const up = ctx.outputsOf(dep.key).location;
    if (up) statements.push(...s3ReadPrefix(`Dep${i}`, up.bucketArn, up.prefix));
  });
  const table = lake.tables.get(asset.key);
  if (table) {
    statements.push({
      Sid: 'CatalogPartitions',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition', 'glue:CreatePartition', 'glue:BatchCreatePartition', 'glue:UpdatePartition'],
      Resource: [
        pulumi.interpolate`arn:aws:glue:${cfg.region}:${accountId}:catalog`,
        pulumi.interpolate`arn:aws:glue:${cfg.region}:${accountId}:database/${lake.database.name}`,
        pulumi.interpolate`arn:aws:glue:${cfg.region}:${accountId}:table/${lake.database.name}/${table.name}`,
      ],
    });
  }
  if (jdbc) {
    const source = ctx.sourceDatabase();
    statements.push(
      { Sid: 'SourceConnection', Effect: 'Allow', Action: ['glue:GetConnection'], Resource: [pulumi.interpolate`arn:aws:glue:${cfg.region}:${accountId}:catalog`, source.connectionArn] },
      { Sid: 'SourceSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: [source.secretArn] },
      {
        Sid: 'VpcNetworkInterfaces',
        Effect: 'Allow',
        Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
        Resource: ['*'],
      },
      {
        Sid: 'TagNetworkInterfaces',
        Effect: 'Allow',
        Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
        Resource: [pulumi.interpolate`arn:aws:ec2:${cfg.region}:${accountId}:network-interface/*`],
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['aws-glue-service-resource'] } },
      },
    );
  }
  return statements;
}

interface GlueJobSpec {
  readonly kind: 'glue-extract' | 'glue-sql';
  /** Grants beyond every Glue job's (the deletion register of an extract). */
  readonly statements?: readonly Statement[];
  readonly settings: GlueSqlSettings | GlueExtractSettings;
  readonly codePrefix: string;
  readonly jdbc: boolean;
  readonly arguments: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The job, its role and its manifest entry, shared by both Glue kinds. */
function glueJob(self: pulumi.ComponentResource, name: string, args: AssetComponentArgs, spec: GlueJobSpec) {
  const { asset, ctx } = args;
  const { cfg } = ctx;
  const child = { parent: self };
  const location = ctx.lake.location(asset);
  const role = serviceRole(`${name}-role`, 'glue.amazonaws.com', child, `Glue job of ${asset.key}: reads its deps, writes ${location.prefix}`);
  const policy = inlinePolicy(`${name}-policy`, role, [...jobStatements(ctx, asset, location, spec.codePrefix, spec.jdbc), ...(spec.statements ?? [])], child);
  const glue = ctx.glue();
  const jobName = physicalName(cfg.stack, slug(asset.key), 255);
  const workers = Math.max(2, Math.round(spec.settings.workers * cfg.sizes.glueWorkerMultiplier));
  const temp = ctx.lake.artifacts(`tmp/${slug(asset.key)}/`);
  const logs = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: glueLogGroupName(cfg.stack, asset.key), retentionInDays: cfg.logRetentionDays, kmsKeyId: ctx.lake.logsKey.arn }, child);
  const job = new aws.glue.Job(
    `${name}-job`,
    {
      name: jobName,
      description: asset.description,
      roleArn: role.arn,
      glueVersion: '5.0',
      workerType: spec.settings.workerType,
      numberOfWorkers: workers,
      maxRetries: spec.settings.maxRetries,
      timeout: spec.settings.timeoutMinutes,
      executionProperty: { maxConcurrentRuns: 1 },
      // A second run of the same asset waits for the first instead of failing.
      jobRunQueuingEnabled: true,
      securityConfiguration: glue.securityConfiguration.name,
      connections: spec.jdbc ? [ctx.sourceDatabase().connectionName] : [],
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation: glue.runners[spec.kind].uri },
      defaultArguments: pulumi.all([pulumi.output(spec.arguments), temp.bucket, logs.name, glue.extraPyFiles]).apply(([extra, bucket, logGroup, helper]) => ({
        '--job-language': 'python',
        '--extra-py-files': helper,
        '--enable-metrics': 'true',
        '--enable-continuous-cloudwatch-log': 'true',
        '--continuous-log-logGroup': logGroup,
        '--enable-glue-datacatalog': 'true',
        '--TempDir': `s3://${bucket}/${temp.prefix}`,
        '--asset_key': asset.key,
        ...extra,
      })),
    },
    { parent: self, dependsOn: [policy] },
  );
  const manifest = pulumi
    .all([job.name, location.bucket, location.catalogTable ?? pulumi.output(undefined)])
    .apply(([name, bucket, catalogTable]): GlueJobManifest => ({
      kind: spec.kind,
      key: asset.key,
      jobName: name,
      defaultArguments: {},
      timeoutMinutes: spec.settings.timeoutMinutes,
      location: { bucket, prefix: location.prefix, partitionKeys: location.partitionKeys, ...(catalogTable ? { catalogTable } : {}) },
    }));
  const outputs: AssetOutputs = { location, manifest, alarmDimensions: { JobName: job.name }, operate: glueOperatorStatements(job.arn) };
  return { job, role, outputs };
}

/** What an operator (the `assets` CLI) does with a Glue job: start, watch and stop its runs. */
function glueOperatorStatements(jobArn: pulumi.Output<string>): Statement[] {
  return [{ Sid: 'GlueRuns', Effect: 'Allow', Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'], Resource: [jobArn] }];
}

/** The lake and JDBC inputs of a Glue asset (the runner's `--inputs`). */
function inputsOf(ctx: PlatformContext, asset: AssetDefinition): { inputs: pulumi.Output<GlueInput[]>; jdbc: boolean } {
  let jdbc = false;
  const parts = asset.deps.map((dep): pulumi.Output<GlueInput | undefined> => {
    const up = ctx.outputsOf(dep.key);
    if (up.location) {
      const loc = up.location;
      return pulumi.interpolate`s3://${loc.bucket}/${loc.prefix}`.apply((path) => ({ view: viewName(dep.key), kind: 'lake' as const, path, format: loc.format }));
    }
    if (up.source) {
      jdbc = true;
      const src = up.source;
      const source = ctx.sourceDatabase();
      return source.connectionName.apply((connection) => ({ view: viewName(dep.key), kind: 'jdbc' as const, connection, schema: src.schema, table: src.table, options: source.tlsOptions }));
    }
    return pulumi.output(undefined);
  });
  return { inputs: pulumi.all(parts).apply((xs) => xs.filter((x): x is GlueInput => x !== undefined)), jdbc };
}

/** Where the runner writes the asset: its lake location as an s3:// target. */
function targetOf(location: LakeLocationOutput): pulumi.Output<LakeTarget> {
  return pulumi.all([location.bucket, location.catalogTable ?? pulumi.output('')]).apply(([bucket, table]) => ({
    uri: `s3://${bucket}/${location.prefix}`,
    format: location.format,
    partitionKeys: location.partitionKeys,
    catalogTable: table,
  }));
}

/** `glue-sql`: a Spark SQL job running the asset's SQL file. */
export class GlueSqlJob extends pulumi.ComponentResource {
  readonly job: aws.glue.Job;
  readonly role: aws.iam.Role;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:glue:GlueSqlJob', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<GlueSqlSettings>(asset);
    const codePrefix = `code/${slug(asset.key)}/`;
    const sqlKey = `${codePrefix}${settings.sql.split('/').pop()}`;
    const sql = uploadCode(`${name}-sql`, ctx.lake, settings.sql, sqlKey, asset.key, { parent: this });
    const { inputs, jdbc } = inputsOf(ctx, asset);
    const location = ctx.lake.location(asset);
    const built = glueJob(this, name, args, {
      kind: 'glue-sql',
      settings,
      codePrefix,
      jdbc,
      arguments: pulumi.all([targetOf(location), sql.uri, inputs]).apply(([target, sqlUri, list]) => glueSqlArguments(asset, target, sqlUri, list)),
    });
    this.job = built.job;
    this.role = built.role;
    this.outputs = built.outputs;
    this.registerOutputs({ jobName: this.job.name, roleArn: this.role.arn });
  }
}

/** `glue-extract`: a JDBC snapshot of a source table into the raw zone. */
export class GlueExtractJob extends pulumi.ComponentResource {
  readonly job: aws.glue.Job;
  readonly role: aws.iam.Role;
  readonly outputs: AssetOutputs;

  constructor(name: string, args: AssetComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:glue:GlueExtractJob', name, {}, opts);
    const { asset, ctx } = args;
    const settings = computeSettings<GlueExtractSettings>(asset);
    const from = ctx.outputsOf(settings.from).source;
    if (!from) throw new Error(`${asset.key}: glue-extract reads '${settings.from}', which is not an rds-table source asset; point 'from' at one`);
    const location = ctx.lake.location(asset);
    // Rows of erased subjects stay out of every extract (the deletion register, by salted hash of the contract's subject columns).
    const subjects = Object.fromEntries((asset.contract?.columns ?? []).filter((c) => c.subject).map((c) => [c.name, c.subject!]));
    const register = Object.keys(subjects).length ? ctx.deletionRegister : undefined;
    const registerArguments = register
      ? pulumi.all(register.references()).apply((r): Record<string, string> => ({ '--deletion_register': r.table, '--erasure_salt': r.salt, '--subject_columns': JSON.stringify(subjects) }))
      : pulumi.output({} as Record<string, string>);
    const built = glueJob(this, name, args, {
      kind: 'glue-extract',
      settings,
      codePrefix: `code/${slug(asset.key)}/`,
      jdbc: true,
      statements: register?.readStatements() ?? [],
      arguments: pulumi.all([targetOf(location), ctx.sourceDatabase().connectionName, registerArguments]).apply(([target, connection, extra]) => ({
        ...glueExtractArguments(asset, target, {
          connection,
          schema: from.schema,
          table: from.table,
          partitionColumn: settings.partitionColumn,
          jdbcOptions: ctx.sourceDatabase().tlsOptions,
        }),
        ...extra,
      })),
    });
    this.job = built.job;
    this.role = built.role;
    this.outputs = built.outputs;
    this.registerOutputs({ jobName: this.job.name, roleArn: this.role.arn });
  }
}

/** The rds-table source: the table's schema as a catalog entry of the JDBC connection. */
export function rdsSourceOf(asset: AssetDefinition): { schema: string; table: string } {
  const s = computeSettings<RdsTableSettings>(asset);
  return { schema: s.schema, table: s.table };
}
