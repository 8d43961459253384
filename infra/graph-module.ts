/**
 * The graph a stack provisions: the module its `headwater:graph` config names (relative to the
 * project root; default the reference graph), loaded when the program runs, so a fork points
 * Pulumi at its own graph with `pulumi config set headwater:graph path/to/graph.ts` and changes
 * nothing here. Pulumi's TypeScript runtime (and tsx under the mock runs) require .ts modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GraphError, graphOfModule, type AssetGraph } from '../assets/core';
import { projectRoot } from './stack-files';

/** A graph module that cannot be loaded: says which config to change. */
export class GraphModuleError extends Error {
  override name = 'GraphModuleError';
}

/** Loads the graph module `module` (repo-relative or absolute). */
export function loadGraphModule(module: string, root = projectRoot()): AssetGraph {
  const file = path.resolve(root, module);
  const fix = '`pulumi config set headwater:graph path/to/graph.ts` (or `npm run -s infra:plan -- --graph path/to/graph.ts`)';
  if (!fs.existsSync(file)) throw new GraphModuleError(`headwater:graph '${module}': no such file (${file}); point it at a module whose default export is defineGraph(...): ${fix}`);
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file);
  } catch (e) {
    if (e instanceof GraphError) throw new GraphModuleError(`headwater:graph '${module}' does not validate: ${e.message}`);
    throw new GraphModuleError(`headwater:graph '${module}': the module failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return graphOfModule(mod, `headwater:graph '${module}'`);
  } catch (e) {
    throw new GraphModuleError((e as Error).message);
  }
}
