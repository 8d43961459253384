/** Shared pieces of the launcher tests: a fake clock, a manifest, AWS-style errors. */
import type { GlueJobManifest, EmrSparkManifest, StackManifest, VectorIndexManifest } from '../../jobs/aws/manifest';
import type { Clock } from '../../jobs/aws/retry';

/** A clock whose sleeps return at once and move time forward; records every sleep. */
export function fakeClock(start = Date.UTC(2026, 0, 10)): Clock & { sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** An error shaped like the SDK's service exceptions. */
export const awsError = (name: string, message = name): Error => Object.assign(new Error(message), { name, $metadata: {} });

export const glueEntry: GlueJobManifest = {
  kind: 'glue-sql',
  key: 'analytics/sales_hourly',
  jobName: 'headwater-dev-analytics-sales-hourly',
  defaultArguments: {},
  timeoutMinutes: 30,
  location: { bucket: 'lake-analytics', prefix: 'sales_hourly/', partitionKeys: ['dt', 'hour'] },
};

export const emrEntry: EmrSparkManifest = {
  kind: 'emr-spark',
  key: 'model/recommender',
  applicationId: '00f1abc',
  executionRoleArn: 'arn:aws:iam::123456789012:role/model-recommender-role',
  entryPoint: 's3://lake-artifacts/code/model-recommender/train_recommender.py',
  entryPointArguments: ['--input', 'raw__customers=s3://lake-raw/customers/', '--output', 's3://lake-model/recommender/', '--factors', '32'],
  sparkSubmitParameters: '--conf spark.executor.cores=4',
  logUri: 's3://lake-artifacts/logs/emr/model-recommender/',
  timeoutMinutes: 120,
  location: { bucket: 'lake-model', prefix: 'recommender/', partitionKeys: [] },
};

/** The item index as the dev stack (Serverless) publishes it. */
export const itemIndexEntry: VectorIndexManifest = {
  kind: 'vector-index',
  key: 'index/item_embeddings',
  flavour: 'serverless',
  endpoint: 'https://abc123.eu-west-1.aoss.amazonaws.com',
  signingService: 'aoss',
  alias: 'item_embeddings',
  entity: 'item',
  dimension: 33,
  space: 'innerproduct',
  idField: 'product_code',
  m: 16,
  efConstruction: 128,
  efSearch: 100,
  loaderRoleArn: 'arn:aws:iam::123456789012:role/index-item-embeddings-loader',
  loaderFunctionName: 'headwater-dev-index-item-embeddings-loader',
  loaderFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:headwater-dev-index-item-embeddings-loader',
  embeddings: { bucket: 'lake-model', key: 'recommender/item_embeddings.parquet', idColumn: 'product_code' },
};

/** The user index as the prod stack (a domain) publishes it. */
export const userIndexEntry: VectorIndexManifest = {
  ...itemIndexEntry,
  key: 'index/user_embeddings',
  flavour: 'domain',
  endpoint: 'https://search-hw-prod-vectors.eu-west-1.es.amazonaws.com',
  signingService: 'es',
  alias: 'user_embeddings',
  entity: 'user',
  idField: 'customer_number',
  loaderRoleArn: 'arn:aws:iam::123456789012:role/index-user-embeddings-loader',
  loaderFunctionName: 'headwater-dev-index-user-embeddings-loader',
  loaderFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:headwater-dev-index-user-embeddings-loader',
  embeddings: { bucket: 'lake-model', key: 'recommender/user_embeddings.parquet', idColumn: 'customer_number' },
};

export const manifest: StackManifest = {
  version: 1,
  stack: 'dev',
  region: 'eu-west-1',
  accountId: '123456789012',
  lake: { buckets: { analytics: 'lake-analytics' }, kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k', glueDatabase: 'headwater_dev' },
  runLog: { tableName: 'headwater-dev-runlog' },
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
  metricsNamespace: 'Headwater',
  assets: { [glueEntry.key]: glueEntry, [emrEntry.key]: emrEntry, [itemIndexEntry.key]: itemIndexEntry, [userIndexEntry.key]: userIndexEntry },
};
