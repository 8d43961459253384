/**
 * Runs the EMR Serverless Spark job of an asset: StartJobRun with the entry point and arguments
 * the manifest gives, then GetJobRun with backoff until it ends. A failure carries the job's
 * state details and its console URL; past the timeout the run is cancelled.
 */
import { CancelJobRunCommand, GetJobRunCommand, StartJobRunCommand, type EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { emrWindowArguments } from './job-arguments';
import type { EmrSparkManifest } from './manifest';
import { JobFailedError, JobTimeoutError, pollUntil, realClock, withRetry, type JobRunOptions } from './retry';

export interface EmrRunRequest extends JobRunOptions {
  readonly entry: EmrSparkManifest;
}

export interface EmrRunResult {
  readonly jobRunId: string;
  readonly consoleUrl: string;
  readonly billedVcpuHours?: number;
}

/** The EMR Serverless console page of one job run. */
export const emrConsoleUrl = (region: string, applicationId: string, jobRunId: string): string =>
  `https://${region}.console.aws.amazon.com/emr/home?region=${region}#/serverless/applications/${applicationId}/job-runs/${jobRunId}`;

/** Starts the job run and waits for it; resolves on SUCCESS, throws JobFailedError or JobTimeoutError. */
export async function runEmrJob(emr: EMRServerlessClient, req: EmrRunRequest): Promise<EmrRunResult> {
  const clock = req.clock ?? realClock;
  const { entry, region } = req;
  const retry = { clock, signal: req.signal, onRetry: (n: number, e: unknown) => req.log?.(`EMR Serverless throttled (${(e as Error).name}), retry ${n}`) };
  const windowArgs = emrWindowArguments(req.window);
  const started = await withRetry(
    () =>
      emr.send(
        new StartJobRunCommand({
          applicationId: entry.applicationId,
          executionRoleArn: entry.executionRoleArn,
          // The run id makes a retried start idempotent: EMR returns the same job run.
          clientToken: req.runId,
          name: `${entry.key} ${req.runId}`,
          executionTimeoutMinutes: entry.timeoutMinutes,
          jobDriver: { sparkSubmit: { entryPoint: entry.entryPoint, entryPointArguments: [...entry.entryPointArguments, ...windowArgs], sparkSubmitParameters: entry.sparkSubmitParameters } },
          configurationOverrides: { monitoringConfiguration: { s3MonitoringConfiguration: { logUri: entry.logUri } } },
        }),
      ),
    retry,
  );
  const jobRunId = started.jobRunId;
  if (!jobRunId) throw new Error(`EMR Serverless StartJobRun for ${entry.key} returned no jobRunId`);
  const consoleUrl = emrConsoleUrl(region, entry.applicationId, jobRunId);
  req.log?.(`EMR Serverless run ${jobRunId} started`);
  const cancel = () => withRetry(() => emr.send(new CancelJobRunCommand({ applicationId: entry.applicationId, jobRunId })), { clock }).catch(() => undefined);
  req.signal?.addEventListener('abort', () => void cancel(), { once: true });
  const deadline = clock.now() + (entry.timeoutMinutes + 15) * 60_000;
  let lastState = '';
  return pollUntil(
    async () => {
      const { jobRun } = await withRetry(() => emr.send(new GetJobRunCommand({ applicationId: entry.applicationId, jobRunId })), retry);
      const state = jobRun?.state ?? 'UNKNOWN';
      if (state !== lastState) req.log?.(`EMR Serverless ${jobRunId}: ${state}`);
      lastState = state;
      if (state === 'SUCCESS') return { jobRunId, consoleUrl, billedVcpuHours: jobRun?.billedResourceUtilization?.vCPUHour };
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new JobFailedError(jobRun?.stateDetails || `no state details (state ${state})`, state, consoleUrl, `EMR Serverless job ${entry.key} run ${jobRunId}`);
      }
      return undefined;
    },
    deadline,
    async () => {
      await cancel();
      throw new JobTimeoutError(`EMR Serverless job ${entry.key} run ${jobRunId} did not finish within ${entry.timeoutMinutes + 15} minutes (last state ${lastState}); it was cancelled`, consoleUrl);
    },
    { clock, signal: req.signal, initialMs: req.pollInitialMs, maxMs: req.pollMaxMs },
  );
}
