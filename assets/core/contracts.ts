/**
 * Contract diff: what a contract expects vs the columns actually found (a live schema, a
 * proposed migration, a file's schema). Pure: the engines introspect, this module judges.
 *
 * A source contract is what the upstream team promises its consumers, so the rule is the
 * consumer's: anything that can make a reader fail or read wrong data is breaking (a dropped,
 * renamed or retyped column, a not-null column that may now hold NULLs, NULLs actually found).
 * Added columns are ignored by readers that select by name, so they are fine unless the
 * contract says `evolution: 'strict'`.
 */
import { formatColumnType, parseColumnType } from './column-types';
import { editDistance } from './keys';
import type { ColumnContract, Contract } from './types';
import { UserError } from './errors';

/** A column as found in a schema; `type` in the contract vocabulary (Glue/Hive syntax). */
export interface FoundColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

export type ContractChange =
  | { readonly kind: 'dropped'; readonly column: string; readonly expected: ColumnContract; readonly breaking: true }
  | {
      readonly kind: 'renamed';
      readonly column: string;
      readonly to: string;
      readonly expected: ColumnContract;
      readonly found: FoundColumn;
      readonly breaking: true;
    }
  | { readonly kind: 'retyped'; readonly column: string; readonly expected: ColumnContract; readonly found: FoundColumn; readonly breaking: true }
  | { readonly kind: 'nullable'; readonly column: string; readonly expected: ColumnContract; readonly found: FoundColumn; readonly breaking: true }
  | { readonly kind: 'nulls'; readonly column: string; readonly expected: ColumnContract; readonly count: number; readonly breaking: true }
  | { readonly kind: 'added'; readonly column: string; readonly found: FoundColumn; readonly breaking: boolean }
  | { readonly kind: 'tightened'; readonly column: string; readonly expected: ColumnContract; readonly found: FoundColumn; readonly breaking: false };

/** The outcome of comparing one contract with one schema. */
export interface ContractDiff {
  /** What was compared, e.g. `source/customers (table customers)`. */
  readonly subject: string;
  /** Where the found columns came from, e.g. `live source schema` or a file name. */
  readonly against: string;
  /** False when the table itself is missing (every column then shows as dropped). */
  readonly tableFound: boolean;
  readonly changes: readonly ContractChange[];
  readonly breaking: boolean;
}

/** Canonical spelling of a type (so `DECIMAL(10, 2)` equals `decimal(10,2)`); unknown types are kept as written. */
export function canonicalType(type: string): string {
  const t = parseColumnType(type);
  return typeof t === 'string' ? type.trim().toLowerCase() : formatColumnType(t);
}

export interface DiffOptions {
  readonly subject: string;
  readonly against: string;
  /** NULLs counted in the live data, by column; only not-null contract columns matter. */
  readonly nullCounts?: Readonly<Record<string, number>>;
  /** Pass false when the table does not exist at all. */
  readonly tableFound?: boolean;
}

/** Compares a contract with the columns found; every difference is a change, each marked breaking or not. */
export function diffContract(contract: Contract, found: readonly FoundColumn[], options: DiffOptions): ContractDiff {
  const strict = contract.evolution === 'strict';
  const foundByName = new Map(found.map((c) => [c.name, c]));
  const expectedNames = new Set(contract.columns.map((c) => c.name));
  const changes: ContractChange[] = [];
  const missing: ColumnContract[] = [];

  for (const expected of contract.columns) {
    const col = foundByName.get(expected.name);
    if (!col) {
      missing.push(expected);
      continue;
    }
    if (canonicalType(col.type) !== canonicalType(expected.type)) {
      changes.push({ kind: 'retyped', column: expected.name, expected, found: col, breaking: true });
    }
    if (!expected.nullable && col.nullable) {
      changes.push({ kind: 'nullable', column: expected.name, expected, found: col, breaking: true });
    } else if (expected.nullable && !col.nullable) {
      changes.push({ kind: 'tightened', column: expected.name, expected, found: col, breaking: false });
    }
    const nulls = options.nullCounts?.[expected.name] ?? 0;
    if (!expected.nullable && nulls > 0) changes.push({ kind: 'nulls', column: expected.name, expected, count: nulls, breaking: true });
  }

  // A column that vanished while one of the same type appeared is most likely a rename:
  // pair them (closest name first) so the diff says `city -> town`, not two unrelated lines.
  const added = found.filter((c) => !expectedNames.has(c.name));
  const unpaired = new Set(added);
  for (const expected of missing) {
    let best: FoundColumn | undefined;
    let bestDistance = Infinity;
    for (const cand of unpaired) {
      if (canonicalType(cand.type) !== canonicalType(expected.type)) continue;
      const d = editDistance(expected.name.toLowerCase(), cand.name.toLowerCase());
      if (d < bestDistance) {
        best = cand;
        bestDistance = d;
      }
    }
    if (best) {
      unpaired.delete(best);
      changes.push({ kind: 'renamed', column: expected.name, to: best.name, expected, found: best, breaking: true });
    } else {
      changes.push({ kind: 'dropped', column: expected.name, expected, breaking: true });
    }
  }
  for (const col of added) {
    if (unpaired.has(col)) changes.push({ kind: 'added', column: col.name, found: col, breaking: strict });
  }

  const order = new Map(contract.columns.map((c, i) => [c.name, i]));
  changes.sort((a, b) => (order.get(a.column) ?? Infinity) - (order.get(b.column) ?? Infinity));
  return {
    subject: options.subject,
    against: options.against,
    tableFound: options.tableFound ?? true,
    changes,
    breaking: changes.some((c) => c.breaking),
  };
}

const describeColumn = (c: { type: string; nullable: boolean }) => `${canonicalType(c.type)}${c.nullable ? ' null' : ' not null'}`;

/** One line per change: what the contract expects, what was found, naming the column. */
export function describeChange(change: ContractChange): string {
  switch (change.kind) {
    case 'dropped':
      return `column '${change.column}' was dropped: expected ${describeColumn(change.expected)}, found no such column`;
    case 'renamed':
      return `column '${change.column}' looks renamed to '${change.to}': expected '${change.column}' ${describeColumn(change.expected)}, found '${change.to}' ${describeColumn(change.found)}`;
    case 'retyped':
      return `column '${change.column}' changed type: expected ${canonicalType(change.expected.type)}, found ${canonicalType(change.found.type)}`;
    case 'nullable':
      return `column '${change.column}' became nullable: expected not null, found nullable`;
    case 'nulls':
      return `column '${change.column}' holds ${change.count} NULL${change.count === 1 ? '' : 's'}: expected not null`;
    case 'added':
      return `column '${change.column}' was added (${describeColumn(change.found)})${change.breaking ? ': the contract is strict, so any new column is breaking' : ''}`;
    case 'tightened':
      return `column '${change.column}' became not null (the contract allows NULLs; consumers are unaffected)`;
  }
}

/** The diff as text: a header line, then one line per change marked `BREAKING` or `ok`. */
export function formatContractDiff(diff: ContractDiff): string {
  const head = diff.tableFound
    ? `${diff.subject} vs ${diff.against}: ${diff.breaking ? 'BREAKING' : diff.changes.length ? 'compatible' : 'matches'}`
    : `${diff.subject} vs ${diff.against}: BREAKING (the table does not exist)`;
  const lines = diff.changes.map((c) => `  ${c.breaking ? 'BREAKING' : 'ok      '}  ${describeChange(c)}`);
  return [head, ...lines].join('\n');
}

/** Thrown by an executor when a contract check fails: the message is the diff. */
export class ContractViolationError extends UserError {
  override name = 'ContractViolationError';
  constructor(readonly diff: ContractDiff) {
    super(`data contract violated, nothing was written:\n${formatContractDiff(diff)}\nFix the source (or update the contract with its consumers), then rerun.`);
  }
}
