import type { Command } from 'commander';
import { categoryOf } from '../../../assets/core';
import { loadGraph, type GlobalOptions } from '../context';
import { color } from '../output';

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate the graph: exit 0 with a summary, or exit 2 listing every problem')
    .action((_opts: unknown, cmd: Command) => {
      // loadGraph throws a UserError listing every problem (exit 2).
      const graph = loadGraph(cmd.optsWithGlobals<GlobalOptions>().graph);
      const counts = new Map<string, number>();
      for (const key of graph.keys) {
        const c = categoryOf(graph.get(key), graph.kinds);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      const edges = graph.dag.size;
      const parts = [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
      console.log(`${color.green('ok')}: ${graph.keys.length} assets (${parts}), ${edges} dependencies, no problems`);
    });
}
