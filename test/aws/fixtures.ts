/** Shared pieces of the launcher tests: a fake clock, a manifest, AWS-style errors. */
import type { GlueJobManifest, EmrSparkManifest, StackManifest } from '../../jobs/aws/manifest';
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
  assets: { [glueEntry.key]: glueEntry, [emrEntry.key]: emrEntry },
};
