/**
 * Exact IAM, as data: every role the program creates, its trust, and every statement of its
 * policy (Sid, effect, actions, resources, condition), for the dev and the prod stack, plus the
 * resource policies that name principals (the OpenSearch domain policy, the Serverless access
 * policy). A new action, a wider resource or a looser condition anywhere fails here, and the
 * diff shows which role gained what.
 *
 * A statement is written on one line: `Sid Effect action,action resource,resource {condition}`.
 */
import { synth } from './mock-runtime';
import { expect } from 'chai';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import type { Synthesis } from '../../infra/synth/synthesize';

type Stack = 'dev' | 'prod';
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown; Principal?: unknown };

const ACCOUNT = MOCK_ACCOUNT;
const REGION = 'eu-west-1';
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);
const line = (s: Statement) => [s.Sid, s.Effect, list(s.Action).join(','), list(s.Resource).join(','), ...(s.Condition ? [JSON.stringify(s.Condition)] : [])].join(' ');

const S3_WRITE = 's3:GetObject,s3:PutObject,s3:DeleteObject,s3:AbortMultipartUpload';
/** Read of `s3://bucket/prefix*`: objects, and listing restricted to the prefix. */
const read = (sid: string, bucket: string, prefix: string) => [
  `${sid}Read Allow s3:GetObject arn:aws:s3:::${bucket}/${prefix}*`,
  `${sid}List Allow s3:ListBucket arn:aws:s3:::${bucket} {"StringLike":{"s3:prefix":["${prefix}*"]}}`,
];
/** Read and write of `s3://bucket/prefix*`. */
const write = (sid: string, bucket: string, prefix: string) => [
  `${sid}Write Allow ${S3_WRITE} arn:aws:s3:::${bucket}/${prefix}*`,
  `${sid}List Allow s3:ListBucket arn:aws:s3:::${bucket} {"StringLike":{"s3:prefix":["${prefix}*"]}}`,
];
const LAKE_KEY = `LakeKey Allow kms:Decrypt,kms:GenerateDataKey,kms:DescribeKey arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-key`;

/** Every Glue job role: its output, its code, the shared runners, its temp prefix, the key, logs, metrics, its catalog table. */
const glueJob = (stack: Stack, slug: string, output: [bucket: string, prefix: string], table: string) => [
  ...write('Output', ...output),
  ...read('Code', 'lake-artifacts', `code/${slug}/`),
  ...read('Runners', 'lake-artifacts', 'code/glue/'),
  ...write('Temp', 'lake-artifacts', `tmp/${slug}/`),
  LAKE_KEY,
  `Logs Allow logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents,logs:AssociateKmsKey arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/*`,
  'PublishMetrics Allow cloudwatch:PutMetricData * {"StringEquals":{"cloudwatch:namespace":"Glue"}}',
  `CatalogPartitions Allow glue:GetDatabase,glue:GetTable,glue:GetPartition,glue:GetPartitions,glue:BatchGetPartition,glue:CreatePartition,glue:BatchCreatePartition,glue:UpdatePartition arn:aws:glue:${REGION}:${ACCOUNT}:catalog,arn:aws:glue:${REGION}:${ACCOUNT}:database/headwater_${stack},arn:aws:glue:${REGION}:${ACCOUNT}:table/headwater_${stack}/${table}`,
];
const SECRET: Record<Stack, string> = {
  dev: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:headwater/dev/source-db-AbCdEf`,
  prod: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:headwater/prod/source-db-GhIjKl`,
};
/** What a Glue job reading the source database adds: the connection, the secret, the VPC network interfaces. */
const sourceAccess = (stack: Stack) => [
  `SourceConnection Allow glue:GetConnection arn:aws:glue:${REGION}:${ACCOUNT}:catalog,arn:aws:glue:${REGION}:${ACCOUNT}:connection/headwater-${stack}-source`,
  `SourceSecret Allow secretsmanager:GetSecretValue,secretsmanager:DescribeSecret ${SECRET[stack]}`,
  'VpcNetworkInterfaces Allow ec2:CreateNetworkInterface,ec2:DeleteNetworkInterface,ec2:DescribeNetworkInterfaces,ec2:DescribeSubnets,ec2:DescribeSecurityGroups,ec2:DescribeVpcs,ec2:DescribeVpcAttribute,ec2:DescribeVpcEndpoints,ec2:DescribeRouteTables *',
  `TagNetworkInterfaces Allow ec2:CreateTags,ec2:DeleteTags arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/* {"ForAllValues:StringEquals":{"aws:TagKeys":["aws-glue-service-resource"]}}`,
];
/** The search API grant: the collection (dev, Serverless) or the domain (prod), loaders also writing. */
const searchApi = (stack: Stack, writes: boolean) =>
  stack === 'dev'
    ? `SearchApi Allow aoss:APIAccessAll arn:aws:aoss:${REGION}:${ACCOUNT}:collection/hw-dev-vectors-id`
    : `SearchApi Allow es:ESHttpGet,es:ESHttpPost,es:ESHttpHead${writes ? ',es:ESHttpPut,es:ESHttpDelete' : ''} arn:aws:es:${REGION}:${ACCOUNT}:domain/hw-prod-vectors/*`;
const lambdaLogs = (stack: Stack, fn: string) => `Logs Allow logs:CreateLogStream,logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/headwater-${stack}-${fn}:*`;

/** Each role: who may assume it, and its one inline policy. */
interface RoleExpectation {
  /** A service, or the principal itself. */
  readonly trust: string | { readonly AWS: readonly string[] };
  readonly policy: string;
  readonly statements: readonly string[];
}

function expectedRoles(stack: Stack): Record<string, RoleExpectation> {
  const glue = (statements: string[]) => ({ trust: 'glue.amazonaws.com', statements });
  // The account root, plus the operator role Pulumi.prod.yaml names (headwater:operatorRoleArns).
  const operator = { AWS: [`arn:aws:iam::${ACCOUNT}:root`, ...(stack === 'prod' ? [`arn:aws:iam::${ACCOUNT}:role/headwater-operator`] : [])] };
  return {
    'raw-customers-role': { ...glue([...glueJob(stack, 'raw-customers', ['lake-raw', 'customers/'], 'raw_customers'), ...sourceAccess(stack)]), policy: 'raw-customers-policy' },
    'raw-products-role': { ...glue([...glueJob(stack, 'raw-products', ['lake-raw', 'products/'], 'raw_products'), ...sourceAccess(stack)]), policy: 'raw-products-policy' },
    'raw-ratings-role': { ...glue([...glueJob(stack, 'raw-ratings', ['lake-raw', 'ratings/'], 'raw_ratings'), ...sourceAccess(stack)]), policy: 'raw-ratings-policy' },
    'training-ratings-ml-training-role': {
      ...glue([
        ...glueJob(stack, 'training-ratings-ml-training', ['lake-training', 'ratings_ml_training/'], 'ratings_ml_training'),
        ...read('Dep0', 'lake-raw', 'ratings/'),
        ...read('Dep1', 'lake-raw', 'customers/'),
        ...read('Dep2', 'lake-raw', 'products/'),
      ]),
      policy: 'training-ratings-ml-training-policy',
    },
    // Deps 0 and 1 (orders, order lines) are read over JDBC: source access, no S3.
    'analytics-popular-products-role': {
      ...glue([
        ...glueJob(stack, 'analytics-popular-products', ['lake-analytics', 'popular_products/'], 'analytics_popular_products'),
        ...read('Dep2', 'lake-raw', 'products/'),
        ...read('Dep3', 'lake-raw', 'ratings/'),
        ...sourceAccess(stack),
      ]),
      policy: 'analytics-popular-products-policy',
    },
    'analytics-sales-hourly-role': {
      ...glue([
        ...glueJob(stack, 'analytics-sales-hourly', ['lake-analytics', 'sales_hourly/'], 'analytics_sales_hourly'),
        ...read('Dep2', 'lake-raw', 'products/'),
        ...read('Dep3', 'lake-raw', 'customers/'),
        ...sourceAccess(stack),
      ]),
      policy: 'analytics-sales-hourly-policy',
    },
    'model-recommender-role': {
      trust: 'emr-serverless.amazonaws.com',
      policy: 'model-recommender-policy',
      statements: [
        ...write('Output', 'lake-model', 'recommender/'),
        ...read('Code', 'lake-artifacts', 'code/model-recommender/'),
        ...write('Logs', 'lake-artifacts', 'logs/emr/model-recommender/'),
        LAKE_KEY,
        ...read('Dep0', 'lake-training', 'ratings_ml_training/'),
        ...read('Dep1', 'lake-raw', 'customers/'),
        ...read('Dep2', 'lake-raw', 'products/'),
      ],
    },
    // The index loaders are assumed by the operator's CLI, not by a service.
    'index-item-embeddings-loader': {
      trust: operator,
      policy: 'index-item-embeddings-loader-policy',
      statements: ['EmbeddingsRead Allow s3:GetObject arn:aws:s3:::lake-model/recommender/item_embeddings.parquet', LAKE_KEY, searchApi(stack, true)],
    },
    'index-user-embeddings-loader': {
      trust: operator,
      policy: 'index-user-embeddings-loader-policy',
      statements: ['EmbeddingsRead Allow s3:GetObject arn:aws:s3:::lake-model/recommender/user_embeddings.parquet', LAKE_KEY, searchApi(stack, true)],
    },
    'serving-recommender-api-role': {
      trust: 'lambda.amazonaws.com',
      policy: 'serving-recommender-api-policy',
      statements: [lambdaLogs(stack, 'serving-recommender-api'), ...read('Dep2', 'lake-model', 'recommender/'), ...read('Dep3', 'lake-analytics', 'popular_products/'), searchApi(stack, false), LAKE_KEY],
    },
    'serving-recommendations-transform-role': {
      trust: 'lambda.amazonaws.com',
      policy: 'serving-recommendations-transform-policy',
      statements: [lambdaLogs(stack, 'serving-recommendations-transform'), ...read('Dep3', 'lake-model', 'recommender/'), ...read('Dep4', 'lake-analytics', 'popular_products/'), searchApi(stack, false), LAKE_KEY],
    },
    'serving-recommendations-firehose-role': {
      trust: 'firehose.amazonaws.com',
      policy: 'serving-recommendations-firehose-policy',
      statements: [
        `ReadStream Allow kinesis:DescribeStream,kinesis:DescribeStreamSummary,kinesis:GetShardIterator,kinesis:GetRecords,kinesis:ListShards arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/headwater-${stack}-stream-user-events`,
        ...write('Output', 'lake-serving', 'recommendations/'),
        ...write('Errors', 'lake-serving', 'errors/recommendations/'),
        LAKE_KEY,
        `Transform Allow lambda:InvokeFunction,lambda:GetFunctionConfiguration arn:aws:lambda:${REGION}:${ACCOUNT}:function:headwater-${stack}-serving-recommendations-transform,arn:aws:lambda:${REGION}:${ACCOUNT}:function:headwater-${stack}-serving-recommendations-transform:*`,
        `Logs Allow logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/kinesisfirehose/headwater-${stack}-serving-recommendations:*`,
      ],
    },
  };
}

const of = (s: Synthesis, type: string) => s.resources.filter((r) => r.type === type);
const READERS = ['serving-recommendations-transform-role', 'serving-recommender-api-role'].map((r) => `arn:aws:iam::${ACCOUNT}:role/${r}`);
const LOADERS = ['index-item-embeddings-loader', 'index-user-embeddings-loader'].map((r) => `arn:aws:iam::${ACCOUNT}:role/${r}`);

for (const stack of ['dev', 'prod'] as const) {
  describe(`IAM, exactly: ${stack} stack`, () => {
    let s: Synthesis;
    const expected = expectedRoles(stack);
    before(async () => {
      s = await synth(stack);
    });

    it('creates exactly the expected roles, each assumable only by its service (loaders: by the account and the configured operators)', () => {
      const roles = of(s, 'aws:iam/role:Role');
      expect(roles.map((r) => r.name).sort()).to.deep.equal(Object.keys(expected).sort());
      for (const r of roles) {
        const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as { Statement: (Statement & { Principal: { Service?: string; AWS?: string[] } })[] };
        expect(trust.Statement, r.name).to.have.length(1);
        const [t] = trust.Statement;
        expect(t.Effect).to.equal('Allow');
        expect(t.Action).to.equal('sts:AssumeRole');
        expect(t.Condition).to.equal(undefined);
        const who = expected[r.name].trust;
        expect(t.Principal, r.name).to.deep.equal(typeof who === 'string' ? { Service: who } : who);
      }
      // No managed policies anywhere: every grant is one of the inline statements below.
      expect(of(s, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')).to.deep.equal([]);
      expect(of(s, 'aws:iam/policy:Policy')).to.deep.equal([]);
      expect(roles.every((r) => r.inputs.managedPolicyArns === undefined)).to.equal(true);
    });

    for (const [role, e] of Object.entries(expected)) {
      it(`grants ${role} exactly its statements`, () => {
        const policies = of(s, 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.role === `${role}-id`);
        expect(policies.map((p) => p.name)).to.deep.equal([e.policy]);
        const doc = JSON.parse(String(policies[0].inputs.policy)) as { Version: string; Statement: Statement[] };
        expect(doc.Version).to.equal('2012-10-17');
        expect(doc.Statement.map(line).sort()).to.deep.equal([...e.statements].sort());
      });
    }

    it('attaches no policy to a role it does not expect', () => {
      const roleIds = Object.keys(expected).map((r) => `${r}-id`);
      for (const p of of(s, 'aws:iam/rolePolicy:RolePolicy')) expect(roleIds, p.name).to.include(p.inputs.role);
      expect(of(s, 'aws:iam/rolePolicy:RolePolicy')).to.have.length(Object.keys(expected).length);
    });

    if (stack === 'prod') {
      it('lets exactly the loaders and the readers call the domain, and only its HTTP verbs', () => {
        const policies = of(s, 'aws:opensearch/domainPolicy:DomainPolicy');
        expect(policies).to.have.length(1);
        const doc = JSON.parse(String(policies[0].inputs.accessPolicies)) as { Statement: (Statement & { Principal: { AWS: string[] } })[] };
        // Principals in any order, each exactly once.
        const statements = doc.Statement.map((st) => ({ ...st, Principal: { AWS: [...st.Principal.AWS].sort() } }));
        expect(statements).to.deep.equal([
          {
            Sid: 'LoadersAndReaders',
            Effect: 'Allow',
            Principal: { AWS: [...LOADERS, ...READERS].sort() },
            Action: ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead', 'es:ESHttpPut', 'es:ESHttpDelete'],
            Resource: `arn:aws:es:${REGION}:${ACCOUNT}:domain/hw-prod-vectors/*`,
          },
        ]);
      });
    } else {
      it('gives each loader its own index family and the readers search only, in the Serverless access policy', () => {
        const policies = of(s, 'aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy');
        expect(policies).to.have.length(1);
        const rules = JSON.parse(String(policies[0].inputs.policy)) as { Rules: { ResourceType: string; Resource: string[]; Permission: string[] }[]; Principal: string[] }[];
        const loader = (alias: string, principal: string) => ({
          Principal: [principal],
          Rules: [
            { ResourceType: 'index', Resource: [`index/hw-dev-vectors/${alias}*`], Permission: ['aoss:CreateIndex', 'aoss:DeleteIndex', 'aoss:UpdateIndex', 'aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'] },
            { ResourceType: 'collection', Resource: ['collection/hw-dev-vectors'], Permission: ['aoss:DescribeCollectionItems', 'aoss:UpdateCollectionItems'] },
          ],
        });
        expect(rules.map(({ Principal, Rules }) => ({ Principal, Rules }))).to.deep.equal([
          loader('item_embeddings', LOADERS[0]),
          loader('user_embeddings', LOADERS[1]),
          {
            Principal: READERS,
            Rules: [{ ResourceType: 'index', Resource: ['index/hw-dev-vectors/item_embeddings*', 'index/hw-dev-vectors/user_embeddings*'], Permission: ['aoss:DescribeIndex', 'aoss:ReadDocument'] }],
          },
        ]);
      });
    }
  });
}
