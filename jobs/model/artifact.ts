/**
 * The recommender model as saved in the lake (`<model folder>/model.json`): its feature schema
 * (from the declaration), feature vocabularies, scalers and factor vectors. Both trainers
 * (TypeScript embedded, PySpark on EMR) write it; serving reads it to embed users the index does
 * not know, from whatever features the model declared.
 *
 * An embedding is the sum of the entity's active features' factor rows (a category: weight 1; a
 * list of categories: 1/n each; a number: its standardized value). Known entities also have an
 * id row (the hybrid, LightFM style), but id rows are not saved here: they live only in the
 * embeddings Parquet files (so erasing a person's row there erases what the model learned of
 * them, and model.json stays small at millions of users). The item bias is appended as one more
 * dimension and users get a constant 1 there, so `user . item = sum(factors) + itemBias`:
 * ranking is a pure inner product.
 */

export const MODEL_FORMAT = 'headwater-recommender/v2';

export type FeatureType = 'categorical' | 'numeric' | 'multi';

/** A feature as serving needs it: the column the model reads, the request field that feeds it. */
export interface SchemaFeature {
  readonly column: string;
  readonly field: string;
  readonly type: FeatureType;
  /** `multi` only: a string value is split on it. */
  readonly separator?: string;
}

/** One side's schema, from the declaration (`ModelEntity`). */
export interface EntitySchema {
  /** The id's name outside the lake (embeddings Parquet column, index documents, API). */
  readonly field: string;
  readonly idType: 'string' | 'integer';
  /** True when known entities carry an id row (their embeddings are in the index, not rebuilt from features). */
  readonly idEmbedding: boolean;
  readonly features: readonly SchemaFeature[];
}

/** `model.json`'s `schema`: what each side's features are called in the lake and outside it. */
export interface ModelSchema {
  readonly user: EntitySchema;
  readonly item: EntitySchema;
}

/** A fitted feature, in slot order (see `FeatureSide.factors`). */
export type FittedFeature =
  | { readonly column: string; readonly type: 'categorical' | 'multi'; readonly vocabulary: readonly string[] }
  | { readonly column: string; readonly type: 'numeric'; readonly mean: number; readonly std: number };

/** One side (users or items) of the model. */
export interface FeatureSide {
  /** The side's features, in the schema's order. */
  readonly features: readonly FittedFeature[];
  /**
   * Factor rows, one per feature slot in this order: for each feature in `features`, a
   * categorical or multi one has one row per vocabulary value then one for "unknown value", a
   * numeric one has one row.
   */
  readonly factors: readonly (readonly number[])[];
}

export interface ModelArtifact {
  readonly format: typeof MODEL_FORMAT;
  readonly factors: number;
  /** factors + 1 (the bias dimension). */
  readonly dimension: number;
  readonly globalBias: number;
  readonly schema: ModelSchema;
  readonly user: FeatureSide;
  /** `bias`: per item feature slot, in the order of `item.factors`. */
  readonly item: FeatureSide & { readonly bias: readonly number[] };
  readonly trainedAt: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/** A feature value: a category, a number, or a list of categories (or one string holding them). */
export type FeatureValue = string | number | bigint | boolean | readonly unknown[] | null | undefined;

/** Feature values of one entity, by column. */
export type FeatureValues = Readonly<Record<string, FeatureValue>>;

/** A feature value as a finite number (numbers and numeric strings, e.g. decimals), or undefined. */
export function numericValue(raw: unknown): number | undefined {
  const x = typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  return Number.isFinite(x) ? x : undefined;
}

/** A numeric value as the model sees it: standardized, and 0 (the mean) when missing. */
export function scaleNumeric(f: { readonly mean: number; readonly std: number }, raw: unknown): number {
  const x = numericValue(raw);
  return x === undefined ? 0 : (x - f.mean) / (f.std || 1);
}

/** A category as text (numbers and booleans too), or undefined when missing. */
export function categoryValue(raw: unknown): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const s = String(raw);
  return s === '' ? undefined : s;
}

/**
 * The categories of a multi-valued feature: an array's elements, or a string split on
 * `separator`; trimmed, empty ones dropped, each counted once, in first-seen order.
 */
export function multiValues(raw: unknown, separator = '|'): string[] {
  const parts = Array.isArray(raw) ? raw.map((x) => (x === null || x === undefined ? '' : String(x))) : typeof raw === 'string' ? raw.split(separator) : raw === null || raw === undefined ? [] : [String(raw)];
  return [...new Set(parts.map((p) => p.trim()).filter((p) => p !== ''))];
}

/** Value -> position maps of each feature's vocabulary, built once per loaded model side. */
const vocabularyIndex = new WeakMap<FeatureSide, (ReadonlyMap<string, number> | undefined)[]>();

function lookups(side: FeatureSide): (ReadonlyMap<string, number> | undefined)[] {
  let maps = vocabularyIndex.get(side);
  if (!maps) {
    maps = side.features.map((f) => (f.type === 'numeric' ? undefined : new Map(f.vocabulary.map((v, i) => [v, i] as const))));
    vocabularyIndex.set(side, maps);
  }
  return maps;
}

/** Factor rows a feature takes: its vocabulary and an "unknown value" row, or one for a number. */
export const featureSlots = (f: FittedFeature): number => (f.type === 'numeric' ? 1 : f.vocabulary.length + 1);

/** Number of factor rows of a side. */
export function slotCount(side: Pick<FeatureSide, 'features'>): number {
  return side.features.reduce((n, f) => n + featureSlots(f), 0);
}

/**
 * Slot weights of an entity: which factor rows are active and with what weight. A missing or
 * unknown category takes its feature's "unknown" slot; a list shares weight 1 among its values
 * (unknown ones on the unknown slot; an empty list is unknown); a missing number weighs 0.
 * `separators` gives each multi feature's separator, by column.
 */
export function activeSlots(side: FeatureSide, values: FeatureValues, separators: Readonly<Record<string, string | undefined>> = {}): [slot: number, weight: number][] {
  const out: [number, number][] = [];
  const maps = lookups(side);
  let base = 0;
  side.features.forEach((f, n) => {
    const raw = values[f.column];
    if (f.type === 'numeric') {
      const x = scaleNumeric(f, raw);
      if (x !== 0) out.push([base, x]);
    } else if (f.type === 'categorical') {
      const v = categoryValue(raw);
      const i = v === undefined ? undefined : maps[n]!.get(v);
      out.push([base + (i ?? f.vocabulary.length), 1]);
    } else {
      const list = multiValues(raw, separators[f.column]);
      if (list.length === 0) out.push([base + f.vocabulary.length, 1]);
      else {
        const weights = new Map<number, number>();
        for (const v of list) {
          const slot = base + (maps[n]!.get(v) ?? f.vocabulary.length);
          weights.set(slot, (weights.get(slot) ?? 0) + 1 / list.length);
        }
        out.push(...[...weights].sort((a, b) => a[0] - b[0]));
      }
    }
    base += featureSlots(f);
  });
  return out;
}

const separatorsOf = (schema: EntitySchema): Record<string, string | undefined> => Object.fromEntries(schema.features.map((f) => [f.column, f.separator]));

function embed(side: FeatureSide, values: FeatureValues, factors: number, separators: Record<string, string | undefined>, last: (slots: [number, number][]) => number): Float32Array {
  const v = new Float32Array(factors + 1);
  const slots = activeSlots(side, values, separators);
  for (const [slot, w] of slots) {
    const row = side.factors[slot];
    for (let k = 0; k < factors; k++) v[k] += w * row[k];
  }
  v[factors] = last(slots);
  return v;
}

/** A user's embedding from features alone (a new user), values by column: factors, then 1. */
export function embedUser(model: ModelArtifact, valuesByColumn: FeatureValues): Float32Array {
  return embed(model.user, valuesByColumn, model.factors, separatorsOf(model.schema.user), () => 1);
}

/** An item's embedding from features alone, values by column: factors, then its bias (global + per-feature biases). */
export function embedItem(model: ModelArtifact, valuesByColumn: FeatureValues): Float32Array {
  return embed(model.item, valuesByColumn, model.factors, separatorsOf(model.schema.item), (slots) => model.globalBias + slots.reduce((s, [slot, w]) => s + w * model.item.bias[slot], 0));
}

/** How a request or event field feeds the model: the column it stands for and its type. */
export interface RequestFeature {
  readonly column: string;
  readonly type: FeatureType;
  readonly separator?: string;
}

/** The user features serving accepts, by request field (the declaration's `field`, default the column). */
export function userFeatureFields(model: ModelArtifact): ReadonlyMap<string, RequestFeature> {
  return new Map(model.schema.user.features.map((f) => [f.field, { column: f.column, type: f.type, ...(f.separator !== undefined ? { separator: f.separator } : {}) }]));
}

/** Request values by field -> values by column, for `embedUser`; fields the model does not know are left out (validate them first). */
export function userValuesFromFields(model: ModelArtifact, byField: Readonly<Record<string, unknown>>): FeatureValues {
  const out: Record<string, FeatureValue> = {};
  for (const [field, f] of userFeatureFields(model)) if (byField[field] !== undefined) out[f.column] = byField[field] as FeatureValue;
  return out;
}

function schemaProblem(name: string, s: EntitySchema | undefined, side: FeatureSide): string | undefined {
  if (!s || typeof s.field !== 'string' || !Array.isArray(s.features)) return `schema.${name} must give field, idType, idEmbedding and features`;
  if (s.idType !== 'string' && s.idType !== 'integer') return `schema.${name}.idType must be 'string' or 'integer'`;
  if (!Array.isArray(side.features) || side.features.length !== s.features.length) return `${name} has ${side.features?.length ?? 0} fitted features, its schema ${s.features.length}`;
  for (const [i, f] of s.features.entries()) {
    const fitted = side.features[i];
    if (fitted.column !== f.column || fitted.type !== f.type) return `${name} feature ${i} is '${fitted.column}' (${fitted.type}) but the schema says '${f.column}' (${f.type})`;
  }
  return undefined;
}

/** Validates a parsed model.json, returning an error message naming what is wrong. */
export function modelProblem(x: unknown): string | undefined {
  const m = x as Partial<ModelArtifact>;
  if (!m || typeof m !== 'object') return 'not a JSON object';
  if (m.format !== MODEL_FORMAT) return `format is '${String(m.format)}', expected '${MODEL_FORMAT}' (retrain the model with this version)`;
  if (!Number.isInteger(m.factors) || m.dimension !== (m.factors ?? 0) + 1) return 'dimension must be factors + 1';
  if (!m.user?.factors || !m.item?.factors || !m.item.bias) return 'user or item factors are missing';
  if (!m.schema) return 'the feature schema is missing';
  for (const [name, side] of [['user', m.user], ['item', m.item]] as const) {
    const problem = schemaProblem(name, m.schema[name], side);
    if (problem) return problem;
    const rows = slotCount(side);
    if (side.factors.length !== rows) return `${name} has ${side.factors.length} factor rows, its features need ${rows}`;
    if (side.factors.some((r) => r.length !== m.factors)) return `${name} factor rows must have ${m.factors} values`;
  }
  if (m.item.bias.length !== m.item.factors.length) return `item has ${m.item.bias.length} biases for ${m.item.factors.length} feature slots`;
  return undefined;
}
