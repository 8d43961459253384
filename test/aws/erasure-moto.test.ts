/**
 * Erasure on a stack, EXECUTED: the dev stack's erasure state machine as the Pulumi program
 * generates it (the mocks' captured inputs, not a copy), run by moto's Step Functions interpreter
 * against moto's S3 (versioned buckets), DynamoDB (run log, deletion register), SSM (the salt, the
 * manifest), Glue and SNS, launched by `assets erase --env dev` itself. What moto cannot run is run
 * by this process instead, for real: the worker Lambda's handler code (moto needs Docker for a
 * function), and the erase job's script, jobs/glue/erase_rows.py, on local Spark over a copy of the
 * job's S3 objects whose changed objects are put back (moto's Glue runs nothing). The OpenSearch
 * domain is an in-memory fake behind the adapter's client (no cluster here).
 *
 * After the erasure an independent scan (every version of every object of the lake buckets, read
 * with DuckDB and as text, none of the erasure's code) finds the customer nowhere, and nothing with
 * the id in clear is left: not in the work folder, the summary, the register, the run log or the
 * execution's history.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateJobCommand, DeleteJobCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { synth } from '../infra/mock-runtime';
import { DynamoRunLog } from '../../jobs/aws/dynamo-runlog';
import { parseS3Uri, type ErasureSummary } from '../../jobs/aws/erasure-contract';
import { contextFromEnvironment, dispatch, type WorkerEvent } from '../../jobs/aws/erasure-worker';
import { queryRows, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { subjectHash } from '../../jobs/erasure/register';
import { LocalSpark } from '../../jobs/spark-local/local-spark';
import { runCli } from '../cli/run-cli';
import { withEnv } from '../setup/environment';
import { mockSearchClient } from '../vector-store/opensearch-mock';
import { byInput, createTableInput, resource } from './moto/synthesized';
import { motoClientConfig, skipWithoutMoto, startMoto, useMoto, type Moto } from './moto/moto';

const REGION = 'eu-west-1';
const SALT = 'ab'.repeat(32);
const LAKE_BUCKETS = ['lake-raw', 'lake-training', 'lake-model', 'lake-serving'];

/** An OpenSearch domain in memory: two versions of the user index, documents by id field. */
function fakeDomain() {
  const indexes = new Map<string, Map<string, string>>([
    ['user_embeddings_v1', new Map([['d1', '103'], ['d2', '200']])],
    ['user_embeddings_v2', new Map([['d3', '103'], ['d4', '200']])],
  ]);
  const current = 'user_embeddings_v2';
  const terms = (body: unknown) => ((body as { query?: { terms?: Record<string, string[]> } })?.query?.terms?.customer_number ?? []).map(String);
  const mock = mockSearchClient((req) => {
    if (req.method === 'GET' && req.path === '/_alias/user_embeddings') return { body: { [current]: { aliases: { user_embeddings: {} } } } };
    if (req.method === 'GET' && req.path === '/user_embeddings_v*') return { body: Object.fromEntries([...indexes.keys()].map((k) => [k, {}])) };
    const count = /^\/([^/]+)\/_count$/.exec(req.path);
    if (count) return { body: { count: [...(indexes.get(count[1])?.values() ?? [])].filter((v) => terms(req.body).includes(v)).length } };
    if (req.path === '/user_embeddings/_search') return { body: { hits: { hits: [...(indexes.get(current) ?? [])].filter(([, v]) => terms(req.body).includes(v)).map(([id]) => ({ _index: current, _id: id })) } } };
    if (req.path === '/_bulk') {
      for (const op of req.body as { delete: { _index: string; _id: string } }[]) indexes.get(op.delete._index)?.delete(op.delete._id);
      return { body: { errors: false, items: [] } };
    }
    if (req.method === 'DELETE') for (const i of req.path.slice(1).split(',')) indexes.delete(i);
    return { body: { acknowledged: true } };
  });
  return { ...mock, indexes };
}

const gz = (text: string) => gzipSync(Buffer.from(text));
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('erasure on a stack, executed in moto (server mode)', function () {
  this.timeout(900_000);
  let moto: Moto | undefined;
  let spark: LocalSpark | undefined;
  let restoreEnv: () => void = () => {};
  let home: string | undefined;
  let work: string | undefined;
  let s3: S3Client;
  let sfn: SFNClient;
  let glue: GlueClient;
  let dynamodb: DynamoDBClient;
  let runLogTable: string;
  let registerTable: string;
  let jobName: string;
  let jobDefaults: Record<string, string>;
  let machineArn: string;
  const domain = fakeDomain();

  /** The erase job's stand-in: erase_rows.py on local Spark over a local copy of the job's objects, changed objects put back. */
  async function eraseJob(name: string, args: Record<string, string>): Promise<void> {
    if (name !== jobName) throw new Error(`no job ${name} in this test`);
    const local = fs.mkdtempSync(path.join(work!, 'glue-'));
    const toLocal = (uri: string) => {
      const { bucket, key } = parseS3Uri(uri, 'an object');
      return path.join(local, bucket, key);
    };
    const get = async (bucket: string, key: string) => {
      const file = path.join(local, bucket, key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
      return file;
    };
    const request = parseS3Uri(args['--request_uri'], 'the request');
    await get(request.bucket, request.key);
    const holders = JSON.parse(jobDefaults['--holders']) as { key: string; uri: string; file?: string; fields: unknown }[];
    const copies = new Map<string, { bucket: string; key: string; sha: string }>();
    for (const h of holders) {
      const { bucket, key: prefix } = parseS3Uri(h.uri, 'a holder');
      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: h.file ? `${prefix}${h.file}` : prefix }));
      for (const v of versions.Versions ?? []) {
        if (!v.IsLatest) continue;
        const file = await get(bucket, v.Key!);
        copies.set(file, { bucket, key: v.Key!, sha: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') });
      }
      fs.mkdirSync(toLocal(h.uri), { recursive: true });
    }
    spark ??= await LocalSpark.start({ log: () => undefined });
    const localHolders = holders.map((h) => ({ ...h, uri: `file://${toLocal(h.uri)}/` }));
    const report = path.join(local, 'report.json');
    await spark.run('glue/erase_rows.py', ['--JOB_NAME', name, '--request_uri', toLocal(args['--request_uri']), '--report_uri', report, '--staging_uri', path.join(local, 'staging'), '--mode', args['--mode'], '--holders', JSON.stringify(localHolders)]);
    for (const [file, o] of copies) {
      const body = fs.readFileSync(file);
      if (crypto.createHash('sha256').update(body).digest('hex') !== o.sha) await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: body }));
    }
    // The report names the local copies: name the objects instead, as the job on S3 would.
    const text = fs.readFileSync(report, 'utf8').split(`file://${local}/`).join('s3://');
    const target = parseS3Uri(args['--report_uri'], 'the report');
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: text }));
  }

  /** Every version of every object of the lake buckets, with its content. */
  async function everyVersion(): Promise<{ bucket: string; key: string; versionId: string; body: Buffer }[]> {
    const out: { bucket: string; key: string; versionId: string; body: Buffer }[] = [];
    for (const bucket of [...LAKE_BUCKETS, 'lake-artifacts']) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      for (const v of page.Versions ?? []) {
        const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId! }))).Body!.transformToByteArray());
        out.push({ bucket, key: v.Key!, versionId: v.VersionId!, body });
      }
    }
    return out;
  }

  /** Independent scan: where customer 103 still is, in any version of any lake object (Parquet by DuckDB, JSON lines as text, rawData decoded). */
  async function whereIs103(): Promise<string[]> {
    const found: string[] = [];
    for (const o of await everyVersion()) {
      if (!LAKE_BUCKETS.includes(o.bucket)) continue;
      const where = `s3://${o.bucket}/${o.key}@${o.versionId}`;
      if (o.key.endsWith('.parquet')) {
        const file = path.join(work!, `scan-${crypto.randomBytes(4).toString('hex')}.parquet`);
        fs.writeFileSync(file, o.body);
        const n = await withDuckDb(async (con) => {
          const cols = (await queryRows<{ column_name: string }>(con, `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`)).map((c) => c.column_name).filter((c) => /customer_?number/i.test(c));
          if (!cols.length) return 0;
          return Number((await queryRows<{ n: string }>(con, `SELECT count(*) AS n FROM read_parquet('${file}') WHERE ${cols.map((c) => `CAST("${c}" AS VARCHAR) = '103'`).join(' OR ')}`))[0].n);
        });
        if (n) found.push(where);
        continue;
      }
      const text = (o.body[0] === 0x1f && o.body[1] === 0x8b ? gunzipSync(o.body) : o.body).toString('utf8');
      const decoded = [...text.matchAll(/"rawData"\s*:\s*"([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
      if ([text, ...decoded].some((t) => /"customer_number"\s*:\s*"?103\b/.test(t))) found.push(where);
    }
    return found;
  }

  const cli = async (args: string[]) => runCli(['erase', '--subject', 'customer=103', ...args, '--env', 'dev', '--json']);

  before(async function () {
    skipWithoutMoto(this);
    const s = await synth('dev');
    const machine = resource(s, 'aws:sfn/stateMachine:StateMachine', 'erasure-sfn');
    const worker = resource(s, 'aws:lambda/function:Function', 'erasure-worker-fn');
    const workerEnv = (worker.environment as { variables: Record<string, string> }).variables;
    const job = resource(s, 'aws:glue/job:Job', 'erasure-job');
    jobName = String(job.name);
    jobDefaults = job.defaultArguments as Record<string, string>;
    const runLog = byInput(s, 'aws:dynamodb/table:Table', 'name', workerEnv.HEADWATER_RUNLOG_TABLE);
    const register = byInput(s, 'aws:dynamodb/table:Table', 'name', workerEnv.HEADWATER_REGISTER_TABLE);
    runLogTable = String(runLog.name);
    registerTable = String(register.name);
    const manifestParam = byInput(s, 'aws:ssm/parameter:Parameter', 'name', '/headwater/dev/manifest');
    const manifestObject = byInput(s, 'aws:s3/bucketObjectv2:BucketObjectv2', 'key', 'manifest/dev.json');

    moto = await startMoto(
      async (functionName, environment, event) => {
        if (functionName !== worker.name) throw new Error(`no function ${functionName} in this test`);
        // The function's own environment, as Lambda would give it; its index calls go to the fake domain.
        const undo = withEnv(environment);
        try {
          return await dispatch(contextFromEnvironment({ searchClient: () => domain.client }), event as WorkerEvent);
        } finally {
          undo();
        }
      },
      { glue: eraseJob },
    );
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-erase-moto-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-erase-moto-work-'));
    restoreEnv = useMoto(moto, REGION, home);
    const config = motoClientConfig(moto, REGION);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    sfn = new SFNClient(config);
    glue = new GlueClient(config);
    dynamodb = new DynamoDBClient(config);
    await dynamodb.send(new CreateTableCommand(createTableInput(runLog)));
    await dynamodb.send(new CreateTableCommand(createTableInput(register)));
    const ssm = new SSMClient(config);
    await ssm.send(new PutParameterCommand({ Name: workerEnv.HEADWATER_ERASURE_SALT, Type: 'SecureString', Value: SALT }));
    for (const bucket of [...LAKE_BUCKETS, 'lake-artifacts']) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }

    // The lake: Parquet written by DuckDB (an earlier version of the snapshot too), delivered JSON lines.
    const parquet = async (sql: string) => {
      const file = path.join(work!, `${crypto.randomBytes(4).toString('hex')}.parquet`);
      await withDuckDb((con) => con.run(`COPY (${sql}) TO '${file}' (FORMAT parquet)`));
      return fs.readFileSync(file);
    };
    const put = (Bucket: string, Key: string, Body: Buffer | string) => s3.send(new PutObjectCommand({ Bucket, Key, Body }));
    await put('lake-raw', 'customers/part-00000.parquet', await parquet("SELECT * FROM (VALUES (103, 'Atelier'), (112, 'Signal')) t(customerNumber, customerName)"));
    await put('lake-raw', 'customers/part-00000.parquet', await parquet("SELECT * FROM (VALUES (103, 'Atelier'), (200, 'Kelly')) t(customerNumber, customerName)"));
    await put('lake-raw', 'ratings/dt=2026-11-21/part-00000.parquet', await parquet("SELECT * FROM (VALUES (103, 'S10_1678', 5), (103, 'S10_1949', 4), (200, 'S10_1678', 3)) t(customerNumber, productCode, rating)"));
    await put('lake-raw', 'ratings/dt=2026-11-22/part-00000.parquet', await parquet("SELECT * FROM (VALUES (200, 'S10_1949', 5)) t(customerNumber, productCode, rating)"));
    await put('lake-model', 'recommender/user_embeddings.parquet', await parquet("SELECT * FROM (VALUES ('103', [0.1, 0.2]), ('200', [0.3, 0.4])) t(customer_number, embedding)"));
    await put('lake-serving', 'recommendations/year=2026/month=11/day=21/hour=10/delivery-1.gz', gz('{"customer_number":103,"recommended_items":["S10_1678"]}\n{"customer_number":200,"recommended_items":["S10_1949"]}\n'));
    await put('lake-serving', 'errors/recommendations/processing-failed/year=2026/month=11/day=21/hour=10/failed-1.gz', gz(`{"attemptsMade":1,"errorCode":"Lambda.ProcessingFailed","rawData":"${b64('{"customer_number": 103, "browse_history": [')}"}\n`));
    await put('lake-serving', 'backup/recommendations/year=2026/month=11/day=21/hour=10/backup-1.gz', gz('{"customer_number":103,"city":"Nantes"}{"customer_number":200,"city":"Lyon"}'));

    await glue.send(new CreateJobCommand({ Name: jobName, Role: 'glue-role', Command: { Name: 'glueetl', ScriptLocation: 's3://lake-artifacts/code/glue/erase_rows.py' } }));
    const definition = String(machine.definition);
    const topicArn = (JSON.parse(definition) as { States: { Notify: { Parameters: { TopicArn: string } } } }).States.Notify.Parameters.TopicArn;
    const sns = new SNSClient(config);
    await sns.send(new CreateTopicCommand({ Name: topicArn.split(':').pop()! }));
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: moto.notificationsUrl }));
    const iam = new IAMClient(config);
    const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
    const lambdaRole = (await iam.send(new CreateRoleCommand({ RoleName: 'worker-role', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }))).Role!.Arn!;
    const sfnRole = (await iam.send(new CreateRoleCommand({ RoleName: 'erasure-sfn-role', AssumeRolePolicyDocument: trust('states.amazonaws.com') }))).Role!.Arn!;
    await new LambdaClient(config).send(
      new CreateFunctionCommand({
        FunctionName: String(worker.name),
        Runtime: 'nodejs22.x',
        Handler: String(worker.handler),
        Role: lambdaRole,
        Code: { ZipFile: Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'binary') },
        Environment: { Variables: workerEnv },
      }),
    );
    machineArn = (await sfn.send(new CreateStateMachineCommand({ name: String(machine.name), definition, roleArn: sfnRole, type: 'STANDARD' }))).stateMachineArn!;
    // The manifest the program publishes, with the machine's ARN as AWS (here moto) gives it (the mocks' is `arn:aws:sfn:<region>:<account>:<name>`).
    const published = (text: string) => text.split(s.manifest.erasure!.stateMachineArn).join(machineArn);
    await s3.send(new PutObjectCommand({ Bucket: String(manifestObject.bucket), Key: String(manifestObject.key), Body: published(String(manifestObject.content)) }));
    await ssm.send(new PutParameterCommand({ Name: String(manifestParam.name), Type: 'String', Value: published(String(manifestParam.value)), Tier: manifestParam.tier as 'Standard' | 'Advanced' }));
  });

  after(async () => {
    restoreEnv();
    await spark?.close();
    await moto?.stop();
    for (const d of [home, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Nothing of an erasure's work folder is left, not even an earlier version (the request held the ids). */
  async function workFolderIsGone(): Promise<void> {
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: 'lake-artifacts', Prefix: 'tmp/erasure/' }));
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])].map((v) => v.Key)).to.deep.equal([]);
  }

  /** The summary and the execution's history of an erasure name no id in clear. */
  async function noIdInClear(erasureId: string): Promise<ErasureSummary> {
    const summary = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'lake-artifacts', Key: `erasure/summaries/${erasureId}.json` }))).Body!.transformToString()) as ErasureSummary;
    expect(JSON.stringify(summary)).to.not.match(/"103"|customer=103|:103\b/);
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }))).executions ?? [];
    const execution = executions.find((e) => e.name === erasureId)!;
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }));
    expect(JSON.stringify(history.events)).to.not.match(/\\"103\\"|customer=103|:103\b/);
    return summary;
  }

  it('dry run: lists every place holding the customer with counts (an execution in scan mode), changes nothing', async () => {
    const before = (await everyVersion()).map((o) => `${o.bucket}/${o.key}@${o.versionId}`).filter((x) => !x.startsWith('lake-artifacts/'));
    const r = await cli(['--dry-run']);
    expect(r.code, r.err + r.out).to.equal(0);
    const out = JSON.parse(r.out) as { dryRun: boolean; erasureId: string; findings: { key: string; what: string; location: string; rows: number | null; byId: Record<string, number>; role: string }[] };
    const derived = out.findings.filter((f) => f.role === 'derived').map((f) => `${f.key} ${f.what} ${f.location} ${f.rows} ${JSON.stringify(f.byId)}`);
    expect(derived).to.have.members([
      'raw/customers partition s3://lake-raw/customers/part-00000.parquet 1 {"103":1}',
      'raw/ratings partition s3://lake-raw/ratings/dt=2026-11-21/part-00000.parquet 2 {"103":2}',
      'model/recommender file s3://lake-model/recommender/user_embeddings.parquet 1 {"103":1}',
      'serving/recommendations file s3://lake-serving/recommendations/year=2026/month=11/day=21/hour=10/delivery-1.gz 1 {"103":1}',
      'serving/recommendations file s3://lake-serving/errors/recommendations/processing-failed/year=2026/month=11/day=21/hour=10/failed-1.gz 1 {"103":1}',
      'serving/recommendations file s3://lake-serving/backup/recommendations/year=2026/month=11/day=21/hour=10/backup-1.gz 1 {"103":1}',
      'index/user_embeddings documents user_embeddings@user_embeddings_v2 1 {}',
      'index/user_embeddings previous-version user_embeddings@user_embeddings_v1 1 {}',
    ]);
    expect(out.findings.filter((f) => f.role === 'source').map((f) => f.key)).to.deep.equal(['source/customers', 'source/orders', 'source/ratings', 'stream/user_events']);
    const after = (await everyVersion()).map((o) => `${o.bucket}/${o.key}@${o.versionId}`).filter((x) => !x.startsWith('lake-artifacts/'));
    expect(after).to.deep.equal(before);
    expect((await dynamodb.send(new ScanCommand({ TableName: registerTable }))).Items).to.deep.equal([]);
    await workFolderIsGone();
    await noIdInClear(out.erasureId);
  });

  it('erases: every object holding the customer rewritten, every earlier version deleted, the index cleaned; register and run log hold only salted hashes', async () => {
    const r = await cli(['--yes']);
    expect(r.code, r.err + r.out).to.equal(0);
    const out = JSON.parse(r.out) as { erasureId: string; assetsTouched: number; partitionsRewritten: number; rowsRemoved: number; versionsDeleted: number };
    expect(out).to.deep.include({ assetsTouched: 5, partitionsRewritten: 6, rowsRemoved: 9 });
    expect(out.versionsDeleted).to.be.greaterThan(6);
    expect(await whereIs103()).to.deep.equal([]);
    // What did not hold the customer is untouched (one version), what held others still holds them.
    const versions = await everyVersion();
    expect(versions.filter((o) => o.key === 'ratings/dt=2026-11-22/part-00000.parquet')).to.have.length(1);
    expect(versions.filter((o) => o.key.endsWith('failed-1.gz'))).to.deep.equal([]);
    const delivery = versions.find((o) => o.key.endsWith('delivery-1.gz'))!;
    expect(gunzipSync(delivery.body).toString()).to.equal('{"customer_number":200,"recommended_items":["S10_1949"]}\n');
    expect(gunzipSync(versions.find((o) => o.key.endsWith('backup-1.gz'))!.body).toString()).to.equal('{"customer_number":200,"city":"Lyon"}\n');
    expect([...domain.indexes.keys()]).to.deep.equal(['user_embeddings_v2']);
    expect([...domain.indexes.get('user_embeddings_v2')!.values()]).to.deep.equal(['200']);
    expect(domain.seen.some((q) => q.path.startsWith('/user_embeddings_v2/_forcemerge') && q.query === 'only_expunge_deletes=true')).to.equal(true);

    const hash = subjectHash(SALT, 'customer', '103');
    const items = (await dynamodb.send(new ScanCommand({ TableName: registerTable }))).Items ?? [];
    expect(items.map((i) => [i.subject.S, i.hash.S, i.erasureId.S])).to.deep.equal([['customer', hash, out.erasureId]]);
    expect(items[0].pendingSources.L!.map((x) => x.S)).to.deep.equal(['source/customers', 'source/orders', 'source/ratings', 'stream/user_events']);

    const log = new DynamoRunLog(dynamodb, runLogTable);
    expect(await log.getRun(out.erasureId)).to.deep.include({ command: 'erase', status: 'succeeded', env: 'dev', owner: 'stepfunctions:erasure' });
    const steps = (await log.events(out.erasureId)).filter((e) => e.type === 'step_succeeded') as { key: string; metadata: Record<string, unknown> }[];
    expect(steps.map((e) => e.key).sort()).to.deep.equal(['index/user_embeddings', 'model/recommender', 'raw/customers', 'raw/ratings', 'serving/recommendations']);
    const ratings = steps.find((e) => e.key === 'raw/ratings')!.metadata;
    expect(ratings).to.deep.include({ rowsBefore: 3, rowsAfter: 1, rowsRemoved: 2, subjectHashes: `customer:${hash}` });
    expect(String(ratings.filesWritten)).to.match(/^s3:\/\/lake-raw\/ratings\/dt=2026-11-21\/part-00000\.parquet sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(await log.events(out.erasureId))).to.not.match(/"103"|customer=103/);
    await workFolderIsGone();
    await noIdInClear(out.erasureId);
  });

  it('verify: exit 0 once nothing holds the customer, naming the sources still pending upstream', async () => {
    const r = await cli(['--verify']);
    expect(r.code, r.err + r.out).to.equal(0);
    const out = JSON.parse(r.out) as { clean: boolean; held: unknown[]; sources: { key: string }[] };
    expect(out).to.deep.include({ clean: true, held: [] });
    expect(out.sources.map((x) => x.key)).to.include('source/customers');
  });

  it('a failed erase job: the execution fails through FinishFailed, the run is recorded failed, the alarm topic told, the request deleted; exit 1', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'lake-raw', Key: 'ratings/dt=2026-11-23/part-00000.parquet', Body: await (async () => {
      const file = path.join(work!, 'again.parquet');
      await withDuckDb((con) => con.run(`COPY (SELECT * FROM (VALUES (103, 'S10_1678', 5)) t(customerNumber, productCode, rating)) TO '${file}' (FORMAT parquet)`));
      return fs.readFileSync(file);
    })() }));
    await glue.send(new DeleteJobCommand({ JobName: jobName }));
    const before = moto!.notifications.length;
    try {
      const r = await cli(['--yes']);
      expect(r.code, r.err + r.out).to.equal(1);
      const out = JSON.parse(r.out) as { erasureId: string; status: string; error: string };
      expect(out.status).to.equal('failed');
      const log = new DynamoRunLog(dynamodb, runLogTable);
      expect(await log.getRun(out.erasureId)).to.deep.include({ command: 'erase', status: 'failed' });
      await workFolderIsGone();
      const deadline = Date.now() + 10_000;
      while (moto!.notifications.length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      expect(moto!.notifications[before]).to.deep.include({ Subject: 'Headwater: an erasure failed' });
      expect(moto!.notifications[before].Message).to.match(new RegExp(`Erasure ${out.erasureId} .*failed`));
    } finally {
      await glue.send(new CreateJobCommand({ Name: jobName, Role: 'glue-role', Command: { Name: 'glueetl', ScriptLocation: 's3://lake-artifacts/code/glue/erase_rows.py' } }));
    }
    // The rerun completes it.
    const again = await cli(['--yes']);
    expect(again.code, again.err + again.out).to.equal(0);
    expect(await whereIs103()).to.deep.equal([]);
  });
});
