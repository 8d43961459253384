/**
 * The embedded run log: one append-only JSONL file per run under `runlog/runs/`, fsynced on every
 * write (grouped), and an in-memory `RunLogIndex` rebuilt from the files on read.
 *
 * Why files and not a database: a run has exactly one writer (its process), so a file per run
 * needs no locking, survives a SIGKILL (a torn last line is ignored on read) and can be read by
 * any other process at any time. A run left `running` by a process that no longer exists reads
 * as `interrupted`: it can never pass for succeeded.
 *
 * Line forms: `{"t":"run","run":RunRecord,"proc":ProcessIdentity}` (first line),
 * `{"t":"patch","patch":{...}}`, `{"t":"event","e":RunEvent}`. `wipes.jsonl` holds
 * `{"key","at"}`: materializations and checks of `key` up to `at` are forgotten (`assets wipe`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RunLogIndex, type AssetKey, type RunEvent, type RunLog, type RunLogSnapshot, type RunRecord } from '../../../assets/core';
import { AppendFile } from './append-file';
import { currentProcess, isAlive, ownerLabel, type ProcessIdentity } from './process-identity';

type Line =
  | { readonly t: 'run'; readonly run: RunRecord; readonly proc?: ProcessIdentity }
  | { readonly t: 'patch'; readonly patch: Partial<RunRecord> }
  | { readonly t: 'event'; readonly e: RunEvent };

interface Wipe {
  readonly key: AssetKey;
  readonly at: string;
}

/** What was read of one run file so far. */
interface RunFile {
  offset: number;
  record?: RunRecord;
  proc?: ProcessIdentity;
  readonly events: RunEvent[];
  /** Lines that did not parse (a torn write of a killed process). */
  torn: number;
}

const RUN_ID = /^[A-Za-z0-9_.-]+$/;

/** Parses the complete lines of `text`; returns them and how many bytes they used. */
function completeLines(buf: Buffer): { lines: string[]; used: number } {
  const end = buf.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], used: 0 };
  return { lines: buf.subarray(0, end).toString('utf8').split('\n'), used: end + 1 };
}

function readFrom(file: string, offset: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the file itself is synced.
  }
}

/** The durable local run log (implements the core `RunLog`). */
export class LocalRunLog implements RunLog {
  private readonly runsDir: string;
  private readonly wipesFile: string;
  private readonly orphanFile: string;
  private readonly files = new Map<string, RunFile>();
  private readonly writers = new Map<string, AppendFile>();
  private readonly own = new Set<string>();
  private wipes: Wipe[] = [];
  private wipesOffset = 0;
  private orphans: RunEvent[] = [];
  private orphansOffset = 0;
  private index?: RunLogIndex;

  constructor(readonly dir: string) {
    this.runsDir = path.join(dir, 'runs');
    this.wipesFile = path.join(dir, 'wipes.jsonl');
    this.orphanFile = path.join(dir, 'observations.jsonl');
    fs.mkdirSync(this.runsDir, { recursive: true });
  }

  private runPath(runId: string): string {
    if (!RUN_ID.test(runId)) throw new Error(`run id '${runId}' may only use letters, digits, '_', '.' and '-'`);
    return path.join(this.runsDir, `${runId}.jsonl`);
  }

  /** Reads whatever other processes (or this one) appended since the last call. */
  private refresh(): void {
    let changed = false;
    for (const name of fs.readdirSync(this.runsDir)) {
      if (!name.endsWith('.jsonl')) continue;
      const runId = name.slice(0, -'.jsonl'.length);
      let f = this.files.get(runId);
      if (!f) this.files.set(runId, (f = { offset: 0, events: [], torn: 0 }));
      const { lines, used } = completeLines(readFrom(path.join(this.runsDir, name), f.offset));
      if (!used) continue;
      f.offset += used;
      changed = true;
      for (const text of lines) {
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          f.torn++;
          continue;
        }
        if (line.t === 'run') {
          f.record = line.run;
          f.proc = line.proc;
        } else if (line.t === 'patch' && f.record) f.record = { ...f.record, ...line.patch };
        else if (line.t === 'event') f.events.push(line.e);
      }
    }
    changed = this.refreshSide(this.wipesFile, 'wipes') || changed;
    changed = this.refreshSide(this.orphanFile, 'orphans') || changed;
    if (changed) this.index = undefined;
  }

  private refreshSide(file: string, which: 'wipes' | 'orphans'): boolean {
    if (!fs.existsSync(file)) return false;
    const offset = which === 'wipes' ? this.wipesOffset : this.orphansOffset;
    const { lines, used } = completeLines(readFrom(file, offset));
    if (!used) return false;
    for (const text of lines) {
      try {
        const v = JSON.parse(text);
        if (which === 'wipes') this.wipes.push(v as Wipe);
        else this.orphans.push(v as RunEvent);
      } catch {
        // A torn line of a killed process.
      }
    }
    if (which === 'wipes') this.wipesOffset += used;
    else this.orphansOffset += used;
    return true;
  }

  /** The record as readers should see it: a `running` run whose process is gone is `interrupted`. */
  private effective(runId: string, f: RunFile): RunRecord | undefined {
    const r = f.record;
    if (!r) return undefined;
    if (r.status !== 'running' || this.own.has(runId) || !f.proc || isAlive(f.proc)) return r;
    return { ...r, status: 'interrupted', error: r.error ?? `the process running it (${ownerLabel(f.proc)}) exited before the run finished` };
  }

  private writer(runId: string): AppendFile {
    let w = this.writers.get(runId);
    if (!w) this.writers.set(runId, (w = new AppendFile(this.runPath(runId))));
    return w;
  }

  async createRun(run: RunRecord): Promise<void> {
    const file = this.runPath(run.runId);
    const line: Line = { t: 'run', run, proc: currentProcess() };
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`run ${run.runId} already exists in ${this.runsDir}`);
      throw e;
    }
    try {
      fs.writeSync(fd, JSON.stringify(line) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDir(this.runsDir);
    this.own.add(run.runId);
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    if (!fs.existsSync(this.runPath(runId))) throw new Error(`unknown run ${runId}`);
    await this.writer(runId).append(JSON.stringify({ t: 'patch', patch } satisfies Line) + '\n');
  }

  async append(event: RunEvent): Promise<void> {
    if (event.runId === undefined) {
      fs.appendFileSync(this.orphanFile, JSON.stringify(event) + '\n');
      return;
    }
    await this.writer(event.runId).append(JSON.stringify({ t: 'event', e: event } satisfies Line) + '\n');
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId)) return undefined;
    this.refresh();
    const f = this.files.get(runId);
    return f && this.effective(runId, f);
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    this.refresh();
    const runs: RunRecord[] = [];
    for (const [id, f] of this.files) {
      const r = this.effective(id, f);
      if (r) runs.push(r);
    }
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.runId < b.runId ? 1 : -1)).slice(0, limit);
  }

  async events(runId: string): Promise<RunEvent[]> {
    this.refresh();
    return [...(this.files.get(runId)?.events ?? [])];
  }

  async snapshot(): Promise<RunLogSnapshot> {
    this.refresh();
    this.index ??= this.buildIndex();
    return this.index;
  }

  private buildIndex(): RunLogIndex {
    const lastWipe = new Map<AssetKey, string>();
    for (const w of this.wipes) if ((lastWipe.get(w.key) ?? '') < w.at) lastWipe.set(w.key, w.at);
    const all: RunEvent[] = [...this.orphans];
    for (const f of this.files.values()) all.push(...f.events);
    // Stable sort by time: the index keeps the last event per key and partition.
    const ordered = all
      .map((e, i) => ({ e, i }))
      .sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.i - b.i))
      .map((x) => x.e);
    const index = new RunLogIndex();
    for (const e of ordered) {
      const wiped = lastWipe.get(e.key);
      if (wiped !== undefined && e.at <= wiped && e.type !== 'observation') continue;
      index.add(e);
    }
    return index;
  }

  /** Forgets the materializations and check results of `keys` recorded until now (`assets wipe`). */
  async wipe(keys: readonly AssetKey[], at = new Date().toISOString()): Promise<void> {
    if (!keys.length) return;
    const fd = fs.openSync(this.wipesFile, 'a');
    try {
      fs.writeSync(fd, keys.map((key) => JSON.stringify({ key, at } satisfies Wipe)).join('\n') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.index = undefined;
  }

  /** Lines of run files that did not parse: torn writes of killed processes (for `assets run`). */
  tornLines(runId: string): number {
    return this.files.get(runId)?.torn ?? 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
  }
}

/** Opens (creating when needed) the run log in `dir`. */
export function openLocalRunLog(dir: string): LocalRunLog {
  return new LocalRunLog(dir);
}
