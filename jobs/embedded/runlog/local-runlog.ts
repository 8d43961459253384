/**
 * The embedded run log: one SQLite database (`runlog/runlog.sqlite`, WAL mode) shared by every
 * process of this machine, with an index for each question the commands ask:
 *
 *   runs by start time                   `assets runs`, the UI's run list, prune
 *   events by run                        `assets run <id>`, backfill resume
 *   materializations by asset-partition  history of an asset, newest first
 *   checks by asset                      check history
 *   latest_* tables                      staleness, freshness and status read only these
 *   automation_* tables                  the automation daemon's ticks and checkpoint
 *
 * Why SQLite: status at 30,000 runs must not re-read 135 MB of JSON. SQLite's WAL lets any number of
 * processes read while one writes, writers queue on the database lock (busy timeout), and a
 * transaction is all or nothing, so a process killed mid-write leaves no torn record. Writes are
 * group-committed: appends made while a commit is pending share one transaction and one fsync
 * (synchronous=FULL), and a promise resolves only once its transaction is durable.
 *
 * A run left `running` by a process that no longer exists reads as `interrupted`: it can never
 * pass for succeeded. Run logs of earlier versions (JSONL files) are imported once, on first open.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  UserError,
  runsToPrune,
  RunLogIndex,
  type AssetKey,
  type AutomationCheckpoint,
  type AutomationTick,
  type CheckEvaluation,
  type HistoryQuery,
  type Materialization,
  type PruneOptions,
  type PruneResult,
  type RunEvent,
  type RunLog,
  type RunLogSnapshot,
  type RunLogStats,
  type RunQuery,
  type RunRecord,
} from '../../../assets/core';
import { hasLegacyRunLog, moveLegacyAside, readLegacyRunLog } from './jsonl-migration';
import { currentProcess, isAlive, ownerLabel, type ProcessIdentity } from './process-identity';

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. To change the schema,
 * append a step; never edit a released one (databases in the field have applied it).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     run_id TEXT NOT NULL UNIQUE,
     started_at TEXT NOT NULL,
     status TEXT NOT NULL,
     resume_of TEXT,
     host TEXT, pid INTEGER, proc_start TEXT,
     doc TEXT NOT NULL
   );
   CREATE INDEX runs_by_start ON runs (started_at, run_id);
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY,
     run INTEGER,
     type TEXT NOT NULL,
     key TEXT NOT NULL,
     partition TEXT,
     at TEXT NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX events_by_run ON events (run, seq);
   CREATE INDEX materializations_by_key ON events (key, partition, at) WHERE type = 'materialization';
   CREATE INDEX checks_by_key ON events (key, at) WHERE type = 'check_evaluated';
   CREATE TABLE latest_materializations (key TEXT NOT NULL, partition TEXT NOT NULL, at TEXT NOT NULL, run_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (key, partition)) WITHOUT ROWID;
   CREATE TABLE latest_observations (key TEXT PRIMARY KEY, at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE latest_checks (key TEXT NOT NULL, name TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (key, name)) WITHOUT ROWID;
   CREATE TABLE wipes (key TEXT NOT NULL, at TEXT NOT NULL);
   CREATE INDEX wipes_by_key ON wipes (key, at);
   CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO counters VALUES ('events', 0), ('materializations', 0);
   CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  // Automation: the latest failed and successful step of each asset (a dep failed; typical
  // durations), the daemon's ticks, and its checkpoint.
  `CREATE TABLE latest_steps (key TEXT NOT NULL, type TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, type)) WITHOUT ROWID;
   INSERT INTO latest_steps (key, type, seq) SELECT key, type, max(seq) FROM events WHERE type IN ('step_failed', 'step_succeeded') GROUP BY key, type;
   CREATE TABLE automation_ticks (tick_id TEXT PRIMARY KEY, at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
   CREATE TABLE automation_state (name TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;`,
];

const RUN_ID = /^[A-Za-z0-9_.-]+$/;
/** The file name inside the run-log folder. */
export const RUNLOG_DB = 'runlog.sqlite';

export interface LocalRunLogOptions {
  /**
   * fsync every commit (synchronous=FULL): a resolved write survives a power cut. Off
   * (synchronous=NORMAL) a write still survives the process being killed, not the machine
   * losing power; benchmarks generating millions of events turn it off.
   * @default true
   */
  readonly durable?: boolean;
  /** How long a writer waits for another process's transaction, in ms. @default 15000 */
  readonly busyTimeoutMs?: number;
}

/** A write waiting for the next group commit. */
interface Pending {
  readonly apply: () => void;
  resolve(): void;
  reject(e: Error): void;
}

type EventRow = { type: string; key: string; partition: string | null; at: string; doc: string; run_id: string | null };
type RunRow = { run_id: string; doc: string; host: string | null; pid: number | null; proc_start: string | null };

const partitionId = (p: string | null | undefined) => p ?? '';
/** The fields kept in columns, left out of an event's stored document. */
function eventDoc(event: RunEvent): string {
  const { type: _t, key: _k, runId: _r, at: _a, ...rest } = event as RunEvent & { partition?: string | null };
  if (event.type === 'materialization' || event.type === 'check_evaluated') delete (rest as { partition?: unknown }).partition;
  return JSON.stringify(rest);
}

function eventOf(row: EventRow): RunEvent {
  const rest = JSON.parse(row.doc) as Record<string, unknown>;
  const withPartition = row.type === 'materialization' || row.type === 'check_evaluated' ? { partition: row.partition } : {};
  return { type: row.type, ...(row.run_id === null ? {} : { runId: row.run_id }), key: row.key, ...withPartition, ...rest, at: row.at } as unknown as RunEvent;
}

const stripType = <T extends { type: string }>({ type: _type, ...rest }: T): Omit<T, 'type'> => rest;

/** The durable local run log (implements the core `RunLog`). */
export class LocalRunLog implements RunLog {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly own = new Set<string>();
  private queue: Pending[] = [];
  private flushing?: Promise<void>;
  private readonly stmt: ReturnType<LocalRunLog['prepare']>;
  /** Where an imported JSONL run log was moved, when this open imported one. */
  migratedTo?: string;

  constructor(
    readonly dir: string,
    options: LocalRunLogOptions = {},
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, RUNLOG_DB);
    try {
      this.db = new Database(this.file, { timeout: options.busyTimeoutMs ?? 15_000 });
      // auto_vacuum must precede the first table; it lets prune give space back to the disk.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.durable === false ? 'NORMAL' : 'FULL'}`);
      this.migrateSchema();
      this.stmt = this.prepare();
    } catch (e) {
      // A damaged file must be named, not reported as an internal error or read as an empty log.
      if (e instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) {
        throw new UserError(`the run log ${this.file} is damaged (${e.message}); restore it from a backup, or move it aside to start an empty run log (every asset then shows as not materialized)`);
      }
      throw e;
    }
    this.importLegacy();
  }

  private migrateSchema(): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    if (version() >= MIGRATIONS.length) return;
    // IMMEDIATE: two processes opening a new database at once apply the steps one after the other.
    this.db.transaction(() => {
      for (let v = version(); v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  }

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare('INSERT INTO runs (run_id, started_at, status, resume_of, host, pid, proc_start, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      updateRun: db.prepare('UPDATE runs SET started_at = ?, status = ?, resume_of = ?, doc = ? WHERE run_id = ?'),
      runDoc: db.prepare<[string], { doc: string }>('SELECT doc FROM runs WHERE run_id = ?'),
      run: db.prepare<[string], RunRow>('SELECT run_id, doc, host, pid, proc_start FROM runs WHERE run_id = ?'),
      runKey: db.prepare<[string], { id: number }>('SELECT id FROM runs WHERE run_id = ?'),
      insertEvent: db.prepare('INSERT INTO events (run, type, key, partition, at, doc) VALUES (?, ?, ?, ?, ?, ?)'),
      // The latest row wins by time, whatever order processes commit in; a wipe hides what it covers.
      upsertMat: db.prepare(
        `INSERT INTO latest_materializations (key, partition, at, run_id, doc)
         SELECT @key, @partition, @at, @runId, @doc WHERE NOT EXISTS (SELECT 1 FROM wipes WHERE key = @key AND at >= @at)
         ON CONFLICT (key, partition) DO UPDATE SET at = excluded.at, run_id = excluded.run_id, doc = excluded.doc WHERE excluded.at >= latest_materializations.at`,
      ),
      upsertObs: db.prepare(
        `INSERT INTO latest_observations (key, at, doc) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET at = excluded.at, doc = excluded.doc WHERE excluded.at >= latest_observations.at`,
      ),
      upsertCheck: db.prepare(
        `INSERT INTO latest_checks (key, name, at, doc)
         SELECT @key, @name, @at, @doc WHERE NOT EXISTS (SELECT 1 FROM wipes WHERE key = @key AND at >= @at)
         ON CONFLICT (key, name) DO UPDATE SET at = excluded.at, doc = excluded.doc WHERE excluded.at >= latest_checks.at`,
      ),
      upsertStep: db.prepare(
        `INSERT INTO latest_steps (key, type, seq) VALUES (?, ?, ?)
         ON CONFLICT (key, type) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > latest_steps.seq`,
      ),
      count: db.prepare('UPDATE counters SET n = n + ? WHERE name = ?'),
      events: db.prepare<[string], EventRow>(
        'SELECT e.type, e.key, e.partition, e.at, e.doc, r.run_id FROM events e JOIN runs r ON r.id = e.run WHERE r.run_id = ? ORDER BY e.seq',
      ),
    };
  }

  /** Imports a JSONL run log of an earlier version, once: the `meta` row makes later opens skip it. */
  private importLegacy(): void {
    if (!hasLegacyRunLog(this.dir)) return;
    const done = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'jsonl_imported'");
    if (done.get()) return;
    let imported: readonly string[] = [];
    this.db.transaction(() => {
      // Re-checked inside the write lock: another process may have imported it meanwhile.
      if (done.get() || !hasLegacyRunLog(this.dir)) return;
      const legacy = readLegacyRunLog(this.dir);
      for (const w of legacy.wipes) this.db.prepare('INSERT INTO wipes (key, at) VALUES (?, ?)').run(w.key, w.at);
      const events: { e: RunEvent; i: number }[] = [];
      for (const run of legacy.runs) {
        this.insertRun(run.record, run.proc);
        for (const e of run.events) events.push({ e, i: events.length });
      }
      for (const e of legacy.observations) events.push({ e, i: events.length });
      // In time order, as the JSONL reader folded them (stable for events of the same instant).
      events.sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.i - b.i));
      for (const { e } of events) this.insertEvent(e);
      const summary = { runs: legacy.runs.length, events: events.length, tornLines: legacy.tornLines, at: new Date().toISOString() };
      this.db.prepare("INSERT INTO meta (name, value) VALUES ('jsonl_imported', ?)").run(JSON.stringify(summary));
      imported = legacy.paths;
    }).immediate();
    // After the commit: a crash before the move leaves the files, and the meta row stops a re-import.
    if (imported.length) this.migratedTo = moveLegacyAside(this.dir, imported);
  }

  private insertRun(run: RunRecord, proc?: ProcessIdentity): void {
    if (!RUN_ID.test(run.runId)) throw new Error(`run id '${run.runId}' may only use letters, digits, '_', '.' and '-'`);
    this.stmt.insertRun.run(run.runId, run.startedAt, run.status, run.resumeOf ?? null, proc?.host ?? null, proc?.pid ?? null, proc?.start ?? null, JSON.stringify(run));
  }

  /** Writes one event and folds it into the latest tables (inside the caller's transaction). */
  private insertEvent(event: RunEvent): void {
    let run: number | null = null;
    if (event.runId !== undefined) {
      const row = this.stmt.runKey.get(event.runId);
      if (!row) throw new Error(`unknown run ${event.runId}: create the run before appending its events`);
      run = row.id;
    }
    const partition = event.type === 'materialization' || event.type === 'check_evaluated' ? event.partition : null;
    const { lastInsertRowid } = this.stmt.insertEvent.run(run, event.type, event.key, partition, event.at, eventDoc(event));
    this.stmt.count.run(1, 'events');
    if (event.type === 'step_failed' || event.type === 'step_succeeded') this.stmt.upsertStep.run(event.key, event.type, lastInsertRowid);
    if (event.type === 'materialization') {
      this.stmt.count.run(1, 'materializations');
      this.stmt.upsertMat.run({ key: event.key, partition: partitionId(event.partition), at: event.at, runId: event.runId, doc: JSON.stringify(stripType(event)) });
    } else if (event.type === 'observation') {
      this.stmt.upsertObs.run(event.key, event.at, JSON.stringify(stripType(event)));
    } else if (event.type === 'check_evaluated') {
      this.stmt.upsertCheck.run({ key: event.key, name: event.check, at: event.at, doc: JSON.stringify(stripType(event)) });
    }
  }

  /** Queues a write for the next group commit; resolves once it is durable. */
  private write(apply: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ apply, resolve, reject });
      // setImmediate: writes issued in the same turn (Promise.all of appends) share one commit.
      this.flushing ??= new Promise<void>((done) => setImmediate(() => done(this.flush())));
    });
  }

  private flush(): void {
    this.flushing = undefined;
    const batch = this.queue.splice(0);
    if (!batch.length) return;
    const failed = new Map<Pending, Error>();
    try {
      this.db.transaction(() => {
        for (const p of batch) {
          // A bad write (unknown run) fails alone; SQLite rolls back only that statement.
          try {
            p.apply();
          } catch (e) {
            if (e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY')) throw e;
            failed.set(p, e as Error);
          }
        }
      }).immediate();
    } catch (e) {
      const err = new Error(`could not write the run log ${this.file}: ${(e as Error).message}`);
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) {
      const err = failed.get(p);
      if (err) p.reject(err);
      else p.resolve();
    }
  }

  /** The record as readers should see it: a `running` run whose process is gone is `interrupted`. */
  private effective(row: RunRow): RunRecord {
    const r = JSON.parse(row.doc) as RunRecord;
    if (r.status !== 'running' || this.own.has(r.runId) || row.host === null || row.pid === null) return r;
    const proc: ProcessIdentity = { host: row.host, pid: row.pid, ...(row.proc_start === null ? {} : { start: row.proc_start }) };
    if (isAlive(proc)) return r;
    return { ...r, status: 'interrupted', error: r.error ?? `the process running it (${ownerLabel(proc)}) exited before the run finished` };
  }

  async createRun(run: RunRecord): Promise<void> {
    // Immediately, not grouped: a duplicate id must fail this call, and it is once per run.
    try {
      this.db.transaction(() => this.insertRun(run, currentProcess())).immediate();
    } catch (e) {
      if (e instanceof Database.SqliteError && e.code === 'SQLITE_CONSTRAINT_UNIQUE') throw new Error(`run ${run.runId} already exists in ${this.file}`);
      throw e;
    }
    this.own.add(run.runId);
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    if (!this.stmt.runDoc.get(runId)) throw new Error(`unknown run ${runId}`);
    await this.write(() => {
      const r = { ...(JSON.parse(this.stmt.runDoc.get(runId)!.doc) as RunRecord), ...patch };
      this.stmt.updateRun.run(r.startedAt, r.status, r.resumeOf ?? null, JSON.stringify(r), runId);
    });
  }

  append(event: RunEvent): Promise<void> {
    return this.write(() => this.insertEvent(event));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId)) return undefined;
    const row = this.stmt.run.get(runId);
    return row && this.effective(row);
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    return this.queryRuns({ limit });
  }

  async queryRuns(query: RunQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const filter = (sql: string, value: unknown) => {
      where.push(sql);
      args.push(value);
    };
    if (query.startedBefore !== undefined) filter('started_at < ?', query.startedBefore);
    if (query.startedSince !== undefined) filter('started_at >= ?', query.startedSince);
    // 'interrupted' is derived on read (a dead process's 'running'), so status filters after it.
    const sql = `SELECT run_id, doc, host, pid, proc_start FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC`;
    const limit = query.limit ?? 50;
    const out: RunRecord[] = [];
    for (const row of this.db.prepare<unknown[], RunRow>(sql).iterate(...args)) {
      const r = this.effective(row);
      if (query.status !== undefined && r.status !== query.status) continue;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  async events(runId: string): Promise<RunEvent[]> {
    return this.stmt.events.all(runId).map(eventOf);
  }

  private history(type: 'materialization' | 'check_evaluated', key: AssetKey, query: HistoryQuery): RunEvent[] {
    const where = ['e.type = ?', 'e.key = ?'];
    const args: unknown[] = [type, key];
    if (query.partition === null) where.push('e.partition IS NULL');
    else if (query.partition !== undefined) {
      where.push('e.partition = ?');
      args.push(query.partition);
    }
    if (query.before !== undefined) {
      where.push('e.at < ?');
      args.push(query.before);
    }
    const sql = `SELECT e.type, e.key, e.partition, e.at, e.doc, r.run_id FROM events e LEFT JOIN runs r ON r.id = e.run WHERE ${where.join(' AND ')} ORDER BY e.at DESC LIMIT ?`;
    return this.db.prepare<unknown[], EventRow>(sql).all(...args, query.limit ?? 50).map(eventOf);
  }

  async materializations(key: AssetKey, query: HistoryQuery = {}): Promise<Materialization[]> {
    return this.history('materialization', key, query).map((e) => stripType(e as Extract<RunEvent, { type: 'materialization' }>));
  }

  async checkEvaluations(key: AssetKey, query: HistoryQuery = {}): Promise<CheckEvaluation[]> {
    return this.history('check_evaluated', key, query).map((e) => stripType(e as Extract<RunEvent, { type: 'check_evaluated' }>));
  }

  /** Loads the latest tables (one row per asset-partition, not the history) in one read transaction. */
  async snapshot(): Promise<RunLogSnapshot> {
    const index = new RunLogIndex();
    this.db.transaction(() => {
      for (const table of ['latest_observations', 'latest_materializations', 'latest_checks'] as const) {
        const type = table === 'latest_observations' ? 'observation' : table === 'latest_materializations' ? 'materialization' : 'check_evaluated';
        for (const row of this.db.prepare<[], { doc: string }>(`SELECT doc FROM ${table}`).iterate()) {
          index.add({ type, ...JSON.parse(row.doc) } as RunEvent);
        }
      }
      const steps = this.db.prepare<[], EventRow>(
        'SELECT e.type, e.key, e.partition, e.at, e.doc, r.run_id FROM latest_steps l JOIN events e ON e.seq = l.seq LEFT JOIN runs r ON r.id = e.run',
      );
      for (const row of steps.iterate()) index.add(eventOf(row));
    })();
    return index;
  }

  async recordTick(tick: AutomationTick): Promise<void> {
    await this.write(() => void this.db.prepare('INSERT INTO automation_ticks (tick_id, at, doc) VALUES (?, ?, ?)').run(tick.tickId, tick.at, JSON.stringify(tick)));
  }

  async listTicks(limit = 50): Promise<AutomationTick[]> {
    const rows = this.db.prepare<[number], { doc: string }>('SELECT doc FROM automation_ticks ORDER BY tick_id DESC LIMIT ?').all(limit);
    return rows.map((r) => JSON.parse(r.doc) as AutomationTick);
  }

  async saveAutomationState(checkpoint: AutomationCheckpoint): Promise<void> {
    await this.write(() => void this.db.prepare("INSERT INTO automation_state (name, doc) VALUES ('checkpoint', ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc").run(JSON.stringify(checkpoint)));
  }

  async loadAutomationState(): Promise<AutomationCheckpoint | undefined> {
    const row = this.db.prepare<[], { doc: string }>("SELECT doc FROM automation_state WHERE name = 'checkpoint'").get();
    return row && (JSON.parse(row.doc) as AutomationCheckpoint);
  }

  /** Bytes of the database and its write-ahead log. */
  private bytes(): number {
    return [this.file, `${this.file}-wal`].reduce((n, f) => n + (fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
  }

  async stats(): Promise<RunLogStats> {
    return this.db.transaction(() => {
      const counter = (name: string) => (this.db.prepare<[string], { n: number }>('SELECT n FROM counters WHERE name = ?').get(name)?.n ?? 0);
      const runs = this.db.prepare<[], { n: number; oldest: string | null; newest: string | null }>('SELECT count(*) AS n, min(started_at) AS oldest, max(started_at) AS newest FROM runs').get()!;
      const latest = this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM latest_materializations').get()!.n;
      return {
        runs: runs.n,
        events: counter('events'),
        materializations: counter('materializations'),
        latestMaterializations: latest,
        bytes: this.bytes(),
        ...(runs.oldest ? { oldestRunAt: runs.oldest, newestRunAt: runs.newest! } : {}),
      };
    })();
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    await this.settle();
    const bytesBefore = this.bytes();
    const result = this.db.transaction(() => {
      const runs = this.db.prepare<[], RunRow>('SELECT run_id, doc, host, pid, proc_start FROM runs').all().map((row) => this.effective(row));
      const writers = new Set(this.db.prepare<[], { run_id: string }>('SELECT DISTINCT run_id FROM latest_materializations').all().map((r) => r.run_id));
      const decision = runsToPrune(runs, writers, options);
      let events = 0;
      let mats = 0;
      const ids = [...decision.prune];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const inRuns = `run IN (SELECT id FROM runs WHERE run_id IN (${chunk.map(() => '?').join(',')}))`;
        const counts = this.db.prepare<string[], { n: number; m: number }>(`SELECT count(*) AS n, coalesce(sum(type = 'materialization'), 0) AS m FROM events WHERE ${inRuns}`).get(...chunk)!;
        events += counts.n;
        mats += counts.m;
        if (options.dryRun) continue;
        this.db.prepare(`DELETE FROM events WHERE ${inRuns}`).run(...chunk);
        this.db.prepare(`DELETE FROM runs WHERE run_id IN (${chunk.map(() => '?').join(',')})`).run(...chunk);
      }
      // Observations made outside runs: the latest per source stays in latest_observations.
      const orphans = this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM events WHERE run IS NULL AND at < ?').get(options.olderThan)!.n;
      events += orphans;
      if (!options.dryRun) {
        this.db.prepare('DELETE FROM events WHERE run IS NULL AND at < ?').run(options.olderThan);
        this.stmt.count.run(-events, 'events');
        this.stmt.count.run(-mats, 'materializations');
      }
      return { runsPruned: ids.length, eventsPruned: events, kept: decision.kept };
    }).immediate();
    if (!options.dryRun && result.runsPruned + result.eventsPruned > 0) {
      // Give the freed pages back to the file system, then fold the WAL into the database.
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    }
    return { ...result, bytesBefore, bytesAfter: this.bytes() };
  }

  /** Forgets the materializations and check results of `keys` recorded until `at` (`assets wipe`). */
  async wipe(keys: readonly AssetKey[], at = new Date().toISOString()): Promise<void> {
    if (!keys.length) return;
    await this.settle();
    this.db.transaction(() => {
      for (const key of keys) {
        this.db.prepare('INSERT INTO wipes (key, at) VALUES (?, ?)').run(key, at);
        this.db.prepare('DELETE FROM latest_materializations WHERE key = ? AND at <= ?').run(key, at);
        this.db.prepare('DELETE FROM latest_checks WHERE key = ? AND at <= ?').run(key, at);
      }
    }).immediate();
  }

  /** Waits until every queued write is committed. */
  private async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.settle();
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating or migrating when needed) the run log in `dir`. */
export function openLocalRunLog(dir: string, options?: LocalRunLogOptions): LocalRunLog {
  return new LocalRunLog(dir, options);
}
