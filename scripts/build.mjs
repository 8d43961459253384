#!/usr/bin/env node
/**
 * `npm run build`: compiles the TypeScript the `assets` CLI runs (assets/, jobs/, scripts/) to
 * CommonJS under dist/, one file per module, so the CLI starts without compiling anything and
 * loads only the modules a command needs (a bundle would parse every module at every start).
 * Transpile only: `npm run typecheck` is the type check. Pulumi's program (infra/) is not built:
 * the CLI never loads it.
 *
 * Incremental: a file is rebuilt only when its source is newer than its output, and outputs whose
 * source is gone are deleted, so `npm run -s assets` can build before every run at little cost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
const SOURCES = ['assets', 'jobs', 'scripts'];
const quiet = process.argv.includes('--quiet');

/** Every .ts file under `dir` (declarations excluded). */
function tsFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...tsFiles(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(p);
  }
  return found;
}

const outputOf = (src) => path.join(out, path.relative(root, src)).replace(/\.ts$/, '.js');
const mtime = (p) => fs.statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const sources = SOURCES.flatMap((d) => tsFiles(path.join(root, d)));
const wanted = new Set(sources.map(outputOf));
const stale = sources.filter((src) => mtime(outputOf(src)) < mtime(src));

// Outputs of deleted or renamed sources would otherwise still be loadable.
for (const d of SOURCES) {
  const dir = path.join(out, d);
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir, { recursive: true })) {
    const p = path.join(dir, String(f));
    if (p.endsWith('.js') && !wanted.has(p)) fs.rmSync(p, { force: true });
  }
}

if (stale.length) {
  // Loaded only when there is work: a no-op build stays a few milliseconds.
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: stale,
    outbase: root,
    outdir: out,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  fs.chmodSync(path.join(out, 'scripts', 'cli', 'main.js'), 0o755);
}
if (!quiet) console.log(`built ${stale.length} of ${sources.length} modules into ${path.relative(process.cwd(), out) || out}`);
