/**
 * Erasure on the embedded environment: the state folder's lake, indexes, source, locks, run log
 * and deletion register, wired for `eraseSubjects`, `scanSubjects` and the register's checks.
 */
import type { AssetGraph } from '../../assets/core';
import type { VectorIndexSettings } from '../../assets/kinds';
import type { EmbeddedEnvironment } from '../embedded/environment';
import { localPaths, localRoot } from '../embedded/paths';
import { EmbeddedVectorStore } from '../vector-store/embedded';
import { eraseSubjects, scanSubjects, type ErasureOptions, type ErasureReport, type ErasureScan } from './erasure';
import type { HolderContext } from './holders';
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
