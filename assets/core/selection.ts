/**
 * Asset selection (placeholder until the full grammar lands: exact keys only).
 */
import type { AssetGraph } from './graph';

/** A selection syntax error; `message` shows the expression with a caret under `position`. */
export class SelectionError extends Error {
  override name = 'SelectionError';
  constructor(readonly expression: string, readonly position: number, readonly reason: string) {
    super(`${reason}\n  ${expression}\n  ${' '.repeat(position)}^`);
  }
}

/** The keys `expression` selects, in the graph's topological order. */
export function selectAssets(graph: AssetGraph, expression: string): string[] {
  const e = expression.trim();
  if (e === '*') return [...graph.keys];
  if (graph.has(e)) return [e];
  throw new SelectionError(expression, 0, `no asset matches '${e}'`);
}
