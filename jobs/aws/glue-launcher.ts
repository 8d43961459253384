/**
 * Runs a Glue job of the stack for one step: StartJobRun with the partition window as arguments,
 * then GetJobRun with backoff until it ends. A failure carries Glue's own error message and the
 * run's console URL; past the timeout the run is stopped.
 */
import { BatchStopJobRunCommand, GetJobRunCommand, StartJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import { glueRunArguments } from './job-arguments';
import type { GlueJobManifest } from './manifest';
import { JobFailedError, JobTimeoutError, pollUntil, realClock, withRetry, type JobRunOptions } from './retry';

export interface GlueRunRequest extends JobRunOptions {
  readonly entry: GlueJobManifest;
}

export interface GlueRunResult {
  readonly jobRunId: string;
  readonly executionSeconds: number;
  readonly dpuSeconds?: number;
  readonly consoleUrl: string;
}

const TERMINAL_FAILURES = new Set(['FAILED', 'ERROR', 'TIMEOUT', 'STOPPED', 'EXPIRED']);

/** The Glue console page of one job run. */
export const glueConsoleUrl = (region: string, jobName: string, jobRunId: string): string =>
  `https://${region}.console.aws.amazon.com/gluestudio/home?region=${region}#/job/${encodeURIComponent(jobName)}/run/${jobRunId}`;


/** Starts the job and waits for it; resolves on SUCCEEDED, throws JobFailedError or JobTimeoutError. */
export async function runGlueJob(glue: GlueClient, req: GlueRunRequest): Promise<GlueRunResult> {
  const clock = req.clock ?? realClock;
  const { entry, region } = req;
  const retry = { clock, signal: req.signal, onRetry: (n: number, e: unknown) => req.log?.(`Glue throttled (${(e as Error).name}), retry ${n}`) };
  const started = await withRetry(
    () => glue.send(new StartJobRunCommand({ JobName: entry.jobName, Arguments: glueRunArguments(req.runId, req.window), Timeout: entry.timeoutMinutes })),
    retry,
  );
  const jobRunId = started.JobRunId;
  if (!jobRunId) throw new Error(`Glue StartJobRun for ${entry.jobName} returned no JobRunId`);
  const consoleUrl = glueConsoleUrl(region, entry.jobName, jobRunId);
  req.log?.(`Glue job ${entry.jobName} run ${jobRunId} started`);
  const stop = () => withRetry(() => glue.send(new BatchStopJobRunCommand({ JobName: entry.jobName, JobRunIds: [jobRunId] })), { clock }).catch(() => undefined);
  req.signal?.addEventListener('abort', () => void stop(), { once: true });
  // Glue enforces the job timeout itself; our deadline adds a margin for queueing and startup.
  const deadline = clock.now() + (entry.timeoutMinutes + 15) * 60_000;
  let lastState = '';
  return pollUntil(
    async () => {
      const { JobRun: run } = await withRetry(() => glue.send(new GetJobRunCommand({ JobName: entry.jobName, RunId: jobRunId })), retry);
      const state = run?.JobRunState ?? 'UNKNOWN';
      if (state !== lastState) req.log?.(`Glue ${entry.jobName}: ${state}`);
      lastState = state;
      if (state === 'SUCCEEDED') return { jobRunId, executionSeconds: run?.ExecutionTime ?? 0, dpuSeconds: run?.DPUSeconds, consoleUrl };
      if (TERMINAL_FAILURES.has(state)) throw new JobFailedError(run?.ErrorMessage ?? `no error message (state ${state})`, state, consoleUrl, `Glue job ${entry.jobName} run ${jobRunId}`);
      return undefined;
    },
    deadline,
    async () => {
      await stop();
      throw new JobTimeoutError(`Glue job ${entry.jobName} run ${jobRunId} did not finish within ${entry.timeoutMinutes + 15} minutes (last state ${lastState}); it was asked to stop`, consoleUrl);
    },
    { clock, signal: req.signal, initialMs: req.pollInitialMs, maxMs: req.pollMaxMs },
  );
}
