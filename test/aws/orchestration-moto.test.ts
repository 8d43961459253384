/**
 * The dev stack's hourly state machine, as the Pulumi program generates it (the mocks' captured
 * inputs, not a copy), EXECUTED by moto's Step Functions interpreter against moto's Glue,
 * DynamoDB, SNS and Lambda: the run log it writes is read back through `assets runs|status --env
 * dev`, a job that cannot start is caught and published to the alarm topic, and a failed blocking
 * check stops the steps after it. The recorder Lambda's real handler runs in this process (moto
 * needs Docker to run a function's code); everything else is moto's.
 *
 * The daily machine's index loads too: moto cannot run its EMR Serverless step, so the daily
 * schedule's group restricted to its eager indexes is compiled by the same `stateMachineDefinition`
 * with the dev stack's functions, and executed: each `lambda:invoke` of an index-load function runs
 * the function's load (`loadIndex`, its deployed environment) against moto's S3, holding
 * embeddings DuckDB wrote, and a mock OpenSearch connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateJobCommand, DeleteJobCommand, GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { synth } from '../infra/mock-runtime';
import { slug } from '../../infra/lake-layout';
import { DynamoRunLog } from '../../jobs/aws/dynamo-runlog';
import { handler, type RecorderEvent } from '../../jobs/aws/orchestration-recorder';
import { entryFromEnvironment, loadIndex, type IndexLoadEvent } from '../../jobs/aws/index-load-handler';
import { writeEmbeddingsParquet } from '../../jobs/model/lake-io';
import { stateMachineDefinition, type DefinitionTargets } from '../../infra/components/orchestration-plan';
import { mockSearchClient, type SeenRequest } from '../vector-store/opensearch-mock';
import { runCli } from '../cli/run-cli';
import { devCliJson } from './moto/cli';
import { byInput, createTableInput, resource } from './moto/synthesized';
import { inFunctionEnvironment, motoClientConfig, skipWithoutMoto, startMoto, useMoto, type Moto } from './moto/moto';

const REGION = 'eu-west-1';
const HOURLY = 'c-5-x-x-x-x-utc';
const DAILY = 'c-30-0-x-x-x-utc';
const EXECUTION_TIMEOUT_MS = 120_000;

describe('the generated state machine executed in moto (server mode)', function () {
  this.timeout(300_000);
  let moto: Moto | undefined;
  let restoreEnv: () => void = () => {};
  let home: string | undefined;
  let sfn: SFNClient;
  let glue: GlueClient;
  let machineArn: string;
  let jobNames: Record<string, string>;
  let table: string;
  let indexMachineArn: string;
  /** The same index loads, compiled from a declaration asking the first index for at least 1,000 rows (blocking). */
  let strictIndexMachineArn: string;
  /** Index-load function name -> its asset key, alias and embeddings object, from the dev stack. */
  let loaders: { functionName: string; key: string; alias: string; bucket: string; objectKey: string }[];
  let s3: S3Client;
  let searchSeen: SeenRequest[] = [];

  /** Starts an execution as the schedule would and waits for its end. */
  async function execute(name: string, input: unknown, stateMachineArn = machineArn): Promise<DescribeExecutionCommandOutput & { failedStates: string[]; failures: string }> {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    const deadline = Date.now() + EXECUTION_TIMEOUT_MS;
    for (;;) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status !== 'RUNNING') {
        const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        const events = history.events ?? [];
        const failedStates = events.filter((e) => e.type === 'FailStateEntered').map((e) => e.stateEnteredEventDetails?.name ?? '');
        // What went wrong, for the assertion messages: each failure event's error and cause.
        const failures = events.flatMap((e) => Object.entries(e).filter(([k, v]) => k.endsWith('EventDetails') && v && typeof v === 'object' && 'error' in v).map(([, v]) => `${e.type}: ${JSON.stringify(v)}`));
        return { ...d, failedStates, failures: failures.join('\n') };
      }
      if (Date.now() > deadline) throw new Error(`execution ${name} still RUNNING after ${EXECUTION_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The Glue job runs an execution started, per asset key, as the state machine passed them. */
  async function jobRunsOf(runId: string, keys = Object.keys(jobNames)): Promise<Record<string, Record<string, string>[]>> {
    const out: Record<string, Record<string, string>[]> = {};
    for (const key of keys) {
      const runs = (await glue.send(new GetJobRunsCommand({ JobName: jobNames[key] }))).JobRuns ?? [];
      out[key] = runs.filter((r) => r.Arguments?.['--headwater_run_id'] === runId).map((r) => r.Arguments!);
    }
    return out;
  }

  /** The assets the freshness metric has data for in moto's CloudWatch. */
  async function freshnessPoints(): Promise<string[]> {
    const cw = new CloudWatchClient({});
    const { Metrics } = await cw.send(new ListMetricsCommand({ Namespace: 'Headwater', MetricName: 'AssetMaterialized' }));
    return (Metrics ?? []).flatMap((m) => (m.Dimensions ?? []).filter((d) => d.Name === 'Asset').map((d) => d.Value!));
  }

  before(async function () {
    skipWithoutMoto(this);
    const s = await synth('dev');
    const machine = resource(s, 'aws:sfn/stateMachine:StateMachine', `orchestration-${HOURLY}-sfn`);
    const definition = String(machine.definition);
    const recorder = resource(s, 'aws:lambda/function:Function', 'orchestration-recorder-fn');
    const recorderEnv = (recorder.environment as { variables: Record<string, string> }).variables;
    const runLogTable = byInput(s, 'aws:dynamodb/table:Table', 'name', recorderEnv.HEADWATER_RUNLOG_TABLE);
    const manifest = byInput(s, 'aws:ssm/parameter:Parameter', 'name', '/headwater/dev/manifest');
    const parsed = JSON.parse(definition) as { States: { Notify: { Parameters: { TopicArn: string } }; Partitions: { ItemProcessor: { States: Record<string, { Type: string; Parameters?: { JobName?: string } }> } } } };
    const tasks = parsed.States.Partitions.ItemProcessor.States;
    // Asset key per Glue job, from the manifest the CLI reads; in the definition's (topological) order.
    // The manifest is too big for SSM: the parameter points at the copy the program writes to S3.
    const manifestObject = byInput(s, 'aws:s3/bucketObjectv2:BucketObjectv2', 'key', 'manifest/dev.json');
    const { assets } = JSON.parse(String(manifestObject.content)) as { assets: Record<string, { key: string; jobName?: string }> };
    const keyOfJob = new Map(Object.values(assets).map((a) => [a.jobName, a.key]));
    jobNames = Object.fromEntries(Object.values(tasks).flatMap((t) => (t.Parameters?.JobName ? [[keyOfJob.get(t.Parameters.JobName)!, t.Parameters.JobName]] : [])));
    table = String(runLogTable.name);

    // The daily schedule's index-load functions, and its group restricted to them (see the file comment).
    const group = s.platform.orchestration.plan.groups.find((g) => g.id === DAILY)!;
    const indexGroup = { ...group, assets: group.assets.filter((a) => a.kind === 'vector-index') };
    expect(indexGroup.assets.map((a) => a.key), 'the daily schedule loads the indexes after the model').to.have.length(2);
    const daily = JSON.parse(String(resource(s, 'aws:sfn/stateMachine:StateMachine', `orchestration-${DAILY}-sfn`).definition)) as typeof parsed & { States: { Plan: { Parameters: { FunctionName: string } } } };
    const dailyTasks = (daily.States.Partitions.ItemProcessor.States as unknown) as Record<string, { Parameters?: { FunctionName?: string } }>;
    const indexTargets: DefinitionTargets = {
      recorderArn: daily.States.Plan.Parameters.FunctionName,
      topicArn: daily.States.Notify.Parameters.TopicArn,
      glueJobs: {},
      emr: {},
      indexLoaders: Object.fromEntries(indexGroup.assets.map((a) => [a.key, dailyTasks[a.slug].Parameters!.FunctionName!])),
    };
    const loaderFns = indexGroup.assets.map((a) => resource(s, 'aws:lambda/function:Function', `${a.slug}-loader-fn`));
    loaders = loaderFns.map((f) => {
      const { entry } = entryFromEnvironment({ ...(f.environment as { variables: Record<string, string> }).variables, AWS_REGION: REGION });
      return { functionName: String(f.name), key: entry.key, alias: entry.alias, bucket: entry.embeddings.bucket, objectKey: entry.embeddings.key };
    });
    const search = mockSearchClient((r) => {
      const alias = /^\/_alias\/(.+)$/.exec(r.path)?.[1];
      if (r.method === 'GET' && alias) return { status: 404, body: { error: 'alias not found', status: 404 } };
      if (r.method === 'POST' && r.path === '/_bulk') return { body: { errors: false, items: [] } };
      if (r.method === 'GET' && r.path.endsWith('_v*')) return { body: {} };
      return { body: { acknowledged: true } };
    });
    searchSeen = search.seen;

    moto = await startMoto(async (functionName, environment, event) => {
      const loader = loaders.find((l) => l.functionName === functionName);
      if (loader) {
        // The function's load with its deployed environment (and the region Lambda sets); OpenSearch is a mock connection.
        const { entry, stack, region } = entryFromEnvironment({ ...environment, AWS_REGION: REGION });
        return loadIndex(event as IndexLoadEvent, { entry, stack, region, s3, searchClient: () => search.client });
      }
      if (functionName !== recorder.name) throw new Error(`no function ${functionName} in this test`);
      // The function's own environment, as Lambda would give it; the SDK reaches moto through AWS_ENDPOINT_URL.
      return inFunctionEnvironment(environment, () => handler(event as RecorderEvent));
    });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-moto-'));
    restoreEnv = useMoto(moto, REGION, home);
    const config = motoClientConfig(moto, REGION);
    sfn = new SFNClient(config);
    glue = new GlueClient(config);
    await new DynamoDBClient(config).send(new CreateTableCommand(createTableInput(runLogTable)));
    s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: String(manifestObject.bucket), CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3.send(new PutObjectCommand({ Bucket: String(manifestObject.bucket), Key: String(manifestObject.key), Body: String(manifestObject.content), ContentType: 'application/json' }));
    await new SSMClient(config).send(new PutParameterCommand({ Name: String(manifest.name), Type: 'String', Value: String(manifest.value), Tier: manifest.tier as 'Standard' | 'Advanced' }));
    for (const job of Object.values(jobNames)) await glue.send(new CreateJobCommand({ Name: job, Role: 'glue-role', Command: { Name: 'glueetl', ScriptLocation: `s3://scripts/${job}.py` } }));
    const topicArn = parsed.States.Notify.Parameters.TopicArn;
    const sns = new SNSClient(config);
    expect((await sns.send(new CreateTopicCommand({ Name: topicArn.split(':').pop()! }))).TopicArn).to.equal(topicArn);
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: moto.notificationsUrl }));
    const iam = new IAMClient(config);
    const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
    const lambdaRole = (await iam.send(new CreateRoleCommand({ RoleName: 'recorder-role', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }))).Role!.Arn!;
    const sfnRole = (await iam.send(new CreateRoleCommand({ RoleName: 'sfn-role', AssumeRolePolicyDocument: trust('states.amazonaws.com') }))).Role!.Arn!;
    await new LambdaClient(config).send(
      new CreateFunctionCommand({
        FunctionName: String(recorder.name),
        Runtime: 'nodejs22.x',
        Handler: String(recorder.handler),
        Role: lambdaRole,
        // The code runs in this process (see moto.ts); moto only needs a package to accept the function.
        Code: { ZipFile: Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'binary') },
        Environment: { Variables: recorderEnv },
      }),
    );
    machineArn = (await sfn.send(new CreateStateMachineCommand({ name: String(machine.name), definition, roleArn: sfnRole, type: 'STANDARD' }))).stateMachineArn!;

    // The index loads: their functions as deployed, the embeddings the model step writes (here by DuckDB).
    const lambda = new LambdaClient(config);
    for (const f of loaderFns) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: String(f.name),
          Runtime: 'nodejs22.x',
          Handler: String(f.handler),
          Role: lambdaRole,
          Code: { ZipFile: Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'binary') },
          Environment: { Variables: (f.environment as { variables: Record<string, string> }).variables },
        }),
      );
    }
    const buckets = new Set(loaders.map((l) => l.bucket));
    for (const b of buckets) if (b !== manifestObject.bucket) await s3.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    for (const [i, l] of loaders.entries()) {
      const file = path.join(home, `${i}.parquet`);
      const dimension = JSON.parse(String((loaderFns[i].environment as { variables: Record<string, string> }).variables.HEADWATER_INDEX_ENTRY)).dimension as number;
      const idColumn = JSON.parse(String((loaderFns[i].environment as { variables: Record<string, string> }).variables.HEADWATER_INDEX_ENTRY)).embeddings.idColumn as string;
      await writeEmbeddingsParquet(file, idColumn, 'integer', ['1', '2', '3'], Float32Array.from({ length: 3 * dimension }, (_, k) => k / 10), dimension);
      await s3.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.objectKey, Body: fs.readFileSync(file) }));
    }
    const indexDefinition = JSON.stringify(stateMachineDefinition(indexGroup, indexTargets));
    indexMachineArn = (await sfn.send(new CreateStateMachineCommand({ name: `${String(machine.name)}-indexes`, definition: indexDefinition, roleArn: sfnRole, type: 'STANDARD' }))).stateMachineArn!;
    const [strictFirst, ...others] = indexGroup.assets;
    const strictGroup = { ...indexGroup, assets: [{ ...strictFirst, checks: [{ type: 'row_count' as const, min: 1000 }] }, ...others] };
    const strictDefinition = JSON.stringify(stateMachineDefinition(strictGroup, indexTargets));
    strictIndexMachineArn = (await sfn.send(new CreateStateMachineCommand({ name: `${String(machine.name)}-indexes-strict`, definition: strictDefinition, roleArn: sfnRole, type: 'STANDARD' }))).stateMachineArn!;
  });

  after(async () => {
    restoreEnv();
    await moto?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs a tick: each job through startJobRun.sync with its window, the run log written as `assets runs|status --env dev` read it', async () => {
    const d = await execute('tick-1', { scheduledTime: '2026-03-02T10:05:00Z' });
    expect(d.status, d.failures).to.equal('SUCCEEDED');
    const window = { '--headwater_run_id': 'sfn-tick-1', '--partition_start': '2026-03-02T09:00:00.000Z', '--partition_end': '2026-03-02T10:00:00.000Z' };
    expect(await jobRunsOf('sfn-tick-1')).to.deep.equal(Object.fromEntries(Object.keys(jobNames).map((k) => [k, [window]])));

    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    const runs = (await devCliJson(['runs'])) as { runId: string }[];
    expect(runs).to.deep.equal(await log.listRuns(20));
    expect(runs.find((r) => r.runId === 'sfn-tick-1')).to.deep.include({
      command: 'materialize',
      selection: Object.keys(jobNames).join(','),
      partitions: 'latest',
      env: 'dev',
      status: 'succeeded',
      owner: `stepfunctions:${HOURLY}`,
      stepsPlanned: Object.keys(jobNames).length,
      automation: { tickId: `${HOURLY}@2026-03-02T10:05:00Z`, requestId: 'tick-1' },
    });
    const events = await log.events('sfn-tick-1');
    expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal(Object.keys(jobNames).flatMap((k) => [`step_started ${k}`, `materialization ${k}`, `step_succeeded ${k}`]));

    // The recorder published the freshness metric each asset's alarm counts, as the CLI does.
    expect(await freshnessPoints()).to.include.members(Object.keys(jobNames));

    const status = (await devCliJson(['status', Object.keys(jobNames).join(' or ')])) as { assets: { key: string; lastMaterialization: unknown }[] };
    for (const key of Object.keys(jobNames)) {
      const [latest] = await log.materializations(key, { limit: 1 });
      expect(status.assets.find((a) => a.key === key)!.lastMaterialization).to.deep.equal({ at: latest.at, partition: '2026-03-02T09:00', runId: 'sfn-tick-1' });
    }
  });

  it('backfills: a Map over the partitions, oldest first, one run record', async () => {
    const partitions = ['2026-03-01T00:00', '2026-03-01T01:00', '2026-03-01T02:00'];
    const d = await execute('backfill-1', { partitions });
    expect(d.status, d.failures).to.equal('SUCCEEDED');
    const runs = await jobRunsOf('sfn-backfill-1');
    for (const key of Object.keys(jobNames)) expect(runs[key].map((a) => a['--partition_start']).sort()).to.deep.equal(partitions.map((p) => `${p}:00.000Z`));
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    expect(await log.getRun('sfn-backfill-1')).to.deep.include({ command: 'backfill', partitions: '2026-03-01T00:00..2026-03-01T02:00', status: 'succeeded' });
    const first = Object.keys(jobNames)[0];
    expect((await log.events('sfn-backfill-1')).filter((e) => e.type === 'materialization' && e.key === first).map((e) => (e as { partition: string }).partition)).to.deep.equal(partitions);
  });

  it('stops downstream after a failed blocking check, records the run as failed and publishes to the alarm topic', async () => {
    const [first, ...rest] = Object.keys(jobNames);
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    // The check's evaluation for this run, as the engine writes it while the step runs.
    await log.append({ type: 'check_evaluated', runId: 'sfn-tick-2', key: first, partition: '2026-03-02T10:00', check: 'row_count', passed: false, blocking: true, message: '0 rows, expected >= 1', at: '2026-03-02T11:05:30.000Z' });
    const before = moto!.notifications.length;
    const d = await execute('tick-2', { scheduledTime: '2026-03-02T11:05:00Z' });
    expect(d.status).to.equal('FAILED');
    expect(d.failedStates).to.deep.equal([`${slug(first)}:blocked`, 'Failed']);
    const runs = await jobRunsOf('sfn-tick-2');
    expect(runs[first]).to.have.length(1);
    for (const key of rest) expect(runs[key], `${key} ran after a blocking failure`).to.deep.equal([]);
    const run = await log.getRun('sfn-tick-2');
    expect(run).to.deep.include({ status: 'failed' });
    expect(run!.error).to.match(/Headwater\.BlockingCheckFailed/);
    await waitFor(() => moto!.notifications.length > before);
    expect(moto!.notifications[before].Message).to.match(new RegExp(`Execution .*tick-2 of ${HOURLY} failed: .*BlockingCheckFailed`));
  });

  it('catches a job that cannot start: the step and the run recorded as failed, the alarm topic told, nothing downstream', async () => {
    const [first, ...rest] = Object.keys(jobNames);
    await glue.send(new DeleteJobCommand({ JobName: jobNames[first] }));
    const before = moto!.notifications.length;
    try {
      const d = await execute('tick-3', { scheduledTime: '2026-03-02T12:05:00Z' });
      expect(d.status).to.equal('FAILED');
      expect(d.failedStates).to.deep.equal([`${slug(first)}:stop`, 'Failed']);
      const log = new DynamoRunLog(new DynamoDBClient({}), table);
      const events = await log.events('sfn-tick-3');
      expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal([`step_started ${first}`, `step_failed ${first}`]);
      expect((events[1] as { error: string }).error).to.match(/EntityNotFound/);
      expect(await log.getRun('sfn-tick-3')).to.deep.include({ status: 'failed' });
      const runs = (await devCliJson(['runs'])) as { runId: string; status: string }[];
      expect(runs.find((r) => r.runId === 'sfn-tick-3')!.status).to.equal('failed');
      expect(await jobRunsOf('sfn-tick-3', rest)).to.deep.equal(Object.fromEntries(rest.map((k) => [k, []])));
      await waitFor(() => moto!.notifications.length > before);
      expect(moto!.notifications[before]).to.deep.include({ Subject: 'Headwater: scheduled run failed (5 * * * *)' });
    } finally {
      await glue.send(new CreateJobCommand({ Name: jobNames[first], Role: 'glue-role', Command: { Name: 'glueetl', ScriptLocation: 's3://scripts/x.py' } }));
    }
  });

  it('loads the indexes after the model through lambda:invoke of their functions, recording what each answered', async () => {
    const d = await execute('index-tick-1', { scheduledTime: '2026-03-02T00:30:00Z' }, indexMachineArn);
    expect(d.status, d.failures).to.equal('SUCCEEDED');
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    expect(await log.getRun('sfn-index-tick-1')).to.deep.include({ status: 'succeeded', stepsPlanned: loaders.length, owner: `stepfunctions:${DAILY}` });
    const events = await log.events('sfn-index-tick-1');
    // Each load's declared row_count judged from the rows it answered, recorded between its materialization and its success.
    expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal(loaders.flatMap((l) => [`step_started ${l.key}`, `materialization ${l.key}`, `check_evaluated ${l.key}`, `step_succeeded ${l.key}`]));
    const checks = (await devCliJson(['checks', loaders.map((l) => l.key).join(' or ')])) as { checks: { key: string; check: string; last: { passed: boolean; message: string; runId: string } }[]; failingBlocking: number };
    expect(checks.failingBlocking).to.equal(0);
    expect(checks.checks.map((c) => [c.key, c.check, c.last])).to.deep.equal(
      loaders.map((l) => [l.key, 'row_count', { passed: true, message: '3 rows loaded, expected >= 1', partition: null, runId: 'sfn-index-tick-1', at: (events.find((e) => e.type === 'check_evaluated' && e.key === l.key) as { at: string }).at }]),
    );
    expect(await freshnessPoints()).to.include.members(loaders.map((l) => l.key));
    for (const l of loaders) {
      const [m] = await log.materializations(l.key, { limit: 1 });
      // The function's answer, as `assets materialize --env` records it, plus who ran it.
      expect(m.metadata).to.deep.include({ rows: 3, alias: l.alias, source: `s3://${l.bucket}/${l.objectKey}`, orchestrator: 'stepfunctions' });
      expect(String(m.metadata.version)).to.match(new RegExp(`^${l.alias}_v\\d+$`));
      // Each function loaded its own alias from its own object: three documents, then the alias swap.
      const bulk = searchSeen.filter((r) => r.path === '/_bulk' && JSON.stringify(r.body).includes(`"_index":"${String(m.metadata.version)}"`));
      expect(bulk, l.alias).to.have.length(1);
      expect(bulk[0].body as unknown[]).to.have.length(6);
    }
    expect(searchSeen.filter((r) => r.path === '/_aliases').map((r) => (r.body as { actions: { add?: { alias: string } }[] }).actions.at(-1)!.add!.alias)).to.deep.equal(loaders.map((l) => l.alias));
  });

  it('stops the execution on a blocking check of an index load: the check recorded, the run failed, the alarm topic told, the next index not loaded', async () => {
    const [first, ...rest] = loaders;
    const before = moto!.notifications.length;
    const seen = searchSeen.length;
    const d = await execute('index-tick-strict', { scheduledTime: '2026-03-04T00:30:00Z' }, strictIndexMachineArn);
    expect(d.status).to.equal('FAILED');
    expect(d.failedStates).to.deep.equal([`${slug(first.key)}:blocked`, 'Failed']);
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    const events = await log.events('sfn-index-tick-strict');
    expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal([`step_started ${first.key}`, `materialization ${first.key}`, `check_evaluated ${first.key}`, `step_succeeded ${first.key}`]);
    expect(events[2]).to.deep.include({ check: 'row_count', passed: false, blocking: true, message: '3 rows loaded, expected >= 1000', partition: null });
    const run = await log.getRun('sfn-index-tick-strict');
    expect(run).to.deep.include({ status: 'failed' });
    expect(run!.error).to.match(/Headwater\.BlockingCheckFailed/);
    // `assets checks --env dev` shows the failure and exits 1 (a blocking check last failed).
    const r = await runCli(['checks', first.key, '--env', 'dev', '--json']);
    expect(r.code, r.err).to.equal(1);
    expect((JSON.parse(r.out) as { failingBlocking: number }).failingBlocking).to.equal(1);
    // The first load ran (its alias moved: checks judge what a step wrote); the next index was not touched.
    const written = searchSeen.slice(seen).filter((r) => r.path === '/_bulk');
    expect(written).to.have.length(1);
    expect(JSON.stringify(written[0].body)).to.include(`"_index":"${first.alias}_v`);
    for (const l of rest) expect(JSON.stringify(written), l.alias).to.not.include(`"_index":"${l.alias}_v`);
    await waitFor(() => moto!.notifications.length > before);
    expect(moto!.notifications[before].Message).to.match(new RegExp(`Execution .*index-tick-strict of ${DAILY} failed: .*BlockingCheckFailed`));
  });

  it("catches a failed load: the function's message recorded with the step, the run failed, the alarm topic told, the next index not loaded", async () => {
    const [first, ...rest] = loaders;
    await s3.send(new DeleteObjectCommand({ Bucket: first.bucket, Key: first.objectKey }));
    const before = moto!.notifications.length;
    const seen = searchSeen.length;
    const d = await execute('index-tick-2', { scheduledTime: '2026-03-03T00:30:00Z' }, indexMachineArn);
    expect(d.status).to.equal('FAILED');
    expect(d.failedStates).to.deep.equal([`${slug(first.key)}:stop`, 'Failed']);
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    const events = await log.events('sfn-index-tick-2');
    expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal([`step_started ${first.key}`, `step_failed ${first.key}`]);
    // The recorder keeps the function's message (what to do), not its payload and stack.
    const error = (events[1] as { error: string }).error;
    expect(error.startsWith(`IndexLoadError: no embeddings at s3://${first.bucket}/${first.objectKey}: materialize `), error).to.equal(true);
    expect(error.endsWith(`the alias '${first.alias}' still points to the previous version`), error).to.equal(true);
    expect(await log.getRun('sfn-index-tick-2')).to.deep.include({ status: 'failed' });
    expect(searchSeen.slice(seen).map((r) => r.path), `${rest.map((l) => l.alias).join(', ')} not loaded, nothing written`).to.deep.equal([]);
    await waitFor(() => moto!.notifications.length > before);
    expect(moto!.notifications[before].Message).to.match(new RegExp(`Execution .*index-tick-2 of ${DAILY} failed: .*StepFailed`));
  });
});

async function waitFor(ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the SNS notification');
    await new Promise((r) => setTimeout(r, 100));
  }
}
