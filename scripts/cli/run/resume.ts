/** What `backfill --resume RUN_ID` continues: the earlier run's selection, partitions and options, as it was asked. */
import { parseRequest, type PartitionRequest, type RunLog, type RunRecord } from '../../../assets/core';
import { UserError } from '../errors';
import { withEnvironment } from './environment';

/** Runs started after a run that are scanned for the runs resuming it. */
const RESUMER_SCAN = 1000;

/**
 * The newest run of the chain of resumes that starts at `run` (a run resuming it, one resuming
 * that, ...). Resuming a run that was already resumed continues from there, so what the later
 * runs finished is never recomputed, even under --force.
 */
async function newestResume(runLog: RunLog, run: RunRecord): Promise<RunRecord> {
  let current = run;
  for (let hops = 0; hops < 100; hops++) {
    const later = await runLog.queryRuns({ startedSince: current.startedAt, limit: RESUMER_SCAN });
    const next = later.find((r) => r.resumeOf === current.runId);
    if (!next) return current;
    current = next;
  }
  return current;
}

export interface ResumedRequest {
  readonly selection: string;
  readonly request: PartitionRequest;
  readonly options: RunRecord['options'];
  /** The run to resume: the one asked for, or the newest resume of it. */
  readonly resumeOf: string;
}

export async function resumedRequest(envName: string, graphModule: string | undefined, runId: string, note: (line: string) => void = () => undefined): Promise<ResumedRequest> {
  const { prior, newest } = await withEnvironment(envName, graphModule, async (env) => {
    const run = await env.runLog.getRun(runId);
    return { prior: run, newest: run && (await newestResume(env.runLog, run)) };
  });
  if (!prior || !newest) throw new UserError(`no run '${runId}' in the ${envName} run log; list runs with \`assets runs\``);
  // An erasure keeps no ids in clear, so it cannot be resumed from its record: the same command completes it.
  if (prior.command === 'erase') throw new UserError(`run '${runId}' is an erasure; run the same \`assets erase --subject ...\` command again to complete it`);
  if (prior.command === 'stream') {
    throw new UserError(`run ${runId} is a stream delivery session, not a backfill; start the stream again with \`assets stream start\` (it continues from its checkpoint)`);
  }
  if (newest !== prior) {
    if (newest.status === 'succeeded') throw new UserError(`run ${runId} was already resumed to success by run ${newest.runId}: there is nothing left to resume`);
    if (newest.status !== 'running') note(`run ${runId} was already resumed by run ${newest.runId} (${newest.status}); continuing that one`);
  }
  return { selection: prior.selection, request: parseRequest(prior.partitions), options: prior.options, resumeOf: newest.runId };
}
