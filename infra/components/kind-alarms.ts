/**
 * The alarms each compute kind's resources need, declared once per kind: what to watch, on which
 * metric, when it is wrong. A component hands the program the dimension values of its resources
 * (`AssetOutputs.alarmDimensions`); the program creates every declared alarm of the kind
 * (`Alarms.forKind`) and lists them in the manifest, and the policy pack refuses a stack whose
 * streams, delivery streams, functions, jobs or state machines lack theirs.
 */
import type { KindName } from '../../assets/kinds';
import { FALLBACK_METRIC, METRICS_NAMESPACE } from '../../jobs/aws/manifest';

/** One alarm of a kind. Dimension values come from the component by name. */
export interface AlarmSpec {
  /** Suffix of the alarm name: `headwater-<stack>-<asset slug>-<id>`. */
  readonly id: string;
  /** What is wrong when it fires (the alarm description, after the asset key). */
  readonly means: string;
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension names; a component missing one of them fails the program. */
  readonly dimensions: readonly string[];
  /** Dimensions with fixed values (Glue's `JobRunId=ALL`, `Type=count`). */
  readonly fixedDimensions?: Readonly<Record<string, string>>;
  readonly statistic?: 'Sum' | 'Maximum' | 'Minimum' | 'Average';
  readonly extendedStatistic?: string;
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly treatMissingData: 'breaching' | 'notBreaching' | 'missing' | 'ignore';
  /**
   * A ratio alarm: the metric divided by this one (same dimensions unless given), in percent.
   * Used for the API's fallback rate: fallbacks answer 200, so the error alarm never sees them.
   */
  readonly per?: { readonly namespace: string; readonly metricName: string; readonly dimensions: readonly string[] };
}

/** Any failure counted in a 5-minute window alarms at once; no data (nothing ran) is not a failure. */
const ANY_IN_FIVE_MINUTES = { statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 0, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' } as const;

/** A Firehose success ratio below 1 in a 5-minute window (no data: nothing was delivered, not a failure). */
const firehoseFailures = (id: string, metricName: string, means: string): AlarmSpec => ({
  id,
  means,
  namespace: 'AWS/Firehose',
  metricName,
  dimensions: ['DeliveryStreamName'],
  statistic: 'Minimum',
  period: 300,
  evaluationPeriods: 1,
  threshold: 1,
  comparisonOperator: 'LessThanThreshold',
  treatMissingData: 'notBreaching',
});

/**
 * Every Lambda, whatever kind builds it: errors and throttles (a throttled Firehose transform or
 * API call is lost work). `nodeFunction` adds them to each function it creates.
 */
export const FUNCTION_ALARMS: readonly AlarmSpec[] = [
  { id: 'errors', means: 'the function raised errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: ['FunctionName'], ...ANY_IN_FIVE_MINUTES },
  { id: 'throttles', means: 'invocations were throttled (reserved concurrency reached)', namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions: ['FunctionName'], ...ANY_IN_FIVE_MINUTES },
];

const GLUE_ALARMS: readonly AlarmSpec[] = [
  {
    id: 'failed-tasks',
    means: 'Glue job tasks failed (job failures also reach the topic through EventBridge)',
    namespace: 'Glue',
    metricName: 'glue.driver.aggregate.numFailedTasks',
    dimensions: ['JobName'],
    fixedDimensions: { JobRunId: 'ALL', Type: 'count' },
    ...ANY_IN_FIVE_MINUTES,
  },
];

/** Declared alarms of each kind of the list (assets/kinds/index.ts); a kind without an entry does not compile. */
export const KIND_ALARMS: { readonly [K in KindName]: readonly AlarmSpec[] } = {
  // Owned upstream: the source team's database alarms are theirs.
  'rds-table': [],
  'kinesis-stream': [
    {
      id: 'iterator-age',
      means: 'consumers are more than an hour behind; records older than the retention period are lost unread',
      namespace: 'AWS/Kinesis',
      metricName: 'GetRecords.IteratorAgeMilliseconds',
      dimensions: ['StreamName'],
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 3,
      threshold: 3_600_000,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    { id: 'write-throttled', means: 'producers are throttled (writes exceed the stream capacity)', namespace: 'AWS/Kinesis', metricName: 'WriteProvisionedThroughputExceeded', dimensions: ['StreamName'], ...ANY_IN_FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2 },
  ],
  'glue-extract': GLUE_ALARMS,
  'glue-sql': GLUE_ALARMS,
  // An index has no resource of its own: the search backend's alarms (Alarms.searchDomain) watch the domain.
  'vector-index': [],
  'emr-spark': [{ id: 'failed-jobs', means: 'EMR Serverless job runs failed', namespace: 'AWS/EMRServerless', metricName: 'FailedJobs', dimensions: ['ApplicationId'], ...ANY_IN_FIVE_MINUTES }],
  'lambda-api': [
    {
      id: 'p99',
      means: 'p99 latency above 1 s (SLO)',
      namespace: 'AWS/Lambda',
      metricName: 'Duration',
      dimensions: ['FunctionName'],
      extendedStatistic: 'p99',
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1000,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    {
      id: 'fallback-rate',
      means: 'more than 20% of answers fell back to popular products for 15 minutes (index or model unavailable)',
      namespace: METRICS_NAMESPACE,
      metricName: FALLBACK_METRIC,
      dimensions: ['FunctionName'],
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 3,
      threshold: 20,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      per: { namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions: ['FunctionName'] },
    },
  ],
  'stream-delivery': [
    {
      id: 'delivery-freshness',
      means: 'the oldest record in Firehose is more than 15 minutes old (delivery to S3 is stuck)',
      namespace: 'AWS/Firehose',
      metricName: 'DeliveryToS3.DataFreshness',
      dimensions: ['DeliveryStreamName'],
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 3,
      threshold: 900,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    },
    firehoseFailures('delivery-failed', 'DeliveryToS3.Success', 'Firehose failed to put records to S3 (they are retried, then land under the error prefix)'),
    firehoseFailures('processing', 'ExecuteProcessing.Success', 'the Firehose transform failed records (they land under the error prefix)'),
  ],
};

/**
 * Metrics the policy pack requires an alarm on, per resource type: generic over AWS types, so any
 * component (the orchestration's state machines included) is held to them.
 */
export const REQUIRED_ALARM_METRICS: Readonly<Record<string, readonly string[]>> = {
  'aws:kinesis/stream:Stream': ['GetRecords.IteratorAgeMilliseconds', 'WriteProvisionedThroughputExceeded'],
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream': ['DeliveryToS3.DataFreshness', 'DeliveryToS3.Success'],
  'aws:lambda/function:Function': ['Errors', 'Throttles'],
  'aws:glue/job:Job': ['glue.driver.aggregate.numFailedTasks'],
  'aws:emrserverless/application:Application': ['FailedJobs'],
  'aws:opensearch/domain:Domain': ['ClusterStatus.red', 'FreeStorageSpace', 'ClusterIndexWritesBlocked'],
  'aws:sns/topic:Topic': ['NumberOfNotificationsFailed'],
  'aws:sfn/stateMachine:StateMachine': ['ExecutionsFailed'],
};
