/** The draws the music generator makes, on top of the project's seeded uniform generator. */

/** A standard normal draw (Box-Muller, one of the pair). */
export function normal(random: () => number): number {
  const radius = Math.sqrt(-2 * Math.log(1 - random()));
  return radius * Math.cos(2 * Math.PI * random());
}

/** One element of `xs`, uniformly. */
export const oneOf = <T>(random: () => number, xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

/** Running sums of `weights`: the table `drawIndex` searches. */
export function cumulative(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i];
  return out;
}

/** An index drawn with probability proportional to its weight, given the running sums. */
export function drawIndex(sums: Float64Array, random: () => number): number {
  const target = random() * sums[sums.length - 1];
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sums[mid] <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
