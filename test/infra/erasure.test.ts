/**
 * Erasure on AWS under Pulumi mocks: the holders the graph gives (in the manifest the CLI reads,
 * the definition, the erase job's arguments), the state machine's states and transitions, the
 * register and its salt, the worker's environment; and the plan's refusals at synthesis.
 * Exact IAM of its roles is in iam-exact.test.ts.
 */
import { synth, serverlessConfig } from './mock-runtime';
import { expect } from 'chai';
import { defineAsset, defineGraph, type Contract } from '../../assets/core';
import { glueSql, rdsTable } from '../../assets/kinds';
import type { Synthesis } from '../../infra/synth/synthesize';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import { erasureShape, ErasurePlanError } from '../../infra/components/erasure-plan';
import type { ErasureHolder } from '../../jobs/aws/erasure-contract';

type AslState = Record<string, unknown> & { Type: string; Next?: string; Default?: string; Catch?: { Next: string }[]; Parameters?: Record<string, unknown>; Choices?: { Next: string }[] };
const find = (s: Synthesis, type: string, name: string) => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} ${name}`);
  return r.inputs as Record<string, unknown>;
};
const customer = (field: string) => [{ subject: 'customer', field }];

/** The holders of the reference graph on the dev stack. */
const DEV_HOLDERS: ErasureHolder[] = [
  { key: 'raw/customers', face: 'lake-table', bucket: 'lake-raw', prefix: 'customers/', fields: customer('customerNumber') },
  { key: 'raw/ratings', face: 'lake-table', bucket: 'lake-raw', prefix: 'ratings/', fields: customer('customerNumber') },
  { key: 'training/ratings_ml_training', face: 'lake-table', bucket: 'lake-training', prefix: 'ratings_ml_training/', fields: customer('customerNumber') },
  { key: 'model/recommender', face: 'lake-file', bucket: 'lake-model', prefix: 'recommender/', file: 'user_embeddings.parquet', fields: customer('customer_number') },
  { key: 'index/user_embeddings', face: 'index', endpoint: 'https://search-hw-dev-vectors.eu-west-1.es.amazonaws.com', signingService: 'es', alias: 'user_embeddings', idField: 'customer_number', fields: customer('customer_number') },
  { key: 'serving/recommendations', face: 'lake-records', bucket: 'lake-serving', prefixes: ['recommendations/', 'errors/recommendations/', 'backup/recommendations/'], fields: customer('customer_number') },
];

describe('erasure on AWS under mocks (dev stack)', () => {
  let s: Synthesis;
  let definition: { StartAt: string; States: Record<string, AslState> };
  before(async function () {
    this.timeout(60_000);
    s = await synth('dev');
    definition = JSON.parse(String(find(s, 'aws:sfn/stateMachine:StateMachine', 'erasure-sfn').definition));
  });

  it('publishes every holder the graph gives, with where it rests, and the sources, in the manifest the CLI reads', () => {
    expect(s.manifest.erasure).to.deep.include({
      stateMachineArn: `arn:aws:sfn:eu-west-1:${MOCK_ACCOUNT}:headwater-dev-erasure`,
      workBucket: 'lake-artifacts',
      workPrefix: 'tmp/erasure/',
      summaryPrefix: 'erasure/summaries/',
      registerTable: 'headwater-dev-deletion-register',
      subjects: ['customer'],
    });
    expect(s.manifest.erasure!.holders).to.deep.equal(DEV_HOLDERS);
    expect(s.manifest.erasure!.sources.map((x) => x.key)).to.deep.equal(['source/customers', 'source/orders', 'source/ratings', 'stream/user_events']);
    expect(s.manifest.erasure!.sources[3].note).to.match(/expire within 24 h/);
  });

  it('passes the erase job only the Parquet holders, as folders and a declared file', () => {
    const job = find(s, 'aws:glue/job:Job', 'erasure-job');
    expect(job).to.deep.include({ name: 'headwater-dev-erasure', glueVersion: '5.0', maxRetries: 0, executionProperty: { maxConcurrentRuns: 1 }, jobRunQueuingEnabled: true });
    expect((job.command as { scriptLocation: string }).scriptLocation).to.equal('s3://lake-artifacts/code/glue/erase_rows.py');
    const args = job.defaultArguments as Record<string, string>;
    expect(args['--job-bookmark-option']).to.equal('job-bookmark-disable');
    expect(JSON.parse(args['--holders'])).to.deep.equal([
      { key: 'raw/customers', uri: 's3://lake-raw/customers/', fields: customer('customerNumber') },
      { key: 'raw/ratings', uri: 's3://lake-raw/ratings/', fields: customer('customerNumber') },
      { key: 'training/ratings_ml_training', uri: 's3://lake-training/ratings_ml_training/', fields: customer('customerNumber') },
      { key: 'model/recommender', uri: 's3://lake-model/recommender/', file: 'user_embeddings.parquet', fields: customer('customer_number') },
    ]);
  });

  it('runs prepare, the erase job, the records loop, the indexes and finish in that order; every failure goes through FinishFailed to the topic', () => {
    const st = definition.States;
    const path: string[] = [];
    for (let at: string | undefined = definition.StartAt; at && !path.includes(at); at = st[at].Next ?? st[at].Default) path.push(at);
    expect(path).to.deep.equal(['Start', 'Prepare', 'Lake', 'Records', 'MoreRecords?', 'Indexes', 'Finish', 'Done']);
    expect(st['MoreRecords?'].Choices).to.deep.equal([{ Variable: '$.records.cursor', IsNull: false, Next: 'NextRecords' }]);
    expect(st.NextRecords).to.deep.include({ Type: 'Pass', InputPath: '$.records.cursor', ResultPath: '$.cursor', Next: 'Records' });
    // The input names no subject: only the id, the mode and where the request is.
    expect(st.Start.Parameters).to.deep.equal({ 'erasureId.$': '$.erasureId', 'mode.$': '$.mode', 'request.$': '$.request', cursor: null });
    expect(st.Lake.Parameters).to.deep.equal({
      JobName: 'headwater-dev-erasure',
      Arguments: {
        '--request_uri.$': '$.request',
        '--mode.$': '$.mode',
        '--report_uri.$': "States.Format('s3://lake-artifacts/tmp/erasure/{}/{}', $.erasureId, 'lake.json')",
        '--staging_uri.$': "States.Format('s3://lake-artifacts/tmp/erasure/{}/{}', $.erasureId, 'staging')",
      },
    });
    for (const name of ['Prepare', 'Lake', 'Records', 'Indexes', 'Finish']) expect(st[name].Catch, name).to.deep.equal([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'FinishFailed' }]);
    expect(st.FinishFailed).to.deep.include({ Next: 'Notify' });
    expect(st.FinishFailed.Parameters!.Payload).to.deep.include({ action: 'finish', 'error.$': '$.error' });
    expect(st.Notify).to.deep.include({ Resource: 'arn:aws:states:::sns:publish', Next: 'Failed' });
    expect((st.Notify.Parameters as { TopicArn: string }).TopicArn).to.equal(`arn:aws:sns:eu-west-1:${MOCK_ACCOUNT}:alarms-topic`);
    for (const name of ['Prepare', 'Records', 'Indexes', 'Finish']) expect((st[name].Parameters!.Payload as { holders: unknown }).holders, name).to.deep.equal(DEV_HOLDERS);
  });

  it('keeps the register by subject and salted hash, encrypted, recoverable, and its salt a SecureString that no later deploy rewrites', () => {
    expect(find(s, 'aws:dynamodb/table:Table', 'erasure-register')).to.deep.include({
      name: 'headwater-dev-deletion-register',
      hashKey: 'subject',
      rangeKey: 'hash',
      billingMode: 'PAY_PER_REQUEST',
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT}:key/lake-key` },
    });
    const salt = find(s, 'aws:ssm/parameter:Parameter', 'erasure-salt');
    expect(salt).to.deep.include({ name: '/headwater/dev/erasure/salt', type: 'SecureString', keyId: `arn:aws:kms:eu-west-1:${MOCK_ACCOUNT}:key/lake-key` });
    expect(String(salt.value)).to.match(/^[0-9a-f]{64}$/);
  });

  it('gives the worker what its handler reads, in the VPC as a search client, 15 minutes at most per call', () => {
    const fn = find(s, 'aws:lambda/function:Function', 'erasure-worker-fn');
    expect(fn).to.deep.include({ name: 'headwater-dev-erasure-worker', runtime: 'nodejs22.x', timeout: 900 });
    expect((fn.environment as { variables: Record<string, string> }).variables).to.deep.include({
      HEADWATER_ENV: 'dev',
      HEADWATER_RUNLOG_TABLE: 'headwater-dev-runlog',
      HEADWATER_REGISTER_TABLE: 'headwater-dev-deletion-register',
      HEADWATER_ERASURE_SALT: '/headwater/dev/erasure/salt',
      HEADWATER_ERASURE_SUMMARIES: 's3://lake-artifacts/erasure/summaries/',
    });
    expect((fn.vpcConfig as { securityGroupIds: string[] }).securityGroupIds).to.deep.equal(['sg-network-search-clients']);
    const alarms = s.resources.filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm' && r.name.startsWith('erasure-')).map((r) => r.name).sort();
    expect(alarms).to.deep.equal(['erasure-failed', 'erasure-job-failed-tasks', 'erasure-worker-errors', 'erasure-worker-throttles']);
  });

  it('signs index calls for OpenSearch Serverless when the stack uses a collection', async function () {
    this.timeout(60_000);
    const other = await synth('dev', undefined, serverlessConfig());
    expect(other.manifest.erasure!.holders.find((h) => h.face === 'index')).to.deep.include({ signingService: 'aoss', alias: 'user_embeddings' });
  });
});

describe('erasure plan (pure)', () => {
  const people: Contract = { columns: [{ name: 'person_id', type: 'int', nullable: false, subject: 'person' }] };
  const src = defineAsset({ key: 'source/people', source: true, compute: rdsTable({ table: 'people' }), storage: { kind: 'rds' }, contract: people });
  const sql = glueSql({ sql: 'jobs/transforms/sql/x.sql' });

  it('refuses a graph whose lineage has a gap, naming the asset and the ways to close it', () => {
    const copy = defineAsset({ key: 'raw/copy', deps: [src], compute: sql, storage: { kind: 'lake', zone: 'raw', format: 'parquet' } });
    expect(() => erasureShape(defineGraph([src, copy]))).to.throw(ErasurePlanError, /raw\/copy reads source\/people.*subjects: 'none'/s);
  });

  it('refuses a holder it cannot reach on AWS, and one whose subjects mix files', () => {
    const files = defineAsset({
      key: 'model/m',
      deps: [src],
      compute: sql,
      storage: { kind: 'lake', zone: 'model', format: 'parquet' },
      subjects: [
        { subject: 'person', field: 'a', file: 'a.parquet' },
        { subject: 'person', field: 'b', file: 'b.parquet' },
      ],
    });
    expect(() => erasureShape(defineGraph([src, files]))).to.throw(ErasurePlanError, /one declared Parquet file per asset/);
  });

  it('gives one holder per asset with the fields of every subject, JSON lake assets as records', () => {
    const both: Contract = { columns: [{ name: 'person_id', type: 'int', nullable: false, subject: 'person' }, { name: 'pet_id', type: 'int', nullable: true, subject: 'pet' }] };
    const src2 = defineAsset({ key: 'source/both', source: true, compute: rdsTable({ table: 'both' }), storage: { kind: 'rds' }, contract: both });
    const json = defineAsset({ key: 'raw/both', deps: [src2], compute: sql, storage: { kind: 'lake', zone: 'raw', format: 'json' }, contract: both });
    const shape = erasureShape(defineGraph([src2, json]));
    expect(shape.holders).to.deep.equal([{ key: 'raw/both', face: 'lake-records', fields: [{ subject: 'person', field: 'person_id' }, { subject: 'pet', field: 'pet_id' }] }]);
    expect(shape.sources.map((x) => `${x.key}:${x.subject}`)).to.deep.equal(['source/both:person', 'source/both:pet']);
  });
});
