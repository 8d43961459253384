/**
 * The repository's own files: the SQL, scripts and handlers asset declarations name. Every
 * environment reads them from the same checkout (code versions hash them; executors run them).
 */
import fs from 'node:fs';
import path from 'node:path';

let root: string | undefined;

/**
 * The repository root (where package.json lives): declared code paths are relative to it. Found
 * by walking up from this module, so the compiled CLI under dist/ reads the same files as the sources.
 */
export function repoRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (root = dir);
    if (path.dirname(dir) === dir) return (root = path.resolve(__dirname, '..', '..'));
  }
}

/** The contents of a repo-relative file, or undefined when it does not exist. */
export function readRepoFile(repoPath: string): string | undefined {
  try {
    return fs.readFileSync(path.join(repoRoot(), repoPath), 'utf8');
  } catch {
    return undefined;
  }
}
