/**
 * Exact IAM, as data: every role the program creates, its trust, and every statement of its
 * policy (Sid, effect, actions, resources, condition), for the dev and the prod stack, plus the
 * resource policy that names principals (the OpenSearch domain policy) and the operator's
 * managed policy. A new action, a wider resource or a looser condition anywhere fails here, and the
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
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-key`;
const VIA_S3 = `{"StringEquals":{"kms:ViaService":["s3.${REGION}.amazonaws.com"]}}`;
/** The lake key, only through S3: decrypt to read; data keys too to write. */
const LAKE_KEY_READ = `LakeKey Allow kms:Decrypt ${KEY} ${VIA_S3}`;
const LAKE_KEY_WRITE = `LakeKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} ${VIA_S3}`;

/** Every Glue job role: its output, its code, the shared runners, its temp prefix, the key, logs, metrics, its catalog table. */
const glueJob = (stack: Stack, slug: string, output: [bucket: string, prefix: string], table: string) => [
  ...write('Output', ...output),
  ...read('Code', 'lake-artifacts', `code/${slug}/`),
  ...read('Runners', 'lake-artifacts', 'code/glue/'),
  ...write('Temp', 'lake-artifacts', `tmp/${slug}/`),
  LAKE_KEY_WRITE,
  // Glue encrypts job bookmarks with the security configuration's key directly, not through S3.
  `BookmarksKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY}`,
  `LogsKey Allow kms:Decrypt,kms:GenerateDataKey arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-logs-key {"StringEquals":{"kms:ViaService":["logs.${REGION}.amazonaws.com"]}}`,
  `Logs Allow logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents,logs:AssociateKmsKey arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/*,arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/jobs/headwater-${stack}-${slug}:*`,
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
/** The search API grant on the stack's domain: readers search every index, a loader writes its alias's paths only. */
const domainArn = (stack: Stack) => `arn:aws:es:${REGION}:${ACCOUNT}:domain/hw-${stack}-vectors`;
const loaderPaths = (stack: Stack, alias: string) => [`${alias}_v*`, alias, `${alias}/*`, `_alias/${alias}`, '_aliases', '_bulk'].map((p) => `${domainArn(stack)}/${p}`);
const searchApi = (stack: Stack, alias?: string) =>
  alias
    ? `SearchApi Allow es:ESHttpGet,es:ESHttpPost,es:ESHttpHead,es:ESHttpPut,es:ESHttpDelete ${loaderPaths(stack, alias).join(',')}`
    : `SearchApi Allow es:ESHttpGet,es:ESHttpPost,es:ESHttpHead ${domainArn(stack)}/*`;
/** What a consumer of the deletion register (an extract of a table with subject columns, a delivery transform) reads: the table, the salt, through the lake key. */
const deletionRegister = (stack: Stack) => [
  `DeletionRegister Allow dynamodb:Query arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/headwater-${stack}-deletion-register`,
  `DeletionRegisterSalt Allow ssm:GetParameter arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/headwater/${stack}/erasure/salt`,
  `DeletionRegisterKey Allow kms:Decrypt ${KEY} {"StringEquals":{"kms:ViaService":["dynamodb.${REGION}.amazonaws.com","ssm.${REGION}.amazonaws.com"]}}`,
];

/** Lambdas in the VPC: their network interfaces (no resource-level permissions exist for these). */
const LAMBDA_VPC = 'LambdaVpcNetworkInterfaces Allow ec2:CreateNetworkInterface,ec2:DescribeNetworkInterfaces,ec2:DescribeSubnets,ec2:DeleteNetworkInterface,ec2:AssignPrivateIpAddresses,ec2:UnassignPrivateIpAddresses *';
const lambdaLogs = (stack: Stack, fn: string) => `Logs Allow logs:CreateLogStream,logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/headwater-${stack}-${fn}:*`;

/** Each role: its trust statement, and its one inline policy (none for the operator role). */
interface RoleExpectation {
  readonly trust: Record<string, unknown>;
  readonly policy?: string;
  readonly statements?: readonly string[];
}
/** A service pinned to this account (the confused-deputy guard), as AWS documents per service. */
const serviceTrust = (service: string, condition: Record<string, unknown> = { StringEquals: { 'aws:SourceAccount': ACCOUNT } }) => ({
  Effect: 'Allow',
  Principal: { Service: service },
  Action: 'sts:AssumeRole',
  Condition: condition,
});

function expectedRoles(stack: Stack): Record<string, RoleExpectation> {
  const glue = (statements: string[]) => ({ trust: serviceTrust('glue.amazonaws.com'), statements });
  return {
    'raw-customers-role': { ...glue([...glueJob(stack, 'raw-customers', ['lake-raw', 'customers/'], 'raw_customers'), ...sourceAccess(stack), ...deletionRegister(stack)]), policy: 'raw-customers-policy' },
    'raw-products-role': { ...glue([...glueJob(stack, 'raw-products', ['lake-raw', 'products/'], 'raw_products'), ...sourceAccess(stack)]), policy: 'raw-products-policy' },
    'raw-ratings-role': { ...glue([...glueJob(stack, 'raw-ratings', ['lake-raw', 'ratings/'], 'raw_ratings'), ...sourceAccess(stack), ...deletionRegister(stack)]), policy: 'raw-ratings-policy' },
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
      trust: serviceTrust('emr-serverless.amazonaws.com', { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:emr-serverless:*:${ACCOUNT}:/applications/*` } }),
      policy: 'model-recommender-policy',
      statements: [
        ...write('Output', 'lake-model', 'recommender/'),
        ...read('Code', 'lake-artifacts', 'code/model-recommender/'),
        ...write('Logs', 'lake-artifacts', 'logs/emr/model-recommender/'),
        LAKE_KEY_WRITE,
        ...read('Dep0', 'lake-training', 'ratings_ml_training/'),
        ...read('Dep1', 'lake-raw', 'customers/'),
        ...read('Dep2', 'lake-raw', 'products/'),
      ],
    },
    // The index-load Lambdas: exactly their embeddings object, the lake key through S3, their own alias.
    'index-item-embeddings-loader-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'index-item-embeddings-loader-policy',
      statements: [
        lambdaLogs(stack, 'index-item-embeddings-loader'),
        'EmbeddingsRead Allow s3:GetObject arn:aws:s3:::lake-model/recommender/item_embeddings.parquet',
        LAKE_KEY_READ,
        searchApi(stack, 'item_embeddings'),
        LAMBDA_VPC,
      ],
    },
    'index-user-embeddings-loader-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'index-user-embeddings-loader-policy',
      statements: [
        lambdaLogs(stack, 'index-user-embeddings-loader'),
        'EmbeddingsRead Allow s3:GetObject arn:aws:s3:::lake-model/recommender/user_embeddings.parquet',
        LAKE_KEY_READ,
        searchApi(stack, 'user_embeddings'),
        LAMBDA_VPC,
      ],
    },
    'serving-recommender-api-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'serving-recommender-api-policy',
      statements: [lambdaLogs(stack, 'serving-recommender-api'), ...read('Dep2', 'lake-model', 'recommender/'), ...read('Dep3', 'lake-analytics', 'popular_products/'), searchApi(stack), LAKE_KEY_READ, LAMBDA_VPC],
    },
    'serving-recommendations-transform-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'serving-recommendations-transform-policy',
      statements: [lambdaLogs(stack, 'serving-recommendations-transform'), ...read('Dep3', 'lake-model', 'recommender/'), ...read('Dep4', 'lake-analytics', 'popular_products/'), searchApi(stack), LAKE_KEY_READ, LAMBDA_VPC, ...deletionRegister(stack)],
    },
    // Each object Firehose delivers, recorded as a materialization: its folder read (no listing), the run log, the freshness metric.
    'serving-recommendations-deliveries-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'serving-recommendations-deliveries-policy',
      statements: [
        lambdaLogs(stack, 'serving-recommendations-deliveries'),
        'Deliveries Allow s3:GetObject arn:aws:s3:::lake-serving/recommendations/*',
        `LakeKeyViaS3 Allow kms:Decrypt ${KEY} {"StringEquals":{"kms:ViaService":["s3.${REGION}.amazonaws.com"]}}`,
        `RunLog Allow dynamodb:GetItem,dynamodb:PutItem,dynamodb:Query arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/headwater-${stack}-runlog`,
        `LakeKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} {"StringEquals":{"kms:ViaService":["dynamodb.${REGION}.amazonaws.com"]}}`,
        'PublishMetrics Allow cloudwatch:PutMetricData * {"StringEquals":{"cloudwatch:namespace":"Headwater"}}',
      ],
    },
    'serving-recommendations-firehose-role': {
      // Firehose passes the account as the external id.
      trust: serviceTrust('firehose.amazonaws.com', { StringEquals: { 'sts:ExternalId': ACCOUNT } }),
      policy: 'serving-recommendations-firehose-policy',
      statements: [
        `ReadStream Allow kinesis:DescribeStream,kinesis:DescribeStreamSummary,kinesis:GetShardIterator,kinesis:GetRecords,kinesis:ListShards arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/headwater-${stack}-stream-user-events`,
        'OutputPut Allow s3:PutObject,s3:AbortMultipartUpload arn:aws:s3:::lake-serving/recommendations/*',
        'OutputBucket Allow s3:GetBucketLocation,s3:ListBucketMultipartUploads arn:aws:s3:::lake-serving',
        'ErrorsAndBackupPut Allow s3:PutObject,s3:AbortMultipartUpload arn:aws:s3:::lake-serving/errors/recommendations/*,arn:aws:s3:::lake-serving/backup/recommendations/*',
        `LakeKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} {"StringEquals":{"kms:ViaService":["s3.${REGION}.amazonaws.com","kinesis.${REGION}.amazonaws.com"]}}`,
        `Transform Allow lambda:InvokeFunction,lambda:GetFunctionConfiguration arn:aws:lambda:${REGION}:${ACCOUNT}:function:headwater-${stack}-serving-recommendations-transform,arn:aws:lambda:${REGION}:${ACCOUNT}:function:headwater-${stack}-serving-recommendations-transform:*`,
        `Logs Allow logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/kinesisfirehose/headwater-${stack}-serving-recommendations:*`,
      ],
    },
    ...orchestrationRoles(stack), ...erasureRoles(stack),
    // The operator's role: MFA from the account in dev; the configured operator roles in prod. Its
    // grants are the managed operator policy below.
    'operator-role': {
      trust:
        stack === 'dev'
          ? { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }
          : { Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/headwater-operator`] }, Action: 'sts:AssumeRole' },
    },
  };
}

/**
 * The orchestration's roles: per schedule a state machine role (the documented `.sync` grants on
 * this stack's jobs, the recorder, the alarm topic, itself; log delivery on `*`, allow-listed) and
 * a scheduler role that may only start its machine; the recorder Lambda writes the run log, publishes
 * the freshness metric and reads the one object the trainer reports its metrics in.
 */
function orchestrationRoles(stack: Stack): Record<string, RoleExpectation> {
  const at = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const logDelivery = 'LogDelivery Allow logs:CreateLogDelivery,logs:GetLogDelivery,logs:UpdateLogDelivery,logs:DeleteLogDelivery,logs:ListLogDeliveries,logs:PutResourcePolicy,logs:DescribeResourcePolicies,logs:DescribeLogGroups *';
  const machine = (group: string, jobs: string[], emr: string[], indexLoads: string[] = []) => ({
    trust: serviceTrust('states.amazonaws.com', { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:states:*:${ACCOUNT}:stateMachine:*` } }),
    policy: `orchestration-${group}-policy`,
    statements: [
      `Recorder Allow lambda:InvokeFunction ${at('lambda', `function:headwater-${stack}-orchestration-recorder`)}`,
      `AlarmTopic Allow sns:Publish ${at('sns', 'alarms-topic')}`,
      `AlarmTopicKey Allow kms:Decrypt,kms:GenerateDataKey ${at('kms', 'key/lake-logs-key')} {"StringEquals":{"kms:ViaService":["sns.${REGION}.amazonaws.com"]}}`,
      `ContinueAsNew Allow states:StartExecution ${at('states', `stateMachine:headwater-${stack}-${group}`)}`,
      logDelivery,
      ...indexLoads,
      `GlueJobRunsSync Allow glue:StartJobRun,glue:GetJobRun,glue:GetJobRuns,glue:BatchStopJobRun ${jobs.map((j) => at('glue', `job/headwater-${stack}-${j}`)).join(',')}`,
      ...emr,
    ],
  });
  const scheduler = (group: string) => ({
    trust: serviceTrust('scheduler.amazonaws.com'),
    policy: `orchestration-${group}-scheduler-policy`,
    // The mocks give a state machine the ARN `arn:aws:sfn:<region>:<account>:<name>`.
    statements: [`StartExecution Allow states:StartExecution ${at('sfn', `headwater-${stack}-${group}`)}`],
  });
  const app = at('emr-serverless', '/applications/model-recommender-app-app-id');
  return {
    'orchestration-c-30-0-x-x-x-utc-role': machine('c-30-0-x-x-x-utc', ['raw-customers', 'raw-products', 'raw-ratings', 'training-ratings-ml-training'], [
      `EmrStartJobRun Allow emr-serverless:StartJobRun ${app}`,
      `EmrJobRunsSync Allow emr-serverless:GetJobRun,emr-serverless:CancelJobRun ${app}/jobruns/*`,
      `EmrSyncEvents Allow events:PutTargets,events:PutRule,events:DescribeRule ${at('events', 'rule/StepFunctionsGetEventsForEMRServerlessJobRule')}`,
      `EmrPassExecutionRole Allow iam:PassRole arn:aws:iam::${ACCOUNT}:role/model-recommender-role {"StringEquals":{"iam:PassedToService":"emr-serverless.amazonaws.com"}}`,
    ], [`IndexLoads Allow lambda:InvokeFunction ${['item', 'user'].map((e) => at('lambda', `function:headwater-${stack}-index-${e}-embeddings-loader`)).join(',')}`]),
    'orchestration-c-5-x-x-x-x-utc-role': machine('c-5-x-x-x-x-utc', ['analytics-sales-hourly', 'analytics-popular-products'], []),
    'orchestration-c-30-0-x-x-x-utc-scheduler-role': scheduler('c-30-0-x-x-x-utc'),
    'orchestration-c-5-x-x-x-x-utc-scheduler-role': scheduler('c-5-x-x-x-x-utc'),
    'orchestration-recorder-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'orchestration-recorder-policy',
      statements: [
        lambdaLogs(stack, 'orchestration-recorder'),
        `RunLog Allow dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:Query ${at('dynamodb', `table/headwater-${stack}-runlog`)}`,
        `LakeKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} {"StringEquals":{"kms:ViaService":["dynamodb.${REGION}.amazonaws.com"]}}`,
        // The freshness metric after each step, and the one object a job reports its metrics in (the trainer's model.json).
        'PublishMetrics Allow cloudwatch:PutMetricData * {"StringEquals":{"cloudwatch:namespace":"Headwater"}}',
        'JobMetrics Allow s3:GetObject arn:aws:s3:::lake-model/recommender/model.json',
        `LakeKeyViaS3 Allow kms:Decrypt ${KEY} {"StringEquals":{"kms:ViaService":["s3.${REGION}.amazonaws.com"]}}`,
      ],
    },
  };
}

/**
 * The erasure's roles: the erase job reads and puts objects under exactly the Parquet holders'
 * prefixes (never deletes one) and its work folder; the worker rewrites the JSON-lines holders,
 * deletes earlier versions under every holder, keeps the register, the run log and the summaries,
 * writes the index; the state machine calls the two and the alarm topic.
 */
function erasureRoles(stack: Stack): Record<string, RoleExpectation> {
  const at = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const lake = ['lake-raw/customers/', 'lake-raw/ratings/', 'lake-training/ratings_ml_training/', 'lake-model/recommender/user_embeddings.parquet'];
  const lakeBuckets = 'arn:aws:s3:::lake-raw,arn:aws:s3:::lake-training,arn:aws:s3:::lake-model';
  const lakePrefixes = '{"StringLike":{"s3:prefix":["customers/*","ratings/*","ratings_ml_training/*","recommender/user_embeddings.parquet*"]}}';
  const records = ['recommendations/', 'errors/recommendations/', 'backup/recommendations/'];
  const objects = (prefixes: string[]) => prefixes.map((p) => `arn:aws:s3:::${p}*`).join(',');
  const work = '{"StringLike":{"s3:prefix":["tmp/erasure/*"]}}';
  return {
    'erasure-job-role': {
      trust: serviceTrust('glue.amazonaws.com'),
      policy: 'erasure-job-policy',
      statements: [
        `HoldersObjects Allow s3:GetObject,s3:PutObject ${objects(lake)}`,
        `HoldersList Allow s3:ListBucket ${lakeBuckets} ${lakePrefixes}`,
        `WorkObjects Allow ${S3_WRITE} arn:aws:s3:::lake-artifacts/tmp/erasure/*`,
        `WorkList Allow s3:ListBucket arn:aws:s3:::lake-artifacts ${work}`,
        'Code Allow s3:GetObject arn:aws:s3:::lake-artifacts/code/glue/erase_rows.py,arn:aws:s3:::lake-artifacts/code/glue/lake_storage.py',
        LAKE_KEY_WRITE,
        `BookmarksKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY}`,
        `LogsKey Allow kms:Decrypt,kms:GenerateDataKey arn:aws:kms:${REGION}:${ACCOUNT}:key/lake-logs-key {"StringEquals":{"kms:ViaService":["logs.${REGION}.amazonaws.com"]}}`,
        `Logs Allow logs:CreateLogGroup,logs:CreateLogStream,logs:PutLogEvents,logs:AssociateKmsKey ${at('logs', 'log-group:/aws-glue/*')},${at('logs', `log-group:/aws-glue/jobs/headwater-${stack}-erasure:*`)}`,
        'PublishMetrics Allow cloudwatch:PutMetricData * {"StringEquals":{"cloudwatch:namespace":"Glue"}}',
      ],
    },
    'erasure-worker-role': {
      trust: serviceTrust('lambda.amazonaws.com'),
      policy: 'erasure-worker-policy',
      statements: [
        lambdaLogs(stack, 'erasure-worker'),
        `RunLog Allow dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:Query ${at('dynamodb', `table/headwater-${stack}-runlog`)}`,
        `Register Allow dynamodb:UpdateItem ${at('dynamodb', `table/headwater-${stack}-deletion-register`)}`,
        `Salt Allow ssm:GetParameter ${at('ssm', `parameter/headwater/${stack}/erasure/salt`)}`,
        `LakeKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} {"StringEquals":{"kms:ViaService":["s3.${REGION}.amazonaws.com","dynamodb.${REGION}.amazonaws.com","ssm.${REGION}.amazonaws.com"]}}`,
        'WorkObjects Allow s3:GetObject,s3:PutObject,s3:DeleteObjectVersion arn:aws:s3:::lake-artifacts/tmp/erasure/*',
        `WorkList Allow s3:ListBucket,s3:ListBucketVersions arn:aws:s3:::lake-artifacts ${work}`,
        'Summaries Allow s3:GetObject,s3:PutObject arn:aws:s3:::lake-artifacts/erasure/summaries/*',
        `RecordsObjects Allow s3:GetObject,s3:PutObject,s3:DeleteObject,s3:DeleteObjectVersion ${objects(records.map((p) => `lake-serving/${p}`))}`,
        `RecordsList Allow s3:ListBucket,s3:ListBucketVersions arn:aws:s3:::lake-serving {"StringLike":{"s3:prefix":[${records.map((p) => `"${p}*"`).join(',')}]}}`,
        `VersionsObjects Allow s3:DeleteObjectVersion ${objects(lake)}`,
        `VersionsList Allow s3:ListBucket,s3:ListBucketVersions ${lakeBuckets} ${lakePrefixes}`,
        searchApi(stack, 'user_embeddings'),
        LAMBDA_VPC,
      ],
    },
    'erasure-sfn-role': {
      trust: serviceTrust('states.amazonaws.com', { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:states:*:${ACCOUNT}:stateMachine:*` } }),
      policy: 'erasure-sfn-policy',
      statements: [
        `Worker Allow lambda:InvokeFunction ${at('lambda', `function:headwater-${stack}-erasure-worker`)}`,
        `EraseJobRunsSync Allow glue:StartJobRun,glue:GetJobRun,glue:GetJobRuns,glue:BatchStopJobRun ${at('glue', `job/headwater-${stack}-erasure`)}`,
        `AlarmTopic Allow sns:Publish ${at('sns', 'alarms-topic')}`,
        `AlarmTopicKey Allow kms:Decrypt,kms:GenerateDataKey ${at('kms', 'key/lake-logs-key')} {"StringEquals":{"kms:ViaService":["sns.${REGION}.amazonaws.com"]}}`,
        'LogDelivery Allow logs:CreateLogDelivery,logs:GetLogDelivery,logs:UpdateLogDelivery,logs:DeleteLogDelivery,logs:ListLogDeliveries,logs:PutResourcePolicy,logs:DescribeResourcePolicies,logs:DescribeLogGroups *',
      ],
    },
  };
}

/** What the operator (the `assets` CLI with --env) may do: read the manifest, run the jobs, load the indexes. */
const operatorPolicy = (stack: Stack) => [
  `Manifest Allow ssm:GetParameter arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/headwater/${stack}/manifest`,
  `ManifestObject Allow s3:GetObject arn:aws:s3:::lake-artifacts/manifest/${stack}.json`,
  `RunLog Allow dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:DeleteItem,dynamodb:Query arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/headwater-${stack}-runlog`,
  'PublishMetrics Allow cloudwatch:PutMetricData * {"StringEquals":{"cloudwatch:namespace":"Headwater"}}',
  `Alarms Allow cloudwatch:DescribeAlarms arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:headwater-${stack}-*`,
  `AlarmSubscriptions Allow sns:ListSubscriptionsByTopic arn:aws:sns:${REGION}:${ACCOUNT}:alarms-topic`,
  LAKE_KEY_READ,
  // The mocks' job ARNs (a real one reads ...:job/<name>).
  `GlueRuns Allow glue:StartJobRun,glue:GetJobRun,glue:GetJobRuns,glue:BatchStopJobRun ${['raw-customers', 'raw-products', 'analytics-sales-hourly', 'raw-ratings', 'analytics-popular-products', 'training-ratings-ml-training'].map((j) => `arn:aws:glue:${REGION}:${ACCOUNT}:headwater-${stack}-${j}`).join(',')}`,
  `EmrRuns Allow emr-serverless:StartJobRun,emr-serverless:GetJobRun,emr-serverless:CancelJobRun,emr-serverless:GetApplication arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/model-recommender-app-app-id,arn:aws:emr-serverless:${REGION}:${ACCOUNT}:/applications/model-recommender-app-app-id/jobruns/*`,
  `EmrPassRole Allow iam:PassRole arn:aws:iam::${ACCOUNT}:role/model-recommender-role {"StringEquals":{"iam:PassedToService":"emr-serverless.amazonaws.com"}}`,
  // Statements with the same actions are merged (a managed policy holds 6 KB): the erasure summaries join the model's read.
  'ModelRead Allow s3:GetObject arn:aws:s3:::lake-model/recommender/*,arn:aws:s3:::lake-artifacts/erasure/summaries/*',
  `InvokeIndexLoad Allow lambda:InvokeFunction ${['item', 'user'].map((e) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:headwater-${stack}-index-${e}-embeddings-loader`).join(',')}`,
  // Erasure: start and watch it (the mocks give a state machine the ARN `arn:aws:sfn:<region>:<account>:<name>`), write the request, read the summary.
  `ErasureStart Allow states:StartExecution arn:aws:sfn:${REGION}:${ACCOUNT}:headwater-${stack}-erasure`,
  `ErasureWatch Allow states:DescribeExecution arn:aws:states:${REGION}:${ACCOUNT}:execution:headwater-${stack}-erasure:*`,
  'ErasureRequest Allow s3:PutObject arn:aws:s3:::lake-artifacts/tmp/erasure/*',
  `ErasureRequestKey Allow kms:Decrypt,kms:GenerateDataKey ${KEY} ${VIA_S3}`,
  `ErasureRegisterStatus Allow dynamodb:Scan arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/headwater-${stack}-deletion-register {"ForAllValues:StringEquals":{"dynamodb:Attributes":["subject","erasedAt","checkedAt","pendingSources"]},"StringEqualsIfExists":{"dynamodb:Select":"SPECIFIC_ATTRIBUTES"}}`,
];

const of = (s: Synthesis, type: string) => s.resources.filter((r) => r.type === type);
const READERS = ['serving-recommendations-transform-role', 'serving-recommender-api-role'].map((r) => `arn:aws:iam::${ACCOUNT}:role/${r}`);

for (const stack of ['dev', 'prod'] as const) {
  describe(`IAM, exactly: ${stack} stack`, () => {
    let s: Synthesis;
    const expected = expectedRoles(stack);
    before(async () => {
      s = await synth(stack);
    });

    it('creates exactly the expected roles, each assumable only by its service', () => {
      const roles = of(s, 'aws:iam/role:Role');
      expect(roles.map((r) => r.name).sort()).to.deep.equal(Object.keys(expected).sort());
      for (const r of roles) {
        const trust = JSON.parse(String(r.inputs.assumeRolePolicy)) as { Statement: Statement[] };
        expect(trust.Statement, r.name).to.deep.equal([expected[r.name].trust]);
      }
      // One managed policy, the operator's, on the operator role; every other grant is inline.
      expect(of(s, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').map((a) => a.inputs.role)).to.deep.equal([`headwater-${stack}-operator`]);
      expect(roles.every((r) => r.inputs.managedPolicyArns === undefined)).to.equal(true);
      const managed = of(s, 'aws:iam/policy:Policy');
      expect(managed.map((p) => p.name)).to.deep.equal(['operator-policy']);
      expect((JSON.parse(String(managed[0].inputs.policy)) as { Statement: Statement[] }).Statement.map(line).sort()).to.deep.equal(operatorPolicy(stack).sort());
    });

    for (const [role, e] of Object.entries(expected)) {
      it(`grants ${role} exactly its statements`, () => {
        const policies = of(s, 'aws:iam/rolePolicy:RolePolicy').filter((p) => p.inputs.role === `${role}-id`);
        expect(policies.map((p) => p.name)).to.deep.equal(e.policy ? [e.policy] : []);
        if (!e.policy) return;
        const doc = JSON.parse(String(policies[0].inputs.policy)) as { Version: string; Statement: Statement[] };
        expect(doc.Version).to.equal('2012-10-17');
        expect(doc.Statement.map(line).sort()).to.deep.equal([...(e.statements ?? [])].sort());
      });
    }

    it('attaches no policy to a role it does not expect', () => {
      const roleIds = Object.keys(expected).map((r) => `${r}-id`);
      for (const p of of(s, 'aws:iam/rolePolicy:RolePolicy')) expect(roleIds, p.name).to.include(p.inputs.role);
      expect(of(s, 'aws:iam/rolePolicy:RolePolicy')).to.have.length(Object.values(expected).filter((e) => e.policy).length);
    });

    it('lets each loader write its own alias on the domain and the readers search it, and nobody else', () => {
      expect(of(s, 'aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy')).to.deep.equal([]);
      const policies = of(s, 'aws:opensearch/domainPolicy:DomainPolicy');
      expect(policies).to.have.length(1);
      const doc = JSON.parse(String(policies[0].inputs.accessPolicies)) as { Statement: (Statement & { Principal: { AWS: string[] } })[] };
      // Principals in any order, each exactly once.
      const statements = doc.Statement.map((st) => ({ ...st, Principal: { AWS: Array.isArray(st.Principal.AWS) ? [...st.Principal.AWS].sort() : st.Principal.AWS } }));
      const write = ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead', 'es:ESHttpPut', 'es:ESHttpDelete'];
      const loader = (entity: string) => `arn:aws:iam::${ACCOUNT}:role/index-${entity}-embeddings-loader-role`;
      expect(statements).to.deep.equal([
        { Sid: 'LoadItemEmbeddings', Effect: 'Allow', Principal: { AWS: loader('item') }, Action: write, Resource: loaderPaths(stack, 'item_embeddings') },
        { Sid: 'LoadUserEmbeddings', Effect: 'Allow', Principal: { AWS: loader('user') }, Action: write, Resource: loaderPaths(stack, 'user_embeddings') },
        // The erasure worker deletes a person's documents from the one index that holds people.
        { Sid: 'LoadUserEmbeddings2', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/erasure-worker-role` }, Action: write, Resource: loaderPaths(stack, 'user_embeddings') },
        { Sid: 'Readers', Effect: 'Allow', Principal: { AWS: READERS }, Action: ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpHead'], Resource: `${domainArn(stack)}/*` },
      ]);
    });
  });
}
