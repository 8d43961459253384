/**
 * Builds the front end of `assets ui` (scripts/ui/app/) into scripts/ui/dist/ with esbuild: one
 * minified script, one stylesheet, one page. No CDN and no network at run time: the server serves
 * these files. `npm run build:ui` builds; `assets ui` rebuilds first when a source is newer.
 */
import fs from 'node:fs';
import path from 'node:path';

const appDir = path.join(__dirname, 'app');
/** Where the built files are served from (git-ignored). */
export const bundleDir = path.join(__dirname, 'dist');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing a file or older than a source. */
function stale(): boolean {
  const outputs = ['index.html', 'app.js', 'app.css'].map((f) => path.join(bundleDir, f));
  if (!outputs.every((f) => fs.existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  return newestSource(appDir) > built;
}

/** Bundles the app (always). */
export async function buildBundle(): Promise<void> {
  // esbuild is loaded only to build: serving a built bundle needs nothing but node:http.
  const esbuild = await import('esbuild');
  fs.mkdirSync(bundleDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(appDir, 'main.ts')],
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    outfile: path.join(bundleDir, 'app.js'),
    logLevel: 'silent',
  });
  fs.copyFileSync(path.join(appDir, 'app.css'), path.join(bundleDir, 'app.css'));
  fs.copyFileSync(path.join(appDir, 'index.html'), path.join(bundleDir, 'index.html'));
}

/** Builds the bundle when it is missing or older than its sources. */
export async function ensureBundle(): Promise<void> {
  if (stale()) await buildBundle();
}

if (require.main === module) {
  buildBundle().then(
    () => process.stdout.write(`built ${path.relative(process.cwd(), bundleDir)}/\n`),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
