/**
 * Examples in `--help` taken from the loaded graph (the reference one, `--graph` or
 * `HEADWATER_GRAPH`), so a fork's help names its own assets: the CLI's own text names none.
 */
import type { Command } from 'commander';
import { partitionKey, type AssetGraph } from '../../assets/core';
import { loadGraph, type GlobalOptions } from './context';

export interface GraphExamples {
  /** An asset with upstream assets that are not sources (a good `+KEY`). */
  readonly key: string;
  /** A daily (or other time-partitioned) asset and a week of its partitions, for ranges. */
  readonly partitioned?: { readonly key: string; readonly from: string; readonly to: string };
  readonly group?: string;
}

/** Examples drawn from `graph`: the first asset with built upstream assets, a partitioned one, a group. */
export function examplesOf(graph: AssetGraph): GraphExamples {
  const built = graph.keys.filter((k) => !graph.get(k).source);
  const key = built.find((k) => graph.get(k).deps.some((d) => !graph.get(d.key).source)) ?? built[0] ?? graph.keys[0] ?? 'zone/name';
  // A daily asset reads best in a range (a week of days); any time-partitioned one otherwise.
  const timed = built.map((k) => ({ k, def: graph.get(k).partitions })).filter((x) => x.def?.type === 'time');
  const p = timed.find((x) => x.def?.type === 'time' && x.def.cadence === 'daily') ?? timed[0];
  const group = built.map((k) => graph.get(k).group).find((g) => g !== undefined);
  return {
    key,
    ...(p?.def ? { partitioned: { key: p.k, from: partitionKey(p.def, 0), to: partitionKey(p.def, 6) } } : {}),
    ...(group ? { group } : {}),
  };
}

/**
 * A help section "Examples (from the graph):" computed when help is shown, once the global
 * options (the graph module) are parsed; a graph that fails to load just leaves it out.
 */
export function addGraphExamples(program: Command, cmd: Command, lines: (ex: GraphExamples) => string[]): Command {
  return cmd.addHelpText('after', () => {
    let ex: GraphExamples;
    try {
      ex = examplesOf(loadGraph((program.opts() as GlobalOptions).graph));
    } catch {
      return '';
    }
    const shown = lines(ex);
    return shown.length ? `\nExamples (from the graph):\n${shown.map((l) => `  $ assets ${l}`).join('\n')}\n` : '';
  });
}
