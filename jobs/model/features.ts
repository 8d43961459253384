/**
 * Feature vocabularies and the sparse encoding the trainer works on. The slot order is the one
 * `artifact.ts` documents (features in schema order; a categorical or multi feature's vocabulary
 * then its "unknown" slot; one slot per numeric), so what the trainer learns is what
 * `embedUser`/`embedItem` rebuild. Id slots (the hybrid's one row per known id) come after the
 * feature slots and are never saved in model.json.
 */
import type { ModelEntity, RecommenderModel } from '../../assets/kinds';
import { activeSlots, categoryValue, multiValues, numericValue, type EntitySchema, type FeatureValues, type FittedFeature, type ModelSchema } from './artifact';

/** A side's schema (model.json `schema.user` / `.item`) from its declaration. */
export function entitySchema(e: ModelEntity): EntitySchema {
  return {
    field: e.field,
    idType: e.idType,
    idEmbedding: e.idEmbedding,
    features: e.features.map((f) => ({ column: f.column, field: f.field ?? f.column, type: f.type, ...(f.type === 'multi' ? { separator: f.separator ?? '|' } : {}) })),
  };
}

/** model.json's `schema` from the declaration. */
export const modelSchema = (m: RecommenderModel): ModelSchema => ({ user: entitySchema(m.users), item: entitySchema(m.items) });

/** A fitted vocabulary: the side's features with their vocabularies and scalers, minus the factors. */
export interface FeatureVocabulary {
  readonly features: readonly FittedFeature[];
  readonly slotCount: number;
  /** Slots that stand for "a value not seen in training" (they start at zero). */
  readonly unknownSlots: readonly number[];
  /** Separators of multi features, by column. */
  readonly separators: Readonly<Record<string, string | undefined>>;
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
export function fitVocabulary(schema: EntitySchema, entities: readonly FeatureValues[], minCount = 1): FeatureVocabulary {
  const unknownSlots: number[] = [];
  let slot = 0;
  const features = schema.features.map((f): FittedFeature => {
    if (f.type === 'numeric') {
      let n = 0;
      let sum = 0;
      let sq = 0;
      for (const e of entities) {
        const x = numericValue(e[f.column]);
        if (x === undefined) continue;
        n++;
        sum += x;
        sq += x * x;
      }
      const mean = n > 0 ? sum / n : 0;
      const std = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
      slot++;
      return { column: f.column, type: 'numeric', mean, std: std > 1e-12 ? std : 1 };
    }
    // Each entity counts a value once, so a list repeating a genre does not make it common.
    const counts = new Map<string, number>();
    for (const e of entities) {
      const values = f.type === 'multi' ? multiValues(e[f.column], f.separator) : [categoryValue(e[f.column])].filter((v): v is string => v !== undefined);
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const vocabulary = [...counts].filter(([, n]) => n >= minCount).map(([v]) => v).sort();
    slot += vocabulary.length;
    unknownSlots.push(slot++);
    return { column: f.column, type: f.type, vocabulary };
  });
  const separators = Object.fromEntries(schema.features.map((f) => [f.column, f.separator]));
  return { features, slotCount: slot, unknownSlots, separators };
}

/**
 * Encodes entities into the CSR slot matrix (the rules of `activeSlots` in artifact.ts). With
 * `idSlots`, entity e also uses slot `idSlots[e]` with weight 1 when it is not -1.
 */
export function encodeEntities(vocab: FeatureVocabulary, entities: readonly FeatureValues[], idSlots?: Int32Array): EncodedEntities {
  const side = { features: vocab.features, factors: [] };
  const offsets = new Int32Array(entities.length + 1);
  const slots: number[] = [];
  const weights: number[] = [];
  entities.forEach((e, row) => {
    for (const [s, w] of activeSlots(side, e, vocab.separators)) {
      slots.push(s);
      weights.push(w);
    }
    if (idSlots && idSlots[row] >= 0) {
      slots.push(idSlots[row]);
      weights.push(1);
    }
    offsets[row + 1] = slots.length;
  });
  return { count: entities.length, offsets, slots: Int32Array.from(slots), weights: Float32Array.from(weights) };
}
