/**
 * A recursive-descent parser for the selection grammar:
 *
 *   or       := and ('or' and)*
 *   and      := not ('and' not)*
 *   not      := 'not' not | traverse
 *   traverse := ('+' | 'N+')* atom ('+' | '+N')*
 *   atom     := '(' or ')' | ('roots' | 'sinks') '(' or? ')' | key | pattern | filter
 *
 * Every error names the problem and where it is, with a fix when there is an obvious one.
 */
import type { FilterField, SelectionNode, TextMatcher } from './ast';
import { SelectionError } from './error';
import { tokenize, wordText, type Segment, type Token } from './lexer';

const FUNCTIONS = new Set(['roots', 'sinks']);
const FILTERS = ['key', 'tag', 'group', 'kind', 'owner', 'category'] as const;
const CATEGORIES = ['source', 'batch', 'service', 'stream'];
const WHAT: Record<(typeof FILTERS)[number], string> = {
  key: 'a key',
  tag: 'a tag name',
  group: 'a group name',
  kind: 'a compute kind',
  owner: 'an owner',
  category: 'a category',
};
const EXAMPLES: Record<(typeof FILTERS)[number], string> = {
  key: 'key:raw/customers',
  tag: 'tag:pii or tag:pii=true',
  group: 'group:analytics',
  kind: 'kind:glue-sql',
  owner: 'owner:team:ml',
  category: 'category:batch',
};

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for `segments`: `*` in bare text matches any run of characters (including '/'). */
function textMatcher(segments: readonly Segment[]): TextMatcher {
  const text = wordText(segments);
  if (!segments.some((s) => !s.quoted && s.text.includes('*'))) return { text };
  const source = segments.map((s) => (s.quoted ? escapeRegex(s.text) : s.text.split('*').map(escapeRegex).join('.*'))).join('');
  return { text, regex: new RegExp(`^${source}$`) };
}

/** Splits `segments` at the first bare `ch`; undefined when there is none. `at` is its source index. */
function splitAt(segments: readonly Segment[], ch: string): { before: Segment[]; after: Segment[]; at: number } | undefined {
  for (const [i, s] of segments.entries()) {
    const k = s.quoted ? -1 : s.text.indexOf(ch);
    if (k < 0) continue;
    const before = [...segments.slice(0, i), { ...s, text: s.text.slice(0, k) }].filter((x) => x.text !== '' || x.quoted);
    const rest = { text: s.text.slice(k + 1), quoted: false, pos: s.pos + k + 1 };
    const after = [...(rest.text ? [rest] : []), ...segments.slice(i + 1)];
    return { before, after, at: s.pos + k };
  }
  return undefined;
}

function describe(token: Token, expression: string): string {
  return token.kind === 'eof' ? 'the end of the selection' : `'${expression.slice(token.pos, token.end)}'`;
}

/** Parses `expression` into a syntax tree; throws a `SelectionError` with a caret on bad syntax. */
export function parseSelection(expression: string): SelectionNode {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = (): Token => tokens[at];
  const next = (): Token => tokens[at++];
  const fail = (pos: number, reason: string): never => {
    throw new SelectionError(expression, pos, reason);
  };

  /** The error for a token that follows a complete selection without an operator. */
  const unexpectedAfterSelection = (token: Token): never => {
    const what = describe(token, expression);
    if (token.kind === 'rparen') return fail(token.pos, `unmatched ')': remove it or add the '(' it closes`);
    if (token.kind === 'comma') return fail(token.pos, `unexpected ',': join selections with 'or' (or 'and')`);
    if (token.kind === 'lparen') return fail(token.pos, `unexpected '(': only roots(...) and sinks(...) take parentheses; join selections with 'and' or 'or'`);
    return fail(token.pos, `unexpected ${what}: join selections with 'and' or 'or'`);
  };

  /** The error for a token where a selection should start. */
  const expectedSelection = (token: Token): never => {
    const prev = at > 0 ? tokens[at - 1] : undefined;
    if (token.kind === 'eof') {
      if (!prev) return fail(0, `empty selection: write a key such as 'raw/customers', a filter such as 'group:analytics', or '*' for every asset`);
      return fail(token.pos, `incomplete selection: expected a key, filter or '(' after ${describe(prev, expression)}`);
    }
    return fail(token.pos, `unexpected ${describe(token, expression)}: expected a key, filter or '(' here`);
  };

  /** Consumes the ')' closing the '(' at `open`. */
  const close = (open: Token, inFunction?: string): void => {
    const token = peek();
    if (token.kind === 'rparen') {
      next();
      return;
    }
    if (token.kind === 'eof') fail(open.pos, `unclosed '(': add a ')' to close it`);
    if (inFunction && token.kind === 'comma') fail(token.pos, `${inFunction}() takes one selection: join several with 'or'`);
    unexpectedAfterSelection(token);
  };

  const parseOr = (): SelectionNode => {
    let left = parseAnd();
    while (peek().kind === 'or') {
      next();
      left = { type: 'or', left, right: parseAnd() };
    }
    return left;
  };

  const parseAnd = (): SelectionNode => {
    let left = parseNot();
    while (peek().kind === 'and') {
      next();
      left = { type: 'and', left, right: parseNot() };
    }
    return left;
  };

  const parseNot = (): SelectionNode => {
    if (peek().kind !== 'not') return parseTraverse();
    next();
    return { type: 'not', operand: parseNot() };
  };

  const parseTraverse = (): SelectionNode => {
    let up = 0;
    let prefixed = false;
    for (let t = peek(); t.kind === 'plus'; t = peek()) {
      if (t.depthSide === 'after') {
        const levels = `${t.depth} level${t.depth === 1 ? '' : 's'}`;
        fail(t.pos, `'+${t.depth}' walks downstream and goes after a selection; for ${levels} upstream write '${t.depth}+key'`);
      }
      next();
      prefixed = true;
      up += t.depth ?? Infinity;
    }
    const operand = parseAtom();
    let down = 0;
    let suffixed = false;
    // A 'N+' here starts another selection (`a 2+b`); leave it for the caller to report.
    for (let t = peek(); t.kind === 'plus' && t.depthSide !== 'before'; t = peek()) {
      next();
      suffixed = true;
      down += t.depth ?? Infinity;
    }
    return prefixed || suffixed ? { type: 'traverse', operand, up, down } : operand;
  };

  const parseFilter = (token: Token & { kind: 'word' }, split: { before: Segment[]; after: Segment[]; at: number }): SelectionNode => {
    const prefix = wordText(split.before).toLowerCase();
    const field = FILTERS.find((f) => f === prefix);
    if (!field) {
      return fail(token.pos, `unknown filter '${wordText(split.before)}:': use one of ${FILTERS.map((f) => `${f}:`).join(', ')}`);
    }
    const value = split.after;
    const valuePos = split.at + 1;
    if (value.length === 0) {
      return fail(valuePos, `'${field}:' needs ${WHAT[field]} right after the colon, e.g. ${EXAMPLES[field]}`);
    }
    switch (field) {
      case 'key': {
        const m = textMatcher(value);
        return m.regex ? { type: 'pattern', pattern: m, pos: valuePos } : { type: 'key', key: m.text, pos: valuePos };
      }
      case 'tag': {
        const eq = splitAt(value, '=');
        if (!eq) return { type: 'tag', name: textMatcher(value), pos: token.pos };
        if (eq.before.length === 0) return fail(valuePos, `'tag:' needs a tag name before '=', e.g. tag:pii=true`);
        if (eq.after.length === 0) {
          return fail(eq.at + 1, `'tag:${wordText(eq.before)}=' needs a value after '=' (write tag:${wordText(eq.before)} to select every asset with that tag)`);
        }
        return { type: 'tag', name: textMatcher(eq.before), value: textMatcher(eq.after), pos: token.pos };
      }
      case 'category': {
        const m = textMatcher(value);
        if (!m.regex && !CATEGORIES.includes(m.text)) {
          return fail(valuePos, `unknown category '${m.text}': use ${CATEGORIES.slice(0, -1).join(', ')} or ${CATEGORIES[CATEGORIES.length - 1]}`);
        }
        return { type: 'filter', field, value: m, pos: token.pos };
      }
      default:
        return { type: 'filter', field: field as FilterField, value: textMatcher(value), pos: token.pos };
    }
  };

  const parseAtom = (): SelectionNode => {
    const token = peek();
    if (token.kind === 'lparen') {
      next();
      if (peek().kind === 'rparen') fail(peek().pos, `empty parentheses: put a selection inside them`);
      const inner = parseOr();
      close(token);
      return inner;
    }
    if (token.kind !== 'word') return expectedSelection(token);
    next();
    const { segments } = token;
    // A leading quote makes the whole word a literal key: no keyword, function, filter or wildcard.
    if (segments[0].quoted) return { type: 'key', key: wordText(segments), pos: token.pos };

    const text = wordText(segments);
    const bare = segments.length === 1 ? text.toLowerCase() : undefined;
    const fn = bare !== undefined && FUNCTIONS.has(bare) ? (bare as 'roots' | 'sinks') : undefined;
    if (peek().kind === 'lparen' && (fn || /^[A-Za-z_][\w-]*$/.test(text))) {
      if (!fn) return fail(token.pos, `unknown function '${text}': the functions are roots(...) and sinks(...)`);
      const open = next();
      if (peek().kind === 'rparen') {
        next();
        return { type: fn };
      }
      const operand = parseOr();
      close(open, fn);
      return { type: fn, operand };
    }
    if (fn) return fail(token.end, `${fn} needs parentheses: ${fn}(<selection>), or ${fn}() for the whole graph`);
    if (/^\d+$/.test(text)) {
      return fail(token.pos, `'${text}' is not a selection; a depth goes with '+': '${text}+key' (upstream) or 'key+${text}' (downstream)`);
    }
    const split = splitAt(segments, ':');
    if (split) return parseFilter(token, split);
    const m = textMatcher(segments);
    return m.regex ? { type: 'pattern', pattern: m, pos: token.pos } : { type: 'key', key: m.text, pos: token.pos };
  };

  if (peek().kind === 'eof') return expectedSelection(peek());
  const tree = parseOr();
  if (peek().kind !== 'eof') unexpectedAfterSelection(peek());
  return tree;
}
