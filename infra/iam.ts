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

/** Use of the lake's KMS key for reading and writing objects. */
export const kmsUse = (keyArn: pulumi.Input<string>): Statement => ({
  Sid: 'LakeKey',
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
  Resource: [keyArn],
});

/** A role that `service` (e.g. `glue.amazonaws.com`) may assume. */
export function serviceRole(
  name: string,
  service: string,
  opts: pulumi.CustomResourceOptions,
  description?: string,
): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      description,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
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
