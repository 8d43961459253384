import type { Command } from 'commander';
import { loadGraph, type GlobalOptions } from '../context';
import { addGraphExamples, examplesOf } from '../graph-examples';
import { UserError } from '../errors';
import { executeRun } from '../run/execute';
import { resumedRequest } from '../run/resume';
import { partitionRequest } from '../partition-flags';
import { engineOption, maxParallel } from '../run/parallelism';
import { printRunSummary } from '../run/summary';
import { selectOrExplain } from '../selection';

export function register(program: Command): void {
  const cmd = program
    .command('backfill')
    .description('materialize a range of partitions of the selected assets, or --resume a backfill that stopped')
    .argument('[selection]', "assets to run, e.g. 'zone/name+' (not needed with --resume)")
    .option('--from <key>', 'first partition, e.g. 2026-01-01')
    .option('--to <key>', 'last partition, inclusive, e.g. 2026-01-31')
    .option('--max-parallel <n>', 'runs executed at the same time; a run starts once the upstream runs it reads are done (default 1)')
    .option('--force', 'recompute partitions even when their code and inputs are unchanged')
    .option('--engine <name>', 'embedded: default (DuckDB, the TypeScript trainer) or spark (the Glue and EMR scripts on local Spark); a resume keeps the run\'s engine')
    .option('--resume <runId>', 'continue this interrupted or failed run with its selection, partitions, --force and --max-parallel: what it materialized is not recomputed')
    .action(async (selection: string | undefined, opts: { from?: string; to?: string; maxParallel?: string; force?: boolean; resume?: string; engine?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      let request;
      let force = opts.force;
      let parallel = maxParallel(opts.maxParallel);
      let engine = engineOption(opts.engine);
      let resumeOf: string | undefined;
      if (opts.resume) {
        if (opts.from || opts.to || selection) throw new UserError('backfill --resume continues the run as it was asked: drop the selection and --from/--to');
        const resumed = await resumedRequest(g.env, g.graph, opts.resume, (line) => process.stderr.write(`${line}\n`));
        ({ selection, request, resumeOf } = resumed);
        // The original run's options hold unless given again: an interrupted --force stays forced.
        force = opts.force ?? resumed.options?.force;
        if (opts.maxParallel === undefined && resumed.options) parallel = resumed.options.maxParallel;
        engine ??= engineOption(resumed.options?.engine);
      } else {
        if (!selection) {
          const p = examplesOf(graph).partitioned;
          throw new UserError(`backfill needs a selection, e.g. \`assets backfill '${p?.key ?? 'zone/name'}+' --from ${p?.from ?? '2026-01-01'} --to ${p?.to ?? '2026-01-31'}\``);
        }
        if (opts.from === undefined || opts.to === undefined) throw new UserError('backfill needs --from and --to (or --resume RUN_ID); for the latest partition use `assets materialize`');
        request = partitionRequest(opts);
      }
      const result = await executeRun({
        graph,
        graphModule: g.graph,
        envName: g.env,
        keys: selectOrExplain(graph, selection),
        selection,
        request,
        command: 'backfill',
        force,
        maxParallel: parallel,
        resumeOf,
        engine,
      });
      printRunSummary(result);
    });
  addGraphExamples(program, cmd, (ex) => (ex.partitioned ? [`backfill '${ex.partitioned.key}+' --from ${ex.partitioned.from} --to ${ex.partitioned.to} --max-parallel 2`] : []));
}
