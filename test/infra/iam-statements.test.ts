/**
 * The statement builders of infra/iam.ts on their own, as exact documents: fast enough for the
 * mutation run (the whole program's roles are pinned in iam-exact.test.ts).
 */
import './install-mocks';
import * as pulumi from '@pulumi/pulumi';
import { expect } from 'chai';
import { kmsUse, policyDocument, s3ReadPrefix, s3WritePrefix, VPC_NETWORK_INTERFACE_ACTIONS } from '../../infra/iam';

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
});
