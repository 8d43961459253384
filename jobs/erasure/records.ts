/**
 * Subject ids inside a JSON record as text: the record's fields, or, for a record a delivery
 * rejected, the same fields inside its original data (`rawData`, base64). Data that is not JSON
 * (often why it was rejected) is matched as text, `"field": value`, so a malformed record of an
 * erased person is still found.
 */

const fieldPattern = (field: string) => new RegExp(`"${field.replace(/[^\w]/g, '')}"\\s*:\\s*"?([^",}\\s]+)`, 'g');

/** The values of `field` in a record's text (JSON or not), including inside `rawData`. */
export function subjectValues(text: string, field: string): string[] {
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch {
    return [...text.matchAll(fieldPattern(field))].map((m) => m[1]);
  }
  if (!rec || typeof rec !== 'object') return [];
  const r = rec as Record<string, unknown>;
  const out: string[] = [];
  const v = r[field];
  if (v !== undefined && v !== null && typeof v !== 'object') out.push(String(v));
  if (typeof r.rawData === 'string') out.push(...subjectValues(Buffer.from(r.rawData, 'base64').toString('utf8'), field));
  return out;
}
