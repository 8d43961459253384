/**
 * The repository's own files: the SQL, scripts and handlers asset declarations name. Every
 * environment reads them from the same checkout (code versions hash them; executors run them).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root (where package.json lives): declared code paths are relative to it. */
export const repoRoot = (): string => path.resolve(__dirname, '..', '..');

/** The contents of a repo-relative file, or undefined when it does not exist. */
export function readRepoFile(repoPath: string): string | undefined {
  try {
    return fs.readFileSync(path.join(repoRoot(), repoPath), 'utf8');
  } catch {
    return undefined;
  }
}
