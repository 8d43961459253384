import type { Command } from 'commander';
import { loadGraph, type GlobalOptions } from '../context';
import { addGraphExamples } from '../graph-examples';
import { partitionRequest } from '../partition-flags';
import { engineOption, maxParallel } from '../run/parallelism';
import { executeRun } from '../run/execute';
import { printRunSummary } from '../run/summary';
import { selectOrExplain } from '../selection';

export function register(program: Command): void {
  const cmd = program
    .command('materialize')
    .description('materialize the selected assets (default: the latest complete partition of each); skips what is up to date')
    .argument('<selection>', "assets to run, e.g. 'zone/*', '+zone/name', 'group:NAME'")
    .option('--partition <key>', 'one partition, e.g. 2026-01-05 or 2026-01-05T13:00')
    .option('--from <key>', 'first partition of a range (with --to)')
    .option('--to <key>', 'last partition of a range, inclusive (with --from)')
    .option('--force', 'recompute partitions even when their code and inputs are unchanged')
    .option('--max-parallel <n>', 'runs executed at the same time (default 1)')
    .option('--engine <name>', 'embedded: default (DuckDB, the TypeScript trainer) or spark (the Glue and EMR scripts on local Spark)')
    .action(async (selection: string, opts: { partition?: string; from?: string; to?: string; force?: boolean; maxParallel?: string; engine?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(g.graph);
      const keys = selectOrExplain(graph, selection);
      const result = await executeRun({
        graph,
        graphModule: g.graph,
        envName: g.env,
        keys,
        selection,
        request: partitionRequest(opts),
        command: 'materialize',
        force: opts.force,
        maxParallel: maxParallel(opts.maxParallel),
        engine: engineOption(opts.engine),
      });
      printRunSummary(result);
    });
  addGraphExamples(program, cmd, (ex) => [
    `materialize '+${ex.key}'`,
    ...(ex.partitioned ? [`materialize ${ex.partitioned.key} --partition ${ex.partitioned.from}`] : []),
    ...(ex.group ? [`materialize 'group:${ex.group}' --max-parallel 2`] : []),
  ]);
}
