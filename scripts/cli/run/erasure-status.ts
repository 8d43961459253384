/** The deletion register's pending erasures as `assets status` and `assets erase --pending` print them. */
import type { PendingErasures } from '../../../jobs/erasure/pending';
import { color } from '../output';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * One line: how many erased subjects a source still holds, where, and when that was checked. On a
 * stack (`stack`) the sources are out of the CLI's reach: an entry is pending until deleted upstream
 * and cleared, and it says so instead of offering a recheck it cannot make.
 */
export function describePending(p: PendingErasures, stack = false): string {
  if (!p.pending) return color.green(`erasure: ${plural(p.registered, 'erased subject')}, none still held upstream`);
  const where = Object.entries(p.pendingBySource).map(([k, n]) => `${k} (${n})`).join(', ');
  const check = stack ? `registered ${p.checkedAt ?? 'never'}; sources inside the stack's VPC are not rechecked from the CLI` : `checked ${p.checkedAt ?? 'never'}; recheck: assets erase --pending`;
  return color.yellow(`erasure: ${p.pending} of ${plural(p.registered, 'erased subject')} ${stack ? 'possibly ' : ''}still held upstream: ${where}; excluded from every extract and delivery until the source deletes them (${check})`);
}
