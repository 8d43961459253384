import type { Command } from 'commander';
import type { RunRecord } from '../../../assets/core';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color, printJson, table } from '../output';
import { withRunLog } from '../run/environment';

/** Status in colour. */
export const statusText = (s: RunRecord['status']): string =>
  s === 'succeeded' ? color.green(s) : s === 'running' ? color.cyan(s) : s === 'interrupted' ? color.yellow(s) : color.red(s);

/** `1.2s`, `3m05s`. */
export const duration = (r: RunRecord): string => {
  if (!r.endedAt) return r.status === 'running' ? 'running' : '-';
  const ms = Date.parse(r.endedAt) - Date.parse(r.startedAt);
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
};

export function register(program: Command): void {
  program
    .command('runs')
    .description('recent runs, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      loadGraph(g.graph);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a positive whole number (got '${opts.limit}')`);
      const runs = await withRunLog(g.env, g.graph, (env) => env.runLog.listRuns(limit));
      if (opts.json) return printJson(runs);
      if (!runs.length) return console.log(`no runs yet in the ${g.env} run log; start one with \`assets materialize <selection>\``);
      console.log(
        table(
          ['RUN', 'COMMAND', 'SELECTION', 'PARTITIONS', 'STATUS', 'STARTED', 'TOOK', 'ERROR'],
          runs.map((r) => [r.runId, r.command, r.selection, r.partitions, statusText(r.status), r.startedAt.slice(0, 19).replace('T', ' '), duration(r), (r.error ?? '').split('\n')[0].slice(0, 80)]),
        ),
      );
    });
}
