/**
 * The deletion register as a delivery filter: a stream delivery drops the records of erased
 * subjects, so a browsing event of someone erased never lands in the lake again. The register
 * is re-read when its file changes (checked at most once a second), so an erasure made while
 * the stream runs takes effect within a second, without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { subjectValues } from './records';
import { DeletionRegister } from './register';

/** What the filter checks: each subject field of the delivered records. */
export interface DeliveredField {
  readonly subject: string;
  readonly field: string;
}

/** A record filter for the poller's `exclude` (the record's text), or undefined when no field names a subject. */
export function registerExclusion(registerDir: string, fields: readonly DeliveredField[]): ((text: string) => boolean) | undefined {
  if (!fields.length) return undefined;
  const file = path.join(registerDir, 'register.json');
  let checkedAt = 0;
  let mtimeMs = -1;
  let register: DeletionRegister | undefined;
  let hashes = new Map<string, ReadonlySet<string>>();
  const refresh = () => {
    const now = Date.now();
    if (now - checkedAt < 1000) return;
    checkedAt = now;
    const m = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    if (m === mtimeMs) return;
    mtimeMs = m;
    register = DeletionRegister.peek(registerDir);
    hashes = new Map(fields.map((f) => [f.subject, new Set(register?.hashes(f.subject) ?? [])]));
  };
  return (text) => {
    refresh();
    if (!register) return false;
    for (const f of fields) {
      const known = hashes.get(f.subject);
      if (known?.size && subjectValues(text, f.field).some((v) => known.has(register!.hash(f.subject, v)))) return true;
    }
    return false;
  };
}
