/**
 * Lets the compiled CLI load a graph module written in TypeScript (`--graph my-graph.ts`, a
 * fork's examples): tsx's require hook is registered on first need, and the module's imports of
 * this repository's own sources (assets/, jobs/, scripts/) are answered with their compiled copies
 * under dist/. Without that redirect the graph would get a second copy of assets/core, whose
 * classes (GraphError, the kinds) are not the CLI's.
 */
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { repoRoot } from '../../jobs/engine/repo-files';

let enabled = false;

/** Whether this process can already require .ts files (under tsx, mocha with tsx/cjs). */
const canLoadTs = () => Boolean((require.extensions as Record<string, unknown>)['.ts']);

/** Makes `require` of .ts files work in the compiled CLI; a no-op when running from source. */
export function enableTypeScriptModules(): void {
  if (enabled || canLoadTs() || !__filename.endsWith('.js')) return;
  enabled = true;
  const root = repoRoot();
  const dist = path.join(root, 'dist');
  const own = ['assets', 'jobs', 'scripts'].map((d) => path.join(root, d) + path.sep);
  type Resolve = (request: string, parent: unknown, ...rest: unknown[]) => string;
  const mod = Module as unknown as { _resolveFilename: Resolve };
  const resolve = mod._resolveFilename;
  mod._resolveFilename = function (request, parent, ...rest) {
    const file = resolve.call(this, request, parent, ...rest);
    if (!file.endsWith('.ts') || !own.some((dir) => file.startsWith(dir))) return file;
    const compiled = path.join(dist, path.relative(root, file)).replace(/\.ts$/, '.js');
    return fs.existsSync(compiled) ? compiled : file;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('tsx/cjs/api') as { register(): void }).register();
}
