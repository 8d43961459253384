/**
 * Firehose deliveries reaching the run log, EXECUTED in moto's server: the dev stack's lake bucket
 * announcing new objects to EventBridge, its rule on the stream asset's folder and its delivery
 * recorder function, exactly as the Pulumi program creates them (the mocks' captured inputs). An
 * object put where Firehose delivers makes S3 send `Object Created`, the rule matches it and invokes
 * the function (its real handler runs in this process: moto needs Docker to run a function's code),
 * which records the delivery; `assets status|runs --env dev` then show the stream asset materialized.
 * Firehose itself is not executed (moto's delivery stream does not call a transform): the test puts
 * the object Firehose would write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { synth } from '../infra/mock-runtime';
import { DynamoRunLog } from '../../jobs/aws/dynamo-runlog';
import { handler, targetFromEnvironment, type ObjectCreatedEvent } from '../../jobs/aws/delivery-recorder';
import type { DeliveryTarget } from '../../jobs/aws/manifest';
import { devCliJson } from './moto/cli';
import { byInput, createTableInput, resource } from './moto/synthesized';
import { inFunctionEnvironment, motoClientConfig, skipWithoutMoto, startMoto, useMoto, type Moto } from './moto/moto';

const REGION = 'eu-west-1';
const KEY = 'serving/recommendations';
const SLUG = 'serving-recommendations';

describe('Firehose deliveries recorded through S3 -> EventBridge -> the delivery recorder, executed in moto', function () {
  this.timeout(300_000);
  let moto: Moto | undefined;
  let restoreEnv: () => void = () => {};
  let home: string | undefined;
  let s3: S3Client;
  let table: string;
  let target: DeliveryTarget;
  /** Events the function was invoked with, as moto sent them. */
  const invocations: ObjectCreatedEvent[] = [];

  before(async function () {
    skipWithoutMoto(this);
    const s = await synth('dev');
    const fn = resource(s, 'aws:lambda/function:Function', `${SLUG}-deliveries-fn`);
    const fnEnv = (fn.environment as { variables: Record<string, string> }).variables;
    ({ target } = targetFromEnvironment(fnEnv));
    const rule = resource(s, 'aws:cloudwatch/eventRule:EventRule', `${SLUG}-deliveries-rule`);
    const notification = resource(s, 'aws:s3/bucketNotification:BucketNotification', 'lake-serving-eventbridge');
    expect(notification.bucket).to.equal(target.bucket);
    const runLogTable = byInput(s, 'aws:dynamodb/table:Table', 'name', fnEnv.HEADWATER_RUNLOG_TABLE);
    table = String(runLogTable.name);
    const manifest = byInput(s, 'aws:ssm/parameter:Parameter', 'name', '/headwater/dev/manifest');
    const manifestObject = byInput(s, 'aws:s3/bucketObjectv2:BucketObjectv2', 'key', 'manifest/dev.json');

    moto = await startMoto(async (functionName, environment, event) => {
      if (functionName !== fn.name) throw new Error(`no function ${functionName} in this test`);
      invocations.push(event as ObjectCreatedEvent);
      return inFunctionEnvironment(environment, () => handler(event as ObjectCreatedEvent));
    });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-moto-deliveries-'));
    restoreEnv = useMoto(moto, REGION, home);
    const config = motoClientConfig(moto, REGION);
    await new DynamoDBClient(config).send(new CreateTableCommand(createTableInput(runLogTable)));
    s3 = new S3Client({ ...config, forcePathStyle: true });
    for (const bucket of new Set([String(manifestObject.bucket), target.bucket])) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    }
    await s3.send(new PutObjectCommand({ Bucket: String(manifestObject.bucket), Key: String(manifestObject.key), Body: String(manifestObject.content) }));
    await new SSMClient(config).send(new PutParameterCommand({ Name: String(manifest.name), Type: 'String', Value: String(manifest.value), Tier: manifest.tier as 'Standard' | 'Advanced' }));
    // The stack's bucket notification (EventBridge on), rule, function and target.
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: target.bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const role = (await new IAMClient(config).send(new CreateRoleCommand({ RoleName: 'deliveries-role', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const created = await new LambdaClient(config).send(
      new CreateFunctionCommand({
        FunctionName: String(fn.name),
        Runtime: 'nodejs22.x',
        Handler: String(fn.handler),
        Role: role,
        // The code runs in this process (see moto.ts); moto only needs a package to accept the function.
        Code: { ZipFile: Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'binary') },
        Environment: { Variables: fnEnv },
      }),
    );
    // No EventBridge SDK client in this project: its two calls in its JSON protocol (moto checks no signature).
    await eventBridge(moto.endpoint, 'PutRule', { Name: String(rule.name), EventPattern: String(rule.eventPattern), State: 'ENABLED' });
    await eventBridge(moto.endpoint, 'PutTargets', { Rule: String(rule.name), Targets: [{ Id: 'recorder', Arn: created.FunctionArn! }] });
  });

  after(async () => {
    restoreEnv();
    await moto?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows the stream asset as not materialized before any delivery', async () => {
    const status = (await devCliJson(['status', KEY])) as { assets: { key: string; lastMaterialization: unknown }[] };
    expect(status.assets.find((a) => a.key === KEY)!.lastMaterialization).to.equal(null);
  });

  it('records an object delivered under the folder: the run log, then `assets status|runs --env dev`, show it', async () => {
    const objectKey = `${target.prefix}year=2026/month=03/day=02/hour=10/headwater-dev-${SLUG}-1-2026-03-02-10-04-11-a1.gz`;
    const body = gzipSync(['{"customer_number":1}', '{"customer_number":2}', '{"customer_number":3}'].map((l) => `${l}\n`).join(''));
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: objectKey, Body: body }));
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    await waitFor(async () => (await log.materializations(KEY, { limit: 1 })).length > 0);
    const [m] = await log.materializations(KEY, { limit: 1 });
    const runId = 'firehose-serving-recommendations-2026-03-02T10';
    expect(m).to.deep.include({ runId, partition: null, codeVersion: target.codeVersion });
    expect(m.metadata).to.deep.include({ rows: 3, files: 1, file: `s3://${target.bucket}/${objectKey}`, bytes: body.length, hour: '2026-03-02T10' });
    expect(invocations.at(-1)).to.deep.include({ source: 'aws.s3', 'detail-type': 'Object Created' });

    const status = (await devCliJson(['status', KEY])) as { assets: { key: string; lastMaterialization: unknown }[] };
    expect(status.assets.find((a) => a.key === KEY)!.lastMaterialization).to.deep.equal({ at: m.at, partition: null, runId });
    const runs = (await devCliJson(['runs'])) as { runId: string; command: string; selection: string; status: string }[];
    expect(runs.find((r) => r.runId === runId)).to.deep.include({ command: 'stream', selection: KEY, status: 'succeeded' });
  });

  it('does not record what is written outside the folder (Firehose\'s error and backup prefixes)', async () => {
    const before = invocations.length;
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: 'errors/recommendations/processing-failed/year=2026/month=03/day=02/hour=11/x.gz', Body: gzipSync('{}\n') }));
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: 'backup/recommendations/year=2026/month=03/day=02/hour=11/y.gz', Body: gzipSync('{}\n') }));
    // One more delivery after them: once it is recorded, the two before it had their chance.
    const objectKey = `${target.prefix}year=2026/month=03/day=02/hour=11/z.gz`;
    await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: objectKey, Body: gzipSync('{"customer_number":9}\n') }));
    const log = new DynamoRunLog(new DynamoDBClient({}), table);
    await waitFor(async () => (await log.materializations(KEY, { limit: 5 })).length === 2);
    expect(invocations.slice(before).map((e) => e.detail?.object?.key)).to.deep.equal([objectKey]);
    // Both kept, although the two may have landed within the same second (EventBridge's times are whole seconds).
    expect((await log.materializations(KEY, { limit: 5 })).map((m) => m.metadata.file)).to.have.members([`s3://${target.bucket}/${objectKey}`, `s3://${target.bucket}/${target.prefix}year=2026/month=03/day=02/hour=10/headwater-dev-${SLUG}-1-2026-03-02-10-04-11-a1.gz`]);
  });
});

/** One EventBridge API call (JSON 1.1 protocol) to moto. */
async function eventBridge(endpoint: string, action: string, body: unknown): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSEvents.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260302/${REGION}/events/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`EventBridge ${action}: ${res.status} ${await res.text()}`);
}

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the delivery to be recorded');
    await new Promise((r) => setTimeout(r, 200));
  }
}
