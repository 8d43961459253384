/** DynamoDB run log and locks, the SSM manifest, and the AWS environment, against aws-sdk-client-mock. */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EMRServerlessClient, GetJobRunCommand as EmrGetJobRunCommand, StartJobRunCommand as EmrStartJobRunCommand } from '@aws-sdk/client-emr-serverless';
import graph from '../../assets';
import { LockHeldError, type StepContext } from '../../jobs/engine/environment';
import { DynamoRunLog } from '../../jobs/aws/dynamo-runlog';
import { readManifest } from '../../jobs/aws/manifest-store';
import { AwsEnvironment, type AwsClients } from '../../jobs/aws/environment';
import { awsError, fakeClock, manifest } from './fixtures';

// Stubs on client instances (passed in explicitly), not on the classes: no other file sees them.
const ddb = mockClient(new DynamoDBClient({}));
const ssm = mockClient(new SSMClient({}));
const s3 = mockClient(new S3Client({}));
const glue = mockClient(new GlueClient({}));
const cw = mockClient(new CloudWatchClient({}));
const emr = mockClient(new EMRServerlessClient({}));
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('DynamoDB run log and locks', () => {
  beforeEach(() => ddb.reset());
  const log = () => new DynamoRunLog(ddb as unknown as DynamoDBClient, 'headwater-dev-runlog', { clock: fakeClock(Date.UTC(2026, 0, 10)), lockTtlSeconds: 3600 });

  it('takes a lock with a conditional write naming the holder', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(DeleteItemCommand).resolves({});
    const lock = await log().acquireLock('analytics/sales_hourly', '2026-01-05T10:00', 'host:42:run-1');
    const now = Date.UTC(2026, 0, 10) / 1000;
    expect(ddb.commandCalls(PutItemCommand)[0].args[0].input).to.deep.equal({
      TableName: 'headwater-dev-runlog',
      Item: {
        pk: { S: 'LOCK#analytics/sales_hourly' },
        sk: { S: '2026-01-05T10:00' },
        holder: { S: 'host:42:run-1' },
        acquiredAt: { N: String(now) },
        expiresAt: { N: String(now + 3600) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: String(now) } },
    });
    await lock.release();
    expect(ddb.commandCalls(DeleteItemCommand)[0].args[0].input).to.deep.equal({
      TableName: 'headwater-dev-runlog',
      Key: { pk: { S: 'LOCK#analytics/sales_hourly' }, sk: { S: '2026-01-05T10:00' } },
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': { S: 'host:42:run-1' } },
    });
  });

  it('refuses a held lock, naming the holder', async () => {
    ddb.on(PutItemCommand).rejects(conditionFailed());
    ddb.on(GetItemCommand).resolves({ Item: { pk: { S: 'LOCK#raw/ratings' }, sk: { S: '-' }, holder: { S: 'ci-runner:7:run-0' } } });
    const e = await log().acquireLock('raw/ratings', null, 'me:1:run-2').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(LockHeldError);
    expect((e as LockHeldError).holder).to.equal('ci-runner:7:run-0');
    expect((e as Error).message).to.match(/^raw\/ratings is being materialized by ci-runner:7:run-0/);
  });

  it('retries throttled writes', async () => {
    ddb.on(PutItemCommand).rejectsOnce(awsError('ProvisionedThroughputExceededException')).resolves({});
    await log().acquireLock('raw/ratings', null, 'me');
    expect(ddb.commandCalls(PutItemCommand)).to.have.length(2);
  });

  it('writes runs and events, and rebuilds the snapshot from the latest items', async () => {
    ddb.on(PutItemCommand).resolves({});
    const l = log();
    const run = { runId: 'r1', command: 'materialize' as const, selection: 'raw/ratings', partitions: 'latest', env: 'dev', status: 'running' as const, startedAt: '2026-01-10T00:00:00Z', owner: 'me', stepsPlanned: 1 };
    await l.createRun(run);
    const put0 = ddb.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put0).to.deep.include({ ConditionExpression: 'attribute_not_exists(pk)' });
    expect(put0.Item!.pk).to.deep.equal({ S: 'RUN#r1' });
    expect(ddb.commandCalls(PutItemCommand)[1].args[0].input.Item!.pk).to.deep.equal({ S: 'RUNS' });
    const mat = { type: 'materialization' as const, key: 'raw/ratings', partition: '2026-01-05', runId: 'r1', codeVersion: 'c', dataVersion: 'd', inputs: {}, metadata: {}, at: '2026-01-10T00:01:00Z' };
    await l.append(mat);
    const keys = ddb.commandCalls(PutItemCommand).slice(2).map((c) => `${c.args[0].input.Item!.pk.S}|${c.args[0].input.Item!.sk.S}`);
    // Time, the writer's sequence, and the writer: two writers appending in the same second keep both items.
    const writer = /#00000000#([0-9a-f]{8})$/.exec(keys[0])?.[1];
    expect(keys).to.deep.equal([`RUN#r1|EVENT#2026-01-10T00:01:00Z#00000000#${writer}`, 'MAT|raw/ratings#2026-01-05', `MATH#raw/ratings|2026-01-10T00:01:00Z#00000000#${writer}`]);
    await log().append(mat);
    const other = ddb.commandCalls(PutItemCommand).at(-1)!.args[0].input.Item!.sk.S!;
    expect(other).to.match(/^2026-01-10T00:01:00Z#00000000#[0-9a-f]{8}$/).and.not.equal(`2026-01-10T00:01:00Z#00000000#${writer}`);
    ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, { S: string }> }) => ({
      Items: input.ExpressionAttributeValues[':pk'].S === 'MAT' ? [{ pk: { S: 'MAT' }, sk: { S: 'x' }, doc: { S: JSON.stringify(mat) } }] : [],
    }));
    const snap = await l.snapshot();
    expect(snap.latestMaterialization('raw/ratings', '2026-01-05')?.dataVersion).to.equal('d');
    ddb.on(PutItemCommand).rejects(conditionFailed());
    expect(await l.createRun(run).catch((e: Error) => e.message)).to.equal('run r1 already exists in headwater-dev-runlog');
  });
});

describe('stack manifest from SSM', () => {
  beforeEach(() => {
    ssm.reset();
    s3.reset();
  });

  it('reads the parameter, or follows its S3 reference', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(manifest) } });
    expect(await readManifest(ssm as unknown as SSMClient, s3 as unknown as S3Client, 'dev')).to.deep.equal(manifest);
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).to.deep.equal({ Name: '/headwater/dev/manifest' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ $ref: 's3://lake-artifacts/manifest/dev.json' }) } });
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => JSON.stringify(manifest) } as never });
    expect((await readManifest(ssm as unknown as SSMClient, s3 as unknown as S3Client, 'dev')).stack).to.equal('dev');
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).to.deep.equal({ Bucket: 'lake-artifacts', Key: 'manifest/dev.json' });
  });

  it('says how to fix a missing or foreign manifest', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    expect(await readManifest(ssm as unknown as SSMClient, s3 as unknown as S3Client, 'qa').catch((e: Error) => e.message)).to.match(/stack 'qa' has no manifest at SSM \/headwater\/qa\/manifest: deploy it with `pulumi up --stack qa`/);
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ ...manifest, version: 2 }) } });
    expect(await readManifest(ssm as unknown as SSMClient, s3 as unknown as S3Client, 'dev').catch((e: Error) => e.message)).to.match(/version is 2, this CLI reads version 1/);
  });
});

describe('AWS environment', () => {
  beforeEach(() => [glue, cw, ddb, emr, s3].forEach((m) => m.reset()));
  const env = () =>
    new AwsEnvironment(
      manifest,
      { glue, emr, dynamodb: ddb, cloudwatch: cw, ssm, s3 } as unknown as AwsClients,
      { clock: fakeClock() },
    );
  const ctx = (key: string): StepContext => ({
    graph,
    asset: graph.get(key),
    runId: 'run-1',
    partitions: ['2026-01-05T10:00'],
    window: { start: new Date('2026-01-05T10:00:00Z'), end: new Date('2026-01-05T11:00:00Z') },
    inputs: [],
    log: () => undefined,
    signal: new AbortController().signal,
  });

  it('runs glue kinds through Glue, publishes the freshness metric, and knows which kinds it cannot run', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_9' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED', ExecutionTime: 60 } });
    cw.on(PutMetricDataCommand).resolves({});
    const e = env();
    const out = await e.executorFor('glue-sql')!.execute(ctx('analytics/sales_hourly'));
    expect(out.metadata).to.deep.include({ glueJobRunId: 'jr_9', executionSeconds: 60 });
    const metric = cw.commandCalls(PutMetricDataCommand)[0].args[0].input;
    expect(metric.Namespace).to.equal('Headwater');
    expect(metric.MetricData![0]).to.deep.include({ MetricName: 'AssetMaterialized', Dimensions: [{ Name: 'Asset', Value: 'analytics/sales_hourly' }], Value: 1 });
    expect(e.executorFor('vector-index')?.kind).to.equal('vector-index');
    expect(e.executorFor('lambda-api')).to.equal(undefined);
    expect(e.name).to.equal('dev');
  });

  it("runs emr-spark on EMR Serverless and reports the model's metrics from its model.json, for the metric checks", async () => {
    emr.on(EmrStartJobRunCommand).resolves({ applicationId: '00f1abc', jobRunId: 'jr-1', arn: 'arn' });
    emr.on(EmrGetJobRunCommand).resolves({ jobRun: { state: 'SUCCESS' } as never });
    cw.on(PutMetricDataCommand).resolves({});
    const model = { format: 'headwater-recommender/v1', metrics: { recallAt10: 0.21, baselineRecallAt10: 0.12, ndcgAt10: 0.1, baselineNdcgAt10: 0.06, note: 'x' } };
    s3.on(GetObjectCommand, { Bucket: 'lake-model', Key: 'recommender/model.json' }).resolves({ Body: { transformToString: async () => JSON.stringify(model) } as never });
    const out = await env().executorFor('emr-spark')!.execute(ctx('model/recommender'));
    expect(out.metadata).to.deep.include({ emrJobRunId: 'jr-1', recallAt10: 0.21, baselineRecallAt10: 0.12, ndcgAt10: 0.1, baselineNdcgAt10: 0.06 });
    expect(out.metadata).to.not.have.property('note');
    // A job that writes no model.json reports no metrics, and is not failed for it.
    s3.reset();
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey'));
    expect((await env().executorFor('emr-spark')!.execute(ctx('model/recommender'))).metadata).to.not.have.property('recallAt10');
  });

  it('refuses an asset the deployed stack does not have', async () => {
    const err = await env().executorFor('glue-sql')!.execute(ctx('analytics/popular_products')).catch((x: Error) => x.message);
    expect(err).to.equal("analytics/popular_products is not in the manifest of stack 'dev'; deploy the current graph with `pulumi up --stack dev`");
    expect(glue.commandCalls(StartJobRunCommand)).to.have.length(0);
  });
});
