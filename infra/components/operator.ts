/**
 * The stack's operator access: one IAM managed policy that covers exactly what the `assets` CLI
 * does against the stack (read the manifest, start and watch each asset's runs, pass the EMR
 * execution roles to EMR Serverless only, keep the run log and locks, publish freshness, read
 * alarms and the topic's subscriptions, assume the index loaders), and a role carrying it. Both
 * are stack outputs, so a platform team can hand the policy to people or CI without Pulumi.
 *
 * The role is created first (loader roles trust it); the policy once the walk is over, from the
 * `operate` statements each asset's component declared.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { METRICS_NAMESPACE, alarmNamePrefix, manifestParameterName } from '../../jobs/aws/manifest';
import type { PlatformConfig } from '../config';
import { kmsUse, policyDocument, viaServices, type Statement } from '../iam';
import type { Lake } from './lake';

export interface OperatorGrant {
  readonly runLogTableArn: pulumi.Output<string>;
  readonly topicArn: pulumi.Output<string>;
  /** `operate` statements of every asset, in graph order. */
  readonly assets: readonly (readonly Statement[])[];
}

/** Statements with the same actions and conditions become one, with their resources together (managed policies hold 6 KB). */
export function mergeStatements(statements: readonly Statement[]): Statement[] {
  const merged = new Map<string, Statement & { Resource: pulumi.Input<string>[] }>();
  for (const s of statements) {
    const key = JSON.stringify([s.Effect, [...s.Action].sort(), s.Condition ?? null]);
    const seen = merged.get(key);
    if (seen) seen.Resource.push(...s.Resource);
    else merged.set(key, { ...s, Resource: [...s.Resource] });
  }
  return [...merged.values()];
}

export class OperatorAccess extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  policy?: aws.iam.Policy;
  private readonly cfg: PlatformConfig;
  private readonly lake: Lake;
  private readonly accountId: pulumi.Output<string>;

  constructor(name: string, args: { cfg: PlatformConfig; lake: Lake; accountId: pulumi.Output<string> }, opts?: pulumi.ComponentResourceOptions) {
    super('headwater:ops:OperatorAccess', name, {}, opts);
    this.cfg = args.cfg;
    this.lake = args.lake;
    this.accountId = args.accountId;
    // Named principals when configured; otherwise people of this account, with MFA.
    const named = args.cfg.operatorRoleArns;
    const trust = named.length
      ? [{ Effect: 'Allow', Principal: { AWS: [...named] }, Action: 'sts:AssumeRole' }]
      : [{ Effect: 'Allow', Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }];
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: `headwater-${args.cfg.stack}-operator`,
        description: `Operates Headwater ${args.cfg.stack} with the assets CLI (materialize, backfill, status, index loads)`,
        assumeRolePolicy: pulumi.jsonStringify({ Version: '2012-10-17', Statement: trust }),
        maxSessionDuration: 3600 * 8,
      },
      { parent: this },
    );
    this.registerOutputs({ roleArn: this.role.arn });
  }

  /** The operator policy's statements: the stack-wide ones, then each asset's. */
  statements(grant: OperatorGrant): Statement[] {
    const { cfg, accountId, lake } = this;
    const region = cfg.region;
    const artifacts = lake.artifacts(`manifest/${cfg.stack}.json`);
    const stackWide: Statement[] = [
      { Sid: 'Manifest', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [pulumi.interpolate`arn:aws:ssm:${region}:${accountId}:parameter${manifestParameterName(cfg.stack)}`] },
      { Sid: 'ManifestObject', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${artifacts.bucketArn}/${artifacts.prefix}`] },
      {
        Sid: 'RunLog',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        Resource: [grant.runLogTableArn],
      },
      { Sid: 'PublishMetrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: ['*'], Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } },
      { Sid: 'Alarms', Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: [pulumi.interpolate`arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmNamePrefix(cfg.stack)}*`] },
      { Sid: 'AlarmSubscriptions', Effect: 'Allow', Action: ['sns:ListSubscriptionsByTopic'], Resource: [grant.topicArn] },
      // model.json and the manifest object are read through S3 only.
      kmsUse(lake.key.arn, 'read', viaServices(region, 's3')),
    ];
    // Sids must be unique within a policy: a repeated one gets its position appended.
    const seen = new Set<string>();
    return [...stackWide, ...mergeStatements(grant.assets.flat())].map((s, i) => {
      const sid = seen.has(s.Sid ?? '') ? `${s.Sid ?? 'Statement'}${i}` : (s.Sid ?? `Statement${i}`);
      seen.add(sid);
      return { ...s, Sid: sid };
    });
  }

  /** Creates the managed policy and attaches it to the role. Call once, after the walk. */
  grant(grant: OperatorGrant): aws.iam.Policy {
    this.policy = new aws.iam.Policy(
      'operator-policy',
      {
        name: `headwater-${this.cfg.stack}-operator`,
        description: `What the assets CLI does against Headwater ${this.cfg.stack}; attach it to whoever operates the stack`,
        policy: policyDocument(this.statements(grant)),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment('operator-policy-attachment', { role: this.role.name, policyArn: this.policy.arn }, { parent: this });
    return this.policy;
  }
}
