/**
 * What the CLI does with an error that is not a UserError. A file system refusal naming a path
 * (permission, read-only, full disk, a file where a folder should be) is something a person can
 * fix, so it becomes a UserError naming the path. Anything else is a bug: it gets a short id, and
 * its stack goes to a log file under the state folder, never to the screen.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localRoot } from '../../jobs/embedded/paths';
import { EXIT, UserError } from './errors';

/** Why each file system error code happens and what to do, for the message. */
const FS_CODES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied: give this user access, or point HEADWATER_HOME at a folder it can write',
  EPERM: 'operation not permitted: give this user access, or point HEADWATER_HOME at a folder it can write',
  EROFS: 'the file system is read-only: point HEADWATER_HOME at a writable folder',
  ENOSPC: 'no space left on the device: free some space and rerun (committed data is intact)',
  EDQUOT: 'disk quota exceeded: free some space and rerun (committed data is intact)',
  ENOTDIR: 'a file stands where a folder is expected: move the file away, or point HEADWATER_HOME elsewhere',
  EISDIR: 'a folder was given where a file is expected: pass a file',
  ENOENT: 'no such file or folder',
  EEXIST: 'a file already exists where a folder is expected: move it away',
  EMFILE: 'too many open files: raise the limit (ulimit -n) and rerun',
};

/** A file system error naming a path, as a UserError; undefined for anything else. */
export function fileSystemError(e: unknown): UserError | undefined {
  const err = e as NodeJS.ErrnoException & { dest?: string };
  if (!(err instanceof Error) || typeof err.code !== 'string' || !(err.code in FS_CODES) || typeof err.path !== 'string') return undefined;
  const target = err.dest ? `${err.path} -> ${err.dest}` : err.path;
  return new UserError(`cannot ${err.syscall ?? 'use'} ${target}: ${FS_CODES[err.code]} (${err.code})`, EXIT.runFailed);
}

export const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);

/** Writes the error with its stack to `<state>/logs/internal-errors.log` (or the temp folder if that fails). */
export function logInternalError(e: unknown, argv: readonly string[]): { id: string; file: string } {
  const id = crypto.randomBytes(4).toString('hex');
  const entry = [
    `--- internal error ${id} at ${new Date().toISOString()}`,
    `command: assets ${argv.join(' ')}`,
    `node ${process.version} on ${process.platform}`,
    e instanceof Error ? (e.stack ?? e.message) : String(e),
    '',
  ].join('\n');
  for (const dir of [path.join(localRoot(), 'logs'), path.join(os.tmpdir(), 'headwater-logs')]) {
    const file = path.join(dir, 'internal-errors.log');
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.appendFileSync(file, entry);
      return { id, file };
    } catch {
      // The state folder may be the problem (read-only, full): try the next place.
    }
  }
  return { id, file: '(nowhere: no writable log folder)' };
}
