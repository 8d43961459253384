/** The stack's orchestration under Pulumi mocks: state machines per schedule, schedules, exact IAM, the definition. */
import { synth } from './mock-runtime';
import { expect } from 'chai';
import type { Synthesis } from '../../infra/synth/synthesize';
import { MOCK_ACCOUNT } from '../../infra/synth/mocks';
import { EVENTS_PER_STEP, HISTORY_LIMIT, eventBridgeCron } from '../../infra/components/orchestration-plan';
import { LOG_DELIVERY_ACTIONS } from '../../infra/components/orchestration';
import { WILDCARD_ALLOW_LIST } from '../../infra/policy/allow-list';

const R = 'eu-west-1';
const A = MOCK_ACCOUNT;
const DAILY = 'c-30-0-x-x-x-utc';
const HOURLY = 'c-5-x-x-x-x-utc';
type Stmt = { Sid: string; Effect: string; Action: string[]; Resource: string[]; Condition?: unknown };
type AslState = Record<string, unknown> & { Type: string; Next?: string; Default?: string; Resource?: string; Parameters?: Record<string, unknown>; Catch?: { Next: string }[]; Retry?: { ErrorEquals: string[]; BackoffRate: number }[] };

const find = (s: Synthesis, type: string, name: string) => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} ${name}`);
  return r.inputs as Record<string, unknown>;
};
const policyOf = (s: Synthesis, name: string): Stmt[] => JSON.parse(String(find(s, 'aws:iam/rolePolicy:RolePolicy', name).policy)).Statement;
const definitionOf = (s: Synthesis, group: string) => JSON.parse(String(find(s, 'aws:sfn/stateMachine:StateMachine', `orchestration-${group}-sfn`).definition)) as { StartAt: string; States: Record<string, AslState> };

describe('orchestration on AWS under mocks (dev stack)', () => {
  let s: Synthesis;
  before(async function () {
    // A whole-stack synthesis: over the default 20 s on a loaded machine.
    this.timeout(60_000);
    s = await synth('dev');
  });

  it('has one state machine and one schedule per cron of the graph, in the cron\'s time zone, passing the tick time', () => {
    const machines = s.resources.filter((r) => r.type === 'aws:sfn/stateMachine:StateMachine' && r.name.startsWith('orchestration-')).map((r) => r.name).sort();
    expect(machines).to.deep.equal([`orchestration-${DAILY}-sfn`, `orchestration-${HOURLY}-sfn`]);
    const daily = find(s, 'aws:scheduler/schedule:Schedule', `orchestration-${DAILY}-schedule`);
    expect(daily).to.deep.include({ scheduleExpression: 'cron(30 0 * * ? *)', scheduleExpressionTimezone: 'UTC', flexibleTimeWindow: { mode: 'OFF' } });
    expect(daily.target).to.deep.include({ input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}', retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 } });
    expect(find(s, 'aws:scheduler/schedule:Schedule', `orchestration-${HOURLY}-schedule`).scheduleExpression).to.equal('cron(5 * * * ? *)');
    expect(find(s, 'aws:sfn/stateMachine:StateMachine', `orchestration-${DAILY}-sfn`)).to.deep.include({ type: 'STANDARD', loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `arn:aws:logs:${R}:${A}:log-group:/aws/vendedlogs/states/headwater-dev-${DAILY}:*` } });
  });

  it('grants the daily state machine exactly the documented .sync actions on this stack\'s jobs, application, function, topic and itself', () => {
    expect(policyOf(s, `orchestration-${DAILY}-policy`)).to.deep.equal([
      { Sid: 'Recorder', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [`arn:aws:lambda:${R}:${A}:function:headwater-dev-orchestration-recorder`] },
      { Sid: 'AlarmTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: [`arn:aws:sns:${R}:${A}:alarms-topic`] },
      { Sid: 'AlarmTopicKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [`arn:aws:kms:${R}:${A}:key/lake-logs-key`], Condition: { StringEquals: { 'kms:ViaService': [`sns.${R}.amazonaws.com`] } } },
      { Sid: 'ContinueAsNew', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`arn:aws:states:${R}:${A}:stateMachine:headwater-dev-${DAILY}`] },
      { Sid: 'LogDelivery', Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: ['*'] },
      // The eager indexes after the model: their load functions, nothing else of Lambda.
      { Sid: 'IndexLoads', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['item', 'user'].map((e) => `arn:aws:lambda:${R}:${A}:function:headwater-dev-index-${e}-embeddings-loader`) },
      {
        Sid: 'GlueJobRunsSync',
        Effect: 'Allow',
        Action: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
        Resource: ['raw-customers', 'raw-products', 'raw-ratings', 'training-ratings-ml-training'].map((j) => `arn:aws:glue:${R}:${A}:job/headwater-dev-${j}`),
      },
      { Sid: 'EmrStartJobRun', Effect: 'Allow', Action: ['emr-serverless:StartJobRun'], Resource: [`arn:aws:emr-serverless:${R}:${A}:/applications/model-recommender-app-app-id`] },
      { Sid: 'EmrJobRunsSync', Effect: 'Allow', Action: ['emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], Resource: [`arn:aws:emr-serverless:${R}:${A}:/applications/model-recommender-app-app-id/jobruns/*`] },
      { Sid: 'EmrSyncEvents', Effect: 'Allow', Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Resource: [`arn:aws:events:${R}:${A}:rule/StepFunctionsGetEventsForEMRServerlessJobRule`] },
      { Sid: 'EmrPassExecutionRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: [`arn:aws:iam::${A}:role/model-recommender-role`], Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } } },
    ]);
    // The hourly machine runs Glue only: no EMR grants at all.
    expect(policyOf(s, `orchestration-${HOURLY}-policy`).map((x) => x.Sid)).to.deep.equal(['Recorder', 'AlarmTopic', 'AlarmTopicKey', 'ContinueAsNew', 'LogDelivery', 'GlueJobRunsSync']);
    expect(WILDCARD_ALLOW_LIST.find((w) => w.sid === 'LogDelivery')!.actions).to.deep.equal(LOG_DELIVERY_ACTIONS);
  });

  it('grants the scheduler only StartExecution on its machine, and the recorder the run-log table, the freshness metric and the model\'s metrics object', () => {
    const machineArn = `arn:aws:sfn:${R}:${A}:headwater-dev-${DAILY}`;
    expect(policyOf(s, `orchestration-${DAILY}-scheduler-policy`)).to.deep.equal([{ Sid: 'StartExecution', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [machineArn] }]);
    expect(JSON.parse(String(find(s, 'aws:iam/role:Role', `orchestration-${DAILY}-scheduler-role`).assumeRolePolicy)).Statement[0].Principal).to.deep.equal({ Service: 'scheduler.amazonaws.com' });
    expect(policyOf(s, 'orchestration-recorder-policy').map((x) => [x.Sid, x.Action, x.Resource, x.Condition])).to.deep.equal([
      ['Logs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [`arn:aws:logs:${R}:${A}:log-group:/aws/lambda/headwater-dev-orchestration-recorder:*`], undefined],
      ['RunLog', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], [`arn:aws:dynamodb:${R}:${A}:table/headwater-dev-runlog`], undefined],
      ['LakeKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [`arn:aws:kms:${R}:${A}:key/lake-key`], { StringEquals: { 'kms:ViaService': [`dynamodb.${R}.amazonaws.com`] } }],
      ['PublishMetrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': 'Headwater' } }],
      // Exactly the object the trainer writes its metrics in (no listing: a missing object is denied, not listed).
      ['JobMetrics', ['s3:GetObject'], ['arn:aws:s3:::lake-model/recommender/model.json'], undefined],
      ['LakeKeyViaS3', ['kms:Decrypt'], [`arn:aws:kms:${R}:${A}:key/lake-key`], { StringEquals: { 'kms:ViaService': [`s3.${R}.amazonaws.com`] } }],
    ]);
    expect(find(s, 'aws:lambda/function:Function', 'orchestration-recorder-fn')).to.deep.include({ runtime: 'nodejs22.x', handler: 'index.handler' });
  });

  it('alarms on failed executions of each machine, to the alarm topic', () => {
    const alarm = find(s, 'aws:cloudwatch/metricAlarm:MetricAlarm', `orchestration-${DAILY}-failed`);
    expect(alarm).to.deep.include({ namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: `arn:aws:sfn:${R}:${A}:headwater-dev-${DAILY}` }, threshold: 0, alarmActions: [`arn:aws:sns:${R}:${A}:alarms-topic`] });
  });

  it('runs the daily batch upstream first, each job through its .sync integration and the indexes through their load functions, stopping downstream on failure or a blocking check', () => {
    const d = definitionOf(s, DAILY);
    expect(d.StartAt).to.equal('Plan');
    const map = d.States.Partitions as AslState & { ItemProcessor: { StartAt: string; States: Record<string, AslState> }; MaxConcurrency: number };
    expect(map).to.deep.include({ Type: 'Map', ItemsPath: '$.plan.items', MaxConcurrency: 1, Next: 'RunSucceeded' });
    const it = map.ItemProcessor.States;
    // Walk the success path: the order of the job tasks is the graph's.
    const order: string[] = [];
    for (let name: string | undefined = map.ItemProcessor.StartAt; name && it[name].Type !== 'Succeed'; ) {
      const st: AslState = it[name];
      if (st.Type === 'Task' && (String(st.Resource).endsWith('.sync') || st.Parameters?.FunctionName !== undefined && !String(st.Parameters.FunctionName).endsWith('orchestration-recorder'))) order.push(`${name} ${st.Resource}`);
      name = st.Type === 'Choice' ? (st.Choices as { Next: string }[])[0].Next.endsWith(':blocked') ? st.Default : (st.Choices as { Next: string }[])[0].Next : st.Next;
    }
    expect(order).to.deep.equal([
      'raw-customers arn:aws:states:::glue:startJobRun.sync',
      'raw-products arn:aws:states:::glue:startJobRun.sync',
      'raw-ratings arn:aws:states:::glue:startJobRun.sync',
      'training-ratings-ml-training arn:aws:states:::glue:startJobRun.sync',
      'model-recommender arn:aws:states:::emr-serverless:startJobRun.sync',
      'index-item-embeddings arn:aws:states:::lambda:invoke',
      'index-user-embeddings arn:aws:states:::lambda:invoke',
    ]);
    // The load's answer is the step's metadata; its failures are caught like a job's; throttling (another load running) is retried.
    expect(it['index-item-embeddings']).to.deep.include({
      Parameters: { FunctionName: `arn:aws:lambda:${R}:${A}:function:headwater-dev-index-item-embeddings-loader`, Payload: { key: 'index/item_embeddings', 'runId.$': '$.runId' } },
      ResultSelector: { 'metadata.$': '$.Payload' },
      ResultPath: '$.results.index-item-embeddings',
      Next: 'index-item-embeddings:succeeded',
    });
    expect(it['index-item-embeddings'].Retry![0].ErrorEquals).to.include('Lambda.TooManyRequestsException');
    expect(it['index-item-embeddings'].Catch![0].Next).to.equal('index-item-embeddings:failed');
    expect((it['index-item-embeddings:succeeded'].Parameters!.Payload as Record<string, unknown>)['metadata.$']).to.equal('$.results.index-item-embeddings.metadata');
    expect((it['model-recommender:succeeded'].Parameters!.Payload as Record<string, unknown>)['metadata.$']).to.equal(undefined);
    // The recorder judges each success by the asset's declared checks, over what the step reported:
    // the index load's answer (its rows), the trainer's model.json (its metrics).
    expect(it['index-item-embeddings:succeeded'].Parameters!.Payload).to.deep.include({ kind: 'vector-index', checks: [{ type: 'row_count', min: 1 }] });
    const model = it['model-recommender:succeeded'].Parameters!.Payload as { kind: string; checks: { name: string; blocking: boolean }[]; metricsObject: unknown };
    expect(model.kind).to.equal('emr-spark');
    expect(model.checks.map((c) => [c.name, c.blocking])).to.deep.equal([['beats_popularity_recall', true], ['beats_popularity_ndcg', false]]);
    expect(model.metricsObject).to.deep.equal({ bucket: 'lake-model', key: 'recommender/model.json' });
    expect(it['raw-ratings:succeeded'].Parameters!.Payload).to.not.have.property('metricsObject');
    expect(it['raw-ratings'].Parameters).to.deep.equal({
      JobName: 'headwater-dev-raw-ratings',
      Arguments: { '--headwater_run_id.$': '$.runId', '--partition_start.$': '$.steps.raw-ratings.start', '--partition_end.$': '$.steps.raw-ratings.end' },
    });
    expect(it['model-recommender'].Parameters).to.deep.include({ ApplicationId: 'model-recommender-app-app-id', ExecutionRoleArn: `arn:aws:iam::${A}:role/model-recommender-role` });
    expect(it['raw-ratings'].Retry![0]).to.deep.include({ ErrorEquals: ['Glue.ThrottlingException', 'Glue.ConcurrentRunsExceededException', 'Glue.InternalServiceException'], BackoffRate: 2 });
    expect(it['raw-ratings'].Catch![0].Next).to.equal('raw-ratings:failed');
    expect(d.States.Plan.Retry).to.deep.equal([
      { ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'], IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 300, JitterStrategy: 'FULL' },
    ]);
    expect(it['raw-ratings:failed'].Next).to.equal('raw-ratings:stop');
    expect(it['raw-ratings:stop']).to.deep.include({ Type: 'Fail', Error: 'Headwater.StepFailed' });
    expect(it['raw-ratings:blocked']).to.deep.include({ Type: 'Fail', Error: 'Headwater.BlockingCheckFailed' });
    expect(map.Catch![0].Next).to.equal('RunFailed');
    expect(d.States.RunFailed.Next).to.equal('Notify');
    expect(d.States.Notify).to.deep.include({ Resource: 'arn:aws:states:::sns:publish', Next: 'Failed' });
    expect(d.States.Notify.Parameters!.TopicArn).to.equal(`arn:aws:sns:${R}:${A}:alarms-topic`);
  });

  it('keeps a backfill under the 25,000-event history: at most maxPartitions per execution, the rest in a new one', () => {
    const d = definitionOf(s, DAILY);
    const max = (d.States.Plan.Parameters!.Payload as { maxPartitions: number }).maxPartitions;
    expect(max * (EVENTS_PER_STEP * 7 + 10)).to.be.at.most(HISTORY_LIMIT);
    expect(d.States.Continue).to.deep.include({ Resource: 'arn:aws:states:::states:startExecution', Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Input.$': '$.plan.continuation' } });
  });

  it('compiles every automated asset of the reference graph (the indexes included); nothing is left to `assets automate`', () => {
    expect(s.platform.orchestration.plan.notCompiled).to.deep.equal([]);
  });

  it('names only errors Step Functions accepts in Retry and Catch (States.* is reserved for its own)', () => {
    const RESERVED = ['States.ALL', 'States.TaskFailed', 'States.Timeout', 'States.HeartbeatTimeout', 'States.Permissions'];
    for (const group of [DAILY, HOURLY]) {
      const names = JSON.stringify(definitionOf(s, group)).match(/"ErrorEquals":\[[^\]]*\]/g)!.flatMap((m) => JSON.parse(m.slice('"ErrorEquals":'.length)) as string[]);
      expect(names.filter((n) => n.startsWith('States.') && !RESERVED.includes(n)), group).to.deep.equal([]);
    }
  });

  it('translates crons to EventBridge Scheduler form and refuses what it cannot say', () => {
    expect(eventBridgeCron('@daily')).to.equal('cron(0 0 * * ? *)');
    expect(eventBridgeCron('0 9 * * 1-5')).to.equal('cron(0 9 ? * 2-6 *)');
    expect(eventBridgeCron('0 9 * * 0')).to.equal('cron(0 9 ? * 1 *)');
    expect(() => eventBridgeCron('0 9 1 * 1')).to.throw(/only one of them/);
  });
});
