/**
 * A proposed source schema, for `assets contracts check --against FILE`: either a JSON schema
 * dump (`{ "tables": { "customers": [{ "name", "type", "nullable" }] } }`, which `assets
 * contracts dump` writes) or a SQL migration applied on top of the live schema. The migration
 * reader applies the statements that can break a contract (ALTER TABLE ... DROP / RENAME
 * COLUMN, ALTER COLUMN ... TYPE, SET / DROP NOT NULL, ADD COLUMN, RENAME TO, DROP TABLE), lists
 * the statements it knows cannot change a contract's columns (CREATE INDEX, INSERT, GRANT...) as
 * ignored, and fails closed on anything else: a CI gate that lets an unread statement through
 * would pass a typo such as `DRP COLUMN`. `allowUnknown` turns those failures into ignored lines.
 */
import { UserError, editDistance, parseColumnType, type FoundColumn } from '../../assets/core';
import type { SchemaSnapshot } from './live';
import { contractTypeOfPg } from './pg-types';

/** A proposal that cannot be read: the message says where and what to fix. */
export class ProposalError extends UserError {
  override name = 'ProposalError';
}

/** Reads a JSON schema dump; types may be contract types (`int`) or Postgres ones (`integer`). */
export function parseSchemaDump(text: string, where: string): SchemaSnapshot {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new ProposalError(`${where} is not valid JSON (${(e as Error).message})`);
  }
  const tables = (x as { tables?: unknown })?.tables;
  if (!tables || typeof tables !== 'object' || Array.isArray(tables)) {
    throw new ProposalError(`${where} has no "tables" object; expected { "tables": { "<table>": [{ "name": "<column>", "type": "int", "nullable": false }] } } (what \`assets contracts dump\` prints)`);
  }
  const out: Record<string, FoundColumn[]> = {};
  for (const [table, cols] of Object.entries(tables as Record<string, unknown>)) {
    if (!Array.isArray(cols)) throw new ProposalError(`${where}: tables.${table} must be an array of { name, type, nullable }`);
    out[table] = cols.map((c: unknown, i: number) => {
      const col = c as { name?: unknown; type?: unknown; nullable?: unknown };
      if (typeof col?.name !== 'string' || typeof col.type !== 'string' || typeof col.nullable !== 'boolean') {
        throw new ProposalError(`${where}: tables.${table}[${i}] needs "name" (string), "type" (string) and "nullable" (boolean)`);
      }
      return { name: col.name, type: normalizeType(col.type), nullable: col.nullable };
    });
  }
  return { tables: out };
}

/** Contract types stay as they are; anything else is read as a Postgres type. */
function normalizeType(type: string): string {
  return typeof parseColumnType(type) === 'string' ? contractTypeOfPg(type) : type;
}

// ---- SQL migrations -------------------------------------------------------------------------

interface Token {
  readonly text: string;
  /** Identifier as Postgres resolves it: quoted kept, unquoted folded to lower case. */
  readonly ident: string;
  readonly quoted: boolean;
  /** 1-based line of the token in the file, for messages. */
  readonly line: number;
}

/** Splits SQL into statements of tokens, dropping comments; quoted identifiers and strings stay whole. */
function tokenize(sql: string): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  let i = 0;
  let line = 1;
  let lineAt = 0; // sql index up to which newlines were counted
  const lineOf = (at: number) => {
    for (; lineAt < at; lineAt++) if (sql[lineAt] === '\n') line++;
    return line;
  };
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === ';') {
      if (current.length) statements.push(current);
      current = [];
      i++;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      let text = '';
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) {
          text += ch;
          j += 2;
        } else if (sql[j] === ch) {
          break;
        } else {
          text += sql[j++];
        }
      }
      current.push({ text: sql.slice(i, j + 1), ident: text, quoted: ch === '"', line: lineOf(i) });
      i = j + 1;
    } else if (/[A-Za-z0-9_$]/.test(ch)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j])) j++;
      const text = sql.slice(i, j);
      current.push({ text, ident: text.toLowerCase(), quoted: false, line: lineOf(i) });
      i = j;
    } else {
      current.push({ text: ch, ident: ch, quoted: false, line: lineOf(i) });
      i++;
    }
  }
  if (current.length) statements.push(current);
  return statements;
}

/** The result of applying a migration: the proposed schema and what the reader did not apply. */
export interface AppliedMigration {
  readonly schema: SchemaSnapshot;
  /** Statements that cannot affect a source contract (CREATE INDEX, UPDATE...), listed for the reader. */
  readonly ignored: readonly string[];
  /** Statements the reader did not recognise, let through by `allowUnknown`: unread, not harmless. */
  readonly unread: readonly string[];
}

export interface ApplyMigrationOptions {
  /** List statements the reader does not recognise as ignored instead of failing (`--allow-unknown`). */
  readonly allowUnknown?: boolean;
}

/**
 * First keywords of statements that cannot change the columns of an existing table, so they are
 * listed as ignored. Anything else unknown fails the gate.
 */
const HARMLESS_STATEMENTS = new Set([
  'create', 'insert', 'update', 'delete', 'select', 'with', 'grant', 'revoke', 'comment', 'begin', 'start', 'commit', 'end',
  'rollback', 'savepoint', 'release', 'set', 'reset', 'analyze', 'vacuum', 'reindex', 'cluster', 'refresh', 'lock', 'do',
  'call', 'copy', 'truncate', 'notify', 'listen', 'discard', 'explain', 'prepare', 'execute', 'deallocate', 'security',
]);
/** `DROP <what>` other than TABLE: none removes a column of a table. */
const HARMLESS_DROPS = new Set(['index', 'view', 'materialized', 'sequence', 'function', 'procedure', 'trigger', 'type', 'schema', 'role', 'user', 'policy', 'extension', 'constraint', 'rule', 'domain', 'owned', 'aggregate', 'operator', 'publication', 'subscription', 'statistics']);
/** `ALTER <what>` other than TABLE. */
const HARMLESS_ALTERS = new Set(['index', 'view', 'materialized', 'sequence', 'function', 'procedure', 'trigger', 'type', 'schema', 'role', 'user', 'policy', 'extension', 'database', 'default', 'domain', 'publication', 'subscription', 'system', 'statistics']);
/** ALTER TABLE actions with no effect on the columns a contract sees. */
const HARMLESS_TABLE_ACTIONS = new Set(['owner', 'enable', 'disable', 'validate', 'cluster', 'set', 'reset', 'replica', 'inherit', 'no', 'force', 'attach', 'detach', 'of', 'not']);
/** Statement keywords, for a did-you-mean on a typo. */
const KNOWN_KEYWORDS = ['alter', 'drop', 'table', 'column', 'add', 'rename', 'to', 'type', 'constraint', ...HARMLESS_STATEMENTS];

/** The closest SQL keyword to a misspelt word, when one is close enough to be a typo. */
function keywordHint(word: string): string {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const k of KNOWN_KEYWORDS) {
    const d = editDistance(word.toLowerCase(), k, bestD);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best ? `; did you mean ${best.toUpperCase()}?` : '';
}

const statementText = (tokens: readonly Token[]) => tokens.map((t) => t.text).join(' ').replace(/\s+([,)])/g, '$1').replace(/\(\s+/g, '(').trim();

/** Applies a SQL migration on top of `base` (usually the live schema). */
export function applyMigration(base: SchemaSnapshot, sql: string, where: string, options: ApplyMigrationOptions = {}): AppliedMigration {
  const tables = new Map<string, FoundColumn[]>(Object.entries(base.tables).map(([t, cols]) => [t, cols.map((c) => ({ ...c }))]));
  const ignored: string[] = [];
  const unread: string[] = [];
  const statements = tokenize(sql);
  // An empty migration would pass every contract without reading anything: fail closed on it too.
  if (!statements.length) throw new ProposalError(`${where} holds no SQL statement (empty, or only comments): there is nothing to check the contracts against; pass the migration itself`);
  statements.forEach((tokens, n) => {
    const stmt = statementText(tokens);
    const at = `${where}:${tokens[0].line}, statement ${n + 1} (${stmt.slice(0, 120)})`;
    const fail = (msg: string): never => {
      throw new ProposalError(`${at}: ${msg}`);
    };
    /** A statement the reader does not understand: the gate fails closed unless told to let it pass. */
    const unknown = (word: Token | undefined, what: string): void => {
      if (options.allowUnknown) {
        unread.push(stmt);
        return;
      }
      const near = word && !word.quoted ? keywordHint(word.text) : '';
      throw new ProposalError(
        `${where}:${word?.line ?? tokens[0].line}, statement ${n + 1} (${stmt.slice(0, 120)}): ${what} '${word?.text ?? 'the end'}'${near}. ` +
          'The contract gate fails closed on statements it cannot read; fix the statement, or pass --allow-unknown to list it as ignored.',
      );
    };
    const r = new Reader(tokens, fail);
    const first = r.peek();
    if (r.accept('alter', 'table')) {
      r.accept('if', 'exists');
      r.accept('only');
      const table = r.tableName();
      let cols = tables.get(table);
      if (!cols) return fail(`table '${table}' does not exist in the schema the migration applies to (${[...tables.keys()].join(', ') || 'none'})`);
      if (r.accept('rename', 'to')) {
        const to = r.tableName();
        tables.delete(table);
        tables.set(to, cols);
        return;
      }
      do {
        const action = r.peek();
        const next = applyAction(r, table, cols, fail);
        if (next === undefined) return unknown(action, 'unrecognised ALTER TABLE action');
        cols = next;
      } while (r.accept(','));
      if (!r.done()) fail(`unexpected '${r.peek()?.text}'`);
      tables.set(table, cols);
    } else if (r.accept('drop', 'table')) {
      r.accept('if', 'exists');
      do tables.delete(r.tableName());
      while (r.accept(','));
    } else if (first && !first.quoted && ((first.ident === 'drop' && HARMLESS_DROPS.has(r.peek(1)?.ident ?? '')) || (first.ident === 'alter' && HARMLESS_ALTERS.has(r.peek(1)?.ident ?? '')))) {
      ignored.push(stmt);
    } else if (first && !first.quoted && HARMLESS_STATEMENTS.has(first.ident)) {
      ignored.push(stmt);
    } else if (first && !first.quoted && (first.ident === 'drop' || first.ident === 'alter')) {
      unknown(r.peek(1), `unrecognised ${first.text.toUpperCase()}`);
    } else {
      unknown(first, 'unrecognised statement');
    }
  });
  return { schema: { tables: Object.fromEntries(tables) }, ignored, unread };
}

/** Applies one ALTER TABLE action; undefined when the action is not one the reader knows. */
function applyAction(r: Reader, table: string, cols: FoundColumn[], fail: (m: string) => never): FoundColumn[] | undefined {
  const find = (name: string) => {
    const i = cols.findIndex((c) => c.name === name);
    if (i < 0) {
      const folded = cols.find((c) => c.name.toLowerCase() === name.toLowerCase());
      fail(`column '${name}' does not exist in ${table}${folded ? ` (Postgres folds unquoted names to lower case: write "${folded.name}")` : ''}`);
    }
    return i;
  };
  if (r.accept('drop', 'constraint')) {
    r.skipRest();
    return cols;
  }
  if (r.accept('drop')) {
    r.accept('column');
    const ifExists = r.accept('if', 'exists');
    const name = r.ident();
    if (!r.accept('cascade')) r.accept('restrict');
    if (ifExists && !cols.some((c) => c.name === name)) return cols;
    const i = find(name);
    return cols.filter((_, j) => j !== i);
  }
  if (r.accept('rename')) {
    r.accept('column');
    const from = r.ident();
    r.expect('to');
    const to = r.ident();
    const i = find(from);
    return cols.map((c, j) => (j === i ? { ...c, name: to } : c));
  }
  if (r.accept('alter')) {
    r.accept('column');
    const name = r.ident();
    const i = find(name);
    if (r.accept('set', 'data', 'type') || r.accept('type')) {
      const type = contractTypeOfPg(r.typeText());
      r.skipRest();
      return cols.map((c, j) => (j === i ? { ...c, type } : c));
    }
    if (r.accept('set', 'not', 'null')) return cols.map((c, j) => (j === i ? { ...c, nullable: false } : c));
    if (r.accept('drop', 'not', 'null')) return cols.map((c, j) => (j === i ? { ...c, nullable: true } : c));
    // SET DEFAULT, DROP DEFAULT, SET STATISTICS, ADD GENERATED...: no effect on the columns a contract sees.
    const t = r.peek();
    if (!t || t.quoted || !['set', 'drop', 'add', 'reset', 'restart'].includes(t.ident)) return undefined;
    r.skipRest();
    return cols;
  }
  if (r.accept('add', 'constraint') || r.accept('add', 'primary') || r.accept('add', 'unique') || r.accept('add', 'foreign') || r.accept('add', 'check') || r.accept('add', 'exclude')) {
    r.skipRest();
    return cols;
  }
  if (r.accept('add')) {
    r.accept('column');
    const ifNotExists = r.accept('if', 'not', 'exists');
    const name = r.ident();
    const type = contractTypeOfPg(r.typeText());
    const constraints = r.skipRest().map((t) => t.ident);
    const nullable = !constraints.some((t, k) => (t === 'not' && constraints[k + 1] === 'null') || (t === 'primary' && constraints[k + 1] === 'key'));
    if (cols.some((c) => c.name === name)) {
      if (ifNotExists) return cols;
      fail(`column '${name}' already exists in ${table}`);
    }
    return [...cols, { name, type, nullable }];
  }
  // OWNER TO, ENABLE TRIGGER, SET (...), ...: nothing a contract describes.
  const t = r.peek();
  if (t && !t.quoted && HARMLESS_TABLE_ACTIONS.has(t.ident)) {
    r.skipRest();
    return cols;
  }
  return undefined;
}

/** A cursor over one statement's tokens. */
class Reader {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[], private readonly fail: (m: string) => never) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  done(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** Consumes the keywords when they all match (case-insensitive, unquoted). */
  accept(...words: string[]): boolean {
    const ok = words.every((w, k) => {
      const t = this.peek(k);
      return t !== undefined && !t.quoted && t.ident === w;
    });
    if (ok) this.pos += words.length;
    return ok;
  }

  expect(word: string): void {
    if (!this.accept(word)) this.fail(`expected ${word.toUpperCase()} but found '${this.peek()?.text ?? 'the end'}'`);
  }

  ident(): string {
    const t = this.peek();
    if (!t || (!t.quoted && !/^[a-z_]/.test(t.ident))) this.fail(`expected a column name but found '${t?.text ?? 'the end'}'`);
    this.pos++;
    return t!.ident;
  }

  /** `schema.table` or `table`; `public.` is dropped to match the snapshot's names. */
  tableName(): string {
    let name = this.ident();
    if (this.accept('.')) name = `${name}.${this.ident()}`;
    return name.startsWith('public.') ? name.slice('public.'.length) : name;
  }

  /** A type: words plus an optional `(p, s)` and `[]`, up to a constraint keyword, `,` or the end. */
  typeText(): string {
    const stop = new Set(['not', 'null', 'default', 'primary', 'unique', 'check', 'references', 'constraint', 'using', 'collate', 'generated']);
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || t.text === ',' || (!t.quoted && stop.has(t.ident))) break;
      if (t.text === '(') {
        let depth = 0;
        let text = '';
        do {
          const u = this.peek()!;
          if (u.text === '(') depth++;
          if (u.text === ')') depth--;
          text += u.text;
          this.pos++;
        } while (depth > 0 && !this.done());
        parts[parts.length - 1] += text;
        continue;
      }
      if (t.text === '[') {
        this.pos += this.peek(1)?.text === ']' ? 2 : 1;
        parts[parts.length - 1] += '[]';
        continue;
      }
      parts.push(t.ident);
      this.pos++;
    }
    if (!parts.length) this.fail('expected a type');
    return parts.join(' ');
  }

  /** Skips to the next top-level `,` (or the end), returning what was skipped. */
  skipRest(): Token[] {
    const skipped: Token[] = [];
    let depth = 0;
    while (!this.done()) {
      const t = this.peek()!;
      if (depth === 0 && t.text === ',') break;
      if (t.text === '(') depth++;
      if (t.text === ')') depth--;
      skipped.push(t);
      this.pos++;
    }
    return skipped;
  }
}
