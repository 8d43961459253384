/**
 * JSON-lines objects of a deployed lake (a delivery stream's output, its error prefix, its backup
 * of source records), scanned and rewritten without the subjects' records. Firehose writes
 * records one after the other, gzip-compressed or not; a producer that adds no newline leaves
 * objects concatenated on one line, so records are split by their braces, not only by lines. A
 * rejected record's original data sits base64-encoded in `rawData`: subjectValues reads inside it.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { subjectValues } from '../erasure/records';
import type { ErasureField } from './erasure-contract';

/** The top-level JSON texts of one line: one, or several when objects were written back to back. */
export function splitRecords(line: string): string[] {
  const trimmed = line.trim();
  if (!trimmed) return [];
  if (!trimmed.startsWith('{') || !trimmed.includes('}{')) return [trimmed];
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      out.push(trimmed.slice(start, i + 1));
      start = i + 1;
    }
  }
  // Anything after the last balanced object (truncated data) stays a record of its own, matched as text.
  if (start < trimmed.length) out.push(trimmed.slice(start));
  return out;
}

/** An object's records with the subjects' ones counted and left out. */
export interface RecordsScan {
  readonly gzip: boolean;
  readonly total: number;
  /** Per subject, per position of the id in the request. */
  readonly byIndex: Record<string, Record<string, number>>;
  readonly matched: number;
  /** The object's content without the matched records (same compression), or null when nothing is left. */
  rewritten(): Buffer | null;
}

/** Scans one object's bytes for the ids of `subjects` in `fields`. */
export function scanRecords(body: Uint8Array, fields: readonly ErasureField[], subjects: Readonly<Record<string, readonly string[]>>): RecordsScan {
  const gzip = body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
  const text = (gzip ? gunzipSync(body) : Buffer.from(body)).toString('utf8');
  const positions = new Map<string, Map<string, number>>(Object.entries(subjects).map(([s, ids]) => [s, new Map(ids.map((id, i) => [id, i]))]));
  const byIndex: Record<string, Record<string, number>> = {};
  const keep: string[] = [];
  let total = 0;
  let matched = 0;
  for (const record of text.split('\n').flatMap(splitRecords)) {
    total++;
    const hit = matchOf(record, fields, positions);
    if (!hit) {
      keep.push(record);
      continue;
    }
    matched++;
    const counts = (byIndex[hit.subject] ??= {});
    counts[hit.index] = (counts[hit.index] ?? 0) + 1;
  }
  return {
    gzip,
    total,
    byIndex,
    matched,
    rewritten: () => {
      if (!keep.length) return null;
      const out = Buffer.from(keep.join('\n') + '\n', 'utf8');
      return gzip ? gzipSync(out) : out;
    },
  };
}

function matchOf(record: string, fields: readonly ErasureField[], positions: ReadonlyMap<string, ReadonlyMap<string, number>>): { subject: string; index: number } | undefined {
  for (const f of fields) {
    const ids = positions.get(f.subject);
    if (!ids) continue;
    for (const v of subjectValues(record, f.field)) {
      const index = ids.get(v);
      if (index !== undefined) return { subject: f.subject, index };
    }
  }
  return undefined;
}
