/**
 * What every command needs: the graph (the reference one, `--graph MODULE` or `HEADWATER_GRAPH`) and the environment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { demoDataOf, GraphError, graphOfModule, suggestKey, type AssetGraph, type DemoData } from '../../assets/core';
import { UserError } from './errors';
import { graphOrigin } from './graph-variable';
import { enableTypeScriptModules } from './typescript-modules';

export interface GlobalOptions {
  readonly graph?: string;
  readonly env: string;
}

/** A loaded graph module: its graph (the default export) and its example data (`demoData`), if any. */
interface GraphModule {
  readonly graph: AssetGraph;
  readonly demoData?: DemoData;
}

const cache = new Map<string, GraphModule>();

/** Loads the graph module's default export; every failure becomes a UserError naming the module. */
export function loadGraph(modulePath?: string): AssetGraph {
  return loadGraphModule(modulePath).graph;
}

/** The graph module's `demoData` export (its example source data and stream events), if it has one. */
export function loadDemoData(modulePath?: string): DemoData | undefined {
  return loadGraphModule(modulePath).demoData;
}

function loadGraphModule(modulePath?: string): GraphModule {
  const target = modulePath ? path.resolve(modulePath) : require.resolve('../../assets');
  const hit = cache.get(target);
  if (hit) return hit;
  if (modulePath && !fs.existsSync(target)) {
    throw new UserError(`${graphOrigin(modulePath)}: no such file (resolved to ${target}); pass the path of a .ts or .js module whose default export is defineGraph(...)`);
  }
  let mod: unknown;
  try {
    // A graph module is named at run time; under tsx, require loads .ts and .js alike.
    if (target.endsWith('.ts')) enableTypeScriptModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(target);
  } catch (e) {
    if (e instanceof GraphError) {
      throw new UserError(`${modulePath ?? 'the reference graph (assets/index.ts)'} does not validate: ${e.message}`);
    }
    throw new UserError(`${modulePath ? graphOrigin(modulePath) : target}: the module failed to load: ${loadFailure(e)}`);
  }
  let graph: AssetGraph;
  let demoData: DemoData | undefined;
  try {
    graph = graphOfModule(mod, modulePath ? graphOrigin(modulePath) : target);
    demoData = demoDataOf(mod, modulePath ?? target);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const loaded = { graph, ...(demoData ? { demoData } : {}) };
  cache.set(target, loaded);
  return loaded;
}

/**
 * Why a module failed to load, with the file, line and column of a syntax error: esbuild (tsx)
 * lists them in `errors`, Node puts them on the stack's first line.
 */
function loadFailure(e: unknown): string {
  const err = e as Error & { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] };
  const first = err.errors?.[0];
  if (first?.location) return `${first.location.file}:${first.location.line}:${first.location.column + 1}: ${first.text}`;
  const lines = String(err?.message ?? e).split('\n');
  const at = /^\S+:\d+/.test(err?.stack?.split('\n')[0] ?? '') ? `${err.stack!.split('\n')[0]}: ` : '';
  // The first line that names a place (file:line:column), else the first line.
  return at + (lines.find((l) => /:\d+:\d+/.test(l)) ?? lines[0]);
}

/** Checks that every key exists, suggesting the closest one otherwise. */
export function requireAsset(graph: AssetGraph, key: string): void {
  if (graph.has(key)) return;
  const hint = suggestKey(key, graph.keys);
  throw new UserError(`unknown asset '${key}'${hint ? `; did you mean '${hint}'?` : ''} (run \`assets list\` to see every key)`);
}
