/**
 * Reads the run log of earlier versions (one JSONL file per run under `runlog/runs/`, plus
 * `wipes.jsonl` and `observations.jsonl`) so the SQLite store can import it once, on first use.
 *
 * Line forms: `{"t":"run","run":RunRecord,"proc":ProcessIdentity}` (first line),
 * `{"t":"patch","patch":{...}}`, `{"t":"event","e":RunEvent}`. `wipes.jsonl` holds `{"key","at"}`.
 * A torn last line (a writer killed mid-write) is skipped, as the old reader did.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AssetKey, RunEvent, RunRecord } from '../../../assets/core';
import type { ProcessIdentity } from './process-identity';

type Line =
  | { readonly t: 'run'; readonly run: RunRecord; readonly proc?: ProcessIdentity }
  | { readonly t: 'patch'; readonly patch: Partial<RunRecord> }
  | { readonly t: 'event'; readonly e: RunEvent };

export interface LegacyRun {
  readonly record: RunRecord;
  readonly proc?: ProcessIdentity;
  readonly events: readonly RunEvent[];
}

export interface LegacyWipe {
  readonly key: AssetKey;
  readonly at: string;
}

export interface LegacyRunLog {
  readonly runs: readonly LegacyRun[];
  readonly wipes: readonly LegacyWipe[];
  /** Observations recorded outside any run. */
  readonly observations: readonly RunEvent[];
  /** Lines that did not parse (torn writes of killed processes). */
  readonly tornLines: number;
  /** The files and folders read, to move aside once imported. */
  readonly paths: readonly string[];
}

/** The complete lines of a file: a last line without its newline is a torn write. */
function jsonLines(file: string): { values: unknown[]; torn: number } {
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n');
  const values: unknown[] = [];
  let torn = end < text.length - 1 ? 1 : 0;
  for (const line of end < 0 ? [] : text.slice(0, end).split('\n')) {
    if (!line) continue;
    try {
      values.push(JSON.parse(line));
    } catch {
      torn++;
    }
  }
  return { values, torn };
}

/** Whether `dir` holds a JSONL run log of an earlier version. */
export function hasLegacyRunLog(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'runs')) || fs.existsSync(path.join(dir, 'wipes.jsonl')) || fs.existsSync(path.join(dir, 'observations.jsonl'));
}

/** Reads every legacy file under `dir`. */
export function readLegacyRunLog(dir: string): LegacyRunLog {
  const runsDir = path.join(dir, 'runs');
  const runs: LegacyRun[] = [];
  const paths: string[] = [];
  let tornLines = 0;
  if (fs.existsSync(runsDir)) {
    paths.push(runsDir);
    for (const name of fs.readdirSync(runsDir).sort()) {
      if (!name.endsWith('.jsonl')) continue;
      const { values, torn } = jsonLines(path.join(runsDir, name));
      tornLines += torn;
      let record: RunRecord | undefined;
      let proc: ProcessIdentity | undefined;
      const events: RunEvent[] = [];
      for (const line of values as Line[]) {
        if (line.t === 'run') {
          record = line.run;
          proc = line.proc;
        } else if (line.t === 'patch' && record) record = { ...record, ...line.patch };
        else if (line.t === 'event') events.push(line.e);
      }
      // A file whose first line was torn holds no run to import.
      if (record) runs.push({ record, proc, events });
    }
  }
  const side = (name: string): unknown[] => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return [];
    paths.push(file);
    const { values, torn } = jsonLines(file);
    tornLines += torn;
    return values;
  };
  return { runs, wipes: side('wipes.jsonl') as LegacyWipe[], observations: side('observations.jsonl') as RunEvent[], tornLines, paths };
}

/** Moves the imported files into `dir/jsonl-migrated/` (kept, never deleted: the import loses nothing). */
export function moveLegacyAside(dir: string, paths: readonly string[]): string {
  const aside = path.join(dir, 'jsonl-migrated');
  fs.mkdirSync(aside, { recursive: true });
  for (const p of paths) {
    let target = path.join(aside, path.basename(p));
    if (fs.existsSync(target)) target = `${target}.${Date.now()}`;
    fs.renameSync(p, target);
  }
  return aside;
}
