/**
 * Lake integrity: what a commit wrote is recorded as file facts (path, size, mtime, SHA-256) on
 * its materialization, and checked against the disk later. The cheap check (status, planning)
 * stats each file: a missing file or a different size is a problem at once; a different mtime
 * with the same size is confirmed by hashing, so touching a file is not called a change. The
 * deep check (`assets verify --deep`) hashes every file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FileFact, FileProblem } from '../../../assets/core';

/** SHA-256 of a file, streamed in chunks so a large Parquet file does not sit in memory. */
export function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every visible file under `target` (a file or a folder), sorted; hidden names are commit leftovers. */
export function listCommittedFiles(target: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch {
    return [];
  }
  if (!st.isDirectory()) return [target];
  const out: string[] = [];
  for (const e of fs.readdirSync(target, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(target, e.name);
    if (e.isDirectory()) out.push(...listCommittedFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** The facts of `files` (absolute), with paths relative to `root`. */
export function fileFacts(root: string, files: readonly string[]): FileFact[] {
  return files.map((f) => {
    const st = fs.statSync(f);
    return { path: path.relative(root, f), size: st.size, mtimeMs: Math.trunc(st.mtimeMs), sha256: sha256File(f) };
  });
}

/** What differs between `facts` and the disk under `root`; `deep` hashes every file. */
export function verifyFileFacts(root: string, facts: readonly FileFact[], deep = false): FileProblem[] {
  const problems: FileProblem[] = [];
  for (const f of facts) {
    const abs = path.resolve(root, f.path);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      problems.push({ path: abs, problem: 'missing', detail: 'the file is gone' });
      continue;
    }
    if (st.size !== f.size) {
      problems.push({ path: abs, problem: 'modified', detail: `${st.size} bytes, ${f.size} when committed` });
      continue;
    }
    // Within 2 ms: the recorded time is truncated to the millisecond, and tools that copy or
    // restore times pass them through a Date (rounded to the millisecond) and seconds as doubles,
    // so an untouched time can come back up to 1 ms + a rounding error away.
    if (!deep && Math.abs(st.mtimeMs - f.mtimeMs) < 2) continue;
    let sum: string;
    try {
      sum = sha256File(abs);
    } catch (e) {
      problems.push({ path: abs, problem: 'missing', detail: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    if (sum !== f.sha256) problems.push({ path: abs, problem: 'modified', detail: 'content differs from what was committed (SHA-256)' });
  }
  return problems;
}
