/**
 * Staging left by killed processes: a step writes into folders named with its pid (the lake's
 * `.staging/<pid>-*`, a model's `.<name>.<pid>.<id>.tmp`, the temp folder's
 * `headwater-sql-<pid>-*`) and removes them when it ends, but SIGKILL skips that. The next
 * environment to open removes those whose process is gone; a live process's staging is kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from './commit';

/** Where glue-sql stages its inputs outside the lake: `<tmp>/headwater-sql-<pid>-XXXXXX`. */
export const SQL_STAGING_PREFIX = () => path.join(os.tmpdir(), `headwater-sql-${process.pid}-`);

const entries = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
};

/** Removes staging folders of dead processes under `lakeRoot` and in the temp folder; returns what it removed. */
export function removeDeadStaging(lakeRoot: string): string[] {
  const removed: string[] = [];
  const drop = (p: string) => {
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(p);
  };
  const staging = path.join(lakeRoot, '.staging');
  for (const name of entries(staging)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) drop(path.join(staging, name));
  }
  for (const zone of entries(lakeRoot)) {
    if (zone.startsWith('.')) continue;
    for (const name of entries(path.join(lakeRoot, zone))) {
      const pid = Number(/^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)?.[1]);
      if (pid && !alive(pid)) drop(path.join(lakeRoot, zone, name));
    }
  }
  for (const name of entries(os.tmpdir())) {
    const pid = Number(/^headwater-sql-(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) drop(path.join(os.tmpdir(), name));
  }
  return removed;
}
