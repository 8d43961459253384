/** The deletion register's pending erasures as `assets status` and `assets erase --pending` print them. */
import type { PendingErasures } from '../../../jobs/erasure/pending';
import { color } from '../output';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line: how many erased subjects a source still holds, where, and when that was checked. */
export function describePending(p: PendingErasures): string {
  if (!p.pending) return color.green(`erasure: ${plural(p.registered, 'erased subject')}, none still held upstream`);
  const where = Object.entries(p.pendingBySource).map(([k, n]) => `${k} (${n})`).join(', ');
  return color.yellow(
    `erasure: ${p.pending} of ${plural(p.registered, 'erased subject')} still held upstream: ${where}; excluded from every extract and delivery until the source deletes them (checked ${p.checkedAt ?? 'never'}; recheck: assets erase --pending)`,
  );
}
