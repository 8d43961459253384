/**
 * A graph module: a .ts or .js file whose default export is `defineGraph(...)`, named by
 * `--graph` / `HEADWATER_GRAPH` (the CLI, the demo) or by the stack's `headwater:graph` (Pulumi).
 * Each side requires the module its own way; what the module must export is checked here, once.
 */
import type { AssetGraph } from './graph';
import { isAssetGraph } from './graph';

/** The graph a loaded module exports (its default export, or the module itself); `where` names the module in the error. */
export function graphOfModule(mod: unknown, where: string): AssetGraph {
  const graph = (mod as { default?: unknown } | null)?.default ?? mod;
  if (!isAssetGraph(graph)) throw new TypeError(`${where}: the default export is not an asset graph; end the module with \`export default defineGraph([...])\``);
  return graph;
}
