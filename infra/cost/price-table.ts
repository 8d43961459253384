/**
 * List prices the cost estimate uses, per region, in USD, dated and with their source. Two kinds
 * of entries: `checked: 'search'` figures were read from the named public page when this table
 * was written; `checked: 'recalled'` figures are the AWS pricing page's list price as the author
 * knew it on `asOf`, not re-read: confirm them before relying on a total (the estimate prints which
 * it used). Prices change; update `asOf` with the figures.
 *
 * A month is 730 hours (AWS's own convention in its calculator).
 */

export const HOURS_PER_MONTH = 730;

export interface Price {
  readonly usd: number;
  /** What one `usd` buys: `hour`, `GB-month`, `GB`, `month`, `million requests`, `GB-second`, `DPU-hour`, ... */
  readonly unit: string;
  readonly source: string;
  readonly checked: 'search' | 'recalled';
}

/** What the estimate prices, by item; a region missing an item fails the estimate naming it. */
export type PriceItem =
  | 'natGatewayHour'
  | 'natGatewayGb'
  | 'publicIpv4Hour'
  | 'interfaceEndpointAzHour'
  | 'interfaceEndpointGb'
  | 'kinesisShardHour'
  | 'kinesisOnDemandStreamHour'
  | 'kinesisOnDemandGbIn'
  | 'kinesisPutUnitsMillion'
  | 'opensearchGp3GbMonth'
  | 'opensearchOcuHour'
  | 'lambdaProvisionedGbSecondArm'
  | 'lambdaProvisionedGbSecondX86'
  | 'lambdaRequestsMillion'
  | 'lambdaGbSecondArm'
  | 'kmsKeyMonth'
  | 'alarmMetricMonth'
  | 'ssmAdvancedParameterMonth'
  | 'glueDpuHour'
  | 'emrVcpuHour'
  | 'emrGbHour'
  | 'firehoseGbIngested'
  | 's3StandardGbMonth'
  | 's3GlacierIrGbMonth'
  | 'logsIngestedGb'
  | 'dynamoWriteMillion'
  | 'dynamoReadMillion';

export interface RegionPrices {
  readonly asOf: string;
  readonly items: Readonly<Record<PriceItem, Price>>;
  /** OpenSearch instance-hour prices by instance type. */
  readonly opensearchInstanceHour: Readonly<Record<string, Price>>;
}

const PAGE = {
  vpc: 'https://aws.amazon.com/vpc/pricing/',
  privatelink: 'https://aws.amazon.com/privatelink/pricing/',
  kinesis: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
  opensearch: 'https://aws.amazon.com/opensearch-service/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  ssm: 'https://aws.amazon.com/systems-manager/pricing/',
  glue: 'https://aws.amazon.com/glue/pricing/',
  emr: 'https://aws.amazon.com/emr/pricing/',
  firehose: 'https://aws.amazon.com/firehose/pricing/',
  s3: 'https://aws.amazon.com/s3/pricing/',
  dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
} as const;

const p = (usd: number, unit: string, source: string, checked: Price['checked'] = 'recalled'): Price => ({ usd, unit, source, checked });

/** Items priced the same in every region this table covers (AWS lists them as global). */
const GLOBAL = {
  publicIpv4Hour: p(0.005, 'hour', `${PAGE.vpc} (public IPv4 address; also quoted at cloudburn.io/blog/aws-nat-gateway-pricing)`, 'search'),
  interfaceEndpointGb: p(0.01, 'GB', `${PAGE.privatelink} (first PB per region)`, 'search'),
  kmsKeyMonth: p(1, 'month', PAGE.kms),
  alarmMetricMonth: p(0.1, 'month', `${PAGE.cloudwatch} (standard-resolution alarm, per metric)`),
  ssmAdvancedParameterMonth: p(0.05, 'month', PAGE.ssm),
  lambdaRequestsMillion: p(0.2, 'million requests', PAGE.lambda),
  glueDpuHour: p(0.44, 'DPU-hour', PAGE.glue),
} as const;

export const PRICE_TABLE: Readonly<Record<string, RegionPrices>> = {
  'eu-west-1': {
    asOf: '2026-11-30',
    items: {
      ...GLOBAL,
      natGatewayHour: p(0.048, 'hour', `${PAGE.vpc} (Europe ~$0.048: cloudpipelines.pages.dev/guides/aws-nat-gateway-pricing-2026)`, 'search'),
      natGatewayGb: p(0.048, 'GB', PAGE.vpc, 'search'),
      interfaceEndpointAzHour: p(0.011, 'hour', PAGE.privatelink),
      kinesisShardHour: p(0.017, 'hour', PAGE.kinesis),
      kinesisOnDemandStreamHour: p(0.045, 'hour', PAGE.kinesis),
      kinesisOnDemandGbIn: p(0.09, 'GB', PAGE.kinesis),
      kinesisPutUnitsMillion: p(0.016, 'million PUT payload units', PAGE.kinesis),
      opensearchGp3GbMonth: p(0.146, 'GB-month', PAGE.opensearch),
      opensearchOcuHour: p(0.26, 'OCU-hour', PAGE.opensearch),
      lambdaProvisionedGbSecondArm: p(0.0000033334, 'GB-second', PAGE.lambda),
      lambdaProvisionedGbSecondX86: p(0.0000041667, 'GB-second', PAGE.lambda),
      lambdaGbSecondArm: p(0.0000133334, 'GB-second', PAGE.lambda),
      emrVcpuHour: p(0.052624, 'vCPU-hour', PAGE.emr),
      emrGbHour: p(0.0057785, 'GB-hour', PAGE.emr),
      firehoseGbIngested: p(0.031, 'GB', PAGE.firehose),
      s3StandardGbMonth: p(0.023, 'GB-month', PAGE.s3),
      s3GlacierIrGbMonth: p(0.005, 'GB-month', PAGE.s3),
      logsIngestedGb: p(0.57, 'GB', PAGE.cloudwatch),
      dynamoWriteMillion: p(0.7072, 'million write request units', PAGE.dynamodb),
      dynamoReadMillion: p(0.1414, 'million read request units', PAGE.dynamodb),
    },
    opensearchInstanceHour: {
      't3.small.search': p(0.038, 'hour', PAGE.opensearch),
      't3.medium.search': p(0.077, 'hour', PAGE.opensearch),
      'r7g.large.search': p(0.181, 'hour', PAGE.opensearch),
      'm7g.large.search': p(0.15, 'hour', PAGE.opensearch),
    },
  },
  'us-east-1': {
    asOf: '2026-11-30',
    items: {
      ...GLOBAL,
      natGatewayHour: p(0.045, 'hour', `${PAGE.vpc} (quoted at cloudburn.io/blog/aws-nat-gateway-pricing, Feb 2026)`, 'search'),
      natGatewayGb: p(0.045, 'GB', `${PAGE.vpc} (quoted at cloudburn.io/blog/aws-nat-gateway-pricing, Feb 2026)`, 'search'),
      interfaceEndpointAzHour: p(0.01, 'hour', `${PAGE.privatelink} (quoted at awsnegotiations.com/privatelink-cost-analysis.html, May 2026)`, 'search'),
      kinesisShardHour: p(0.015, 'hour', `${PAGE.kinesis} (quoted at trek10.com, us-east-1)`, 'search'),
      kinesisOnDemandStreamHour: p(0.04, 'hour', `${PAGE.kinesis} (quoted at trek10.com, us-east-1)`, 'search'),
      kinesisOnDemandGbIn: p(0.08, 'GB', `${PAGE.kinesis} (quoted at trek10.com, us-east-1)`, 'search'),
      kinesisPutUnitsMillion: p(0.014, 'million PUT payload units', `${PAGE.kinesis} (quoted at trek10.com, us-east-1)`, 'search'),
      opensearchGp3GbMonth: p(0.122, 'GB-month', PAGE.opensearch),
      opensearchOcuHour: p(0.24, 'OCU-hour', PAGE.opensearch),
      lambdaProvisionedGbSecondArm: p(0.0000033334, 'GB-second', PAGE.lambda),
      lambdaProvisionedGbSecondX86: p(0.0000041667, 'GB-second', PAGE.lambda),
      lambdaGbSecondArm: p(0.0000133334, 'GB-second', PAGE.lambda),
      emrVcpuHour: p(0.052624, 'vCPU-hour', PAGE.emr),
      emrGbHour: p(0.0057785, 'GB-hour', PAGE.emr),
      firehoseGbIngested: p(0.029, 'GB', PAGE.firehose),
      s3StandardGbMonth: p(0.023, 'GB-month', PAGE.s3),
      s3GlacierIrGbMonth: p(0.004, 'GB-month', PAGE.s3),
      logsIngestedGb: p(0.5, 'GB', PAGE.cloudwatch),
      dynamoWriteMillion: p(0.625, 'million write request units', PAGE.dynamodb),
      dynamoReadMillion: p(0.125, 'million read request units', PAGE.dynamodb),
    },
    opensearchInstanceHour: {
      't3.small.search': p(0.036, 'hour', PAGE.opensearch),
      't3.medium.search': p(0.073, 'hour', PAGE.opensearch),
      'r7g.large.search': p(0.167, 'hour', PAGE.opensearch),
      'm7g.large.search': p(0.136, 'hour', PAGE.opensearch),
    },
  },
};

/**
 * Resource types with no charge while idle, and why. Anything the program creates that is neither
 * priced by the estimate nor listed here is reported as unpriced.
 */
export const FREE_WHEN_IDLE: Readonly<Record<string, string>> = {
  'aws:s3/bucket:Bucket': 'pay per GB stored and per request (variable)',
  'aws:glue/job:Job': 'pay per DPU-hour while a run executes (variable)',
  'aws:glue/catalogDatabase:CatalogDatabase': 'Data Catalog: first million objects stored free',
  'aws:glue/catalogTable:CatalogTable': 'Data Catalog: first million objects stored free',
  'aws:glue/connection:Connection': 'no charge',
  'aws:glue/securityConfiguration:SecurityConfiguration': 'no charge',
  'aws:emrserverless/application:Application': 'no pre-initialized capacity and auto-stop: pay per vCPU- and GB-hour of runs (variable)',
  'aws:lambda/function:Function': 'pay per request and GB-second (variable)',
  'aws:lambda/alias:Alias': 'no charge',
  'aws:lambda/functionUrl:FunctionUrl': 'no charge beyond the function',
  'aws:lambda/permission:Permission': 'no charge',
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream': 'pay per GB ingested (variable)',
  'aws:dynamodb/table:Table': 'on-demand: pay per request; first 25 GB stored free (PITR billed per GB stored, variable)',
  'aws:sns/topic:Topic': 'first million publishes and 1,000 e-mails a month free',
  'aws:sns/topicPolicy:TopicPolicy': 'no charge',
  'aws:sns/topicSubscription:TopicSubscription': 'no charge',
  'aws:cloudwatch/logGroup:LogGroup': 'pay per GB ingested and stored (variable)',
  'aws:cloudwatch/logStream:LogStream': 'no charge',
  'aws:cloudwatch/logMetricFilter:LogMetricFilter': 'its metric is billed as a custom metric only in hours it has data (variable)',
  'aws:cloudwatch/logResourcePolicy:LogResourcePolicy': 'no charge',
  'aws:cloudwatch/eventRule:EventRule': 'AWS service events on the default bus are free',
  'aws:cloudwatch/eventTarget:EventTarget': 'no charge',
  'aws:budgets/budget:Budget': 'budgets without actions are free',
  'aws:costexplorer/anomalyMonitor:AnomalyMonitor': 'Cost Anomaly Detection is free',
  'aws:costexplorer/anomalySubscription:AnomalySubscription': 'Cost Anomaly Detection is free',
  'aws:sfn/stateMachine:StateMachine': 'standard workflows: pay per 1,000 state transitions of executions (variable); no idle charge',
  'aws:scheduler/schedule:Schedule': 'EventBridge Scheduler: the first 14 million invocations a month are free; a schedule per cron ticks at most ~745 times a month',
  'aws:iam/role:Role': 'IAM is free',
  'aws:iam/rolePolicy:RolePolicy': 'IAM is free',
  'aws:iam/policy:Policy': 'IAM is free',
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 'IAM is free',
  'aws:kms/alias:Alias': 'no charge (the key is priced)',
  'aws:ec2/securityGroup:SecurityGroup': 'no charge',
  'aws:opensearch/domainPolicy:DomainPolicy': 'no charge',
  'aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy': 'no charge',
  'aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy': 'no charge',
  'aws:s3/bucketObjectv2:BucketObjectv2': 'a few KB stored (variable)',
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': 'no charge',
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': 'no charge',
  'aws:s3/bucketVersioning:BucketVersioning': 'no charge (noncurrent versions are stored, variable)',
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': 'no charge (S3 Bucket Keys keep KMS requests few)',
  'aws:s3/bucketPolicy:BucketPolicy': 'no charge',
  'aws:s3/bucketNotification:BucketNotification': 'S3 events to EventBridge are free (the rule matching them too)',
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': 'no charge (transitions are billed per request, variable)',
  'pulumi:providers:aws': 'not an AWS resource',
  'pulumi:pulumi:StackReference': 'not an AWS resource',
};
