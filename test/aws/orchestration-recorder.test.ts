/** The recorder Lambda's work on a run log: what a scheduled execution plans and writes, in the CLI's shape. */
import { expect } from 'chai';
import { MemoryRunLog, hourlyPartitions, dailyPartitions } from '../../assets/core';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { dispatch, RecorderInputError, sdkServices, type PlanResult, type RecorderServices } from '../../jobs/aws/orchestration-recorder';
import { awsError, fakeClock } from './fixtures';

const HOURLY = hourlyPartitions({ start: '2026-01-01' });
const DAILY = dailyPartitions({ start: '2026-01-01' });
const assets = [
  { key: 'raw/orders', slug: 'raw-orders', partitions: DAILY },
  { key: 'analytics/sales', slug: 'analytics-sales', partitions: HOURLY },
  { key: 'model/m', slug: 'model-m', partitions: null },
];
const planEvent = (input: Record<string, unknown>, max = 100) => ({ action: 'plan' as const, group: 'g', assets, maxPartitions: max, input, execution: 'exec-1', startedAt: '2026-03-02T00:30:04.000Z' });

describe('orchestration recorder (the state machines\' Lambda)', () => {
  it('plans a tick: each asset\'s latest complete window at the scheduled time, and creates the run once', async () => {
    const log = new MemoryRunLog();
    const p = (await dispatch(log, 'dev', planEvent({ scheduledTime: '2026-03-02T00:30:00Z' }), 0)) as PlanResult;
    expect(p).to.deep.equal({
      runId: 'sfn-exec-1',
      continuation: null,
      items: [
        {
          runId: 'sfn-exec-1',
          steps: {
            'raw-orders': { key: 'raw/orders', partition: '2026-03-01', start: '2026-03-01T00:00:00.000Z', end: '2026-03-02T00:00:00.000Z' },
            'analytics-sales': { key: 'analytics/sales', partition: '2026-03-01T23:00', start: '2026-03-01T23:00:00.000Z', end: '2026-03-02T00:00:00.000Z' },
            'model-m': { key: 'model/m', partition: null },
          },
        },
      ],
    });
    // A Lambda retry of the same execution reuses the run.
    await dispatch(log, 'dev', planEvent({ scheduledTime: '2026-03-02T00:30:00Z' }), 0);
    const [run] = await log.listRuns();
    expect(run).to.deep.include({ runId: 'sfn-exec-1', command: 'materialize', partitions: 'latest', env: 'dev', status: 'running', stepsPlanned: 3, owner: 'stepfunctions:g' });
    expect(run.automation).to.deep.equal({ tickId: 'g@2026-03-02T00:30:00Z', requestId: 'exec-1' });
  });

  it('splits a backfill into executions that fit the history limit', async () => {
    const log = new MemoryRunLog();
    const p = (await dispatch(log, 'dev', planEvent({ partitions: ['2026-01-01', '2026-01-02', '2026-01-03'] }, 2), 0)) as PlanResult;
    expect(p.items.map((i) => Object.keys(i.steps))).to.deep.equal([['raw-orders'], ['raw-orders']]);
    expect(p.continuation).to.deep.equal({ partitions: ['2026-01-03'] });
    expect((await log.listRuns())[0]).to.deep.include({ command: 'backfill', partitions: '2026-01-01..2026-01-03' });
    try {
      await dispatch(log, 'dev', { ...planEvent({ partitions: ['nope'] }), execution: 'exec-2' }, 0);
      expect.fail('accepted a partition no asset has');
    } catch (e) {
      expect(e).to.be.instanceOf(RecorderInputError);
      expect((e as Error).message).to.match(/'nope' belongs to no asset of this schedule/);
    }
  });

  it('writes a step as the engine does (started, materialization with inputs, succeeded) and ends the run', async () => {
    const log = new MemoryRunLog();
    await dispatch(log, 'dev', planEvent({ scheduledTime: '2026-03-02T00:30:00Z' }), 0);
    const step = { runId: 'sfn-exec-1', startedAt: '2026-03-02T00:30:05.000Z', codeVersion: 'c1' };
    const now = Date.parse('2026-03-02T00:31:05.000Z');
    expect(await dispatch(log, 'dev', { action: 'step_succeeded', ...step, key: 'raw/orders', partition: '2026-03-01', deps: [] }, now)).to.deep.equal({ blocked: false, reason: '' });
    await dispatch(log, 'dev', { action: 'step_succeeded', ...step, key: 'model/m', partition: null, deps: ['raw/orders'] }, now);
    const events = await log.events('sfn-exec-1');
    expect(events.map((e) => `${e.type} ${e.key}`)).to.deep.equal(['step_started raw/orders', 'materialization raw/orders', 'step_succeeded raw/orders', 'step_started model/m', 'materialization model/m', 'step_succeeded model/m']);
    expect(events[2]).to.deep.include({ durationMs: 60_000, partitions: ['2026-03-01'] });
    const [model] = await log.materializations('model/m');
    const [orders] = await log.materializations('raw/orders');
    expect(model.inputs).to.deep.equal({ 'raw/orders': orders.dataVersion });
    await dispatch(log, 'dev', { action: 'step_failed', ...step, key: 'analytics/sales', partition: '2026-03-01T23:00', deps: [], error: { Error: 'States.TaskFailed', Cause: 'Glue job failed' } }, now);
    expect((await log.events('sfn-exec-1')).at(-1)).to.deep.include({ type: 'step_failed', error: 'States.TaskFailed: Glue job failed' });
    await dispatch(log, 'dev', { action: 'run_ended', runId: 'sfn-exec-1', status: 'failed', error: { Error: 'Headwater.StepFailed' } }, now);
    expect(await log.getRun('sfn-exec-1')).to.deep.include({ status: 'failed', endedAt: '2026-03-02T00:31:05.000Z', error: 'Headwater.StepFailed' });
  });

  it("records what a task answered (an index load's rows and version) with the materialization, and a Lambda error by its message", async () => {
    const log = new MemoryRunLog();
    const step = { runId: 'r1', startedAt: '2026-03-02T00:30:05.000Z', codeVersion: 'c1', key: 'index/i', partition: null, deps: [] };
    const now = Date.parse('2026-03-02T00:31:05.000Z');
    const answer = { rows: 3, alias: 'i', version: 'i_v7', previousVersion: 'i_v6', dimension: 4, source: 's3://b/k', bytes: 10, loadMs: 900 };
    await dispatch(log, 'dev', { action: 'step_succeeded', ...step, metadata: answer }, now);
    const [m] = await log.materializations('index/i');
    expect(m.metadata).to.deep.equal({ ...answer, orchestrator: 'stepfunctions' });
    expect((await log.events('r1')).at(-1)).to.deep.include({ type: 'step_succeeded', metadata: { ...answer, orchestrator: 'stepfunctions' } });
    // lambda:invoke fails with the function's error type and its payload (message and stack) as the cause.
    const cause = JSON.stringify({ errorType: 'IndexLoadError', errorMessage: 'no embeddings at s3://b/k: materialize the model first', trace: ['IndexLoadError: ...', '    at loadIndex (/var/task/index.js:1:2)'] });
    await dispatch(log, 'dev', { action: 'step_failed', ...step, error: { Error: 'IndexLoadError', Cause: cause } }, now);
    expect((await log.events('r1')).at(-1)).to.deep.include({ type: 'step_failed', error: 'IndexLoadError: no embeddings at s3://b/k: materialize the model first' });
  });

  it('reports a failed blocking check of the step so the state machine stops downstream', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'check_evaluated', runId: 'r1', key: 'model/m', partition: null, check: 'beats_popularity', passed: false, blocking: true, message: 'recall 0.1 < 0.2', at: '2026-03-02T00:31:00.000Z' });
    const out = await dispatch(log, 'dev', { action: 'step_succeeded', runId: 'r1', key: 'model/m', partition: null, deps: [], codeVersion: 'c', startedAt: '2026-03-02T00:30:00.000Z' }, Date.parse('2026-03-02T00:32:00Z'));
    expect(out).to.deep.equal({ blocked: true, reason: 'beats_popularity: recall 0.1 < 0.2' });
  });
});

describe('orchestration recorder: the checks of a step a state machine ran', () => {
  const now = Date.parse('2026-03-02T00:31:05.000Z');
  const step = { action: 'step_succeeded' as const, runId: 'r1', startedAt: '2026-03-02T00:30:05.000Z', codeVersion: 'c1', partition: null, deps: [] };
  const answer = { rows: 0, alias: 'i', version: 'i_v7', previousVersion: 'i_v6', dimension: 4, source: 's3://b/k', bytes: 10, loadMs: 900 };
  /** Services that record what the recorder asked of them. */
  const services = (metrics: Record<string, number> | Error = {}) => {
    const seen = { read: [] as unknown[], published: [] as string[], lines: [] as string[] };
    const s: RecorderServices = {
      readMetrics: async (o) => {
        seen.read.push(o);
        if (metrics instanceof Error) throw metrics;
        return metrics;
      },
      publishMaterialized: async (key) => void seen.published.push(key),
      log: (l) => seen.lines.push(l),
    };
    return { s, seen };
  };

  it("evaluates an index load's row_count from the rows it answered, records it as the engine does, and blocks on failure", async () => {
    const log = new MemoryRunLog();
    const { s, seen } = services();
    const checks = [{ type: 'row_count' as const, min: 1 }, { type: 'unique' as const, columns: ['id'] }];
    const out = await dispatch(log, 'dev', { ...step, key: 'index/i', kind: 'vector-index', checks, metadata: answer }, now, s);
    expect(out).to.deep.equal({ blocked: true, reason: 'blocking check failed: row_count (0 rows loaded, expected >= 1)' });
    const events = await log.events('r1');
    expect(events.map((e) => e.type)).to.deep.equal(['step_started', 'materialization', 'check_evaluated', 'step_succeeded']);
    // The shape `assets checks|status` read: name, blocking, message, the step's partition and run.
    expect(await log.checkEvaluations('index/i')).to.deep.equal([
      { key: 'index/i', partition: null, runId: 'r1', check: 'row_count', passed: false, blocking: true, message: '0 rows loaded, expected >= 1', at: '2026-03-02T00:31:05.000Z' },
    ]);
    // What cannot be judged from the answer is said, not recorded as passed; the materialization counts for freshness.
    expect(seen.lines).to.deep.equal(['index/i: 1 data check(s) not evaluated on AWS (no query engine over S3 yet)']);
    expect(seen.published).to.deep.equal(['index/i']);

    const ok = await dispatch(log, 'dev', { ...step, runId: 'r2', key: 'index/i', kind: 'vector-index', checks, metadata: { ...answer, rows: 3 } }, now + 60_000, s);
    expect(ok).to.deep.equal({ blocked: false, reason: '' });
    expect((await log.checkEvaluations('index/i', { limit: 1 }))[0]).to.deep.include({ runId: 'r2', passed: true, message: '3 rows loaded, expected >= 1' });
  });

  it("evaluates metric checks from the metrics the job wrote to S3 (the trainer's model.json), recorded with the materialization", async () => {
    const log = new MemoryRunLog();
    const checks = [
      { type: 'metric_compare' as const, name: 'beats_popularity_recall', metric: 'recallAt10', op: '>' as const, than: 'popularityRecallAt10' },
      { type: 'metric_compare' as const, name: 'beats_popularity_ndcg', metric: 'ndcgAt10', op: '>' as const, than: 'popularityNdcgAt10', blocking: false },
    ];
    const object = { bucket: 'lake-model', key: 'm/model.json' };
    const worse = services({ recallAt10: 0.1, popularityRecallAt10: 0.2, ndcgAt10: 0.3, popularityNdcgAt10: 0.1 });
    const out = await dispatch(log, 'dev', { ...step, key: 'model/m', kind: 'emr-spark', checks, metricsObject: object }, now, worse.s);
    expect(worse.seen.read).to.deep.equal([object]);
    expect(out).to.deep.equal({ blocked: true, reason: 'blocking check failed: beats_popularity_recall (recallAt10 0.1000 not > popularityRecallAt10 0.2000)' });
    const [m] = await log.materializations('model/m');
    expect(m.metadata).to.deep.equal({ recallAt10: 0.1, popularityRecallAt10: 0.2, ndcgAt10: 0.3, popularityNdcgAt10: 0.1, orchestrator: 'stepfunctions' });
    expect((await log.checkEvaluations('model/m')).map((c) => [c.check, c.passed, c.blocking]).sort()).to.deep.equal([
      ['beats_popularity_ndcg', true, false],
      ['beats_popularity_recall', false, true],
    ]);
    // A non-blocking failure alone does not stop downstream.
    const better = services({ recallAt10: 0.3, popularityRecallAt10: 0.2, ndcgAt10: 0.05, popularityNdcgAt10: 0.1 });
    expect(await dispatch(log, 'dev', { ...step, runId: 'r2', key: 'model/m', kind: 'emr-spark', checks, metricsObject: object }, now, better.s)).to.deep.equal({ blocked: false, reason: '' });
  });

  it('fails the metric checks, naming why, when the metrics cannot be read; a freshness metric that cannot be published is a warning', async () => {
    const log = new MemoryRunLog();
    const checks = [{ type: 'metric_compare' as const, name: 'beats', metric: 'recallAt10', op: '>' as const, than: 'popularityRecallAt10' }];
    const { s, seen } = services(new Error('reading the metrics of model/m at s3://lake-model/m/model.json: Access Denied'));
    const noMetric: RecorderServices = { ...s, publishMaterialized: async () => Promise.reject(new Error('Rate exceeded')) };
    const out = (await dispatch(log, 'dev', { ...step, key: 'model/m', kind: 'emr-spark', checks, metricsObject: { bucket: 'lake-model', key: 'm/model.json' } }, now, noMetric)) as { blocked: boolean; reason: string; warning: string };
    expect(out.blocked).to.equal(true);
    expect(out.reason).to.match(/beats \(beats: the step recorded no numeric 'recallAt10' \(metadata keys: metricsUnreadable, orchestrator\)\)/);
    expect(out.warning).to.equal('could not publish the freshness metric of model/m (its freshness alarm may fire): Rate exceeded');
    const [m] = await log.materializations('model/m');
    expect(m.metadata.metricsUnreadable).to.equal('reading the metrics of model/m at s3://lake-model/m/model.json: Access Denied');
    expect(seen.lines[0]).to.equal('model/m: reading the metrics of model/m at s3://lake-model/m/model.json: Access Denied');
  });

  it('over the SDK: reads the metrics object (none when it is missing) and puts one freshness data point', async () => {
    const s3 = mockClient(new S3Client({}));
    const cw = mockClient(new CloudWatchClient({}));
    const svc = sdkServices(s3 as unknown as S3Client, cw as unknown as CloudWatchClient, () => undefined, fakeClock(Date.parse('2026-03-02T00:31:05Z')));
    s3.on(GetObjectCommand, { Bucket: 'lake-model', Key: 'm/model.json' }).resolves({ Body: sdkStreamOf(JSON.stringify({ format: 'x', metrics: { recallAt10: 0.25, note: 'text' } })) } as never);
    expect(await svc.readMetrics({ bucket: 'lake-model', key: 'm/model.json' }, 'model/m')).to.deep.equal({ recallAt10: 0.25 });
    s3.on(GetObjectCommand, { Bucket: 'lake-model', Key: 'gone/model.json' }).rejects(awsError('NoSuchKey'));
    expect(await svc.readMetrics({ bucket: 'lake-model', key: 'gone/model.json' }, 'model/m')).to.deep.equal({});
    await svc.publishMaterialized('index/i');
    expect(cw.commandCalls(PutMetricDataCommand)[0].args[0].input).to.deep.equal({
      Namespace: 'Headwater',
      MetricData: [{ MetricName: 'AssetMaterialized', Dimensions: [{ Name: 'Asset', Value: 'index/i' }], Value: 1, Unit: 'Count', Timestamp: new Date('2026-03-02T00:31:05Z') }],
    });
  });
});

/** A GetObject body as the SDK returns one (what the reader uses of it). */
function sdkStreamOf(text: string) {
  return { transformToString: async () => text };
}
