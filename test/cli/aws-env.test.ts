/**
 * `--env <stack>`: the CLI opens jobs/aws/environment.ts (manifest from SSM, run log in DynamoDB),
 * here against aws-sdk-client-mock; and without a region or credentials it exits 2 saying what to
 * set, not with an SDK stack trace.
 */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { manifest } from '../aws/fixtures';
import { runCli } from './run-cli';
import { withEnv } from '../setup/environment';

const cli = (...args: string[]) => runCli(args);

/** No credentials or region from anywhere: env, shared files, instance metadata. */
const NOTHING = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_PROFILE: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONFIG_FILE: '/nonexistent/headwater-test/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/headwater-test/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const stackTrace = /\n\s+at /;
const mockSsm = () => mockClient(SSMClient);
const mockDynamoDb = () => mockClient(DynamoDBClient);
const mockCloudWatch = () => mockClient(CloudWatchClient);
const mockSns = () => mockClient(SNSClient);

describe('assets --env <stack> (AWS environment)', () => {
  describe('with the stack mocked (aws-sdk-client-mock)', () => {
    let ssm: ReturnType<typeof mockSsm>;
    let ddb: ReturnType<typeof mockDynamoDb>;
    let cw: ReturnType<typeof mockCloudWatch>;
    let sns: ReturnType<typeof mockSns>;
    let undo: () => void;
    const mat = { type: 'materialization', key: 'analytics/sales_hourly', partition: '2026-01-05T10:00', runId: 'r1', codeVersion: 'c', dataVersion: 'd', inputs: {}, metadata: { rows: 12 }, at: '2026-01-05T11:05:00.000Z' };

    before(() => {
      // Mocked in before(), restored in after(): other files mock the same clients.
      ssm = mockSsm();
      ddb = mockDynamoDb();
      cw = mockCloudWatch();
      sns = mockSns();
      undo = withEnv({ ...NOTHING, AWS_REGION: 'eu-west-1' });
    });
    after(() => {
      ssm.restore();
      ddb.restore();
      cw.restore();
      sns.restore();
      undo();
    });
    beforeEach(() => {
      ssm.reset();
      ddb.reset();
      cw.reset();
      sns.reset();
      cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
      sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: `${manifest.alarmTopicArn}:sub-1`, Endpoint: 'oncall@example.com' }] });
    });

    it('status --env dev --json reads the manifest from SSM and the run log from DynamoDB', async () => {
      ssm.on(GetParameterCommand, { Name: '/headwater/dev/manifest' }).resolves({ Parameter: { Value: JSON.stringify(manifest) } });
      ddb.on(QueryCommand).callsFake((input: { TableName: string; ExpressionAttributeValues: Record<string, { S: string }> }) => ({
        Items: input.TableName === 'headwater-dev-runlog' && input.ExpressionAttributeValues[':pk'].S === 'MAT' ? [{ pk: { S: 'MAT' }, sk: { S: 'analytics/sales_hourly#2026-01-05T10:00' }, doc: { S: JSON.stringify(mat) } }] : [],
      }));
      const r = await cli('status', 'analytics/sales_hourly', '--env', 'dev', '--json');
      expect(r.err).to.equal('');
      expect(r.code).to.equal(0);
      const j = JSON.parse(r.out) as { env: string; assets: { key: string; lastMaterialization: { at: string; partition: string; runId: string } | null }[] };
      expect(j.env).to.equal('dev');
      expect(j.assets.map((a) => a.key)).to.deep.equal(['analytics/sales_hourly']);
      expect(j.assets[0].lastMaterialization).to.deep.equal({ at: mat.at, partition: '2026-01-05T10:00', runId: 'r1' });
      expect(ssm.commandCalls(GetParameterCommand)).to.have.length(1);
      expect(ddb.commandCalls(QueryCommand).every((c) => c.args[0].input.TableName === 'headwater-dev-runlog')).to.equal(true);
    });

    it('status --env dev shows the stack\'s alarms in ALARM with their asset, and warns when no subscription is confirmed', async () => {
      const withAlarms = { ...manifest, alarms: [{ name: 'headwater-dev-stream-user-events-iterator-age', asset: 'stream/user_events', description: 'stream/user_events: consumers are more than an hour behind' }] };
      ssm.on(GetParameterCommand, { Name: '/headwater/dev/manifest' }).resolves({ Parameter: { Value: JSON.stringify(withAlarms) } });
      ddb.on(QueryCommand).resolves({ Items: [] });
      cw.on(DescribeAlarmsCommand)
        .resolvesOnce({
          MetricAlarms: [{ AlarmName: 'headwater-dev-stream-user-events-iterator-age', StateValue: 'ALARM', StateUpdatedTimestamp: new Date(Date.now() - 3 * 3_600_000) }],
          NextToken: 'page-2',
        })
        .resolvesOnce({ MetricAlarms: [{ AlarmName: 'headwater-dev-alarm-delivery', StateValue: 'OK' }] });
      sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Endpoint: 'oncall@example.com' }] });
      const json = JSON.parse((await cli('status', '--env', 'dev', '--json')).out) as { alarms: { firing: { name: string; asset: string }[]; total: number; deliveryProblem: string } };
      expect(json.alarms.total).to.equal(2);
      expect(json.alarms.firing).to.have.length(1);
      expect(json.alarms.firing[0]).to.include({ name: 'headwater-dev-stream-user-events-iterator-age', asset: 'stream/user_events' });
      expect(json.alarms.deliveryProblem).to.contain('not confirmed (oncall@example.com)');
      // Only this stack's alarms are asked for.
      expect(cw.commandCalls(DescribeAlarmsCommand).every((c) => c.args[0].input.AlarmNamePrefix === 'headwater-dev-')).to.equal(true);
      cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'headwater-dev-stream-user-events-iterator-age', StateValue: 'ALARM', StateUpdatedTimestamp: new Date(Date.now() - 3 * 3_600_000) }] });
      const text = await cli('status', '--env', 'dev');
      expect(text.code).to.equal(0);
      expect(text.out).to.contain('1 of 1 alarm(s) in ALARM').and.contain('headwater-dev-stream-user-events-iterator-age [stream/user_events] since 3h ago');
      expect(text.out).to.contain('warning: the alarm topic\'s subscription is not confirmed');
    });

    it('status --env dev still shows the assets when the alarms cannot be read', async () => {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(manifest) } });
      ddb.on(QueryCommand).resolves({ Items: [] });
      cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('not authorized to perform cloudwatch:DescribeAlarms'), { name: 'AccessDenied', $metadata: {} }));
      const r = await cli('status', '--env', 'dev');
      expect(r.code).to.equal(0);
      expect(r.out).to.contain('analytics/sales_hourly').and.contain("warning: could not read the stack's alarms: not authorized");
    });

    it("status --env dev counts the stack's pending erasures from its deletion register, reading no hash", async () => {
      const erasure = { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:headwater-dev-erasure', workBucket: 'lake-artifacts', workPrefix: 'tmp/erasure/', summaryPrefix: 'erasure/summaries/', registerTable: 'headwater-dev-deletion-register', kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k', holders: [], sources: [], subjects: ['customer'] };
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ ...manifest, erasure }) } });
      ddb.on(QueryCommand).resolves({ Items: [] });
      const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
      const [twoDays, threeDays, oneDay] = [daysAgo(2), daysAgo(3), daysAgo(1)];
      const entry = (erasedAt: string, sources: string[]) => ({ subject: { S: 'customer' }, erasedAt: { S: erasedAt }, checkedAt: { S: erasedAt }, pendingSources: { L: sources.map((x) => ({ S: x })) } });
      // Two pages: a subject still in the source table, one whose stream records expired (24 h retention), one cleared.
      const page1 = { Items: [entry(twoDays, ['source/customers', 'stream/user_events'])], LastEvaluatedKey: { subject: { S: 'customer' }, hash: { S: 'h1' } } };
      const page2 = { Items: [entry(threeDays, ['stream/user_events']), entry(oneDay, [])] };
      ddb.on(ScanCommand).callsFake((input: { ExclusiveStartKey?: unknown }) => (input.ExclusiveStartKey ? page2 : page1));
      const json = JSON.parse((await cli('status', '--env', 'dev', '--json')).out) as { erasure: unknown };
      expect(json.erasure).to.deep.equal({ registered: 3, pending: 1, pendingBySource: { 'source/customers': 1 }, checkedAt: twoDays });
      const scans = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
      expect(scans).to.have.length(2);
      expect(scans[1].ExclusiveStartKey).to.deep.equal({ subject: { S: 'customer' }, hash: { S: 'h1' } });
      for (const input of scans) {
        expect(input).to.deep.include({ TableName: 'headwater-dev-deletion-register', Select: 'SPECIFIC_ATTRIBUTES' });
        expect(Object.values(input.ExpressionAttributeNames ?? {}).sort()).to.deep.equal(['checkedAt', 'erasedAt', 'pendingSources', 'subject']);
      }
      const text = await cli('status', '--env', 'dev');
      expect(text.code).to.equal(0);
      expect(text.out).to.contain("erasure: 1 of 3 erased subjects possibly still held upstream: source/customers (1)").and.contain("sources inside the stack's VPC are not rechecked from the CLI");
      ddb.on(ScanCommand).rejects(Object.assign(new Error('not authorized to perform dynamodb:Scan'), { name: 'AccessDeniedException', $metadata: {} }));
      const denied = await cli('status', '--env', 'dev');
      expect(denied.code).to.equal(0);
      expect(denied.out).to.contain('analytics/sales_hourly').and.contain("warning: could not read the stack's deletion register: not authorized");
    });

    it('a stack that was never deployed (no SSM parameter) exits 2 saying to deploy it', async () => {
      ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound', $metadata: {} }));
      const r = await cli('status', '--env', 'qa', '--json');
      expect(r.code).to.equal(2);
      expect(r.err).to.contain("stack 'qa' has no manifest at SSM /headwater/qa/manifest: deploy it with `pulumi up --stack qa`");
      expect(r.err).to.not.match(stackTrace);
    });
  });

  describe('with no AWS region or credentials', () => {
    let undo: () => void;
    before(() => {
      undo = withEnv(NOTHING);
    });
    after(() => undo());

    for (const args of [
      ['status', '--env', 'dev'],
      ['runs', '--env', 'dev', '--json'],
      ['materialize', 'raw/customers', '--env', 'dev'],
      ['backfill', 'raw/ratings', '--from', '2026-01-01', '--to', '2026-01-03', '--env', 'dev'],
    ]) {
      it(`${args.join(' ')}: exits 2 naming AWS_REGION and the deploy, no stack trace`, async () => {
        const r = await cli(...args);
        expect(r.code).to.equal(2);
        expect(r.err).to.contain('--env dev: no AWS region: set AWS_REGION').and.to.contain('`pulumi up --stack dev`').and.to.contain('/headwater/dev/manifest');
        expect(r.err).to.not.match(stackTrace);
      });
    }

    it('with a region but no credentials: exits 2 naming AWS_PROFILE / access keys', async () => {
      const undoRegion = withEnv({ AWS_REGION: 'eu-west-1' });
      try {
        const r = await cli('status', '--env', 'dev', '--json');
        expect(r.code).to.equal(2);
        expect(r.err).to.contain('--env dev: no AWS credentials: set AWS_PROFILE').and.to.contain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY').and.to.contain('`pulumi up --stack dev`');
        expect(r.err).to.not.match(stackTrace);
        expect(r.out).to.equal('');
      } finally {
        undoRegion();
      }
    });
  });
});
