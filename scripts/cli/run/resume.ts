/** What `backfill --resume RUN_ID` continues: the earlier run's selection, partitions and options, as it was asked. */
import { parseRequest, type PartitionRequest, type RunRecord } from '../../../assets/core';
import { UserError } from '../errors';
import { withEnvironment } from './environment';

export async function resumedRequest(envName: string, graphModule: string | undefined, runId: string): Promise<{ selection: string; request: PartitionRequest; options: RunRecord['options'] }> {
  const prior = await withEnvironment(envName, graphModule, (env) => env.runLog.getRun(runId));
  if (!prior) throw new UserError(`no run '${runId}' in the ${envName} run log; list runs with \`assets runs\``);
  // An erasure keeps no ids in clear, so it cannot be resumed from its record: the same command completes it.
  if (prior.command === 'erase') throw new UserError(`run '${runId}' is an erasure; run the same \`assets erase --subject ...\` command again to complete it`);
  return { selection: prior.selection, request: parseRequest(prior.partitions), options: prior.options };
}
