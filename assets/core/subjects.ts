/**
 * Where a data subject (a person) can be: contracts mark the columns holding a subject's id
 * (`subject: 'customer'`), assets without such a column declare how their records are keyed
 * (`subjects: [{ subject, field, file? }]`) or that they hold no record of any one person
 * (`subjects: 'none'`), and lineage finds everything in between: an asset downstream of one
 * holding a subject's data that says neither is a gap, and erasure refuses to run around a gap.
 */
import type { AssetGraph } from './graph';
import { categoryOf } from './kinds';
import type { AssetDefinition, AssetKey } from './types';

/** One field holding a subject's id in one asset. */
export interface SubjectField {
  readonly field: string;
  /** The file of the asset's folder holding the field (declared keys); undefined: every data file. */
  readonly file?: string;
  /** Where the field was named: a contract column or the asset's `subjects` declaration. */
  readonly from: 'contract' | 'declaration';
}

/** An asset that holds (or may hold) a subject's records, and where in it. */
export interface SubjectHolder {
  readonly key: AssetKey;
  readonly fields: readonly SubjectField[];
  /** `source`: owned upstream, never rewritten here (the deletion register keeps its rows out). */
  readonly role: 'source' | 'derived';
}

/** What lineage says about one subject across a graph. */
export interface SubjectMap {
  readonly subject: string;
  readonly holders: readonly SubjectHolder[];
  /** Derived from a holder, declared `subjects: 'none'`: no record of any one person. */
  readonly aggregates: readonly AssetKey[];
  /** Derived from a holder but storing nothing at rest (services, storage `none`). */
  readonly stateless: readonly AssetKey[];
  /** Derived from a holder and saying nothing: erasure cannot know what they keep. */
  readonly gaps: readonly { readonly key: AssetKey; readonly from: AssetKey; readonly message: string }[];
}

/** The subject fields an asset names itself (contract columns, then declared keys). */
export function subjectFieldsOf(asset: AssetDefinition, subject: string): SubjectField[] {
  const fields: SubjectField[] = (asset.contract?.columns ?? []).filter((c) => c.subject === subject).map((c) => ({ field: c.name, from: 'contract' as const }));
  if (Array.isArray(asset.subjects)) {
    for (const k of asset.subjects as readonly { subject: string; field: string; file?: string }[]) {
      if (k.subject === subject) fields.push({ field: k.field, ...(k.file ? { file: k.file } : {}), from: 'declaration' });
    }
  }
  return fields;
}

/** Every subject a graph names, sorted. */
export function subjectsOf(graph: AssetGraph): string[] {
  const names = new Set<string>();
  for (const key of graph.keys) {
    const a = graph.get(key);
    for (const c of a.contract?.columns ?? []) if (c.subject) names.add(c.subject);
    if (Array.isArray(a.subjects)) for (const k of a.subjects as readonly { subject: string }[]) names.add(k.subject);
  }
  return [...names].sort();
}

/** Stores nothing at rest: a service or an asset with storage `none`. */
const stateless = (a: AssetDefinition) => !a.storage || a.storage.kind === 'none';

/**
 * Follows lineage from every asset naming `subject`: each asset downstream holds its records
 * (it names a field), aggregates them (`subjects: 'none'`), keeps nothing (stateless), or is a gap.
 */
export function subjectMap(graph: AssetGraph, subject: string): SubjectMap {
  const holders: SubjectHolder[] = [];
  const aggregates: AssetKey[] = [];
  const stateless_: AssetKey[] = [];
  const gaps: { key: AssetKey; from: AssetKey; message: string }[] = [];
  /** key -> an upstream holder its data comes from (or itself). */
  const reach = new Map<AssetKey, AssetKey>();
  for (const key of graph.keys) {
    const asset = graph.get(key);
    const fields = subjectFieldsOf(asset, subject);
    const from = graph.upstream(key).find((u) => reach.has(u));
    if (fields.length) {
      holders.push({ key, fields, role: asset.source ? 'source' : 'derived' });
      reach.set(key, key);
      continue;
    }
    if (from === undefined) continue;
    // An aggregate or a stateless asset passes nothing personal on: downstream of it is clean.
    if (asset.subjects === 'none') aggregates.push(key);
    else if (stateless(asset)) stateless_.push(key);
    else {
      reach.set(key, reach.get(from)!);
      gaps.push({
        key,
        from: reach.get(from)!,
        message:
          `${key} reads ${from}, which holds '${subject}' data, but says nothing about it: mark the column holding the id in its contract ` +
          `(subject: '${subject}'), declare subjects: [{ subject: '${subject}', field: '<id field>' }], or subjects: 'none' if it holds no record of any one person`,
      });
    }
  }
  return { subject, holders, aggregates, stateless: stateless_, gaps };
}

/** Problems of an asset's subject declarations, for `defineGraph`. */
export function subjectDeclarationProblems(asset: AssetDefinition): string[] {
  const problems: string[] = [];
  for (const c of asset.contract?.columns ?? []) {
    if (c.subject !== undefined && (typeof c.subject !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(c.subject))) {
      problems.push(`contract column '${c.name}': subject must be a lower-case name such as 'customer', got ${JSON.stringify(c.subject)}`);
    }
  }
  const s = asset.subjects;
  if (s === undefined || s === 'none') return problems;
  if (!Array.isArray(s)) return [...problems, `subjects must be a list of { subject, field, file? } or 'none'`];
  for (const [i, k] of (s as readonly { subject?: unknown; field?: unknown; file?: unknown }[]).entries()) {
    if (typeof k?.subject !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(k.subject)) problems.push(`subjects[${i}].subject must be a lower-case name such as 'customer'`);
    if (typeof k?.field !== 'string' || !k.field) problems.push(`subjects[${i}].field must name the field holding the id`);
    if (k?.file !== undefined && (typeof k.file !== 'string' || !k.file || k.file.includes('..') || k.file.startsWith('/'))) {
      problems.push(`subjects[${i}].file must be a file name inside the asset's folder`);
    }
    if (typeof k?.field === 'string' && asset.contract?.columns.some((c) => c.name === k.field)) {
      problems.push(`subjects[${i}]: '${k.field}' is a contract column; mark it there instead (subject: '${String(k.subject)}')`);
    }
  }
  return problems;
}

/** The subject fields of the records the graph's stream assets deliver: what deliveries must check. */
export function deliveredSubjectFields(graph: AssetGraph): { readonly subject: string; readonly field: string }[] {
  const out = new Map<string, { subject: string; field: string }>();
  for (const key of graph.keys) {
    const asset = graph.get(key);
    if (categoryOf(asset, graph.kinds) !== 'stream') continue;
    for (const c of asset.contract?.columns ?? []) if (c.subject) out.set(`${c.subject}\0${c.name}`, { subject: c.subject, field: c.name });
  }
  return [...out.values()];
}
