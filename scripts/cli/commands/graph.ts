import type { Command } from 'commander';
import { categoryOf, type AssetGraph } from '../../../assets/core';
import { UserError } from '../errors';
import { loadGraph, type GlobalOptions } from '../context';
import { printJson } from '../output';
import { selectOrExplain } from '../selection';

const FORMATS = ['text', 'mermaid', 'dot', 'json'] as const;
type Format = (typeof FORMATS)[number];

const nodeId = (key: string) => key.replace(/[^A-Za-z0-9_]/g, '_');

/** Renders the subgraph induced by `keys` (edges between selected assets only). */
export function renderGraph(graph: AssetGraph, keys: readonly string[], format: Format): string {
  const selected = new Set(keys);
  const edges = keys.flatMap((k) => graph.upstream(k).filter((u) => selected.has(u)).map((u) => [u, k] as const));
  switch (format) {
    case 'mermaid': {
      const lines = ['graph LR'];
      const groups = new Map<string, string[]>();
      for (const k of keys) {
        const g = graph.get(k).group ?? 'ungrouped';
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      for (const [g, ks] of groups) {
        lines.push(`  subgraph ${nodeId(g)}[${g}]`);
        for (const k of ks) lines.push(`    ${nodeId(k)}["${k}<br/><small>${graph.get(k).compute.kind}</small>"]`);
        lines.push('  end');
      }
      for (const [u, d] of edges) lines.push(`  ${nodeId(u)} --> ${nodeId(d)}`);
      return lines.join('\n');
    }
    case 'dot': {
      const lines = ['digraph assets {', '  rankdir=LR;', '  node [shape=box, style=rounded];'];
      for (const k of keys) lines.push(`  "${k}" [label="${k}\\n${graph.get(k).compute.kind}"];`);
      for (const [u, d] of edges) lines.push(`  "${u}" -> "${d}";`);
      lines.push('}');
      return lines.join('\n');
    }
    case 'json':
      return JSON.stringify(
        {
          nodes: keys.map((k) => ({ key: k, kind: graph.get(k).compute.kind, category: categoryOf(graph.get(k), graph.kinds), group: graph.get(k).group ?? null })),
          edges: edges.map(([from, to]) => ({ from, to })),
        },
        null,
        2,
      );
    case 'text': {
      // One line per asset in topological order with its direct upstream assets.
      return keys
        .map((k) => {
          const ups = graph.upstream(k).filter((u) => selected.has(u));
          return ups.length ? `${k}  <-  ${ups.join(', ')}` : k;
        })
        .join('\n');
    }
  }
}

export function register(program: Command): void {
  program
    .command('graph')
    .description('print the graph (or a selection of it) as text, Mermaid, Graphviz dot or JSON')
    .option('--select <selection>', 'selection expression')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'text')
    .action((opts: { select?: string; format: string }, cmd: Command) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UserError(`--format ${opts.format}: unknown format; use one of ${FORMATS.join(', ')}`);
      }
      const graph = loadGraph(cmd.optsWithGlobals<GlobalOptions>().graph);
      const keys = selectOrExplain(graph, opts.select);
      const out = renderGraph(graph, keys, opts.format as Format);
      if (opts.format === 'json') return printJson(JSON.parse(out));
      console.log(out);
    });
}
