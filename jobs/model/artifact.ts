/**
 * The recommender model as saved in the lake (`model/recommender/model.json`): feature
 * vocabularies, scalers and factor vectors. Trainers (TypeScript embedded, PySpark on EMR) write it;
 * serving reads it to embed customers the index does not know.
 *
 * A user's or item's embedding is the sum of its active features' factor vectors (one-hot
 * categories, scaled numbers times their factor), so a new customer is embedded from features
 * alone. The item bias is appended as one more dimension and users get a constant 1 there, so
 * `user . item = sum(factors) + itemBias`: ranking is a pure inner product.
 */

export const MODEL_FORMAT = 'headwater-recommender/v1';

/** A numeric feature standardized as (x - mean) / std. */
export interface NumericFeature {
  readonly name: string;
  readonly mean: number;
  readonly std: number;
}

/** One side (users or items) of the model. */
export interface FeatureSide {
  /** Categorical features and their vocabularies, e.g. `{ country: ['France', 'USA'] }`. */
  readonly categorical: Readonly<Record<string, readonly string[]>>;
  readonly numeric: readonly NumericFeature[];
  /**
   * Factor rows, one per feature slot in this order: for each categorical feature (in
   * `Object.keys(categorical)` order) one row per vocabulary value then one for "unknown value",
   * then one row per numeric feature.
   */
  readonly factors: readonly (readonly number[])[];
}

/** Per-item-feature biases in the same slot order as `item.factors`, plus a global bias. */
export interface ModelArtifact {
  readonly format: typeof MODEL_FORMAT;
  readonly factors: number;
  /** factors + 1 (the bias dimension). */
  readonly dimension: number;
  readonly globalBias: number;
  readonly user: FeatureSide;
  readonly item: FeatureSide & { readonly bias: readonly number[] };
  readonly trainedAt: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Feature values of one entity: strings for categorical features, numbers for numeric ones. */
export type FeatureValues = Readonly<Record<string, string | number | null | undefined>>;

/** Value -> position maps of each categorical vocabulary, built once per loaded model side. */
const vocabularyIndex = new WeakMap<FeatureSide, ReadonlyMap<string, number>[]>();

function lookups(side: FeatureSide): ReadonlyMap<string, number>[] {
  let maps = vocabularyIndex.get(side);
  if (!maps) {
    maps = Object.values(side.categorical).map((vocab) => new Map(vocab.map((v, i) => [v, i] as const)));
    vocabularyIndex.set(side, maps);
  }
  return maps;
}

/** A feature value as a finite number (numbers and numeric strings, e.g. decimals), or undefined. */
export function numericValue(raw: unknown): number | undefined {
  const x = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(x) ? x : undefined;
}

/** A numeric value as the model sees it: standardized, and 0 (the mean) when missing. */
export function scaleNumeric(f: NumericFeature, raw: unknown): number {
  const x = numericValue(raw);
  return x === undefined ? 0 : (x - f.mean) / (f.std || 1);
}

/**
 * Slot weights of an entity: which factor rows are active and with what weight. Unknown or
 * missing categories take their feature's "unknown value" slot; missing numbers weigh 0.
 */
export function activeSlots(side: FeatureSide, values: FeatureValues): [slot: number, weight: number][] {
  const out: [number, number][] = [];
  const maps = lookups(side);
  let slot = 0;
  Object.entries(side.categorical).forEach(([name, vocab], f) => {
    const v = values[name];
    const i = v === null || v === undefined ? undefined : maps[f].get(String(v));
    out.push([slot + (i ?? vocab.length), 1]);
    slot += vocab.length + 1;
  });
  for (const f of side.numeric) {
    const x = scaleNumeric(f, values[f.name]);
    if (x !== 0) out.push([slot, x]);
    slot++;
  }
  return out;
}

/** Number of factor rows of a side: one per vocabulary value, one unknown per categorical, one per numeric. */
export function slotCount(side: Pick<FeatureSide, 'categorical' | 'numeric'>): number {
  return Object.values(side.categorical).reduce((n, vocab) => n + vocab.length + 1, 0) + side.numeric.length;
}

function embed(side: FeatureSide, values: FeatureValues, factors: number, last: (slots: [number, number][]) => number): Float32Array {
  const v = new Float32Array(factors + 1);
  const slots = activeSlots(side, values);
  for (const [slot, w] of slots) {
    const row = side.factors[slot];
    for (let k = 0; k < factors; k++) v[k] += w * row[k];
  }
  v[factors] = last(slots);
  return v;
}

/** A customer's embedding from features alone (cold start included): factors, then 1. */
export function embedUser(model: ModelArtifact, features: FeatureValues): Float32Array {
  return embed(model.user, features, model.factors, () => 1);
}

/** A product's embedding: factors, then its bias (global + per-feature biases). */
export function embedItem(model: ModelArtifact, features: FeatureValues): Float32Array {
  return embed(model.item, features, model.factors, (slots) => model.globalBias + slots.reduce((s, [slot, w]) => s + w * model.item.bias[slot], 0));
}

/** Validates a parsed model.json, returning an error message naming what is wrong. */
export function modelProblem(x: unknown): string | undefined {
  const m = x as Partial<ModelArtifact>;
  if (!m || typeof m !== 'object') return 'not a JSON object';
  if (m.format !== MODEL_FORMAT) return `format is '${String(m.format)}', expected '${MODEL_FORMAT}'`;
  if (!Number.isInteger(m.factors) || m.dimension !== (m.factors ?? 0) + 1) return 'dimension must be factors + 1';
  if (!m.user?.factors || !m.item?.factors || !m.item.bias) return 'user or item factors are missing';
  for (const [name, side] of [['user', m.user], ['item', m.item]] as const) {
    const rows = slotCount(side);
    if (side.factors.length !== rows) return `${name} has ${side.factors.length} factor rows, its features need ${rows}`;
    if (side.factors.some((r) => r.length !== m.factors)) return `${name} factor rows must have ${m.factors} values`;
  }
  if (m.item.bias.length !== m.item.factors.length) return `item has ${m.item.bias.length} biases for ${m.item.factors.length} feature slots`;
  return undefined;
}
