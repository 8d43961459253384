/**
 * Seeded pseudo-random numbers, so that generated data, training and benchmarks are reproducible
 * given a seed. One generator serves them all.
 */

/** mulberry32: 32-bit state, fast, good enough for synthetic data, sampling and initialization. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** mulberry32 with the seed scrambled first, so small seeds (0, 1, 2) start far apart: the trainer's. */
export const seededRandom = (seed: number): (() => number) => mulberry32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);

/** Shuffles `a` in place (Fisher-Yates) with `random`. */
export function shuffleInPlace(a: Int32Array, random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
