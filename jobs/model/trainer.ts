/**
 * The embedded recommender trainer (the local face of `model/recommender`; the EMR job runs the
 * PySpark equivalent): fits feature vocabularies, trains the factorization on everything before
 * the hold-out, scores model and popularity on the hold-out, then refits on all ratings and
 * returns the saved model (artifact.ts) with its metrics.
 */
import { MODEL_FORMAT, embedItem, embedUser, type FeatureSide, type FeatureValues, type ModelArtifact } from './artifact';
import type { TrainingData } from './dataset';
import { trainFactorization, type FactorParameters } from './factorization';
import { ITEM_FEATURES, ITEM_ID_FEATURE, USER_FEATURES, encodeEntities, fitVocabulary, type EncodedEntities, type FeatureVocabulary } from './features';
import { RELEVANT_RATING, evaluateRanking, holdoutUsers, itemsByUser, popularityScores, splitByTime, type RankingMetrics, type UserItems } from './metrics';
import { seededRandom } from '../seeded-random';

/** Training parameters (the `params` of the asset's emr-spark settings). */
export interface RecommenderParams {
  readonly factors: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly regularization: number;
  /** The last `holdoutDays` days of ratings are the evaluation hold-out. */
  readonly holdoutDays: number;
  readonly seed: number;
  /** Liked pairs per optimizer step; 0 = automatic (about 16 steps per epoch, 1024 to 4096 pairs). */
  readonly batchSize: number;
  /**
   * Liked ratings visited per fit at most: on large data fewer passes than `epochs` suffice (the
   * model has thousands of parameters, not millions), so epochs shrink to stay within it.
   */
  readonly sampleBudget: number;
  /** Hold-out customers evaluated at most (a seeded sample beyond that). */
  readonly maxEvalUsers: number;
  /** Retrain on all ratings (hold-out included) for the saved model once evaluated. */
  readonly refit: boolean;
  /** 0: sampled softmax over the catalog; 1: BPR (pairwise). */
  readonly objective: number;
  /** Items sampled per user for the softmax. */
  readonly negatives: number;
  /** Categories on fewer entities than this share the "unknown value" slot. */
  readonly minCategoryCount: number;
}

export const DEFAULT_RECOMMENDER_PARAMS: RecommenderParams = {
  factors: 32,
  epochs: 30,
  learningRate: 0.05,
  regularization: 0.01,
  holdoutDays: 7,
  seed: 42,
  batchSize: 0,
  sampleBudget: 3_000_000,
  maxEvalUsers: 5000,
  refit: true,
  minCategoryCount: 1,
  objective: 0,
  negatives: 32,
};

/** Reads parameters from asset settings (strings from a CLI are accepted), rejecting unknown or bad values. */
export function recommenderParams(raw: Readonly<Record<string, unknown>> = {}): RecommenderParams {
  const out: Record<string, number | boolean> = { ...DEFAULT_RECOMMENDER_PARAMS };
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in DEFAULT_RECOMMENDER_PARAMS)) {
      throw new Error(`unknown recommender parameter '${name}'; known: ${Object.keys(DEFAULT_RECOMMENDER_PARAMS).join(', ')}`);
    }
    const expected = typeof out[name];
    if (expected === 'boolean') {
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') throw new Error(`recommender parameter '${name}' must be true or false, got '${String(value)}'`);
      out[name] = value === true || value === 'true';
    } else {
      const x = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(x) || x < 0) throw new Error(`recommender parameter '${name}' must be a non-negative number, got '${String(value)}'`);
      out[name] = x;
    }
  }
  const p = out as unknown as RecommenderParams;
  if (!Number.isInteger(p.factors) || p.factors < 1) throw new Error(`recommender parameter 'factors' must be a positive integer, got ${p.factors}`);
  return p;
}

/** Passes over `liked` pairs: `epochs`, fewer when that would exceed the sample budget, at least one. */
export function epochsWithin(p: RecommenderParams, liked: number): number {
  if (p.sampleBudget <= 0 || liked === 0) return p.epochs;
  return Math.max(1, Math.min(p.epochs, Math.floor(p.sampleBudget / liked)));
}

/** Metrics recorded as materialization metadata (and saved in model.json). */
export interface RecommenderMetrics {
  readonly recallAt10: number;
  readonly ndcgAt10: number;
  readonly baselineRecallAt10: number;
  readonly baselineNdcgAt10: number;
  /** Hold-out customers the metrics average over. */
  readonly evalUsers: number;
  readonly rows: number;
  readonly trainRows: number;
  readonly holdoutRows: number;
  readonly users: number;
  readonly items: number;
  /** Wall time of fitting, evaluating and refitting. */
  readonly trainMs: number;
  /** Mean loss of the last epoch of the saved model. */
  readonly finalLoss: number;
  /** Passes over the liked ratings (the `epochs` parameter, fewer under the sample budget). */
  readonly epochs: number;
}

export interface TrainedRecommender {
  readonly model: ModelArtifact;
  readonly metrics: RecommenderMetrics;
  /** First day of the hold-out, `YYYY-MM-DD`. */
  readonly holdoutFrom: string;
}

/** Trains the recommender on `data` (see the module comment); deterministic given `params.seed`. */
export function trainRecommender(data: TrainingData, params: Partial<RecommenderParams> = {}): TrainedRecommender {
  const p = { ...DEFAULT_RECOMMENDER_PARAMS, ...params };
  const started = performance.now();
  const { ratings } = data;
  if (ratings.length === 0) throw new Error('the training set has no ratings; materialize training/ratings_ml_training with data first');
  const random = seededRandom(p.seed);
  const userVocab = fitVocabulary(USER_FEATURES, data.users.features, p.minCategoryCount);
  const itemVocab = fitVocabulary(ITEM_FEATURES, data.items.features, p.minCategoryCount);
  const users = encodeEntities(userVocab, data.users.features);
  const items = encodeEntities(itemVocab, data.items.features);

  const split = splitByTime(ratings, p.holdoutDays);
  if (split.train.length === 0) {
    throw new Error(`all ${ratings.length} ratings fall in the ${p.holdoutDays}-day hold-out, so nothing is left to train on; load more days of ratings or lower the holdoutDays parameter`);
  }
  const fit = (indexes: Int32Array): FactorParameters => {
    const liked = itemsByUser(ratings, indexes, users.count, (r) => ratings.rating[r] >= RELEVANT_RATING);
    return trainFactorization(users, items, userVocab.slotCount, itemVocab.slotCount, liked, {
      factors: p.factors,
      epochs: epochsWithin(p, liked.items.length),
      learningRate: p.learningRate,
      regularization: p.regularization,
      objective: p.objective === 1 ? 'bpr' : 'softmax',
      negatives: p.negatives,
      batchSize: p.batchSize > 0 ? p.batchSize : Math.min(4096, Math.max(1024, Math.ceil(liked.items.length / 16))),
      random,
      zeroUserSlots: userVocab.unknownSlots,
      zeroItemSlots: itemVocab.unknownSlots,
      initialItemBias: logPopularityBias(liked, items, itemVocab),
    });
  };

  const evaluated = fit(split.train);
  const relevant = itemsByUser(ratings, split.holdout, users.count, (r) => ratings.rating[r] >= RELEVANT_RATING);
  const ev = {
    users: holdoutUsers(relevant, users.count, p.maxEvalUsers, random),
    relevant,
    seen: itemsByUser(ratings, split.train, users.count),
    itemCount: items.count,
    k: 10,
  };
  const model = scoreModel(evaluated, users, items);
  const modelMetrics = evaluateRanking(ev, model);
  const popularity = popularityScores(ratings, split.train, items.count);
  const baseline: RankingMetrics = evaluateRanking(ev, (_u, out) => out.set(popularity));

  const final = p.refit && split.holdout.length > 0 ? fit(Int32Array.from({ length: ratings.length }, (_, r) => r)) : evaluated;
  const trainMs = Math.round(performance.now() - started);
  const metrics: RecommenderMetrics = {
    recallAt10: modelMetrics.recallAt10,
    ndcgAt10: modelMetrics.ndcgAt10,
    baselineRecallAt10: baseline.recallAt10,
    baselineNdcgAt10: baseline.ndcgAt10,
    evalUsers: modelMetrics.users,
    rows: ratings.length,
    trainRows: split.train.length,
    holdoutRows: split.holdout.length,
    users: users.count,
    items: items.count,
    trainMs,
    finalLoss: final.epochLoss.at(-1) ?? 0,
    epochs: final.epochLoss.length,
  };
  return {
    model: toArtifact(final, userVocab, itemVocab, metrics),
    metrics,
    holdoutFrom: new Date(split.cutoffDay * 86_400_000).toISOString().slice(0, 10),
  };
}

/**
 * Item slot biases that start the model at "log popularity": each product's identity slot gets
 * log(1 + liked count), centred. The softmax optimum without preferences is exactly that, and
 * Adam's bounded steps would otherwise need thousands of steps to climb a Zipf head.
 */
function logPopularityBias(liked: UserItems, items: EncodedEntities, vocab: FeatureVocabulary): Float32Array {
  const bias = new Float32Array(vocab.slotCount);
  const idSlots = vocab.categorical[ITEM_ID_FEATURE];
  if (!idSlots || items.count === 0) return bias;
  const counts = new Float64Array(items.count);
  for (const i of liked.items) counts[i]++;
  const logs = Array.from(counts, (c) => Math.log1p(c));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  // The identity feature comes first, so its slot is the item's first active slot.
  for (let i = 0; i < items.count; i++) bias[items.slots[items.offsets[i]]] += logs[i] - mean;
  return bias;
}

/** A scorer over all items for the evaluation: item embeddings computed once, the user's on demand. */
function scoreModel(fp: FactorParameters, users: EncodedEntities, items: EncodedEntities): (u: number, out: Float32Array) => void {
  const k = fp.factors;
  const ie = entityMatrix(items, fp.itemFactors, k);
  const bias = new Float32Array(items.count);
  for (let i = 0; i < items.count; i++) {
    for (let p = items.offsets[i]; p < items.offsets[i + 1]; p++) bias[i] += items.weights[p] * fp.itemBias[items.slots[p]];
  }
  const ue = new Float32Array(k);
  return (u, out) => {
    ue.fill(0);
    for (let p = users.offsets[u]; p < users.offsets[u + 1]; p++) {
      const s = users.slots[p] * k;
      for (let f = 0; f < k; f++) ue[f] += users.weights[p] * fp.userFactors[s + f];
    }
    for (let i = 0; i < items.count; i++) {
      let s = bias[i];
      const o = i * k;
      for (let f = 0; f < k; f++) s += ue[f] * ie[o + f];
      out[i] = s;
    }
  };
}

function entityMatrix(enc: EncodedEntities, w: Float32Array, k: number): Float32Array {
  const out = new Float32Array(enc.count * k);
  for (let e = 0; e < enc.count; e++) {
    for (let p = enc.offsets[e]; p < enc.offsets[e + 1]; p++) {
      const s = enc.slots[p] * k;
      for (let f = 0; f < k; f++) out[e * k + f] += enc.weights[p] * w[s + f];
    }
  }
  return out;
}

/** 7 significant digits: float32 precision, and a model.json a third of the size. */
const round = (x: number): number => Number(x.toPrecision(7));

function side(vocab: FeatureVocabulary, w: Float32Array, k: number): FeatureSide {
  const factors = Array.from({ length: vocab.slotCount }, (_, s) => Array.from(w.subarray(s * k, (s + 1) * k), round));
  return { categorical: vocab.categorical, numeric: vocab.numeric, factors };
}

function toArtifact(fp: FactorParameters, userVocab: FeatureVocabulary, itemVocab: FeatureVocabulary, metrics: RecommenderMetrics): ModelArtifact {
  return {
    format: MODEL_FORMAT,
    factors: fp.factors,
    dimension: fp.factors + 1,
    // Ranking objectives learn only differences between items, so there is no global level to save.
    globalBias: 0,
    user: side(userVocab, fp.userFactors, fp.factors),
    item: { ...side(itemVocab, fp.itemFactors, fp.factors), bias: Array.from(fp.itemBias, round) },
    trainedAt: new Date().toISOString(),
    metrics: { ...metrics },
  };
}

/** Embeddings of every entity of a side, row-major (`dimension` wide), exactly as serving computes them. */
export function embedEntities(model: ModelArtifact, entity: 'user' | 'item', features: readonly FeatureValues[]): Float32Array {
  const out = new Float32Array(features.length * model.dimension);
  const embed = entity === 'user' ? embedUser : embedItem;
  features.forEach((f, e) => out.set(embed(model, f), e * model.dimension));
  return out;
}
