/**
 * The CLI's side of an erasure on a stack, and the worker's records step, against
 * aws-sdk-client-mock: the request written SSE-KMS where the machine reads it, an execution input
 * that names no subject, the wait with backoff, the summary read back; a failed execution; a stack
 * deployed before erasure; JSON-lines objects rewritten within the time budget and continued by cursor.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { MemoryRunLog } from '../../assets/core';
import type { ErasureHolder, ErasureManifest } from '../../jobs/aws/erasure-contract';
import { erasureOf, ErasureUnavailableError, launchErasure } from '../../jobs/aws/erasure-launcher';
import { dispatch, type WorkerContext } from '../../jobs/aws/erasure-worker';
import type { StackManifest } from '../../jobs/aws/manifest';
import { fakeClock } from './fixtures';
import { runCli } from '../cli/run-cli';

/** A GetObject body as the SDK gives it (the two readers the code uses). */
const body = (text: string | Buffer) => {
  const b = Buffer.from(text);
  return { transformToString: async () => b.toString('utf8'), transformToByteArray: async () => new Uint8Array(b) };
};
const ERASURE: ErasureManifest = {
  stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:headwater-dev-erasure',
  workBucket: 'lake-artifacts',
  workPrefix: 'tmp/erasure/',
  summaryPrefix: 'erasure/summaries/',
  registerTable: 'headwater-dev-deletion-register',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:1:key/lake-key',
  holders: [],
  sources: [],
  subjects: ['person'],
};
const manifest = (erasure?: ErasureManifest) => ({ version: 1, stack: 'dev', region: 'eu-west-1', assets: {}, runLog: { tableName: 't' }, ...(erasure ? { erasure } : {}) }) as unknown as StackManifest;

describe('launchErasure (aws-sdk-client-mock)', () => {
  const s3Client = new S3Client({ region: 'eu-west-1' });
  const sfnClient = new SFNClient({ region: 'eu-west-1' });
  const s3 = mockClient(s3Client);
  const sfn = mockClient(sfnClient);
  afterEach(() => (s3.reset(), sfn.reset()));
  after(() => (s3.restore(), sfn.restore()));

  it('writes the request SSE-KMS in the work folder, starts the machine with no id in its input, waits with backoff, reads the summary', async () => {
    s3.on(PutObjectCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:erase-1', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' } as never).resolvesOnce({ status: 'RUNNING' } as never).resolves({ status: 'SUCCEEDED' } as never);
    const summary = { format: 'headwater-erasure-summary/v1', erasureId: 'erase-1', mode: 'erase', status: 'succeeded', places: [], assetsTouched: 0, partitionsRewritten: 0, rowsRemoved: 0, versionsDeleted: 0, sources: [] };
    s3.on(GetObjectCommand, { Bucket: 'lake-artifacts', Key: 'erasure/summaries/erase-1.json' }).resolves({ Body: body(JSON.stringify(summary)) } as never);
    const clock = fakeClock();
    const r = await launchErasure({ manifest: manifest(ERASURE), s3: s3Client, sfn: sfnClient, subjects: new Map([['person', ['7', '9']]]), mode: 'erase', clock, erasureId: 'erase-1' });
    expect(r).to.deep.equal({ erasureId: 'erase-1', executionArn: 'arn:exec:erase-1', status: 'succeeded', summary, summaryUri: 's3://lake-artifacts/erasure/summaries/erase-1.json' });
    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).to.deep.include({ Bucket: 'lake-artifacts', Key: 'tmp/erasure/erase-1/request.json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ERASURE.kmsKeyArn });
    expect(JSON.parse(String(put.Body))).to.deep.equal({ format: 'headwater-erasure-request/v1', erasureId: 'erase-1', mode: 'erase', subjects: { person: ['7', '9'] } });
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start).to.deep.equal({ stateMachineArn: ERASURE.stateMachineArn, name: 'erase-1', input: JSON.stringify({ erasureId: 'erase-1', mode: 'erase', request: 's3://lake-artifacts/tmp/erasure/erase-1/request.json' }) });
    expect(clock.sleeps).to.deep.equal([2000, 4000]);
  });

  it('reports a failed execution with its error and whatever summary the failure path wrote', async () => {
    s3.on(PutObjectCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:erase-2', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'Headwater.ErasureFailed', cause: 'see the alarm topic' } as never);
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    const r = await launchErasure({ manifest: manifest(ERASURE), s3: s3Client, sfn: sfnClient, subjects: new Map([['person', ['7']]]), mode: 'scan', clock: fakeClock(), erasureId: 'erase-2' });
    expect(r).to.deep.include({ status: 'failed', error: 'Headwater.ErasureFailed: see the alarm topic' });
    expect(r.summary).to.equal(undefined);
  });

  it('says to redeploy a stack whose manifest predates erasure', () => {
    expect(() => erasureOf(manifest())).to.throw(ErasureUnavailableError, /redeploy it with `pulumi up --stack dev`/);
  });
});

describe('erasure worker: JSON-lines records (aws-sdk-client-mock)', () => {
  const s3Client = new S3Client({ region: 'eu-west-1' });
  const s3 = mockClient(s3Client);
  afterEach(() => s3.reset());
  after(() => s3.restore());
  const holder: ErasureHolder = { key: 'serving/out', face: 'lake-records', bucket: 'lake-serving', prefixes: ['out/', 'errors/out/'], fields: [{ subject: 'person', field: 'person_id' }] };
  const input = { erasureId: 'erase-3', mode: 'erase' as const, request: 's3://lake-artifacts/tmp/erasure/erase-3/request.json' };
  const ctx = (budgetMs: number, t = { now: 0 }): WorkerContext => ({
    s3: s3Client,
    dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    runLog: new MemoryRunLog(),
    env: 'dev',
    registerTable: 'r',
    saltParameter: '/s',
    summaries: { bucket: 'lake-artifacts', prefix: 'erasure/summaries/' },
    searchClient: () => {
      throw new Error('no index here');
    },
    // Each call moves time on by a second, so a budget of 0 stops after the first object.
    nowMs: () => (t.now += 1000),
    budgetMs,
  });

  beforeEach(() => {
    s3.on(GetObjectCommand, { Bucket: 'lake-artifacts', Key: 'tmp/erasure/erase-3/request.json' }).callsFake(() => ({
      Body: body(JSON.stringify({ format: 'headwater-erasure-request/v1', erasureId: 'erase-3', mode: 'erase', subjects: { person: ['7'] } })),
    }));
    s3.on(ListObjectsV2Command, { Prefix: 'out/' }).resolves({ Contents: [{ Key: 'out/a.gz' }, { Key: 'out/b.json' }] });
    s3.on(ListObjectsV2Command, { Prefix: 'errors/out/' }).resolves({ Contents: [] });
    s3.on(GetObjectCommand, { Key: 'out/a.gz' }).callsFake(() => ({ Body: body(gzipSync('{"person_id":7}{"person_id":8}\n')) }));
    s3.on(GetObjectCommand, { Key: 'out/b.json' }).callsFake(() => ({ Body: body('{"person_id":"7","x":1}\n'), ContentType: 'application/json' }));
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
  });

  it('rewrites an object holding the subject (same compression), removes one left empty, reports by position in the request', async () => {
    expect(await dispatch(ctx(600_000), { action: 'records', input, holders: [holder], cursor: null })).to.deep.equal({ cursor: null });
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const rewritten = puts.find((p) => p.Key === 'out/a.gz')!;
    expect(gunzipSync(rewritten.Body as Buffer).toString()).to.equal('{"person_id":8}\n');
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).to.deep.equal([{ Bucket: 'lake-serving', Key: 'out/b.json' }]);
    const report = JSON.parse(String(puts.find((p) => p.Key === 'tmp/erasure/erase-3/records-00000.json')!.Body)) as { places: { location: string; rows: number; byIndex: unknown; rowsBefore: number; rowsAfter: number; written: unknown }[] };
    expect(report.places.map((p) => [p.location, p.rows, p.byIndex, p.rowsBefore, p.rowsAfter, p.written === null])).to.deep.equal([
      ['s3://lake-serving/out/a.gz', 1, { person: { '0': 1 } }, 2, 1, false],
      ['s3://lake-serving/out/b.json', 1, { person: { '0': 1 } }, 1, 0, true],
    ]);
  });

  it('finish retried after its first attempt deleted the request: answers with the summary already written, touches nothing', async () => {
    s3.on(GetObjectCommand, { Bucket: 'lake-artifacts', Key: 'tmp/erasure/erase-3/request.json' }).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    s3.on(GetObjectCommand, { Bucket: 'lake-artifacts', Key: 'erasure/summaries/erase-3.json' }).callsFake(() => ({ Body: body('{"format":"headwater-erasure-summary/v1"}') }));
    const r = await dispatch(ctx(600_000), { action: 'finish', input, holders: [holder], sources: [], startedAt: '2026-12-01T00:00:00.000Z' });
    expect(r).to.deep.equal({ summary: 's3://lake-artifacts/erasure/summaries/erase-3.json', status: 'done' });
    expect(s3.commandCalls(PutObjectCommand)).to.deep.equal([]);
  });

  it('stops at its time budget with a cursor, and the next call continues after the last object done', async () => {
    const first = (await dispatch(ctx(0), { action: 'records', input, holders: [holder], cursor: null })) as { cursor: { holder: number; prefix: number; after: string; part: number } };
    expect(first.cursor).to.deep.equal({ holder: 0, prefix: 0, after: 'out/a.gz', part: 1 });
    s3.resetHistory();
    s3.on(ListObjectsV2Command, { Prefix: 'out/', StartAfter: 'out/a.gz' }).resolves({ Contents: [{ Key: 'out/b.json' }] });
    const second = (await dispatch(ctx(600_000), { action: 'records', input, holders: [holder], cursor: first.cursor })) as { cursor: unknown };
    expect(second.cursor).to.equal(null);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal(['tmp/erasure/erase-3/request.json', 'out/b.json']);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal(['tmp/erasure/erase-3/records-00001.json']);
  });
});

describe('assets erase --env <stack>: what is refused before the stack is reached', () => {
  it('--pending: the sources sit in the VPC (exit 2, saying what stays true)', async () => {
    const r = await runCli(['erase', '--pending', '--env', 'dev']);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/erase --pending --env dev: the sources sit inside the stack's VPC.*stays excluded/);
  });

  it('an unknown subject, named with the ones the graph knows (exit 2)', async () => {
    const r = await runCli(['erase', '--subject', 'person=7', '--dry-run', '--env', 'dev']);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/unknown subject 'person'; the graph's contracts name 'customer'/);
  });
});
