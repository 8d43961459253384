import type { Command } from 'commander';
import { parseAge, type RunRecord } from '../../../assets/core';
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

const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : `${(bytes / 1e6).toFixed(1)} MB`);

export function register(program: Command): void {
  const runs = program
    .command('runs')
    .description('recent runs, newest first; `runs prune` deletes old ones')
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

  runs
    .command('prune')
    .description(
      'delete runs started before --older-than, with their events. Never deleted: the latest materialization, observation and check of every asset(-partition) ' +
        '(staleness and freshness read them), runs still going, and failed or interrupted runs not yet resumed to success (backfill --resume reads them)',
    )
    .requiredOption('--older-than <age>', "how old a run must be to go: a number and a unit, m h d or w, e.g. '90d'")
    .option('--keep-latest-per-partition', 'also keep whole every run that wrote the latest materialization of some asset-partition (its provenance)')
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { olderThan: string; keepLatestPerPartition?: boolean; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      // `--json` after `prune` is claimed by `runs`, which has one too: read it with the parent's.
      const g = cmd.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      const json = opts.json ?? g.json;
      const age = parseAge(opts.olderThan);
      if (age === undefined) throw new UserError(`--older-than '${opts.olderThan}' is not an age; write a number and a unit (m, h, d or w), e.g. --older-than 90d`);
      const olderThan = new Date(Date.now() - age).toISOString();
      const r = await withRunLog(g.env, g.graph, (env) => env.runLog.prune({ olderThan, keepLatestPerPartition: opts.keepLatestPerPartition, dryRun: opts.dryRun }));
      if (json) return printJson({ olderThan, dryRun: Boolean(opts.dryRun), ...r });
      const kept = r.kept.resumable + r.kept.latestPerPartition + r.kept.running;
      console.log(
        `${opts.dryRun ? 'would prune' : 'pruned'} ${r.runsPruned} run${r.runsPruned === 1 ? '' : 's'} started before ${olderThan.slice(0, 19).replace('T', ' ')} ` +
          `(${r.eventsPruned} event${r.eventsPruned === 1 ? '' : 's'})` +
          (r.bytesBefore !== undefined && !opts.dryRun ? `; run log ${mb(r.bytesBefore)} -> ${mb(r.bytesAfter)}` : ''),
      );
      if (kept) {
        console.log(
          color.dim(`kept ${kept} older run${kept === 1 ? '' : 's'}: ${r.kept.resumable} failed or interrupted and not resumed to success, ${r.kept.latestPerPartition} holding a latest materialization, ${r.kept.running} still running`),
        );
      }
    });
}
