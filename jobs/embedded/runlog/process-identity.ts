/**
 * Who owns a run or a lock, and whether that owner is still alive. A pid alone is not enough:
 * pids are reused, so on Linux the process start time (field 22 of /proc/<pid>/stat) is recorded
 * with it and compared on read.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** Kernel start time of the process (clock ticks since boot), when /proc exists. */
  readonly start?: string;
}

/** The start time of `pid` from /proc, or undefined when it cannot be read (not Linux, or gone). */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

/** This process. */
export function currentProcess(): ProcessIdentity {
  self ??= { host: os.hostname(), pid: process.pid, start: procStart(process.pid) };
  return self;
}

/**
 * False when `owner` is a process of this host that no longer exists (or whose pid now belongs to
 * another process). Owners on other hosts are assumed alive: we cannot see them.
 */
export function isAlive(owner: ProcessIdentity): boolean {
  if (owner.host !== os.hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (owner.start !== undefined) {
    const now = procStart(owner.pid);
    if (now !== undefined && now !== owner.start) return false;
  }
  return true;
}

/** `host:pid`, the form run records show. */
export const ownerLabel = (p: ProcessIdentity): string => `${p.host}:${p.pid}`;
