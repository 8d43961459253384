/** Turns a `--select` expression into keys, with selection errors as user errors (caret included). */
import { SelectionError, selectAssets, type AssetGraph } from '../../assets/core';
import { UserError } from './errors';

export function selectOrExplain(graph: AssetGraph, expression: string | undefined): string[] {
  if (expression === undefined) return [...graph.keys];
  try {
    return selectAssets(graph, expression);
  } catch (e) {
    if (e instanceof SelectionError) throw new UserError(`selection: ${e.message}`);
    throw e;
  }
}
