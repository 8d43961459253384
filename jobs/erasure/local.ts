/**
 * Erasure on the embedded environment: the state folder's lake, indexes, source, locks, run log
 * and deletion register, wired for `eraseSubjects`, `scanSubjects` and the register's checks.
 */
import { subjectMap, type AssetGraph } from '../../assets/core';
import { sourceTableOf } from '../contracts/live';
import { pgIdent } from '../embedded/source/db';
import type { VectorIndexSettings } from '../../assets/kinds';
import type { EmbeddedEnvironment } from '../embedded/environment';
import { localPaths, localRoot } from '../embedded/paths';
import { EmbeddedVectorStore } from '../vector-store/embedded';
import { eraseSubjects, scanSubjects, type ErasureOptions, type ErasureReport, type ErasureScan } from './erasure';
import type { HolderContext } from './holders';
import { pendingErasures, type PendingErasures } from './pending';
import { DeletionRegister, type RegisterEntry } from './register';
import type { SubjectRequest } from './requests';

/** The holder context of the embedded environment (less the DuckDB connection a scan opens). */
export function localErasureContext(env: EmbeddedEnvironment): Omit<HolderContext, 'con'> {
  return {
    stateRoot: localRoot(),
    lakeRoot: localPaths.lake(),
    indexes: (s: VectorIndexSettings) => new EmbeddedVectorStore(localPaths.indexes(), { m: s.m, efConstruction: s.efConstruction, efSearch: s.efSearch }),
    source: env.source,
  };
}

/** Finds every place holding the subjects; changes nothing. */
export function scanLocal(graph: AssetGraph, request: SubjectRequest, env: EmbeddedEnvironment): Promise<ErasureScan> {
  return scanSubjects({ graph, request, context: localErasureContext(env) });
}

/** Erases the subjects from every derived asset of the embedded environment. */
export function eraseLocal(graph: AssetGraph, request: SubjectRequest, env: EmbeddedEnvironment, afterEach?: ErasureOptions['afterEach']): Promise<ErasureReport> {
  return eraseSubjects({
    graph,
    request,
    env,
    register: DeletionRegister.open(localPaths.erasure()),
    context: localErasureContext(env),
    ...(afterEach ? { afterEach } : {}),
  });
}

/**
 * Records what a scan found of registered subjects: the sources still holding each. Returns the
 * entries updated (subjects never erased are left out of the register).
 */
export function recordSourceCheck(request: SubjectRequest, scan: ErasureScan): RegisterEntry[] {
  const register = DeletionRegister.peek(localPaths.erasure());
  if (!register) return [];
  const at = new Date().toISOString();
  const updated: RegisterEntry[] = [];
  for (const [subject, ids] of request) {
    for (const id of ids) {
      const hash = register.hash(subject, id);
      const entry = register.list().find((e) => e.subject === subject && e.hash === hash);
      if (!entry) continue;
      const pending = scan.findings.filter((f) => f.subject === subject && f.role === 'source' && (f.rows === null ? streamStillHolds(entry, f.retentionHours ?? 24) : (f.byId[id] ?? 0) > 0));
      updated.push({ ...entry, pendingSources: [...new Set(pending.map((f) => f.key))], checkedAt: at });
    }
  }
  if (updated.length) register.upsert(updated);
  return updated;
}

/** A stream holds an erased subject's records until its retention has passed since the erasure. */
function streamStillHolds(entry: RegisterEntry, hours: number): boolean {
  return Date.now() < Date.parse(entry.erasedAt) + hours * 3_600_000;
}

/**
 * Checks every registered subject against the sources again, by salted hash (the register holds
 * no id in clear): a source table's distinct subject ids are hashed and compared. Updates the
 * register and returns what is still pending.
 */
export async function refreshPending(graph: AssetGraph, env: EmbeddedEnvironment): Promise<PendingErasures | undefined> {
  const register = DeletionRegister.peek(localPaths.erasure());
  if (!register) return undefined;
  const at = new Date().toISOString();
  const held = new Map<string, Set<string>>(); // source key -> hashes it holds
  for (const subject of new Set(register.list().map((e) => e.subject))) {
    for (const h of subjectMap(graph, subject).holders.filter((x) => x.role === 'source')) {
      const t = sourceTableOf(graph.get(h.key));
      if (!t) continue;
      const table = t.schema === 'public' ? pgIdent(t.table) : `${pgIdent(t.schema)}.${pgIdent(t.table)}`;
      const hashes = held.get(h.key) ?? new Set<string>();
      await env.source.use(async (pg) => {
        for (const f of h.fields) {
          const res = await pg.query<{ v: string }>(`SELECT DISTINCT CAST(${pgIdent(f.field)} AS text) AS v FROM ${table} WHERE ${pgIdent(f.field)} IS NOT NULL`);
          for (const r of res.rows) hashes.add(register.hash(subject, r.v));
        }
      });
      held.set(h.key, hashes);
    }
  }
  register.upsert(
    register.list().map((e) => ({
      ...e,
      // Tables are re-checked; a stream keeps its entry (it clears by retention, see pendingErasures).
      pendingSources: [...e.pendingSources.filter((k) => !held.has(k)), ...[...held].filter(([, hashes]) => hashes.has(e.hash)).map(([k]) => k)],
      checkedAt: at,
    })),
  );
  return pendingErasures(graph);
}
