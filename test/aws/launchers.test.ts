/** Glue and EMR Serverless launchers against aws-sdk-client-mock: request shapes, success, failure, timeout, throttling. */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { BatchStopJobRunCommand, GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import {
  CancelJobRunCommand,
  EMRServerlessClient,
  GetJobRunCommand as EmrGetJobRunCommand,
  StartJobRunCommand as EmrStartJobRunCommand,
} from '@aws-sdk/client-emr-serverless';
import { runGlueJob } from '../../jobs/aws/glue-launcher';
import { runEmrJob } from '../../jobs/aws/emr-launcher';
import { JobFailedError, JobTimeoutError, withRetry } from '../../jobs/aws/retry';
import { awsError, emrEntry, fakeClock, glueEntry } from './fixtures';

const window = { start: new Date('2026-01-05T10:00:00Z'), end: new Date('2026-01-05T13:00:00Z') };

describe('Glue launcher', () => {
  // Stubs on client instances (passed in explicitly), not on the classes: no other file sees them.
  const glue = mockClient(new GlueClient({}));
  beforeEach(() => glue.reset());

  it('starts the job with the window as arguments and polls with backoff until SUCCEEDED', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
    glue
      .on(GetJobRunCommand)
      .resolvesOnce({ JobRun: { JobRunState: 'STARTING' } })
      .resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } })
      .resolvesOnce({ JobRun: { JobRunState: 'RUNNING' } })
      .resolves({ JobRun: { JobRunState: 'SUCCEEDED', ExecutionTime: 95, DPUSeconds: 380 } });
    const clock = fakeClock();
    const lines: string[] = [];
    const r = await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'run-7', window, clock, log: (l) => lines.push(l) });
    expect(glue.commandCalls(StartJobRunCommand)[0].args[0].input).to.deep.equal({
      JobName: 'headwater-dev-analytics-sales-hourly',
      Arguments: { '--headwater_run_id': 'run-7', '--partition_start': '2026-01-05T10:00:00.000Z', '--partition_end': '2026-01-05T13:00:00.000Z' },
      Timeout: 30,
    });
    expect(glue.commandCalls(GetJobRunCommand).map((c) => c.args[0].input)).to.deep.equal(Array(4).fill({ JobName: 'headwater-dev-analytics-sales-hourly', RunId: 'jr_1' }));
    expect(clock.sleeps).to.deep.equal([5000, 7500, 11250]);
    expect(r).to.deep.include({ jobRunId: 'jr_1', executionSeconds: 95, dpuSeconds: 380 });
    expect(r.consoleUrl).to.equal('https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/headwater-dev-analytics-sales-hourly/run/jr_1');
    expect(lines).to.include('Glue headwater-dev-analytics-sales-hourly: SUCCEEDED');
  });

  it('omits the window for an unpartitioned asset', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_2' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
    await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'run-8', clock: fakeClock() });
    expect(glue.commandCalls(StartJobRunCommand)[0].args[0].input.Arguments).to.deep.equal({ '--headwater_run_id': 'run-8' });
  });

  it("fails with Glue's own error message and the run's console URL", async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_3' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'FAILED', ErrorMessage: "AnalysisException: Table or view not found: raw__products" } });
    const e = await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'r', clock: fakeClock() }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(JobFailedError);
    const f = e as JobFailedError;
    expect(f.jobMessage).to.equal('AnalysisException: Table or view not found: raw__products');
    expect(f.state).to.equal('FAILED');
    expect(f.message).to.include('Table or view not found').and.include('console: https://eu-west-1.console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/headwater-dev-analytics-sales-hourly/run/jr_3');
  });

  it('retries throttled calls with backoff', async () => {
    glue.on(StartJobRunCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).rejectsOnce(awsError('ConcurrentRunsExceededException')).resolves({ JobRunId: 'jr_4' });
    glue.on(GetJobRunCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ JobRun: { JobRunState: 'SUCCEEDED' } });
    const clock = fakeClock();
    const r = await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'r', clock });
    expect(r.jobRunId).to.equal('jr_4');
    expect(glue.commandCalls(StartJobRunCommand)).to.have.length(3);
    expect(glue.commandCalls(GetJobRunCommand)).to.have.length(2);
  });

  it('does not retry errors that are not throttling', async () => {
    glue.on(StartJobRunCommand).rejects(awsError('EntityNotFoundException', 'Job headwater-dev-x not found'));
    const e = await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'r', clock: fakeClock() }).catch((x: unknown) => x);
    expect((e as Error).name).to.equal('EntityNotFoundException');
    expect(glue.commandCalls(StartJobRunCommand)).to.have.length(1);
  });

  it('gives up after the job timeout plus a margin, and stops the run', async () => {
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_5' });
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'RUNNING' } });
    glue.on(BatchStopJobRunCommand).resolves({});
    const clock = fakeClock();
    const e = await runGlueJob(glue as unknown as GlueClient, { entry: glueEntry, region: 'eu-west-1', runId: 'r', clock }).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(JobTimeoutError);
    expect((e as Error).message).to.include('did not finish within 45 minutes (last state RUNNING)');
    expect(glue.commandCalls(BatchStopJobRunCommand)[0].args[0].input).to.deep.equal({ JobName: glueEntry.jobName, JobRunIds: ['jr_5'] });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).to.be.at.most(45 * 60_000);
    expect(Math.max(...clock.sleeps)).to.equal(60_000);
  });
});

describe('EMR Serverless launcher', () => {
  const emr = mockClient(new EMRServerlessClient({}));
  beforeEach(() => emr.reset());

  it('starts the job run with the manifest entry point and polls until SUCCESS', async () => {
    emr.on(EmrStartJobRunCommand).resolves({ applicationId: emrEntry.applicationId, jobRunId: 'jr-emr-1', arn: 'arn' });
    emr.on(EmrGetJobRunCommand).resolvesOnce({ jobRun: { state: 'RUNNING' } as never }).resolves({ jobRun: { state: 'SUCCESS', billedResourceUtilization: { vCPUHour: 1.5 } } as never });
    const r = await runEmrJob(emr as unknown as EMRServerlessClient, { entry: emrEntry, region: 'eu-west-1', runId: 'run-9', clock: fakeClock() });
    expect(emr.commandCalls(EmrStartJobRunCommand)[0].args[0].input).to.deep.equal({
      applicationId: '00f1abc',
      executionRoleArn: emrEntry.executionRoleArn,
      clientToken: 'run-9',
      name: 'model/recommender run-9',
      executionTimeoutMinutes: 120,
      jobDriver: { sparkSubmit: { entryPoint: emrEntry.entryPoint, entryPointArguments: emrEntry.entryPointArguments, sparkSubmitParameters: emrEntry.sparkSubmitParameters } },
      configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: emrEntry.logUri } } },
    });
    expect(emr.commandCalls(EmrGetJobRunCommand)[0].args[0].input).to.deep.equal({ applicationId: '00f1abc', jobRunId: 'jr-emr-1' });
    expect(r).to.deep.equal({ jobRunId: 'jr-emr-1', consoleUrl: 'https://eu-west-1.console.aws.amazon.com/emr/home?region=eu-west-1#/serverless/applications/00f1abc/job-runs/jr-emr-1', billedVcpuHours: 1.5 });
  });

  it("fails with the job's state details and console URL; a timeout cancels the run", async () => {
    emr.on(EmrStartJobRunCommand).resolves({ applicationId: 'a', jobRunId: 'jr-2', arn: 'arn' });
    emr.on(EmrGetJobRunCommand).resolves({ jobRun: { state: 'FAILED', stateDetails: 'Job failed, please check complete logs in configured logging destination. ExitCode: 1. Last few exceptions: ValueError: missing --input raw__products' } as never });
    const e = (await runEmrJob(emr as unknown as EMRServerlessClient, { entry: emrEntry, region: 'eu-west-1', runId: 'r', clock: fakeClock() }).catch((x: unknown) => x)) as JobFailedError;
    expect(e).to.be.instanceOf(JobFailedError);
    expect(e.jobMessage).to.include('ValueError: missing --input raw__products');
    expect(e.consoleUrl).to.include('/serverless/applications/00f1abc/job-runs/jr-2');

    emr.reset();
    emr.on(EmrStartJobRunCommand).resolves({ applicationId: 'a', jobRunId: 'jr-3', arn: 'arn' });
    emr.on(EmrGetJobRunCommand).resolves({ jobRun: { state: 'RUNNING' } as never });
    emr.on(CancelJobRunCommand).resolves({ applicationId: 'a', jobRunId: 'jr-3' });
    const t = await runEmrJob(emr as unknown as EMRServerlessClient, { entry: emrEntry, region: 'eu-west-1', runId: 'r', clock: fakeClock() }).catch((x: unknown) => x);
    expect(t).to.be.instanceOf(JobTimeoutError);
    expect(emr.commandCalls(CancelJobRunCommand)[0].args[0].input).to.deep.equal({ applicationId: '00f1abc', jobRunId: 'jr-3' });
  });
});

describe('withRetry', () => {
  it('gives up after the attempts it was given, with the last error', async () => {
    let calls = 0;
    const e = await withRetry(
      async () => {
        calls++;
        throw awsError('ThrottlingException', `call ${calls}`);
      },
      { attempts: 4, clock: fakeClock() },
    ).catch((x: unknown) => x);
    expect(calls).to.equal(4);
    expect((e as Error).message).to.equal('call 4');
  });
});
