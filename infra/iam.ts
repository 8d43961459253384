/**
 * IAM policy documents built from scoped statements. Every grant names its resources; the few
 * actions AWS only accepts on `*` come from infra/policy/allow-list.ts so the policy pack and the
 * program agree on them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  /** Only in resource policies (bucket policies); identity policies have none. */
  readonly Principal?: string | Record<string, unknown>;
  readonly Action: string[];
  readonly Resource: pulumi.Input<string>[];
  readonly Condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

/** A policy document as JSON text, resolving any outputs inside. */
export function policyDocument(statements: readonly Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

/** Read access to exactly `s3://bucket/prefix*`: objects under it, and listing restricted to it. */
export function s3ReadPrefix(sid: string, bucketArn: pulumi.Input<string>, prefix: string): Statement[] {
  return [
    { Sid: `${sid}Read`, Effect: 'Allow', Action: ['s3:GetObject'], Resource: [pulumi.interpolate`${bucketArn}/${prefix}*`] },
    { Sid: `${sid}List`, Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn], Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
  ];
}

/** Read and write access to exactly `s3://bucket/prefix*` (a step rewrites its own partitions). */
export function s3WritePrefix(sid: string, bucketArn: pulumi.Input<string>, prefix: string): Statement[] {
  return [
    {
      Sid: `${sid}Write`,
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: [pulumi.interpolate`${bucketArn}/${prefix}*`],
    },
    { Sid: `${sid}List`, Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [bucketArn], Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
  ];
}

/** Write-only access to `s3://bucket/prefix*` for a delivery service: it adds objects, never reads or deletes them. */
export function s3PutPrefix(sid: string, bucketArn: pulumi.Input<string>, prefix: string): Statement[] {
  return [
    { Sid: `${sid}Put`, Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: [pulumi.interpolate`${bucketArn}/${prefix}*`] },
    { Sid: `${sid}Bucket`, Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: [bucketArn] },
  ];
}

/** `kms:ViaService` values: the key is usable only through these services of `region` (never directly). */
export const viaServices = (region: string, ...services: string[]): string[] => services.map((svc) => `${svc}.${region}.amazonaws.com`);

/**
 * Use of a KMS key through the AWS services that encrypt for the role (`kms:ViaService`): a reader
 * only decrypts; a writer also generates data keys. Without the condition, the role could call
 * KMS directly and decrypt anything encrypted under the key that it can lay hands on.
 */
export function kmsUse(keyArn: pulumi.Input<string>, mode: 'read' | 'write', via: readonly string[], sid = 'LakeKey'): Statement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: mode === 'read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: [keyArn],
    Condition: { StringEquals: { 'kms:ViaService': [...via] } },
  };
}

/** Condition operators and keys that pin a service principal to this account (confused-deputy guard). */
export const SOURCE_CONDITION_KEYS = ['aws:SourceAccount', 'aws:SourceArn', 'aws:SourceOrgID', 'sts:ExternalId'] as const;

/**
 * How a role's trust policy pins `service` to this account. AWS documents the keys per service:
 * Firehose passes the account as `sts:ExternalId`; EMR Serverless and Step Functions also send
 * `aws:SourceArn` (the application or state machine); the others (Glue, Lambda, Scheduler, ...)
 * send `aws:SourceAccount`.
 */
export function trustConditions(service: string, accountId: pulumi.Input<string>): NonNullable<Statement['Condition']> {
  switch (service) {
    case 'firehose.amazonaws.com':
      return { StringEquals: { 'sts:ExternalId': accountId } };
    case 'emr-serverless.amazonaws.com':
      return { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': pulumi.interpolate`arn:aws:emr-serverless:*:${accountId}:/applications/*` } };
    case 'states.amazonaws.com':
      return { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': pulumi.interpolate`arn:aws:states:*:${accountId}:stateMachine:*` } };
    default:
      return { StringEquals: { 'aws:SourceAccount': accountId } };
  }
}

/** A role that `service` (e.g. `glue.amazonaws.com`) may assume on behalf of this account only. */
export function serviceRole(
  name: string,
  service: string,
  opts: pulumi.CustomResourceOptions,
  description?: string,
): aws.iam.Role {
  const accountId = aws.getCallerIdentityOutput({}, { parent: opts.parent }).accountId;
  return new aws.iam.Role(
    name,
    {
      description,
      assumeRolePolicy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition: trustConditions(service, accountId) }],
      }),
    },
    opts,
  );
}

/** An inline policy on `role` from statements. */
export function inlinePolicy(name: string, role: aws.iam.Role, statements: readonly Statement[], opts: pulumi.CustomResourceOptions): aws.iam.RolePolicy {
  return new aws.iam.RolePolicy(name, { role: role.id, policy: policyDocument(statements) }, opts);
}

/**
 * What a Glue job with a JDBC connection needs to place its network interfaces in the VPC. These
 * actions take no resource-level permissions, so the grant is on `*` and the policy pack's
 * allow-list excuses exactly this list (one constant, so the two cannot drift apart).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcs',
  'ec2:DescribeVpcAttribute',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeRouteTables',
] as const;

/**
 * What a Lambda attached to the VPC (to reach the private search endpoint) needs for its network
 * interfaces: the actions of AWSLambdaVPCAccessExecutionRole, which take no resource-level
 * permissions either.
 */
export const LAMBDA_VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;
