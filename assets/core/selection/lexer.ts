/**
 * Splits a selection expression into tokens. Words are maximal runs of anything but blanks,
 * parentheses, quotes, `+` and `,`, so keys (`raw/customers`), owners (`team:ml`) and kinds
 * (`glue-sql`) need no quoting. Quoted parts glue onto the word they touch (`tag:slo="p99 1s"`),
 * shell style, and stay literal: no keyword, filter or wildcard meaning.
 */
import { SelectionError } from './error';

/** A piece of a word: bare text, or the contents of one quoted string. */
export interface Segment {
  readonly text: string;
  readonly quoted: boolean;
  /** Source index of the segment's first character (after the quote when quoted). */
  readonly pos: number;
}

export type Token =
  | { readonly kind: 'word'; readonly segments: readonly Segment[]; readonly pos: number; readonly end: number }
  | {
      readonly kind: 'plus';
      readonly pos: number;
      readonly end: number;
      /** Levels to walk; undefined means all of them. */
      readonly depth?: number;
      /** Where the depth was written: `2+` (before, an upstream prefix) or `+2` (after, a downstream suffix). */
      readonly depthSide?: 'before' | 'after';
    }
  | { readonly kind: 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'comma' | 'eof'; readonly pos: number; readonly end: number };

const DELIMITER = /[\s()"'+,]/;
const KEYWORDS = new Set(['and', 'or', 'not']);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const endsWord = (c: string | undefined): boolean => c === undefined || DELIMITER.test(c);

/** The word's text with quotes removed. */
export const wordText = (segments: readonly Segment[]): string => segments.map((s) => s.text).join('');

/** Tokenizes `expression`; throws a `SelectionError` at an unterminated quote. */
export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = expression.length;
  while (i < n) {
    const c = expression[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', pos: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '+') {
      // `+2` is a downstream depth only when the digits end there (`key+2`, `key+2)`).
      let j = i + 1;
      while (isDigit(expression[j])) j++;
      if (j > i + 1 && endsWord(expression[j])) {
        tokens.push({ kind: 'plus', pos: i, end: j, depth: Number(expression.slice(i + 1, j)), depthSide: 'after' });
        i = j;
      } else {
        tokens.push({ kind: 'plus', pos: i, end: i + 1 });
        i++;
      }
      continue;
    }
    if (isDigit(c)) {
      // `2+key`: digits directly followed by '+' are an upstream depth, not a word.
      let j = i;
      while (isDigit(expression[j])) j++;
      if (expression[j] === '+') {
        tokens.push({ kind: 'plus', pos: i, end: j + 1, depth: Number(expression.slice(i, j)), depthSide: 'before' });
        i = j + 1;
        continue;
      }
    }
    const start = i;
    const segments: Segment[] = [];
    while (i < n && !/[\s()+,]/.test(expression[i])) {
      const q = expression[i];
      if (q === '"' || q === "'") {
        let text = '';
        let j = i + 1;
        while (j < n && expression[j] !== q) {
          // A backslash keeps the next character literal, so quotes can appear inside quotes.
          if (expression[j] === '\\' && j + 1 < n) j++;
          text += expression[j];
          j++;
        }
        if (j >= n) {
          throw new SelectionError(expression, i, `unterminated quote: add a closing ${q} to end the quoted key`);
        }
        segments.push({ text, quoted: true, pos: i + 1 });
        i = j + 1;
      } else {
        let j = i;
        while (j < n && !DELIMITER.test(expression[j])) j++;
        segments.push({ text: expression.slice(i, j), quoted: false, pos: i });
        i = j;
      }
    }
    const bare = segments.length === 1 && !segments[0].quoted ? segments[0].text.toLowerCase() : undefined;
    if (bare !== undefined && KEYWORDS.has(bare)) {
      tokens.push({ kind: bare as 'and' | 'or' | 'not', pos: start, end: i });
    } else {
      tokens.push({ kind: 'word', segments, pos: start, end: i });
    }
  }
  tokens.push({ kind: 'eof', pos: n, end: n });
  return tokens;
}
