/**
 * Feature vocabularies and the sparse encoding the trainer works on. The slot order is the one
 * `artifact.ts` documents (categoricals in schema order, each vocabulary then its "unknown"
 * slot, then numerics), so what the trainer learns is what `embedUser`/`embedItem` rebuild.
 */
import { numericValue, scaleNumeric, type FeatureValues, type NumericFeature } from './artifact';

/** Which columns of an entity are categorical and which numeric. */
export interface FeatureSchema {
  readonly categorical: readonly string[];
  readonly numeric: readonly string[];
}

/** Customer features (training-set / raw/customers column names). */
export const USER_FEATURES: FeatureSchema = { categorical: ['city', 'country'], numeric: ['creditLimit'] };

/**
 * The product's identity, a categorical feature like the others (the LightFM way): it lets the
 * model learn each product's own popularity and quality, which its other features cannot tell,
 * while a new product (unknown code) is still embedded from its line, scale, vendor and prices.
 */
export const ITEM_ID_FEATURE = 'productCode';

/** Product features (raw/products column names; the vendor is not in the 13-column training set). */
export const ITEM_FEATURES: FeatureSchema = {
  categorical: [ITEM_ID_FEATURE, 'productLine', 'productScale', 'productVendor'],
  numeric: ['buyPrice', 'MSRP', 'quantityInStock'],
};

/** A fitted vocabulary: what `FeatureSide` saves, minus the factors. */
export interface FeatureVocabulary {
  readonly categorical: Readonly<Record<string, readonly string[]>>;
  readonly numeric: readonly NumericFeature[];
  readonly slotCount: number;
  /** Slots that stand for "a value not seen in training" (they start at zero). */
  readonly unknownSlots: readonly number[];
}

/** Entities as a CSR matrix over slots: entity e uses slots[offsets[e]..offsets[e+1]) with weights. */
export interface EncodedEntities {
  readonly count: number;
  readonly offsets: Int32Array;
  readonly slots: Int32Array;
  readonly weights: Float32Array;
}

/**
 * Fits vocabularies (sorted, so the model does not depend on row order) and standard scalers
 * over the entities. Categories seen on fewer than `minCount` entities fold into "unknown",
 * which then learns what a rare value looks like instead of staying untrained.
 */
export function fitVocabulary(schema: FeatureSchema, entities: readonly FeatureValues[], minCount = 1): FeatureVocabulary {
  const categorical: Record<string, string[]> = {};
  const unknownSlots: number[] = [];
  let slot = 0;
  for (const name of schema.categorical) {
    const counts = new Map<string, number>();
    for (const e of entities) {
      const v = e[name];
      if (v !== null && v !== undefined) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    }
    const vocab = [...counts].filter(([, n]) => n >= minCount).map(([v]) => v).sort();
    categorical[name] = vocab;
    slot += vocab.length;
    unknownSlots.push(slot++);
  }
  const numeric = schema.numeric.map((name): NumericFeature => {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const e of entities) {
      const x = numericValue(e[name]);
      if (x === undefined) continue;
      n++;
      sum += x;
      sq += x * x;
    }
    const mean = n > 0 ? sum / n : 0;
    const std = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
    return { name, mean, std: std > 1e-12 ? std : 1 };
  });
  return { categorical, numeric, slotCount: slot + numeric.length, unknownSlots };
}

/** Encodes entities into the CSR slot matrix (same rules as `activeSlots` in artifact.ts, with hash lookups). */
export function encodeEntities(vocab: FeatureVocabulary, entities: readonly FeatureValues[]): EncodedEntities {
  const cats = Object.entries(vocab.categorical).map(([name, values]) => ({ name, size: values.length, index: new Map(values.map((v, i) => [v, i] as const)) }));
  const perEntity = cats.length + vocab.numeric.length;
  const offsets = new Int32Array(entities.length + 1);
  const slots = new Int32Array(entities.length * perEntity);
  const weights = new Float32Array(entities.length * perEntity);
  let n = 0;
  entities.forEach((e, row) => {
    let base = 0;
    for (const c of cats) {
      const v = e[c.name];
      const i = v === null || v === undefined ? undefined : c.index.get(String(v));
      slots[n] = base + (i ?? c.size);
      weights[n++] = 1;
      base += c.size + 1;
    }
    for (const f of vocab.numeric) {
      const x = scaleNumeric(f, e[f.name]);
      if (x !== 0) {
        slots[n] = base;
        weights[n++] = x;
      }
      base++;
    }
    offsets[row + 1] = n;
  });
  return { count: entities.length, offsets, slots: slots.subarray(0, n), weights: weights.subarray(0, n) };
}
