/**
 * The statement builders of infra/iam.ts on their own, as exact documents: fast enough for the
 * mutation run (the whole program's roles are pinned in iam-exact.test.ts).
 */
import './install-mocks';
import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import { inlinePolicy, kmsUse, LAMBDA_VPC_ACTIONS, policyDocument, s3PutPrefix, s3ReadPrefix, s3WritePrefix, serviceRole, SOURCE_CONDITION_KEYS, trustConditions, viaServices, VPC_NETWORK_INTERFACE_ACTIONS } from '../../infra/iam';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';

const resolve = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
const documentOf = async (statements: Parameters<typeof policyDocument>[0]) => JSON.parse(await resolve(policyDocument(statements))) as unknown;

describe('infra/iam statement builders', () => {
  it('reads exactly s3://bucket/prefix*: objects under it, listing restricted to it', async () => {
    expect(await documentOf(s3ReadPrefix('Dep0', pulumi.output('arn:aws:s3:::lake-raw'), 'ratings/'))).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Dep0Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::lake-raw/ratings/*'] },
        { Sid: 'Dep0List', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::lake-raw'], Condition: { StringLike: { 's3:prefix': ['ratings/*'] } } },
      ],
    });
  });

  it('writes exactly s3://bucket/prefix*: get, put, delete, abort uploads, and the same listing', async () => {
    expect(await documentOf(s3WritePrefix('Output', 'arn:aws:s3:::lake-model', 'recommender/'))).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'OutputWrite', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: ['arn:aws:s3:::lake-model/recommender/*'] },
        { Sid: 'OutputList', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::lake-model'], Condition: { StringLike: { 's3:prefix': ['recommender/*'] } } },
      ],
    });
  });

  it('uses a key only through the named services: decrypt to read, and data keys to write', async () => {
    const key = pulumi.output('arn:aws:kms:eu-west-1:123456789012:key/k');
    const via = ['s3.eu-west-1.amazonaws.com'];
    expect(await documentOf([kmsUse(key, 'read', via), kmsUse(key, 'write', via, 'LogsKey')])).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'LakeKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws:kms:eu-west-1:123456789012:key/k'], Condition: { StringEquals: { 'kms:ViaService': via } } },
        { Sid: 'LogsKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ['arn:aws:kms:eu-west-1:123456789012:key/k'], Condition: { StringEquals: { 'kms:ViaService': via } } },
      ],
    });
  });

  it('lists the VPC network-interface actions Glue needs, and nothing that creates or changes a VPC', () => {
    expect([...VPC_NETWORK_INTERFACE_ACTIONS]).to.deep.equal([
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
      'ec2:DescribeVpcAttribute',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeRouteTables',
    ]);
  });

  it('lets a delivery service add objects under s3://bucket/prefix*, and nothing else', async () => {
    expect(await documentOf(s3PutPrefix('Delivery', 'arn:aws:s3:::lake-raw', 'events/'))).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DeliveryPut', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: ['arn:aws:s3:::lake-raw/events/*'] },
        { Sid: 'DeliveryBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'], Resource: ['arn:aws:s3:::lake-raw'] },
      ],
    });
    expect(viaServices('eu-west-1', 's3', 'glue')).to.deep.equal(['s3.eu-west-1.amazonaws.com', 'glue.eu-west-1.amazonaws.com']);
  });

  it('pins each service principal to this account with the keys AWS sends for it', async () => {
    const account = '123456789012';
    const resolved = async (service: string) => JSON.parse(await resolve(pulumi.jsonStringify(trustConditions(service, account)))) as unknown;
    expect(await resolved('firehose.amazonaws.com')).to.deep.equal({ StringEquals: { 'sts:ExternalId': account } });
    expect(await resolved('emr-serverless.amazonaws.com')).to.deep.equal({ StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:emr-serverless:*:${account}:/applications/*` } });
    expect(await resolved('states.amazonaws.com')).to.deep.equal({ StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:aws:states:*:${account}:stateMachine:*` } });
    for (const service of ['glue.amazonaws.com', 'lambda.amazonaws.com', 'scheduler.amazonaws.com']) {
      expect(await resolved(service), service).to.deep.equal({ StringEquals: { 'aws:SourceAccount': account } });
    }
    expect([...SOURCE_CONDITION_KEYS]).to.deep.equal(['aws:SourceAccount', 'aws:SourceArn', 'aws:SourceOrgID', 'sts:ExternalId']);
  });

  it('a service role trusts that service alone, for this account only; its inline policy is the statements', async () => {
    const role = serviceRole('test-glue-role', 'glue.amazonaws.com', {}, 'reads raw');
    expect(JSON.parse(await resolve(role.assumeRolePolicy))).to.deep.equal({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } } }],
    });
    expect(await resolve(role.description)).to.equal('reads raw');
    const statements = s3ReadPrefix('Dep0', 'arn:aws:s3:::lake-raw', 'ratings/');
    const policy = inlinePolicy('test-glue-policy', role, statements, {});
    expect(JSON.parse(await resolve(policy.policy))).to.deep.equal(await documentOf(statements));
    expect(await resolve(policy.role)).to.equal(await resolve(role.id));
  });

  it('lists the VPC actions a Lambda needs for its network interfaces, and nothing more', () => {
    expect([...LAMBDA_VPC_ACTIONS]).to.deep.equal([
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ]);
  });
});

