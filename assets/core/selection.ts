/**
 * Asset selection: the `--select` language shared by the CLI, the planner and the docs.
 *
 *   raw/customers  key:raw/customers  "raw/customers"   one asset (quoted: never a keyword)
 *   raw/*  *_embeddings  *                             wildcards (`*` also crosses '/')
 *   +key  key+  +key+  2+key  key+1                     upstream / downstream, all or N levels
 *   tag:pii  tag:pii=true  group:g  kind:k  owner:o  category:batch
 *   not > and > or, ( ... ), roots(x) sinks(x) roots() sinks()
 *
 * The grammar is in selection/parser.ts; evaluation over the graph in selection/evaluate.ts.
 */
import type { AssetGraph } from './graph';
import { evaluateSelection } from './selection/evaluate';
import { parseSelection } from './selection/parser';

export { SelectionError } from './selection/error';
export { parseSelection } from './selection/parser';
export type { SelectionNode, TextMatcher, FilterField } from './selection/ast';

/**
 * The keys `expression` selects, deduplicated, in the graph's topological order. Throws a
 * `SelectionError` on bad syntax or an unknown plain key; a wildcard or filter may select nothing.
 */
export function selectAssets(graph: AssetGraph, expression: string): string[] {
  const selected = evaluateSelection(graph, parseSelection(expression), expression);
  const keys: string[] = [];
  for (let i = 0; i < selected.length; i++) if (selected[i]) keys.push(graph.keys[i]);
  return keys;
}
