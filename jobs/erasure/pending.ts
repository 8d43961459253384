/**
 * Pending erasures: subjects in the deletion register that a source (owned upstream) still held
 * when last checked. Reads one small file, so `assets status` can show it on every call.
 */
import type { AssetGraph } from '../../assets/core';
import { localPaths } from '../embedded/paths';
import { DeletionRegister } from './register';

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

/** The register's pending erasures (reads one file; a stream's records count until its retention passed). */
export function pendingErasures(graph: AssetGraph, nowMs = Date.now()): PendingErasures | undefined {
  const register = DeletionRegister.peek(localPaths.erasure());
  if (!register || !register.list().length) return undefined;
  const pendingBySource: Record<string, number> = {};
  let pending = 0;
  let checkedAt: string | undefined;
  for (const e of register.list()) {
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
  return { registered: register.list().length, pendingBySource, pending, ...(checkedAt ? { checkedAt } : {}) };
}

