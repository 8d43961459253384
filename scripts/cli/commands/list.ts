import type { Command } from 'commander';
import { categoryOf, describePartitions } from '../../../assets/core';
import { loadGraph, type GlobalOptions } from '../context';
import { addGraphExamples } from '../graph-examples';
import { printJson, table } from '../output';
import { selectOrExplain } from '../selection';

export function register(program: Command): void {
  const cmd = program
    .command('list')
    .description('list assets (all, or those a selection picks)')
    .option('--select <selection>', "selection expression, e.g. '+zone/name' or 'group:NAME'")
    .option('--json', 'print JSON: an array of objects with key, kind, group, partitions, deps')
    .action((opts: { select?: string; json?: boolean }, cmd: Command) => {
      const global = cmd.optsWithGlobals<GlobalOptions>();
      const graph = loadGraph(global.graph);
      const keys = selectOrExplain(graph, opts.select);
      const rows = keys.map((key) => {
        const a = graph.get(key);
        return {
          key,
          kind: a.compute.kind,
          category: categoryOf(a, graph.kinds),
          group: a.group ?? null,
          partitions: describePartitions(a.partitions),
          owners: a.owners,
          deps: graph.upstream(key),
        };
      });
      if (opts.json) return printJson(rows);
      console.log(table(['KEY', 'KIND', 'GROUP', 'PARTITIONS'], rows.map((r) => [r.key, r.kind, r.group ?? '', r.partitions])));
    });
  addGraphExamples(program, cmd, (ex) => [`list --select '+${ex.key}'`, ...(ex.group ? [`list --select 'group:${ex.group}' --json`] : [])]);
}
