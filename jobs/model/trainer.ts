/**
 * The embedded recommender trainer (the local face of an `emr-spark` asset declaring a model; EMR
 * runs the PySpark equivalent): fits the declared features' vocabularies, trains the hybrid
 * factorization (feature rows plus one row per known id) on everything before the hold-out,
 * scores model and popularity on the hold-out, overall and separately for users seen in training
 * and new users, then refits on all interactions and returns the saved model (artifact.ts), every
 * entity's embedding and the metrics.
 */
import type { RecommenderModel } from '../../assets/kinds';
import { MODEL_FORMAT, embedItem, embedUser, type FeatureSide, type FeatureValues, type ModelArtifact } from './artifact';
import type { TrainingData } from './dataset';
import { trainFactorization, type FactorParameters } from './factorization';
import { encodeEntities, entitySchema, fitVocabulary, modelSchema, type EncodedEntities, type FeatureVocabulary } from './features';
import { evaluateRanking, holdoutCandidates, itemsByUser, popularityScores, sampleUsers, splitByTime, type RankingMetrics, type UserItems } from './metrics';
import { seededRandom } from '../seeded-random';

/** Training parameters (the `params` of the asset's emr-spark settings). */
export interface RecommenderParams {
  readonly factors: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly regularization: number;
  readonly seed: number;
  /** Liked pairs per optimizer step; 0 = automatic (about 16 steps per epoch, 1024 to 4096 pairs). */
  readonly batchSize: number;
  /**
   * Liked ratings visited per fit at most: on large data fewer passes than `epochs` suffice (the
   * model has thousands of parameters, not millions), so epochs shrink to stay within it.
   */
  readonly sampleBudget: number;
  /** Hold-out users evaluated at most, among known and among new users each (a seeded sample beyond that). */
  readonly maxEvalUsers: number;
  /** Retrain on all ratings (hold-out included) for the saved model once evaluated. */
  readonly refit: boolean;
  /** 0: sampled softmax over the catalog; 1: BPR (pairwise). */
  readonly objective: number;
  /** Items sampled per user for the softmax. */
  readonly negatives: number;
  /** Categories on fewer entities than this share the "unknown value" slot. */
  readonly minCategoryCount: number;
  /**
   * L2 pull of an id row (the hybrid), once per optimizer step it takes part in: an entity with
   * little history keeps a small id row and is served mostly by its features. Measured (recall@10
   * of known users): on the reference data, driven by features, 10 keeps the features-only figure
   * (0.321 vs 0.329 at 100,000 ratings, 0.354 vs 0.354 at 2,000,000; 1: 0.275); on synthetic data
   * with a hidden taste features do not show (test/model/synthetic.ts), 10 gains 0.366 vs 0.357
   * and 3 gains 0.459, at a cost on the first.
   */
  readonly idRegularization: number;
}

export const DEFAULT_RECOMMENDER_PARAMS: RecommenderParams = {
  factors: 32,
  epochs: 30,
  learningRate: 0.05,
  regularization: 0.01,
  seed: 42,
  batchSize: 0,
  sampleBudget: 3_000_000,
  maxEvalUsers: 5000,
  refit: true,
  minCategoryCount: 1,
  objective: 0,
  negatives: 32,
  idRegularization: 10,
};

/** Settings that were parameters and are now part of the model declaration. */
const MOVED_TO_MODEL = ['holdoutDays'];

/** Reads parameters from asset settings (strings from a CLI are accepted), rejecting unknown or bad values. */
export function recommenderParams(raw: Readonly<Record<string, unknown>> = {}): RecommenderParams {
  const out: Record<string, number | boolean> = { ...DEFAULT_RECOMMENDER_PARAMS };
  for (const [name, value] of Object.entries(raw)) {
    if (MOVED_TO_MODEL.includes(name)) throw new Error(`recommender parameter '${name}' is declared on the model now: recommenderModel({ ..., ${name}: ${String(value)} })`);
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
  /** Over every evaluated hold-out user (known and new, each group weighted by its size). */
  readonly recallAt10: number;
  readonly ndcgAt10: number;
  readonly baselineRecallAt10: number;
  readonly baselineNdcgAt10: number;
  /** Hold-out users with interactions before the hold-out: the model has their history. Absent when there are none. */
  readonly recallAt10Known?: number;
  readonly ndcgAt10Known?: number;
  readonly baselineRecallAt10Known?: number;
  readonly baselineNdcgAt10Known?: number;
  /** Hold-out users with none before it: the model has only their features. Absent when there are none. */
  readonly recallAt10New?: number;
  readonly ndcgAt10New?: number;
  readonly baselineRecallAt10New?: number;
  readonly baselineNdcgAt10New?: number;
  /** Hold-out users the metrics average over, and of them known and new ones. */
  readonly evalUsers: number;
  readonly evalUsersKnown: number;
  readonly evalUsersNew: number;
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
  /** Every user's embedding (in `data.users` order, `dimension` wide): id row included when known. */
  readonly userEmbeddings: Float32Array;
  /** Every item's embedding, bias last (in `data.items` order). */
  readonly itemEmbeddings: Float32Array;
}

/** One fit: the learned rows and the encodings (features, then id slots) it learned them on. */
interface Fit {
  readonly params: FactorParameters;
  readonly users: EncodedEntities;
  readonly items: EncodedEntities;
}

/**
 * Id slots of a side for a fit: entity e gets `base + n` when it has an interaction among the
 * fit's ratings (its history), else -1. None when the side declares no id embedding.
 */
function idSlots(enabled: boolean, count: number, base: number, entityOf: Int32Array, indexes: Int32Array): Int32Array {
  const slots = new Int32Array(count).fill(-1);
  if (!enabled) return slots;
  const seen = new Uint8Array(count);
  for (const r of indexes) seen[entityOf[r]] = 1;
  let n = 0;
  for (let e = 0; e < count; e++) if (seen[e]) slots[e] = base + n++;
  return slots;
}

/** Trains the declared recommender on `data` (see the module comment); deterministic given `params.seed`. */
export function trainRecommender(data: TrainingData, declaration: RecommenderModel, params: Partial<RecommenderParams> = {}): TrainedRecommender {
  const p = { ...DEFAULT_RECOMMENDER_PARAMS, ...params };
  const started = performance.now();
  const { ratings } = data;
  const minRating = declaration.liked.minRating;
  if (ratings.length === 0) throw new Error(`the interactions (${declaration.interactions.asset}) hold no rows; materialize ${declaration.interactions.asset} with data first`);
  const random = seededRandom(p.seed);
  const userVocab = fitVocabulary(entitySchema(declaration.users), data.users.features, p.minCategoryCount);
  const itemVocab = fitVocabulary(entitySchema(declaration.items), data.items.features, p.minCategoryCount);
  const nUsers = data.users.ids.length;
  const nItems = data.items.ids.length;

  const split = splitByTime(ratings, declaration.holdoutDays);
  if (split.train.length === 0) {
    throw new Error(
      `all ${ratings.length} interactions fall in the ${declaration.holdoutDays}-day hold-out, so nothing is left to train on; ` +
        'load more days of interactions or lower holdoutDays in the model declaration',
    );
  }
  const fit = (indexes: Int32Array): Fit => {
    const uIds = idSlots(declaration.users.idEmbedding, nUsers, userVocab.slotCount, ratings.user, indexes);
    const iIds = idSlots(declaration.items.idEmbedding, nItems, itemVocab.slotCount, ratings.item, indexes);
    const users = encodeEntities(userVocab, data.users.features, uIds);
    const items = encodeEntities(itemVocab, data.items.features, iIds);
    const userSlots = userVocab.slotCount + uIds.reduce((n, s) => n + (s >= 0 ? 1 : 0), 0);
    const itemSlots = itemVocab.slotCount + iIds.reduce((n, s) => n + (s >= 0 ? 1 : 0), 0);
    const liked = itemsByUser(ratings, indexes, nUsers, (r) => ratings.rating[r] >= minRating);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const learned = trainFactorization(users, items, userSlots, itemSlots, liked, {
      factors: p.factors,
      epochs: epochsWithin(p, liked.items.length),
      learningRate: p.learningRate,
      regularization: p.regularization,
      objective: p.objective === 1 ? 'bpr' : 'softmax',
      negatives: p.negatives,
      batchSize: p.batchSize > 0 ? p.batchSize : Math.min(4096, Math.max(1024, Math.ceil(liked.items.length / 16))),
      random,
      // Unknown values and ids start at zero: an id row then holds only what its history taught it.
      zeroUserSlots: [...userVocab.unknownSlots, ...range(userVocab.slotCount, userSlots)],
      zeroItemSlots: [...itemVocab.unknownSlots, ...range(itemVocab.slotCount, itemSlots)],
      initialItemBias: logPopularityBias(liked, iIds, itemSlots, nItems),
      userIdSlotsFrom: userVocab.slotCount,
      itemIdSlotsFrom: itemVocab.slotCount,
      idRegularization: p.idRegularization,
    });
    return { params: learned, users, items };
  };

  const evaluated = fit(split.train);
  const relevant = itemsByUser(ratings, split.holdout, nUsers, (r) => ratings.rating[r] >= minRating);
  const seen = itemsByUser(ratings, split.train, nUsers);
  const candidates = holdoutCandidates(relevant, seen, nUsers);
  const groups = {
    Known: { users: sampleUsers(candidates.known, p.maxEvalUsers, random), population: candidates.known.length },
    New: { users: sampleUsers(candidates.new, p.maxEvalUsers, random), population: candidates.new.length },
  };
  const model = scoreModel(evaluated);
  const popularity = popularityScores(ratings, split.train, nItems, minRating);
  const evaluate = (users: Int32Array) => {
    const ev = { users, relevant, seen, itemCount: nItems, k: 10 };
    return { model: evaluateRanking(ev, model), baseline: evaluateRanking(ev, (_u, out) => out.set(popularity)) };
  };
  const known = evaluate(groups.Known.users);
  const fresh = evaluate(groups.New.users);
  // Each group weighs what it stands for, so a sampled group does not skew the overall figure.
  const population = groups.Known.population + groups.New.population;
  const overall = (pick: (r: RankingMetrics) => number, who: 'model' | 'baseline') =>
    population === 0 ? 0 : (groups.Known.population * pick(known[who]) + groups.New.population * pick(fresh[who])) / population;
  const groupMetrics = (suffix: 'Known' | 'New', r: ReturnType<typeof evaluate>) =>
    r.model.users === 0
      ? {}
      : {
          [`recallAt10${suffix}`]: r.model.recallAt10,
          [`ndcgAt10${suffix}`]: r.model.ndcgAt10,
          [`baselineRecallAt10${suffix}`]: r.baseline.recallAt10,
          [`baselineNdcgAt10${suffix}`]: r.baseline.ndcgAt10,
        };

  const final = p.refit && split.holdout.length > 0 ? fit(Int32Array.from({ length: ratings.length }, (_, r) => r)) : evaluated;
  const trainMs = Math.round(performance.now() - started);
  const metrics: RecommenderMetrics = {
    recallAt10: overall((r) => r.recallAt10, 'model'),
    ndcgAt10: overall((r) => r.ndcgAt10, 'model'),
    baselineRecallAt10: overall((r) => r.recallAt10, 'baseline'),
    baselineNdcgAt10: overall((r) => r.ndcgAt10, 'baseline'),
    ...groupMetrics('Known', known),
    ...groupMetrics('New', fresh),
    evalUsers: known.model.users + fresh.model.users,
    evalUsersKnown: known.model.users,
    evalUsersNew: fresh.model.users,
    rows: ratings.length,
    trainRows: split.train.length,
    holdoutRows: split.holdout.length,
    users: nUsers,
    items: nItems,
    trainMs,
    finalLoss: final.params.epochLoss.at(-1) ?? 0,
    epochs: final.params.epochLoss.length,
  };
  const k = final.params.factors;
  return {
    model: toArtifact(final.params, declaration, userVocab, itemVocab, metrics),
    metrics,
    holdoutFrom: new Date(split.cutoffDay * 86_400_000).toISOString().slice(0, 10),
    userEmbeddings: withBiasDimension(entityMatrix(final.users, final.params.userFactors, k), k, () => 1),
    itemEmbeddings: withBiasDimension(entityMatrix(final.items, final.params.itemFactors, k), k, (i) => entityBias(final.items, final.params.itemBias, i)),
  };
}

/**
 * Item slot biases that start the model at "log popularity": each item's id slot gets
 * log(1 + liked count), centred. The softmax optimum without preferences is exactly that, and
 * Adam's bounded steps would otherwise need thousands of steps to climb a Zipf head. Without id
 * slots the biases start at zero.
 */
function logPopularityBias(liked: UserItems, ids: Int32Array, slots: number, nItems: number): Float32Array {
  const bias = new Float32Array(slots);
  if (nItems === 0 || !ids.some((s) => s >= 0)) return bias;
  const counts = new Float64Array(nItems);
  for (const i of liked.items) counts[i]++;
  const logs = Array.from(counts, (c) => Math.log1p(c));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  for (let i = 0; i < nItems; i++) if (ids[i] >= 0) bias[ids[i]] += logs[i] - mean;
  return bias;
}

/** An entity's bias: the sum of its slots' biases, weighted. */
function entityBias(enc: EncodedEntities, bias: Float32Array, e: number): number {
  let b = 0;
  for (let p = enc.offsets[e]; p < enc.offsets[e + 1]; p++) b += enc.weights[p] * bias[enc.slots[p]];
  return b;
}

/** A scorer over all items for the evaluation: item embeddings computed once, the user's on demand. */
function scoreModel(fit: Fit): (u: number, out: Float32Array) => void {
  const { params: fp, users, items } = fit;
  const k = fp.factors;
  const ie = entityMatrix(items, fp.itemFactors, k);
  const bias = Float32Array.from({ length: items.count }, (_, i) => entityBias(items, fp.itemBias, i));
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

/** Rows of `k` factors widened to k + 1 with `last(e)` in the bias dimension. */
function withBiasDimension(m: Float32Array, k: number, last: (e: number) => number): Float32Array {
  const n = m.length / k;
  const out = new Float32Array(n * (k + 1));
  for (let e = 0; e < n; e++) {
    out.set(m.subarray(e * k, (e + 1) * k), e * (k + 1));
    out[e * (k + 1) + k] = last(e);
  }
  return out;
}

/** 7 significant digits: float32 precision, and a model.json a third of the size. */
const round = (x: number): number => Number(x.toPrecision(7));

/** The saved side: the feature rows only (the first `slotCount`); id rows stay in the embeddings files. */
function side(vocab: FeatureVocabulary, w: Float32Array, k: number): FeatureSide {
  const factors = Array.from({ length: vocab.slotCount }, (_, s) => Array.from(w.subarray(s * k, (s + 1) * k), round));
  return { features: vocab.features, factors };
}

function toArtifact(fp: FactorParameters, declaration: RecommenderModel, userVocab: FeatureVocabulary, itemVocab: FeatureVocabulary, metrics: RecommenderMetrics): ModelArtifact {
  return {
    format: MODEL_FORMAT,
    factors: fp.factors,
    dimension: fp.factors + 1,
    // Ranking objectives learn only differences between items, so there is no global level to save.
    globalBias: 0,
    schema: modelSchema(declaration),
    user: side(userVocab, fp.userFactors, fp.factors),
    item: { ...side(itemVocab, fp.itemFactors, fp.factors), bias: Array.from(fp.itemBias.subarray(0, itemVocab.slotCount), round) },
    trainedAt: new Date().toISOString(),
    metrics: { ...metrics },
  };
}

/** Embeddings from features alone (new entities), row-major (`dimension` wide), exactly as serving computes them. */
export function embedEntities(model: ModelArtifact, entity: 'user' | 'item', features: readonly FeatureValues[]): Float32Array {
  const out = new Float32Array(features.length * model.dimension);
  const embed = entity === 'user' ? embedUser : embedItem;
  features.forEach((f, e) => out.set(embed(model, f), e * model.dimension));
  return out;
}
