/** The parsed form of a selection expression. Positions point into the expression, for error carets. */

/** Exact or wildcard (`*`) text matching; quoted parts of a pattern never act as wildcards. */
export interface TextMatcher {
  /** The text as written, quotes removed. */
  readonly text: string;
  /** Set when the text holds a wildcard. */
  readonly regex?: RegExp;
}

export type FilterField = 'group' | 'kind' | 'owner' | 'category';

export type SelectionNode =
  | { readonly type: 'key'; readonly key: string; readonly pos: number }
  | { readonly type: 'pattern'; readonly pattern: TextMatcher; readonly pos: number }
  | { readonly type: 'filter'; readonly field: FilterField; readonly value: TextMatcher; readonly pos: number }
  /** `tag:name` (has the tag) or `tag:name=value`. */
  | { readonly type: 'tag'; readonly name: TextMatcher; readonly value?: TextMatcher; readonly pos: number }
  | { readonly type: 'and' | 'or'; readonly left: SelectionNode; readonly right: SelectionNode }
  | { readonly type: 'not'; readonly operand: SelectionNode }
  /** `N+x+M`: x plus up to `up` levels upstream and `down` levels downstream (Infinity = all; 0 = none). */
  | { readonly type: 'traverse'; readonly operand: SelectionNode; readonly up: number; readonly down: number }
  /** `roots(x)` / `sinks(x)`; without an operand, the whole graph. */
  | { readonly type: 'roots' | 'sinks'; readonly operand?: SelectionNode };

/** True when `matcher` accepts `s`. */
export function matchesText(matcher: TextMatcher, s: string): boolean {
  return matcher.regex ? matcher.regex.test(s) : matcher.text === s;
}
