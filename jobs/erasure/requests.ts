/**
 * Who to erase: `--subject customer=103` (repeatable) and `--from-file ids.csv`. A file is CSV with
 * a header: one column named after the subject (`customer`, then one id a line), or two columns
 * `subject,id` (several subjects in one file). Every bad line is reported with its number.
 */
import fs from 'node:fs';
import { UserError } from '../../assets/core';

/** The ids to erase, by subject, deduplicated, in the order given. */
export type SubjectRequest = ReadonlyMap<string, readonly string[]>;

const SUBJECT = /^[a-z][a-z0-9_-]*$/;

function add(into: Map<string, string[]>, subject: string, id: string): void {
  const ids = into.get(subject) ?? [];
  if (!ids.includes(id)) ids.push(id);
  into.set(subject, ids);
}

/** Parses `subject=id` arguments and the lines of `file`; `known` are the subjects the graph names. */
export function parseSubjectRequest(args: readonly string[], file: string | undefined, known: readonly string[]): SubjectRequest {
  const out = new Map<string, string[]>();
  const problems: string[] = [];
  const check = (subject: string, where: string) => {
    if (known.includes(subject)) return true;
    problems.push(`${where}: unknown subject '${subject}'; the graph's contracts name ${known.length ? known.map((k) => `'${k}'`).join(', ') : 'no subject (mark a column with subject: ...)'}`);
    return false;
  };
  const example = `${known[0] ?? 'person'}=103`;
  for (const a of args) {
    const m = /^([^=]+)=(.+)$/.exec(a);
    if (!m || !SUBJECT.test(m[1].trim()) || !m[2].trim()) {
      problems.push(`--subject ${a}: expected <subject>=<id>, e.g. --subject ${example}`);
      continue;
    }
    if (check(m[1].trim(), `--subject ${a}`)) add(out, m[1].trim(), m[2].trim());
  }
  if (file !== undefined) readFile(file, out, problems, check);
  if (problems.length) throw new UserError(problems.join('\n'));
  if (!out.size) throw new UserError('name who to erase: --subject <subject>=<id> (repeatable) or --from-file ids.csv');
  return out;
}

function readFile(file: string, out: Map<string, string[]>, problems: string[], check: (s: string, where: string) => boolean): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`--from-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  const cells = (line: string) => line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = cells(lines[0] ?? '');
  const pairs = header.length === 2 && header[0] === 'subject' && header[1] === 'id';
  if (!pairs && (header.length !== 1 || !SUBJECT.test(header[0]))) {
    throw new UserError(`${file}:1: expected a header naming the subject (one id a line below it) or 'subject,id'; found '${lines[0] ?? ''}'`);
  }
  if (!pairs && !check(header[0], `${file}:1`)) return;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const c = cells(lines[i]);
    if (pairs) {
      if (c.length !== 2 || !c[1]) problems.push(`${file}:${i + 1}: expected '<subject>,<id>', found '${lines[i]}'`);
      else if (check(c[0], `${file}:${i + 1}`)) add(out, c[0], c[1]);
    } else if (c.length !== 1 || !c[0]) problems.push(`${file}:${i + 1}: expected one id, found '${lines[i]}'`);
    else add(out, header[0], c[0]);
  }
}
