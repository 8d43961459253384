import type { Command } from 'commander';
import { categoryOf } from '../../../assets/core';
import { repoRoot } from '../../../jobs/engine/repo-files';
import { missingCodeFiles } from '../code-files';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate the graph and the code files it names: exit 0 with a summary, or exit 2 listing every problem')
    .option('--root <dir>', 'resolve code paths against this directory', repoRoot())
    .action((opts: { root: string }, cmd: Command) => {
      // loadGraph throws a UserError listing every graph problem (exit 2).
      const graph = loadGraph(cmd.optsWithGlobals<GlobalOptions>().graph);
      const missing = missingCodeFiles(graph, opts.root);
      if (missing.length) {
        throw new UserError(
          `the asset graph names ${missing.length} missing file${missing.length === 1 ? '' : 's'}:\n` + missing.map((p) => `  - ${p.key}: ${p.message}`).join('\n'),
        );
      }
      const counts = new Map<string, number>();
      for (const key of graph.keys) {
        const c = categoryOf(graph.get(key), graph.kinds);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      const parts = [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
      console.log(`${color.green('ok')}: ${graph.keys.length} assets (${parts}), ${graph.dag.size} dependencies, no problems`);
    });
}
