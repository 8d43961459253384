/**
 * The alarm topic (KMS-encrypted SNS, e-mail subscription) with EventBridge rules for Glue and EMR
 * Serverless job failures, and the helpers asset components use to put their own CloudWatch
 * alarms on it (so each alarm carries its asset's tags).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { FRESHNESS_METRIC, METRICS_NAMESPACE } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import type { Lake } from './lake';

/**
 * How the platform alarms on failures: any failure counted in a 5-minute window alarms at once,
 * and no data (nothing ran) is not a failure. One rule for Lambda, Glue and EMR alike.
 */
export const ANY_FAILURE_IN_FIVE_MINUTES = {
  statistic: 'Sum',
  period: 300,
  evaluationPeriods: 1,
  threshold: 0,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'notBreaching',
} as const;

export class Alarms extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake; accountId: pulumi.Output<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:Alarms', name, {}, opts);
    const { cfg } = args;
    const child = { parent: this };
    this.topic = new aws.sns.Topic(`${name}-topic`, { displayName: `Headwater ${cfg.stack} alarms`, kmsMasterKeyId: args.lake.key.arn }, child);
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
    if (cfg.alarmEmail) new aws.sns.TopicSubscription(`${name}-email`, { topic: this.topic.arn, protocol: 'email', endpoint: cfg.alarmEmail }, child);

    const prefix = `headwater-${cfg.stack}-`;
    const rules = {
      'glue-failures': { source: ['aws.glue'], 'detail-type': ['Glue Job State Change'], detail: { jobName: [{ prefix }], state: ['FAILED', 'TIMEOUT', 'ERROR'] } },
      'emr-failures': { source: ['aws.emr-serverless'], 'detail-type': ['EMR Serverless Job Run State Change'], detail: { state: ['FAILED'] } },
    };
    for (const [id, pattern] of Object.entries(rules)) {
      const rule = new aws.cloudwatch.EventRule(`${name}-${id}`, { description: `Headwater ${cfg.stack}: ${id.replace('-', ' ')}`, eventPattern: JSON.stringify(pattern) }, child);
      new aws.cloudwatch.EventTarget(`${name}-${id}-target`, { rule: rule.name, arn: this.topic.arn }, child);
    }
    this.registerOutputs({ topicArn: this.topic.arn });
  }

  /** A CloudWatch alarm on this topic, created as a child of `parent` (the asset's component). */
  alarm(parent: pulumi.Resource, name: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions'>): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(name, { ...args, alarmActions: [this.topic.arn], okActions: [this.topic.arn] }, { parent });
  }

  /**
   * Alarms when the asset was not materialized within its freshness policy: the CLI publishes 1
   * per successful materialization, so no data over `maxLagMinutes` means it is that old.
   */
  freshness(parent: pulumi.Resource, name: string, assetKey: string, maxLagMinutes: number): aws.cloudwatch.MetricAlarm {
    return this.alarm(parent, `${name}-freshness`, {
      alarmDescription: `${assetKey} is more than ${maxLagMinutes} minutes old (freshness policy): no materialization in that time`,
      namespace: METRICS_NAMESPACE,
      metricName: FRESHNESS_METRIC,
      dimensions: { Asset: assetKey },
      statistic: 'Sum',
      // CloudWatch periods are multiples of a minute, at most a day for one evaluation.
      period: Math.min(86_400, Math.max(60, Math.round(maxLagMinutes) * 60)),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
    });
  }

  /** Alarms on any Lambda error in 5 minutes. */
  lambdaErrors(parent: pulumi.Resource, name: string, functionName: pulumi.Input<string>): aws.cloudwatch.MetricAlarm {
    return this.alarm(parent, `${name}-errors`, {
      alarmDescription: pulumi.interpolate`Lambda ${functionName} raised errors`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: functionName },
      ...ANY_FAILURE_IN_FIVE_MINUTES,
    });
  }
}
