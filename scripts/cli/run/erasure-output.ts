/** How `assets erase` prints what a scan found, embedded and on a stack. */
import type { ErasureScan } from '../../../jobs/erasure/erasure';
import type { SubjectRequest } from '../../../jobs/erasure/requests';
import { color, table } from '../output';

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `customer: 103, 112` for each subject of the request. */
export const describeRequest = (r: SubjectRequest) =>
  [...r].map(([s, ids]) => `${s}: ${ids.length > 8 ? `${ids.slice(0, 8).join(', ')} and ${ids.length - 8} more` : ids.join(', ')}`).join('; ');

function byIdText(byId: Readonly<Record<string, number>>, subject: string): string {
  const parts = Object.entries(byId).map(([id, n]) => `${subject}=${id}: ${n}`);
  return parts.length > 4 ? `${parts.slice(0, 4).join(', ')}, ...` : parts.join(', ');
}

/** The places a scan found, derived assets then sources, and what lineage leaves out. */
export function printScan(scan: ErasureScan, title: string): void {
  const derived = scan.findings.filter((f) => f.role === 'derived');
  const sources = scan.findings.filter((f) => f.role === 'source');
  console.log(title);
  if (derived.length) {
    console.log(
      table(
        ['ASSET', 'WHAT', 'WHERE', 'RECORDS', 'BY SUBJECT'],
        derived.map((f) => [f.key, f.what, f.location, String(f.rows ?? '?'), byIdText(f.byId, f.subject) || color.dim('-')]),
      ),
    );
  } else console.log(color.green('no derived asset holds these subjects'));
  for (const f of sources) console.log(color.yellow(`${f.key}${f.location === f.key ? "" : ` (${f.location})`}${f.rows === null ? '' : `: ${plural(f.rows, 'row')}`}: ${f.note ?? 'owned upstream'}`));
  const clean = [...new Set(scan.maps.flatMap((m) => [...m.aggregates, ...m.stateless]))];
  if (clean.length) console.log(color.dim(`derived but holding no record of one person: ${clean.join(', ')}`));
}

