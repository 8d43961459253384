/**
 * `assets erase`, embedded: find every place the graph put a subject's data, then remove it.
 *
 *   map()      lineage + contracts: the assets that can hold each subject (refuses around a gap)
 *   scan()     each holder's face counts the subject's records, partition by partition
 *   erase():   lock every partition to rewrite -> register the subjects (from here no extract
 *              or delivery brings them back, even if this process dies) -> rewrite, delete and
 *              purge holder by holder -> re-record the rewritten partitions' files -> done
 *
 * Each rewrite is atomic (the lake's commit, an index alias swap, a file rename) and idempotent,
 * so an erasure killed at any point leaves every partition old or new, and running it again
 * completes it. The run log keeps the erasure as a run (`command: 'erase'`) whose events name
 * the assets, partitions, row counts before and after, the files written (with SHA-256), and
 * the subjects only as salted hashes.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  UserError,
  subjectMap,
  type AssetGraph,
  type AssetKey,
  type Materialization,
  type MetadataValue,
  type RunLog,
  type SubjectHolder,
  type SubjectMap,
} from '../../assets/core';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Lock } from '../engine/environment';
import { withDuckDb } from '../embedded/lake/duckdb';
import { faceOf, type Erased, type Finding, type HolderContext } from './holders';
import type { DeletionRegister, RegisterEntry } from './register';
import type { SubjectRequest } from './requests';

/** What an erasure reads and writes: the embedded environment's parts. */
export interface ErasureEnvironment {
  readonly runLog: RunLog;
  acquireLock(key: AssetKey, partition: string | null, owner: string): Promise<Lock>;
  /** The files holding an asset-partition now, as a materialization records them. */
  committedFiles(asset: ReturnType<AssetGraph['get']>, partition: string | null): Materialization['files'];
}

export interface ErasureOptions {
  readonly graph: AssetGraph;
  readonly request: SubjectRequest;
  readonly env: ErasureEnvironment;
  readonly register: DeletionRegister;
  readonly context: Omit<HolderContext, 'con'>;
  /** Called after each finding is erased (tests stop the process there). */
  readonly afterEach?: (erased: Erased) => void | Promise<void>;
}

/** What a scan found, per subject. */
export interface ErasureScan {
  readonly maps: readonly SubjectMap[];
  readonly findings: readonly (Finding & { readonly subject: string })[];
}

export interface ErasureReport extends ErasureScan {
  readonly erasureId: string;
  readonly erased: readonly (Erased & { readonly subject: string })[];
  readonly assetsTouched: number;
  readonly partitionsRewritten: number;
  readonly rowsRemoved: number;
}

/** The holders of each requested subject; a gap in lineage is an error naming the assets. */
export function mapSubjects(graph: AssetGraph, request: SubjectRequest): SubjectMap[] {
  const maps = [...request.keys()].map((s) => subjectMap(graph, s));
  const gaps = maps.flatMap((m) => m.gaps);
  if (gaps.length) {
    throw new UserError(`erasure cannot know what ${gaps.length} asset(s) keep, so it erases nothing:\n${gaps.map((g) => `  - ${g.message}`).join('\n')}`);
  }
  return maps;
}

/** Every place holding the requested subjects, holder by holder (reads only). */
export async function scanSubjects(options: Omit<ErasureOptions, 'env' | 'register' | 'afterEach'>): Promise<ErasureScan> {
  const maps = mapSubjects(options.graph, options.request);
  return withDuckDb(async (con) => ({ maps, findings: await scanWith({ ...options.context, con }, options.graph, maps, options.request) }));
}

async function scanWith(ctx: HolderContext, graph: AssetGraph, maps: readonly SubjectMap[], request: SubjectRequest) {
  const findings: (Finding & { subject: string })[] = [];
  for (const m of maps) {
    const ids = request.get(m.subject)!;
    for (const h of m.holders) {
      const asset = graph.get(h.key);
      for (const f of await faceOf(asset, h).scan(ctx, asset, h.fields, ids)) findings.push({ ...f, subject: m.subject });
    }
  }
  return findings;
}

/** Partitions rewritten at once (each with its own DuckDB connection). */
const REWRITERS = 4;

/** Runs `fn` with `n` connections to one in-memory DuckDB, closed afterwards. */
async function withDuckDbPool<T>(n: number, fn: (cons: DuckDBConnection[]) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const cons = await Promise.all(Array.from({ length: n }, () => instance.connect()));
  try {
    return await fn(cons);
  } finally {
    for (const c of cons) c.closeSync();
    instance.closeSync();
  }
}

const newErasureId = () => `erase-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

/** Takes the lock of every partition the erasure rewrites, in a fixed order; all or none. */
async function lockAll(env: ErasureEnvironment, findings: readonly Finding[], owner: string): Promise<Lock[]> {
  const units = [...new Map(findings.map((f) => [`${f.key}\0${f.partition ?? ''}`, f] as const)).values()].sort((a, b) =>
    `${a.key}\0${a.partition ?? ''}` < `${b.key}\0${b.partition ?? ''}` ? -1 : 1,
  );
  const held: Lock[] = [];
  try {
    for (const u of units) held.push(await env.acquireLock(u.key, u.partition, owner));
  } catch (e) {
    await Promise.all(held.map((l) => l.release()));
    throw e;
  }
  return held;
}

/** Register entries for every requested id, with the sources found still holding it. */
function registerEntries(options: ErasureOptions, erasureId: string, findings: ErasureScan['findings'], at: string): RegisterEntry[] {
  const out: RegisterEntry[] = [];
  for (const [subject, ids] of options.request) {
    for (const id of ids) {
      const pending = findings.filter((f) => f.subject === subject && f.role === 'source' && (f.rows === null || (f.byId[id] ?? 0) > 0)).map((f) => f.key);
      out.push({ subject, hash: options.register.hash(subject, id), erasureId, erasedAt: at, pendingSources: [...new Set(pending)], checkedAt: at });
    }
  }
  return out;
}

/** Scans, then erases what derived assets hold (see the file comment). */
export async function eraseSubjects(options: ErasureOptions): Promise<ErasureReport> {
  const { graph, env, register } = options;
  const maps = mapSubjects(graph, options.request);
  return withDuckDbPool(REWRITERS, async (cons) => {
    const ctx: HolderContext = { ...options.context, con: cons[0] };
    const findings = await scanWith(ctx, graph, maps, options.request);
    const derived = findings.filter((f) => f.role === 'derived');
    const erasureId = newErasureId();
    const owner = `${os.hostname()}:${process.pid}:${erasureId}`;
    const at = new Date().toISOString();
    const locks = await lockAll(env, derived, owner);
    const erased: (Erased & { subject: string })[] = [];
    try {
      // First, before touching a file: from now on extracts and deliveries leave these subjects out.
      register.upsert(registerEntries(options, erasureId, findings, at));
      const keys = [...new Set(derived.map((f) => f.key))];
      await env.runLog.createRun({
        runId: erasureId,
        command: 'erase',
        selection: keys.join(' or ') || '(nothing held the subjects)',
        partitions: `${new Set(derived.map((f) => `${f.key}\0${f.partition}`)).size} partition(s)`,
        env: 'local',
        status: 'running',
        startedAt: at,
        owner,
        stepsPlanned: keys.length,
      });
      try {
        for (const key of keys) erased.push(...(await eraseAsset(options, ctx, cons, maps, key, derived.filter((f) => f.key === key), erasureId)));
        await env.runLog.updateRun(erasureId, { status: 'succeeded', endedAt: new Date().toISOString() });
      } catch (e) {
        await env.runLog.updateRun(erasureId, { status: 'failed', endedAt: new Date().toISOString(), error: (e as Error).message });
        throw e;
      }
    } finally {
      await Promise.all(locks.map((l) => l.release()));
    }
    const rewritten = erased.filter((e) => e.finding.what === 'partition' || e.finding.what === 'file');
    return {
      maps,
      findings,
      erasureId,
      erased,
      assetsTouched: new Set(erased.map((e) => e.finding.key)).size,
      partitionsRewritten: new Set(rewritten.map((e) => `${e.finding.key}\0${e.finding.location}`)).size,
      rowsRemoved: erased.reduce((n, e) => n + (e.rowsBefore !== null && e.rowsAfter !== null ? e.rowsBefore - e.rowsAfter : 0), 0),
    };
  });
}

/** Erases one asset's findings, then records its new files and what was done (hashes only). */
async function eraseAsset(
  options: ErasureOptions,
  ctx: HolderContext,
  cons: readonly DuckDBConnection[],
  maps: readonly SubjectMap[],
  key: AssetKey,
  findings: readonly (Finding & { subject: string })[],
  erasureId: string,
): Promise<(Erased & { subject: string })[]> {
  const { graph, env, register } = options;
  const asset = graph.get(key);
  const started = Date.now();
  await env.runLog.append({ type: 'step_started', runId: erasureId, key, partitions: partitionsOf(findings), at: new Date().toISOString() });
  const out: (Erased & { subject: string })[] = [];
  // Partitions are independent (each its own commit): rewrite up to one per connection at once so
  // fsyncs and DuckDB overlap; the places of one partition (or of an unpartitioned asset, an index)
  // go one after the other.
  const byPartition = new Map<string | null, (Finding & { subject: string })[]>();
  for (const f of findings) byPartition.set(f.partition, [...(byPartition.get(f.partition) ?? []), f]);
  const queue = [...byPartition.values()];
  const worker = async (con: DuckDBConnection) => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const f of group) {
        const holder = maps.find((m) => m.subject === f.subject)!.holders.find((h) => h.key === key) as SubjectHolder;
        const e = await faceOf(asset, holder).erase({ ...ctx, con }, asset, holder.fields, options.request.get(f.subject)!, f);
        out.push({ ...e, subject: f.subject });
        await options.afterEach?.(e);
      }
    }
  };
  await Promise.all(cons.map(worker));
  const snapshot = await env.runLog.snapshot();
  const at = new Date().toISOString();
  // The rewritten partitions' files replace those their materialization recorded, so status and
  // verify see an erased partition as intact. The data version stays: the erasure is applied to
  // every asset downstream in the same run, so nothing downstream is stale because of it.
  // Appended together: the local run log group-commits them in one transaction.
  const recorded: Promise<void>[] = [];
  for (const partition of new Set(findings.filter((f) => f.what !== 'previous-version').map((f) => f.partition))) {
    const latest = snapshot.latestMaterialization(key, partition);
    if (!latest) continue;
    const after = out.filter((e) => e.finding.partition === partition).reduce((n, e) => n + (e.rowsBefore ?? 0) - (e.rowsAfter ?? 0), 0);
    const metadata: Record<string, MetadataValue> = { ...latest.metadata, erasedBy: erasureId };
    if (typeof latest.metadata.rows === 'number') metadata.rows = latest.metadata.rows - after;
    recorded.push(env.runLog.append({ ...latest, type: 'materialization', runId: erasureId, at, metadata, files: env.committedFiles(asset, partition) }));
  }
  await Promise.all(recorded);
  const hashes = [...new Set(findings.flatMap((f) => options.request.get(f.subject)!.filter((id) => f.byId[id] || !Object.keys(f.byId).length).map((id) => `${f.subject}:${register.hash(f.subject, id)}`)))];
  const rowsBefore = out.reduce((n, e) => n + (e.rowsBefore ?? 0), 0);
  const rowsAfter = out.reduce((n, e) => n + (e.rowsAfter ?? 0), 0);
  await env.runLog.append({
    type: 'step_succeeded',
    runId: erasureId,
    key,
    partitions: partitionsOf(findings),
    at,
    durationMs: Date.now() - started,
    metadata: {
      rowsBefore,
      rowsAfter,
      rowsRemoved: rowsBefore - rowsAfter,
      places: findings.length,
      previousVersionsRemoved: findings.filter((f) => f.what === 'previous-version').length,
      subjectHashes: hashes.join(','),
    },
  });
  return out;
}

const partitionsOf = (findings: readonly Finding[]): string[] | null => {
  const ps = [...new Set(findings.map((f) => f.partition))].filter((p): p is string => p !== null).sort();
  return ps.length ? ps : null;
};
