/** The recorder Lambda's work on a run log: what a scheduled execution plans and writes, in the CLI's shape. */
import { expect } from 'chai';
import { MemoryRunLog, hourlyPartitions, dailyPartitions } from '../../assets/core';
import { dispatch, RecorderInputError, type PlanResult } from '../../jobs/aws/orchestration-recorder';

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
