/** Asset keys are `zone/name`: lower snake case, one slash. They become lake prefixes and resource names. */
const KEY = /^[a-z][a-z0-9_]*\/[a-z][a-z0-9_]*$/;

/** Why `key` is not a valid asset key, or undefined. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'an asset needs a key such as "raw/customers"';
  if (!KEY.test(key)) {
    return `'${key}' is not a valid key: write 'zone/name' in lower snake case (letters, digits, '_'), for example 'raw/customers'`;
  }
  if (key.length > 100) return `'${key}' is longer than 100 characters; AWS resource names derived from it would be truncated`;
  return undefined;
}

/** Levenshtein distance, bounded: returns max + 1 as soon as the distance exceeds max. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The closest known key to `key`, for "did you mean" hints; undefined when nothing is close. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3));
  const name = key.split('/').pop();
  for (const k of known) {
    // The same name in another zone is almost always what was meant.
    if (name && k.split('/').pop() === name) return k;
    const d = editDistance(key, k, bestDistance);
    if (d <= bestDistance && (d < bestDistance || best === undefined)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The closest of `known` to `name` (a column, a table, an option), for "did you mean" hints: the
 * same name in another case first, else the nearest by edit distance; undefined when nothing is close.
 */
export function suggestName(name: string, known: Iterable<string>): string | undefined {
  const all = [...known];
  const folded = all.find((k) => k.toLowerCase() === name.toLowerCase());
  if (folded) return folded;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3));
  for (const k of all) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase(), bestDistance);
    if (d <= bestDistance && (d < bestDistance || best === undefined)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}
