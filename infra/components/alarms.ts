/**
 * The alarm topic (KMS-encrypted SNS, e-mail subscription, an alarm on failed deliveries) with
 * EventBridge rules for the stack's Glue and EMR Serverless job failures, and the alarms each kind
 * declares (./kind-alarms.ts), created as children of the asset's component so they carry its
 * tags. Every alarm is named `headwater-<stack>-...` and recorded for the manifest.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { faceOf, type AssetDefinition } from '../../assets/core';
import { FRESHNESS_METRIC, METRICS_NAMESPACE, alarmNamePrefix, type AlarmManifest } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import { slug } from '../lake-layout';
import { FUNCTION_ALARMS, KIND_ALARMS, type AlarmSpec } from './kind-alarms';
import type { Lake } from './lake';

/** The `headwater:asset` value of shared alarms (topic, search health). */
const PLATFORM = 'platform';

export class Alarms extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  /** Every alarm created so far, for the manifest. */
  readonly created: AlarmManifest[] = [];
  private readonly cfg: PlatformConfig;
  private readonly emrApplications: pulumi.Output<string>[] = [];

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake; accountId: pulumi.Output<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:Alarms', name, {}, opts);
    const { cfg } = args;
    this.cfg = cfg;
    const child = { parent: this };
    this.topic = new aws.sns.Topic(`${name}-topic`, { displayName: `Headwater ${cfg.stack} alarms`, kmsMasterKeyId: args.lake.logsKey.arn }, child);
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AlarmsAndEventsPublish',
              Effect: 'Allow',
              Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
              Action: 'sns:Publish',
              Resource: this.topic.arn,
              Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: this.topic.arn,
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
      child,
    );
    // An unconfirmed subscription delivers nothing: `assets status --env` reports it until confirmed.
    if (cfg.alarmEmail) new aws.sns.TopicSubscription(`${name}-email`, { topic: this.topic.arn, protocol: 'email', endpoint: cfg.alarmEmail }, child);
    this.alarm(this, PLATFORM, 'alarm-delivery', {
      alarmDescription: 'the alarm topic failed to deliver notifications (check the subscription)',
      namespace: 'AWS/SNS',
      metricName: 'NumberOfNotificationsFailed',
      dimensions: { TopicName: this.topic.name },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });

    const prefix = `headwater-${cfg.stack}-`;
    const glue = new aws.cloudwatch.EventRule(
      `${name}-glue-failures`,
      {
        description: `Headwater ${cfg.stack}: glue failures`,
        eventPattern: JSON.stringify({ source: ['aws.glue'], 'detail-type': ['Glue Job State Change'], detail: { jobName: [{ prefix }], state: ['FAILED', 'TIMEOUT', 'ERROR'] } }),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(`${name}-glue-failures-target`, { rule: glue.name, arn: this.topic.arn }, child);
    this.registerOutputs({ topicArn: this.topic.arn });
  }

  /** Watches an EMR Serverless application for failed runs (the rule matches this stack's applications only). */
  emrApplication(applicationId: pulumi.Output<string>): void {
    this.emrApplications.push(applicationId);
  }

  /** Creates what waited for the walk: the EMR failure rule over the stack's applications. */
  seal(): void {
    if (!this.emrApplications.length) return;
    const child = { parent: this };
    const rule = new aws.cloudwatch.EventRule(
      'alarms-emr-failures',
      {
        description: `Headwater ${this.cfg.stack}: emr failures`,
        eventPattern: pulumi
          .all(this.emrApplications)
          .apply((ids) => JSON.stringify({ source: ['aws.emr-serverless'], 'detail-type': ['EMR Serverless Job Run State Change'], detail: { applicationId: ids, state: ['FAILED'] } })),
      },
      child,
    );
    new aws.cloudwatch.EventTarget('alarms-emr-failures-target', { rule: rule.name, arn: this.topic.arn }, child);
  }

  /** A CloudWatch alarm on this topic named `headwater-<stack>-<id>`, created as a child of `parent`. */
  alarm(parent: pulumi.Resource, asset: string, id: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'name'>): aws.cloudwatch.MetricAlarm {
    const name = `${alarmNamePrefix(this.cfg.stack)}${id}`;
    this.created.push({ name, asset, description: String(args.alarmDescription ?? '') });
    return new aws.cloudwatch.MetricAlarm(id, { ...args, name, alarmActions: [this.topic.arn], okActions: [this.topic.arn] }, { parent });
  }

  /** Every alarm the asset's kind declares, on the dimension values its component gave. */
  forKind(parent: pulumi.Resource, asset: AssetDefinition, dimensions: Readonly<Record<string, pulumi.Input<string>>>): void {
    for (const spec of faceOf(KIND_ALARMS, asset.compute.kind) ?? []) this.declared(parent, asset, slug(asset.key), spec, dimensions);
  }

  /** The alarms every Lambda gets, named after the function's resource name (`<asset slug>[-role]`). */
  forFunction(parent: pulumi.Resource, asset: AssetDefinition, resourceName: string, functionName: pulumi.Input<string>): void {
    for (const spec of FUNCTION_ALARMS) this.declared(parent, asset, resourceName, spec, { FunctionName: functionName });
  }

  private declared(parent: pulumi.Resource, asset: AssetDefinition, prefix: string, spec: AlarmSpec, values: Readonly<Record<string, pulumi.Input<string>>>): void {
    const dims = (names: readonly string[]): Record<string, pulumi.Input<string>> =>
      Object.fromEntries(
        names.map((d) => {
          const v = values[d];
          if (v === undefined) throw new Error(`internal: the ${asset.compute.kind} component of ${asset.key} gives no '${d}' for its '${spec.id}' alarm (kind-alarms.ts)`);
          return [d, v];
        }),
      );
    const common = {
      alarmDescription: `${asset.key}: ${spec.means}`,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
      treatMissingData: spec.treatMissingData,
    };
    const id = `${prefix}-${spec.id}`;
    if (spec.per) {
      const metric = (namespace: string, metricName: string, d: Record<string, pulumi.Input<string>>) => ({ namespace, metricName, dimensions: d, period: spec.period, stat: spec.statistic ?? 'Sum' });
      this.alarm(parent, asset.key, id, {
        ...common,
        metricQueries: [
          { id: 'part', metric: metric(spec.namespace, spec.metricName, { ...dims(spec.dimensions), ...spec.fixedDimensions }) },
          { id: 'whole', metric: metric(spec.per.namespace, spec.per.metricName, dims(spec.per.dimensions)) },
          { id: 'rate', expression: '100 * FILL(part, 0) / whole', label: `${spec.metricName} per ${spec.per.metricName} (%)`, returnData: true },
        ],
      });
      return;
    }
    this.alarm(parent, asset.key, id, {
      ...common,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: { ...dims(spec.dimensions), ...spec.fixedDimensions },
      statistic: spec.statistic,
      extendedStatistic: spec.extendedStatistic,
      period: spec.period,
    });
  }

  /**
   * Alarms when the asset was not materialized within its freshness policy: the CLI publishes 1
   * per successful materialization. Missing data is `missing`, not breaching, so a stack whose
   * asset never ran stays in INSUFFICIENT_DATA instead of alarming from its first minute; once the
   * asset has run, a lapse moves the alarm out of OK, and INSUFFICIENT_DATA notifies too.
   */
  freshness(parent: pulumi.Resource, asset: AssetDefinition, maxLagMinutes: number): aws.cloudwatch.MetricAlarm {
    const alarm = this.alarm(parent, asset.key, `${slug(asset.key)}-freshness`, {
      alarmDescription: `${asset.key} is more than ${maxLagMinutes} minutes old (freshness policy): no materialization in that time`,
      namespace: METRICS_NAMESPACE,
      metricName: FRESHNESS_METRIC,
      dimensions: { Asset: asset.key },
      statistic: 'Sum',
      // CloudWatch periods are multiples of a minute, at most a day for one evaluation.
      period: Math.min(86_400, Math.max(60, Math.round(maxLagMinutes) * 60)),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'missing',
      insufficientDataActions: [this.topic.arn],
    });
    return alarm;
  }

  /** The search domain's health: red or yellow cluster, little free storage, blocked writes, JVM pressure. */
  searchDomain(parent: pulumi.Resource, domainName: pulumi.Input<string>, accountId: pulumi.Input<string>, volumeGb: number): void {
    const dims = { DomainName: domainName, ClientId: accountId };
    const at = (metricName: string, statistic: 'Maximum' | 'Minimum', comparisonOperator: 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'GreaterThanThreshold', threshold: number, means: string, periods = 1) =>
      this.alarm(parent, PLATFORM, `search-${metricName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, {
        alarmDescription: `search domain: ${means}`,
        namespace: 'AWS/ES',
        metricName,
        dimensions: dims,
        statistic,
        period: 60,
        evaluationPeriods: periods,
        threshold,
        comparisonOperator,
        treatMissingData: 'missing',
      });
    at('ClusterStatus.red', 'Maximum', 'GreaterThanOrEqualToThreshold', 1, 'a primary shard is unassigned (cluster red)');
    at('ClusterStatus.yellow', 'Maximum', 'GreaterThanOrEqualToThreshold', 1, 'replica shards are unassigned (cluster yellow)', 5);
    // FreeStorageSpace is in MB, per node; a quarter of the volume left is the AWS recommendation.
    at('FreeStorageSpace', 'Minimum', 'LessThanThreshold', Math.round(volumeGb * 1024 * 0.25), 'a node has less than 25% of its volume free');
    at('ClusterIndexWritesBlocked', 'Maximum', 'GreaterThanOrEqualToThreshold', 1, 'index writes are blocked (index loads fail)');
    at('JVMMemoryPressure', 'Maximum', 'GreaterThanThreshold', 92, 'JVM memory pressure above 92% (risk of out-of-memory)', 3);
  }
}
