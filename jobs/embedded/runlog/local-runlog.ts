/**
 * The embedded run log: one SQLite database (`runlog/runlog.sqlite`, WAL mode) shared by every
 * process of this machine, with an index for each question the commands ask:
 *
 *   runs by start time                   `assets runs`, the UI's run list, prune
 *   events by run                        `assets run <id>`, backfill resume
 *   materializations by asset-partition  history of an asset, newest first
 *   checks by asset                      check history
 *   latest                               the latest materialization of each asset-partition
 *   asset_state, asset_groups, reads     per-asset summaries: status reads one row set per asset
 *   automation_* tables                  the automation daemon's ticks and checkpoint
 *
 * Compact (schema 3): asset keys, partitions, run ids, code versions and input key lists are
 * interned in `dict`, times are integer milliseconds, and a materialization's inputs are stored
 * as its interned key list plus the versions alone. `reads` follows each input a materialization
 * read from one upstream partition (`Materialization.reads`): when that partition gets another
 * data version or is wiped, the readers are marked changed in the same transaction, so status
 * counts stale partitions from summaries instead of recomputing a million of them.
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
  EXIT,
  UserError,
  readState,
  runsToPrune,
  RunLogIndex,
  NO_DATA,
  type AssetFacts,
  type AssetKey,
  type AssetSummary,
  type AutomationCheckpoint,
  type AutomationTick,
  type CheckEvaluation,
  type HistoryQuery,
  type Materialization,
  type Observation,
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

/** A schema step: SQL, or a function for a step that moves rows through the store's own writes. */
type Migration = string | ((log: LocalRunLog) => void);

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. To change the schema,
 * append a step; never edit a released one (databases in the field have applied it).
 */
const MIGRATIONS: readonly Migration[] = [
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
  // The compact schema and the per-asset summaries (see the header). Events move into `ev` through
  // the store's own writes, in their order and with their sequence numbers (latest_steps keeps
  // pointing at them); inputs of those earlier records are not followed (they recorded no `reads`),
  // so status checks them from the materializations until they are rewritten.
  (log) => log.migrateToCompact(),
];

/** The schema steps, exported so tests can build a database as an earlier release left it. */
export const SCHEMA_STEPS = MIGRATIONS;

/** The tables of the compact schema (step 3). */
const COMPACT_SCHEMA = `
  CREATE TABLE dict (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
  CREATE TABLE ev (
    seq INTEGER PRIMARY KEY,
    run INTEGER,
    type INTEGER NOT NULL,
    key INTEGER NOT NULL,
    part INTEGER,
    at INTEGER NOT NULL,
    code INTEGER,
    data TEXT,
    inputs INTEGER,
    doc TEXT
  );
  CREATE INDEX ev_by_run ON ev (run, type);
  CREATE INDEX ev_materializations ON ev (key, part, at) WHERE type = 6;
  CREATE INDEX ev_checks ON ev (key, at) WHERE type = 7;
  CREATE TABLE latest (key INTEGER NOT NULL, part INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, code INTEGER NOT NULL, inputs INTEGER NOT NULL, data TEXT NOT NULL, files INTEGER NOT NULL, PRIMARY KEY (key, part)) WITHOUT ROWID;
  CREATE TABLE asset_groups (key INTEGER NOT NULL, code INTEGER NOT NULL, inputs INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, code, inputs)) WITHOUT ROWID;
  CREATE TABLE asset_state (
    key INTEGER PRIMARY KEY,
    partitions INTEGER NOT NULL DEFAULT 0,
    newest_seq INTEGER, newest_at INTEGER, newest_part TEXT,
    max_part TEXT,
    files INTEGER NOT NULL DEFAULT 0,
    last_event_at INTEGER
  );
  CREATE TABLE reads (down_key INTEGER NOT NULL, down_part INTEGER NOT NULL, up_key INTEGER NOT NULL, up_part INTEGER NOT NULL, version TEXT, state INTEGER NOT NULL, PRIMARY KEY (down_key, down_part, up_key)) WITHOUT ROWID;
  CREATE INDEX reads_by_upstream ON reads (up_key, up_part) WHERE state < 3;
  CREATE INDEX reads_unsettled ON reads (state, down_key, down_part) WHERE state > 0;
`;

/** Event types as stored (`ev.type`). */
const TYPES = ['step_planned', 'step_started', 'step_succeeded', 'step_failed', 'step_skipped', 'materialization', 'check_evaluated', 'observation'] as const;
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i + 1]));
const MATERIALIZATION = 6;
const CHECK = 7;
/** `reads.state`: the input as read, changed since, gone since, or not followed (checked exactly). */
const READ_STATE = { same: 0, changed: 1, missing: 2, untracked: 3 } as const;
/**
 * The condition of the `reads_unsettled` index, repeated in every query of unsettled reads: SQLite
 * uses a partial index only when the query's WHERE contains its condition, and does not infer it
 * from `state IN (1, 2)` or `state = 3`. Without it each query scanned every row of `reads` (2.8
 * million at 1,000,000 materializations: 700 ms of the cold status query).
 */
const UNSETTLED = 'r.state > 0';
/** `part` of an unpartitioned asset (dict ids start at 1). */
const NO_PARTITION = 0;

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

/** An `ev` row with its interned texts resolved. */
type EvRow = { seq: number; type: number; key: string; part: string | null; at: number; code: string | null; data: string | null; inputs: string | null; doc: string | null; run: string | null };
type RunRow = { run_id: string; started_at: string; status: string; resume_of: string | null; doc: string; host: string | null; pid: number | null; proc_start: string | null };
const RUN_COLUMNS = 'run_id, started_at, status, resume_of, doc, host, pid, proc_start';

/** A run's stored document: what its columns do not hold (records of earlier versions hold everything). */
function runDoc({ runId: _id, startedAt: _at, status: _status, resumeOf: _of, ...rest }: RunRecord): string {
  return JSON.stringify(rest);
}

/** A run record from its row: the columns, then the rest of its document. */
function runOf(row: RunRow): RunRecord {
  const doc = JSON.parse(row.doc) as Partial<RunRecord>;
  return { ...doc, runId: row.run_id, startedAt: row.started_at, status: row.status, ...(row.resume_of === null ? {} : { resumeOf: row.resume_of }) } as RunRecord;
}

const EV_COLUMNS = `e.seq, e.type, k.text AS key, p.text AS part, e.at, c.text AS code, e.data, i.text AS inputs, e.doc, r.text AS run`;
const EV_JOINS = `JOIN dict k ON k.id = e.key LEFT JOIN dict p ON p.id = e.part LEFT JOIN dict c ON c.id = e.code LEFT JOIN dict i ON i.id = e.inputs LEFT JOIN dict r ON r.id = e.run`;

/** Milliseconds of an ISO time, and whether the ISO form rebuilds it exactly (else the text is kept). */
function timeOf(at: string): { ms: number; exact: boolean } {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return { ms: 0, exact: false };
  return { ms, exact: new Date(ms).toISOString() === at };
}

/** How a materialization's `reads` are stored: aligned with its input keys; 0 stands for its own partition, false for not followed. */
type StoredRead = string | null | 0 | false;

/** The stored document of an event: what the columns do not hold. */
function eventDoc(event: RunEvent, inputKeys: readonly string[], exactTime: boolean): string | null {
  const doc: Record<string, unknown> = {};
  if (!exactTime) doc.a = event.at;
  if (event.type === 'materialization') {
    doc.v = inputKeys.map((k) => event.inputs[k]);
    doc.m = event.metadata;
    if (event.files) doc.f = event.files;
    if (event.reads) doc.r = inputKeys.map((k): StoredRead => (!(k in event.reads!) ? false : event.reads![k] === event.partition && event.partition !== null ? 0 : event.reads![k]));
    return JSON.stringify(doc);
  }
  const { type: _t, key: _k, runId: _r, at: _a, ...rest } = event as RunEvent & { partition?: string | null; partitions?: readonly string[] | null };
  if (event.type === 'check_evaluated') {
    delete rest.partition;
    // Most checks block: only the exceptions are stored (eventOf restores the default).
    if ((rest as { blocking?: boolean }).blocking === true) delete (rest as { blocking?: boolean }).blocking;
  }
  // A step's partitions: none (null) and one (the `part` column) are left out of the document.
  if ('partitions' in rest && (rest.partitions === null || rest.partitions?.length === 1)) delete rest.partitions;
  return JSON.stringify({ ...doc, ...rest });
}

/** The one partition of a step event, kept in the `part` column. */
const singleStepPartition = (event: RunEvent): string | undefined => ('partitions' in event && event.partitions?.length === 1 ? event.partitions[0] : undefined);

function eventOf(row: EvRow): RunEvent {
  const doc = (row.doc === null ? {} : JSON.parse(row.doc)) as Record<string, unknown>;
  const type = TYPES[row.type - 1];
  const at = (doc.a as string | undefined) ?? new Date(row.at).toISOString();
  const base = { type, ...(row.run === null ? {} : { runId: row.run }), key: row.key };
  if (type === 'materialization') {
    const keys = JSON.parse(row.inputs!) as string[];
    const versions = doc.v as string[];
    const partition = row.part;
    const stored = doc.r as StoredRead[] | undefined;
    const reads = stored && Object.fromEntries(keys.flatMap((k, i) => (stored[i] === false ? [] : [[k, stored[i] === 0 ? partition : stored[i]]])));
    return {
      ...base,
      partition,
      codeVersion: row.code!,
      dataVersion: row.data!,
      inputs: Object.fromEntries(keys.map((k, i) => [k, versions[i]])),
      metadata: doc.m,
      ...(doc.f ? { files: doc.f } : {}),
      ...(reads ? { reads } : {}),
      at,
    } as unknown as RunEvent;
  }
  const { a: _a, ...rest } = doc;
  const step = type.startsWith('step_') && !('partitions' in rest) ? { partitions: row.part === null ? null : [row.part] } : {};
  return { ...base, ...(type === 'check_evaluated' ? { partition: row.part, blocking: true } : {}), ...step, ...rest, at } as unknown as RunEvent;
}

/**
 * A run log that cannot be opened or written for a reason a person can fix (a read-only folder or
 * file system, a full disk, no permission) as a UserError naming the file; undefined otherwise.
 */
function storageFault(e: unknown, file: string): UserError | undefined {
  if (!(e instanceof Database.SqliteError)) return undefined;
  const fix = /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(e.code)
    ? `give this user write access to ${path.dirname(file)} (the run log is written even by commands that read it), or point HEADWATER_HOME at a writable folder`
    : /^SQLITE_FULL/.test(e.code)
      ? 'free some space on its disk and rerun (what was committed before is intact)'
      : undefined;
  return fix ? new UserError(`the run log ${file} cannot be written (${e.message}): ${fix}`, EXIT.runFailed) : undefined;
}

const stripType = <T extends { type: string }>({ type: _type, ...rest }: T): Omit<T, 'type'> => rest;

/** The durable local run log (implements the core `RunLog`). */
export class LocalRunLog implements RunLog {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly own = new Set<string>();
  private queue: Pending[] = [];
  private flushing?: Promise<void>;
  private stmt!: ReturnType<LocalRunLog['prepare']>;
  /** Interned texts of committed transactions (ids are never reused); cleared when a transaction rolls back. */
  private readonly ids = new Map<string, number>();
  /** Events counted in the current write transaction, added to `counters` once when it commits. */
  private tally = { events: 0, materializations: 0 };
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
      this.stmt ??= this.prepare();
    } catch (e) {
      // A damaged file must be named, not reported as an internal error or read as an empty log.
      if (e instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(e.code)) {
        throw new UserError(`the run log ${this.file} is damaged (${e.message}); restore it from a backup, or move it aside to start an empty run log (every asset then shows as not materialized)`);
      }
      throw storageFault(e, this.file) ?? e;
    }
    this.importLegacy();
  }

  private migrateSchema(): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    if (version() >= MIGRATIONS.length) return;
    // IMMEDIATE: two processes opening an old database at once apply the steps one after the other.
    try {
      this.db.transaction(() => {
        for (let v = version(); v < MIGRATIONS.length; v++) {
          const step = MIGRATIONS[v];
          if (typeof step === 'string') this.db.exec(step);
          else step(this);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      }).immediate();
    } catch (e) {
      this.ids.clear();
      throw e;
    }
  }

  /** Schema step 3: creates the compact tables and moves every event into them, then drops the old tables. */
  migrateToCompact(): void {
    this.db.exec(COMPACT_SCHEMA);
    this.stmt = this.prepare();
    this.db.prepare("UPDATE counters SET n = 0").run();
    const old = this.db.prepare<[], { seq: number; type: string; key: string; partition: string | null; at: string; doc: string; run_id: string | null }>(
      'SELECT e.seq, e.type, e.key, e.partition, e.at, e.doc, r.run_id FROM events e LEFT JOIN runs r ON r.id = e.run ORDER BY e.seq',
    );
    for (const row of old.all()) {
      const rest = JSON.parse(row.doc) as Record<string, unknown>;
      const withPartition = row.type === 'materialization' || row.type === 'check_evaluated' ? { partition: row.partition } : {};
      const event = { type: row.type, ...(row.run_id === null ? {} : { runId: row.run_id }), key: row.key, ...withPartition, ...rest, at: row.at } as unknown as RunEvent;
      this.insertEvent(event, row.seq);
    }
    this.writeTally();
    this.db.exec('DROP TABLE events; DROP TABLE latest_materializations;');
  }

  private prepare() {
    const db = this.db;
    return {
      insertRun: db.prepare('INSERT INTO runs (run_id, started_at, status, resume_of, host, pid, proc_start, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      updateRun: db.prepare('UPDATE runs SET started_at = ?, status = ?, resume_of = ?, doc = ? WHERE run_id = ?'),
      run: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`),
      runExists: db.prepare<[string], { id: number }>('SELECT id FROM runs WHERE run_id = ?'),
      dictId: db.prepare<[string], { id: number }>('SELECT id FROM dict WHERE text = ?'),
      dictInsert: db.prepare('INSERT INTO dict (text) VALUES (?)'),
      insertEv: db.prepare('INSERT INTO ev (seq, run, type, key, part, at, code, data, inputs, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      latest: db.prepare<[number, number], { seq: number; at: number; code: number; inputs: number; data: string; files: number }>('SELECT seq, at, code, inputs, data, files FROM latest WHERE key = ? AND part = ?'),
      latestData: db.prepare<[number, number], { data: string }>('SELECT data FROM latest WHERE key = ? AND part = ?'),
      wiped: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM wipes WHERE key = ? AND at >= ?'),
      upsertLatest: db.prepare(
        `INSERT INTO latest (key, part, seq, at, code, inputs, data, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key, part) DO UPDATE SET seq = excluded.seq, at = excluded.at, code = excluded.code, inputs = excluded.inputs, data = excluded.data, files = excluded.files`,
      ),
      groupAdd: db.prepare('INSERT INTO asset_groups (key, code, inputs, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n'),
      groupDropEmpty: db.prepare('DELETE FROM asset_groups WHERE key = ? AND code = ? AND inputs = ? AND n <= 0'),
      stateEnsure: db.prepare('INSERT OR IGNORE INTO asset_state (key) VALUES (?)'),
      stateTouch: db.prepare('INSERT INTO asset_state (key, last_event_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET last_event_at = max(coalesce(last_event_at, 0), excluded.last_event_at)'),
      stateMaterialized: db.prepare(
        `UPDATE asset_state SET
           partitions = partitions + @added,
           files = files + @files,
           max_part = CASE WHEN @part IS NOT NULL AND (max_part IS NULL OR @part > max_part) THEN @part ELSE max_part END,
           newest_seq = CASE WHEN newest_at IS NULL OR @at > newest_at OR (@at = newest_at AND @partText >= newest_part) THEN @seq ELSE newest_seq END,
           newest_part = CASE WHEN newest_at IS NULL OR @at > newest_at OR (@at = newest_at AND @partText >= newest_part) THEN @partText ELSE newest_part END,
           newest_at = CASE WHEN newest_at IS NULL OR @at > newest_at THEN @at ELSE newest_at END
         WHERE key = @key`,
      ),
      dropReads: db.prepare('DELETE FROM reads WHERE down_key = ? AND down_part = ?'),
      insertRead: db.prepare('INSERT INTO reads (down_key, down_part, up_key, up_part, version, state) VALUES (?, ?, ?, ?, ?, ?)'),
      // The readers of a partition that just got another data version: changed unless they read this one.
      settleReaders: db.prepare(`UPDATE reads SET state = CASE WHEN version = @data THEN ${READ_STATE.same} ELSE ${READ_STATE.changed} END WHERE up_key = @key AND up_part = @part AND state < ${READ_STATE.untracked}`),
      observedVersion: db.prepare<[string], { v: string }>("SELECT json_extract(doc, '$.dataVersion') AS v FROM latest_observations WHERE key = ?"),
      observedAt: db.prepare<[string], { at: string; v: string }>("SELECT at, json_extract(doc, '$.dataVersion') AS v FROM latest_observations WHERE key = ?"),
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
      events: db.prepare<[string], EvRow>(`SELECT ${EV_COLUMNS} FROM ev e ${EV_JOINS} WHERE e.run = (SELECT id FROM dict WHERE text = ?) ORDER BY e.seq`),
      bySeq: db.prepare<[number], EvRow>(`SELECT ${EV_COLUMNS} FROM ev e ${EV_JOINS} WHERE e.seq = ?`),
    };
  }

  /** The id of an interned text, adding it when new (inside the caller's write transaction). */
  private id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.stmt.dictId.get(text)?.id ?? Number(this.stmt.dictInsert.run(text).lastInsertRowid);
      this.ids.set(text, id);
    }
    return id;
  }

  /** The id of an interned text, or undefined when it was never written (reads never add). */
  private lookupId(text: string): number | undefined {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.stmt.dictId.get(text)?.id;
      if (id !== undefined) this.ids.set(text, id);
    }
    return id;
  }

  /** Imports a JSONL run log of an earlier version, once: the `meta` row makes later opens skip it. */
  private importLegacy(): void {
    if (!hasLegacyRunLog(this.dir)) return;
    const done = this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE name = 'jsonl_imported'");
    if (done.get()) return;
    let imported: readonly string[] = [];
    this.inWrite(() => {
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
    });
    // After the commit: a crash before the move leaves the files, and the meta row stops a re-import.
    if (imported.length) this.migratedTo = moveLegacyAside(this.dir, imported);
  }

  /** Runs `fn` in an IMMEDIATE transaction; interned ids of a rolled-back one are forgotten. */
  private inWrite<T>(fn: () => T): T {
    try {
      return this.db.transaction(() => {
        const out = fn();
        this.writeTally();
        return out;
      }).immediate();
    } catch (e) {
      this.ids.clear();
      this.tally = { events: 0, materializations: 0 };
      throw e;
    }
  }

  /** Adds the events counted in this transaction to `counters`: two updates per commit, not two per event. */
  private writeTally(): void {
    if (this.tally.events) this.stmt.count.run(this.tally.events, 'events');
    if (this.tally.materializations) this.stmt.count.run(this.tally.materializations, 'materializations');
    this.tally = { events: 0, materializations: 0 };
  }

  private insertRun(run: RunRecord, proc?: ProcessIdentity): void {
    if (!RUN_ID.test(run.runId)) throw new Error(`run id '${run.runId}' may only use letters, digits, '_', '.' and '-'`);
    this.stmt.insertRun.run(run.runId, run.startedAt, run.status, run.resumeOf ?? null, proc?.host ?? null, proc?.pid ?? null, proc?.start ?? null, runDoc(run));
  }

  /** Writes one event and folds it into the latest tables and summaries (inside the caller's transaction). */
  private insertEvent(event: RunEvent, seq: number | null = null): void {
    let run: number | null = null;
    if (event.runId !== undefined) {
      if (!this.own.has(event.runId) && !this.stmt.runExists.get(event.runId)) throw new Error(`unknown run ${event.runId}: create the run before appending its events`);
      run = this.id(event.runId);
    }
    const key = this.id(event.key);
    const time = timeOf(event.at);
    const partition = event.type === 'materialization' || event.type === 'check_evaluated' ? event.partition : null;
    const part = partition === null ? NO_PARTITION : this.id(partition);
    const inputKeys = event.type === 'materialization' ? Object.keys(event.inputs).sort() : [];
    const mat = event.type === 'materialization' ? { code: this.id(event.codeVersion), inputs: this.id(JSON.stringify(inputKeys)) } : undefined;
    const stepPartition = singleStepPartition(event);
    const evPart = event.type === 'materialization' || event.type === 'check_evaluated' ? part : stepPartition === undefined ? null : this.id(stepPartition);
    const { lastInsertRowid } = this.stmt.insertEv.run(seq, run, TYPE_CODE.get(event.type)!, key, evPart, time.ms, mat?.code ?? null, event.type === 'materialization' ? event.dataVersion : null, mat?.inputs ?? null, eventDoc(event, inputKeys, time.exact));
    const evSeq = Number(lastInsertRowid);
    this.tally.events++;
    if (event.type === 'step_failed' || event.type === 'step_succeeded') this.stmt.upsertStep.run(event.key, event.type, evSeq);
    if (event.type === 'step_planned' || event.type === 'step_started' || event.type === 'step_skipped') return;
    // What the automation's incremental ticks read: the newest event of each asset.
    this.stmt.stateTouch.run(key, time.ms);
    if (event.type === 'materialization') {
      this.tally.materializations++;
      this.foldMaterialization(event, { key, part, seq: evSeq, at: time.ms, code: mat!.code, inputs: mat!.inputs, inputKeys });
    } else if (event.type === 'observation') {
      const had = this.stmt.observedAt.get(event.key);
      this.stmt.upsertObs.run(event.key, event.at, JSON.stringify(stripType(event)));
      if (!had || (had.at <= event.at && had.v !== event.dataVersion)) this.stmt.settleReaders.run({ key, part: NO_PARTITION, data: event.dataVersion });
    } else if (event.type === 'check_evaluated') {
      this.stmt.upsertCheck.run({ key: event.key, name: event.check, at: event.at, doc: JSON.stringify(stripType(event)) });
    }
  }

  /**
   * Makes a materialization the latest of its asset-partition when it is the newest (by time,
   * whatever order processes commit in; a wipe hides what it covers), and keeps the summaries in
   * step: the asset's counts and groups, the inputs it follows, and the readers of this partition.
   */
  private foldMaterialization(
    event: Extract<RunEvent, { type: 'materialization' }>,
    row: { key: number; part: number; seq: number; at: number; code: number; inputs: number; inputKeys: readonly string[] },
  ): void {
    if (this.stmt.wiped.get(event.key, event.at)) return;
    const old = this.stmt.latest.get(row.key, row.part);
    if (old && old.at > row.at) return;
    const files = event.files?.length ? 1 : 0;
    this.stmt.upsertLatest.run(row.key, row.part, row.seq, row.at, row.code, row.inputs, event.dataVersion, files);
    if (old) {
      this.stmt.groupAdd.run(row.key, old.code, old.inputs, -1);
      this.stmt.groupDropEmpty.run(row.key, old.code, old.inputs);
    }
    this.stmt.groupAdd.run(row.key, row.code, row.inputs, 1);
    this.stmt.stateMaterialized.run({ key: row.key, added: old ? 0 : 1, files: files - (old?.files ?? 0), part: event.partition, partText: event.partition ?? '', at: row.at, seq: row.seq });
    // The inputs it follows: each read partition's version now against the one it read.
    this.stmt.dropReads.run(row.key, row.part);
    for (const dep of row.inputKeys) {
      const upKey = this.id(dep);
      if (!event.reads || !(dep in event.reads)) {
        this.stmt.insertRead.run(row.key, row.part, upKey, -1, null, READ_STATE.untracked);
        continue;
      }
      const upPartition = event.reads[dep];
      const upPart = upPartition === null ? NO_PARTITION : this.id(upPartition);
      const recorded = event.inputs[dep];
      const current = this.stmt.latestData.get(upKey, upPart)?.data ?? (upPart === NO_PARTITION ? this.stmt.observedVersion.get(dep)?.v ?? undefined : undefined);
      this.stmt.insertRead.run(row.key, row.part, upKey, upPart, recorded, READ_STATE[readState(recorded, current)]);
    }
    // Its own readers: those that read another version of this partition are now changed.
    if (!old || old.data !== event.dataVersion) this.stmt.settleReaders.run({ key: row.key, part: row.part, data: event.dataVersion });
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
      this.inWrite(() => {
        for (const p of batch) {
          // A bad write (unknown run) fails alone: a savepoint rolls back only its own changes.
          const counted = { ...this.tally };
          try {
            this.db.transaction(p.apply)();
          } catch (e) {
            this.tally = counted;
            if (e instanceof Database.SqliteError && e.code.startsWith('SQLITE_BUSY')) throw e;
            failed.set(p, e as Error);
          }
        }
      });
    } catch (e) {
      const err = storageFault(e, this.file) ?? new Error(`could not write the run log ${this.file}: ${(e as Error).message}`);
      for (const p of batch) p.reject(err);
      return;
    }
    if (failed.size) this.ids.clear();
    for (const p of batch) {
      const err = failed.get(p);
      if (err) p.reject(err);
      else p.resolve();
    }
  }

  /** The record as readers should see it: a `running` run whose process is gone is `interrupted`. */
  private effective(row: RunRow): RunRecord {
    const r = runOf(row);
    if (r.status !== 'running' || this.own.has(r.runId) || row.host === null || row.pid === null) return r;
    const proc: ProcessIdentity = { host: row.host, pid: row.pid, ...(row.proc_start === null ? {} : { start: row.proc_start }) };
    if (isAlive(proc)) return r;
    return { ...r, status: 'interrupted', error: r.error ?? `the process running it (${ownerLabel(proc)}) exited before the run finished` };
  }

  async createRun(run: RunRecord): Promise<void> {
    // Immediately, not grouped: a duplicate id must fail this call, and it is once per run.
    try {
      this.inWrite(() => this.insertRun(run, currentProcess()));
    } catch (e) {
      if (e instanceof Database.SqliteError && e.code === 'SQLITE_CONSTRAINT_UNIQUE') throw new Error(`run ${run.runId} already exists in ${this.file}`);
      throw e;
    }
    this.own.add(run.runId);
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    if (!this.stmt.run.get(runId)) throw new Error(`unknown run ${runId}`);
    await this.write(() => {
      const r = { ...runOf(this.stmt.run.get(runId)!), ...patch };
      this.stmt.updateRun.run(r.startedAt, r.status, r.resumeOf ?? null, runDoc(r), runId);
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
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC`;
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

  async events(runId: string, types?: readonly RunEvent['type'][]): Promise<RunEvent[]> {
    if (!types) return this.stmt.events.all(runId).map(eventOf);
    // Filtered in SQL: the rows of other types are never decoded.
    const codes = types.map((t) => TYPE_CODE.get(t)!).join(',');
    return this.db.prepare<[string], EvRow>(`SELECT ${EV_COLUMNS} FROM ev e ${EV_JOINS} WHERE e.run = (SELECT id FROM dict WHERE text = ?) AND e.type IN (${codes}) ORDER BY e.seq`).all(runId).map(eventOf);
  }

  private history(type: number, key: AssetKey, query: HistoryQuery): RunEvent[] {
    const keyId = this.lookupId(key);
    if (keyId === undefined) return [];
    const where = ['e.type = ?', 'e.key = ?'];
    const args: unknown[] = [type, keyId];
    if (query.partition === null) where.push(`e.part = ${NO_PARTITION}`);
    else if (query.partition !== undefined) {
      const part = this.lookupId(query.partition);
      if (part === undefined) return [];
      where.push('e.part = ?');
      args.push(part);
    }
    if (query.before !== undefined) {
      where.push('e.at < ?');
      args.push(timeOf(query.before).ms);
    }
    const sql = `SELECT ${EV_COLUMNS} FROM ev e ${EV_JOINS} WHERE ${where.join(' AND ')} ORDER BY e.at DESC, e.seq DESC LIMIT ?`;
    return this.db.prepare<unknown[], EvRow>(sql).all(...args, query.limit ?? 50).map(eventOf);
  }

  async materializations(key: AssetKey, query: HistoryQuery = {}): Promise<Materialization[]> {
    return this.history(MATERIALIZATION, key, query).map((e) => stripType(e as Extract<RunEvent, { type: 'materialization' }>));
  }

  async checkEvaluations(key: AssetKey, query: HistoryQuery = {}): Promise<CheckEvaluation[]> {
    return this.history(CHECK, key, query).map((e) => stripType(e as Extract<RunEvent, { type: 'check_evaluated' }>));
  }

  /**
   * A view that reads what it is asked, when asked: one asset's latest materializations at a time,
   * the per-asset summaries in one pass. Nothing proportional to the history is loaded up front.
   */
  async snapshot(): Promise<RunLogSnapshot> {
    return new LocalSnapshot(this.db, (text) => this.lookupId(text));
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
      // From the per-asset counts: counting `latest` itself would read every row.
      const latest = this.db.prepare<[], { n: number }>('SELECT coalesce(sum(partitions), 0) AS n FROM asset_state').get()!.n;
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
    const result = this.inWrite(() => {
      const runs = this.db.prepare<[], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs`).all().map((row) => this.effective(row));
      const writers = new Set(this.db.prepare<[], { run: string }>('SELECT DISTINCT r.text AS run FROM latest l JOIN ev e ON e.seq = l.seq JOIN dict r ON r.id = e.run').all().map((r) => r.run));
      const decision = runsToPrune(runs, writers, options);
      let events = 0;
      let mats = 0;
      const ids = [...decision.prune];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const marks = chunk.map(() => '?').join(',');
        const inRuns = `run IN (SELECT id FROM dict WHERE text IN (${marks}))`;
        const counts = this.db.prepare<string[], { n: number; m: number }>(`SELECT count(*) AS n, coalesce(sum(type = ${MATERIALIZATION}), 0) AS m FROM ev WHERE ${inRuns}`).get(...chunk)!;
        events += counts.n;
        mats += counts.m;
        if (options.dryRun) continue;
        // A latest materialization stays whatever its run: staleness reads it (its run id stays in dict).
        this.db.prepare(`DELETE FROM ev WHERE ${inRuns} AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.seq = ev.seq AND l.key = ev.key AND l.part = ev.part)`).run(...chunk);
        this.db.prepare(`DELETE FROM runs WHERE run_id IN (${marks})`).run(...chunk);
      }
      // Observations made outside runs: the latest per source stays in latest_observations.
      const cutoff = timeOf(options.olderThan).ms;
      const orphans = this.db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM ev WHERE run IS NULL AND at < ?').get(cutoff)!.n;
      events += orphans;
      if (!options.dryRun) {
        this.db.prepare('DELETE FROM ev WHERE run IS NULL AND at < ?').run(cutoff);
        this.stmt.count.run(-events, 'events');
        this.stmt.count.run(-mats, 'materializations');
      }
      return { runsPruned: ids.length, eventsPruned: events, kept: decision.kept };
    });
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
    const until = timeOf(at).ms;
    this.inWrite(() => {
      for (const key of keys) {
        this.db.prepare('INSERT INTO wipes (key, at) VALUES (?, ?)').run(key, at);
        this.db.prepare('DELETE FROM latest_checks WHERE key = ? AND at <= ?').run(key, at);
        const k = this.lookupId(key);
        if (k === undefined) continue;
        this.db.prepare('DELETE FROM latest WHERE key = ? AND at <= ?').run(k, until);
        // Its readers of a partition that is gone now read no data; its own followed inputs go with its rows.
        this.db
          .prepare(
            `UPDATE reads SET state = CASE WHEN version = ? THEN ${READ_STATE.same} ELSE ${READ_STATE.missing} END
             WHERE up_key = ? AND state < ${READ_STATE.untracked} AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.key = reads.up_key AND l.part = reads.up_part)`,
          )
          .run(NO_DATA, k);
        this.db.prepare('DELETE FROM reads WHERE down_key = ? AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.key = reads.down_key AND l.part = reads.down_part)').run(k);
        this.recountAsset(k);
      }
    });
  }

  /** Rebuilds one asset's summary rows from its latest materializations (after a wipe). */
  private recountAsset(k: number): void {
    this.db.prepare('DELETE FROM asset_groups WHERE key = ?').run(k);
    this.db.prepare('INSERT INTO asset_groups (key, code, inputs, n) SELECT key, code, inputs, count(*) FROM latest WHERE key = ? GROUP BY code, inputs').run(k);
    this.stmt.stateEnsure.run(k);
    const newest = this.db
      .prepare<[number], { seq: number; at: number; part: string }>("SELECT l.seq, l.at, coalesce(p.text, '') AS part FROM latest l LEFT JOIN dict p ON p.id = l.part WHERE l.key = ? ORDER BY l.at DESC, part DESC LIMIT 1")
      .get(k);
    const counts = this.db.prepare<[number], { n: number; files: number; max: string | null }>('SELECT count(*) AS n, coalesce(sum(l.files), 0) AS files, max(p.text) AS max FROM latest l LEFT JOIN dict p ON p.id = l.part WHERE l.key = ?').get(k)!;
    this.db
      .prepare('UPDATE asset_state SET partitions = ?, files = ?, max_part = ?, newest_seq = ?, newest_at = ?, newest_part = ? WHERE key = ?')
      .run(counts.n, counts.files, counts.max, newest?.seq ?? null, newest?.at ?? null, newest ? newest.part : null, k);
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

/**
 * The queries behind every asset's summary (exported so tests can hold their plans to the indexes).
 * Their work grows with the assets and with the unsettled rows of `reads`, never with the history.
 */
export const SUMMARY_SQL = {
  /** One row per asset, with the run of its newest latest materialization. */
  assets: 'SELECT s.*, k.text AS key_text, r.text AS run FROM asset_state s JOIN dict k ON k.id = s.key LEFT JOIN ev e ON e.seq = s.newest_seq LEFT JOIN dict r ON r.id = e.run',
  /** Partitions of each group (code version, input keys) with a followed input changed or gone, untracked ones left out. */
  changedGroups: `SELECT l.key, l.code, l.inputs, count(DISTINCT l.part) AS n FROM reads r JOIN latest l ON l.key = r.down_key AND l.part = r.down_part
     WHERE ${UNSETTLED} AND r.state IN (${READ_STATE.changed}, ${READ_STATE.missing})
       AND NOT EXISTS (SELECT 1 FROM reads u WHERE u.state = ${READ_STATE.untracked} AND u.down_key = r.down_key AND u.down_part = r.down_part)
     GROUP BY l.key, l.code, l.inputs`,
  groups: 'SELECT g.key, g.code, g.inputs, g.n, c.text AS codeText, i.text AS inputsText FROM asset_groups g JOIN dict c ON c.id = g.code JOIN dict i ON i.id = g.inputs WHERE g.n > 0',
  /** Followed inputs changed or gone, counted by asset, dep and state. */
  changedInputs: `SELECT r.down_key AS key, d.text AS dep, r.state, count(*) AS n FROM reads r JOIN dict d ON d.id = r.up_key
     WHERE ${UNSETTLED} AND r.state IN (${READ_STATE.changed}, ${READ_STATE.missing})
       AND NOT EXISTS (SELECT 1 FROM reads u WHERE u.state = ${READ_STATE.untracked} AND u.down_key = r.down_key AND u.down_part = r.down_part)
     GROUP BY r.down_key, r.up_key, r.state`,
  untracked: `SELECT DISTINCT r.down_key AS key, p.text AS part FROM reads r LEFT JOIN dict p ON p.id = r.down_part WHERE ${UNSETTLED} AND r.state = ${READ_STATE.untracked}`,
} as const;

type SummaryRow = { key: number; key_text: string; partitions: number; newest_seq: number | null; newest_at: number | null; newest_part: string | null; max_part: string | null; files: number; run: string | null };

/**
 * Point lookups of one asset a snapshot makes before it reads all of that asset's latest
 * materializations at once: a status or an asset page asks for a few partitions (one query each),
 * a plan over a range or an `all` mapping for many (one query for all, at most twice the work).
 */
const POINT_LOOKUPS = 64;

const LATEST_ROWS = `SELECT ${EV_COLUMNS} FROM latest l JOIN ev e ON e.seq = l.seq ${EV_JOINS}`;

/** A `latest` row read with its event: the materialization it stands for. */
const materializationOf = (row: EvRow): Materialization => stripType(eventOf(row) as Extract<RunEvent, { type: 'materialization' }>);

/**
 * The local store's snapshot: lookups read the database when first asked and keep the answer, so a
 * command pays for what it looks at. Status reads the per-asset summaries (a few rows per asset),
 * and per partition only the untracked, damaged or file-bearing ones; an asset page reads the
 * partitions it shows; the engine, the assets of its plan and their inputs.
 */
class LocalSnapshot implements RunLogSnapshot {
  /** Every latest materialization of an asset, once read whole. */
  private readonly mats = new Map<AssetKey, Map<string | null, Materialization>>();
  /** Latest materializations read one partition at a time (undefined: none), until the asset is read whole. */
  private readonly some = new Map<AssetKey, Map<string | null, Materialization | undefined>>();
  private readonly obs = new Map<AssetKey, Observation | undefined>();
  private readonly checks = new Map<AssetKey, readonly CheckEvaluation[]>();
  private checksLoaded = false;
  private summaries?: Map<AssetKey, AssetSummary>;
  private readonly steps = new RunLogIndex();
  private stepsLoaded = false;
  private stmt?: { one: Database.Statement<[number, number], EvRow>; all: Database.Statement<[number], EvRow>; withFiles: Database.Statement<[number], EvRow> };

  constructor(
    private readonly db: Database.Database,
    private readonly idOf: (text: string) => number | undefined,
  ) {}

  private get statements() {
    this.stmt ??= {
      one: this.db.prepare<[number, number], EvRow>(`${LATEST_ROWS} WHERE l.key = ? AND l.part = ?`),
      all: this.db.prepare<[number], EvRow>(`${LATEST_ROWS} WHERE l.key = ?`),
      // `files` is kept in `latest`: the events of the other partitions are not read.
      withFiles: this.db.prepare<[number], EvRow>(`${LATEST_ROWS} WHERE l.key = ? AND l.files = 1`),
    };
    return this.stmt;
  }

  private latestOf(key: AssetKey): Map<string | null, Materialization> {
    let m = this.mats.get(key);
    if (m) return m;
    m = new Map();
    const k = this.idOf(key);
    if (k !== undefined) {
      for (const row of this.statements.all.all(k)) {
        const e = materializationOf(row);
        m.set(e.partition, e);
      }
    }
    this.mats.set(key, m);
    this.some.delete(key);
    return m;
  }

  /** The partitions of `key` read one at a time so far. */
  private someOf(key: AssetKey): Map<string | null, Materialization | undefined> {
    let some = this.some.get(key);
    if (!some) this.some.set(key, (some = new Map()));
    return some;
  }

  latestMaterialization(key: AssetKey, partition: string | null): Materialization | undefined {
    const whole = this.mats.get(key);
    if (whole) return whole.get(partition);
    const some = this.someOf(key);
    if (some.has(partition)) return some.get(partition);
    if (some.size >= POINT_LOOKUPS) return this.latestOf(key).get(partition);
    const k = this.idOf(key);
    const part = partition === null ? NO_PARTITION : this.idOf(partition);
    const row = k === undefined || part === undefined ? undefined : this.statements.one.get(k, part);
    const m = row && materializationOf(row);
    some.set(partition, m);
    return m;
  }

  latestObservation(key: AssetKey): Observation | undefined {
    if (!this.obs.has(key)) {
      const row = this.db.prepare<[string], { doc: string }>('SELECT doc FROM latest_observations WHERE key = ?').get(key);
      this.obs.set(key, row && (JSON.parse(row.doc) as Observation));
    }
    return this.obs.get(key);
  }

  materializedPartitions(key: AssetKey): ReadonlySet<string | null> {
    return new Set(this.latestOf(key).keys());
  }

  materializationsWithFiles(key: AssetKey): readonly Materialization[] {
    const whole = this.mats.get(key);
    if (whole) return [...whole.values()].filter((m) => m.files);
    const k = this.idOf(key);
    if (k === undefined) return [];
    const some = this.someOf(key);
    return this.statements.withFiles.all(k).map((row) => {
      const m = materializationOf(row);
      some.set(m.partition, m);
      return m;
    });
  }

  latestChecks(key: AssetKey): readonly CheckEvaluation[] {
    if (!this.checksLoaded) {
      // One row per asset and check: read them all at once (status asks for every asset).
      for (const r of this.db.prepare<[], { key: string; doc: string }>('SELECT key, doc FROM latest_checks').all()) {
        this.checks.set(r.key, [...(this.checks.get(r.key) ?? []), JSON.parse(r.doc) as CheckEvaluation]);
      }
      this.checksLoaded = true;
    }
    return this.checks.get(key) ?? [];
  }

  assetFacts(key: AssetKey): AssetFacts | undefined {
    if (!this.stepsLoaded) {
      // The latest failed and successful step of every asset: one row each.
      const rows = this.db.prepare<[], EvRow>(`SELECT ${EV_COLUMNS} FROM latest_steps s JOIN ev e ON e.seq = s.seq ${EV_JOINS}`).all();
      for (const row of rows) this.steps.add(eventOf(row));
      this.stepsLoaded = true;
    }
    const k = this.idOf(key);
    const state = k === undefined ? undefined : this.db.prepare<[number], { partitions: number; newest_at: number | null; last_event_at: number | null }>('SELECT partitions, newest_at, last_event_at FROM asset_state WHERE key = ?').get(k);
    const steps = this.steps.assetFacts(key);
    if (!state && !steps) return undefined;
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : new Date(ms).toISOString());
    const lastEventAt = [iso(state?.last_event_at), steps?.lastEventAt].filter((x): x is string => !!x).sort().pop();
    const newest = iso(state?.newest_at);
    return {
      materializedPartitions: state?.partitions ?? 0,
      ...(newest ? { newestMaterializationAt: newest } : {}),
      ...(steps?.lastFailure ? { lastFailure: steps.lastFailure } : {}),
      ...(steps?.typicalDurationMs !== undefined ? { typicalDurationMs: steps.typicalDurationMs } : {}),
      ...(lastEventAt ? { lastEventAt } : {}),
    };
  }

  keysChangedSince(at: string): AssetKey[] {
    const rows = this.db.prepare<[number], { key: string }>('SELECT d.text AS key FROM asset_state s JOIN dict d ON d.id = s.key WHERE s.last_event_at > ?').all(timeOf(at).ms);
    return rows.map((r) => r.key);
  }

  assetSummary(key: AssetKey): AssetSummary {
    this.summaries ??= this.loadSummaries();
    return this.summaries.get(key) ?? { partitions: 0, groups: [], changedInputs: [], untracked: [], withFiles: 0 };
  }

  /**
   * Every asset's summary in a few passes over small tables: asset_state and asset_groups hold a
   * few rows per asset, and only the unsettled rows of `reads` (changed, gone, untracked) are read.
   */
  private loadSummaries(): Map<AssetKey, AssetSummary> {
    return this.db.transaction(() => {
      const out = new Map<number, { base: SummaryRow; groups: AssetSummary['groups'][number][]; changedInputs: AssetSummary['changedInputs'][number][]; untracked: (string | null)[] }>();
      const rows = this.db.prepare<[], SummaryRow>(SUMMARY_SQL.assets).all();
      for (const base of rows) out.set(base.key, { base, groups: [], changedInputs: [], untracked: [] });
      const changed = new Map<string, number>();
      for (const c of this.db.prepare<[], { key: number; code: number; inputs: number; n: number }>(SUMMARY_SQL.changedGroups).all()) changed.set(`${c.key}:${c.code}:${c.inputs}`, c.n);
      const keyLists = new Map<string, AssetKey[]>();
      for (const g of this.db.prepare<[], { key: number; code: number; inputs: number; n: number; codeText: string; inputsText: string }>(SUMMARY_SQL.groups).all()) {
        let inputKeys = keyLists.get(g.inputsText);
        if (!inputKeys) keyLists.set(g.inputsText, (inputKeys = JSON.parse(g.inputsText) as AssetKey[]));
        out.get(g.key)?.groups.push({ codeVersion: g.codeText, inputKeys, count: g.n, changed: changed.get(`${g.key}:${g.code}:${g.inputs}`) ?? 0 });
      }
      for (const i of this.db.prepare<[], { key: number; dep: string; state: number; n: number }>(SUMMARY_SQL.changedInputs).all()) {
        out.get(i.key)?.changedInputs.push({ dep: i.dep, missing: i.state === READ_STATE.missing, count: i.n });
      }
      for (const u of this.db.prepare<[], { key: number; part: string | null }>(SUMMARY_SQL.untracked).all()) out.get(u.key)?.untracked.push(u.part);
      const summaries = new Map<AssetKey, AssetSummary>();
      for (const s of out.values()) {
        const b = s.base;
        summaries.set(b.key_text, {
          partitions: b.partitions,
          ...(b.newest_at !== null && b.newest_seq !== null ? { newest: { at: new Date(b.newest_at).toISOString(), partition: b.newest_part === '' ? null : b.newest_part, runId: b.run ?? '' } } : {}),
          ...(b.max_part !== null ? { maxPartition: b.max_part } : {}),
          groups: s.groups,
          changedInputs: s.changedInputs,
          untracked: s.untracked,
          withFiles: b.files,
        });
      }
      return summaries;
    })();
  }
}

/** Opens (creating or migrating when needed) the run log in `dir`. */
export function openLocalRunLog(dir: string, options?: LocalRunLogOptions): LocalRunLog {
  return new LocalRunLog(dir, options);
}
