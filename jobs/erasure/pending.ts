/**
 * Pending erasures: subjects in the deletion register that a source (owned upstream) still held
 * when last checked. One rule for both registers: the local file (read here, so `assets status`
 * can show it on every call) and a stack's DynamoDB table (jobs/aws/erasure-pending.ts).
 */
import type { AssetGraph } from '../../assets/core';
import { localPaths } from '../embedded/paths';
import { DeletionRegister, type RegisterEntry } from './register';

/** Registered subjects some source still holds, as last checked: what `assets status` shows. */
export interface PendingErasures {
  /** Subjects in the register. */
  readonly registered: number;
  /** Registered subjects still held upstream, by source key. */
  readonly pendingBySource: Readonly<Record<string, number>>;
  readonly pending: number;
  /** The oldest check among pending entries. */
  readonly checkedAt?: string;
}

/** What the rule reads of an entry: never its hash. */
export type PendingFacts = Pick<RegisterEntry, 'erasedAt' | 'checkedAt' | 'pendingSources'>;

/**
 * Counts the entries still held upstream. A source the graph no longer declares does not count;
 * a stream's records count until its retention has passed since the erasure (they expire there).
 */
export function summarizePending(graph: AssetGraph, entries: readonly PendingFacts[], nowMs: number): PendingErasures {
  const pendingBySource: Record<string, number> = {};
  let pending = 0;
  let checkedAt: string | undefined;
  for (const e of entries) {
    const still = e.pendingSources.filter((key) => {
      if (!graph.has(key)) return false;
      const hours = (graph.get(key).compute as { retentionHours?: number }).retentionHours;
      return hours === undefined || nowMs < Date.parse(e.erasedAt) + hours * 3_600_000;
    });
    if (!still.length) continue;
    pending++;
    for (const k of still) pendingBySource[k] = (pendingBySource[k] ?? 0) + 1;
    if (!checkedAt || e.checkedAt < checkedAt) checkedAt = e.checkedAt;
  }
  return { registered: entries.length, pendingBySource, pending, ...(checkedAt ? { checkedAt } : {}) };
}

/** The local register's pending erasures; undefined when nothing was ever erased here. */
export function pendingErasures(graph: AssetGraph, nowMs = Date.now()): PendingErasures | undefined {
  const register = DeletionRegister.peek(localPaths.erasure());
  if (!register || !register.list().length) return undefined;
  return summarizePending(graph, register.list(), nowMs);
}
