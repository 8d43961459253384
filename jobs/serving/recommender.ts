/**
 * The recommendation service behind both handlers (the API and the stream transform). It is built
 * from injected dependencies so the same code runs on Lambda (OpenSearch + S3) and embedded
 * (the in-process HNSW index + the local lake), and tests can inject slow or failing indexes.
 *
 * Ranking is a pure inner product: a user vector is `[factors, 1]` and an item vector
 * `[factors, bias]` (see jobs/model/artifact.ts). "Because you viewed X" queries with X's factors
 * and a 1 in the bias slot, so it ranks by similarity to X plus each candidate's own bias.
 */
import { embedUser, type FeatureValues, type ModelArtifact } from '../model/artifact';
import type { VectorHit, VectorIndexReader } from '../vector-store/port';
import type { FallbackList } from './fallback-list';
import { hasFeatures } from './validation';

/** Where the service gets what it needs; each may throw or reject (the service falls back). */
export interface RecommenderDeps {
  itemIndex(): Promise<VectorIndexReader>;
  userIndex(): Promise<VectorIndexReader>;
  /** The trained model, or undefined when none has been trained yet. */
  model(): Promise<ModelArtifact | undefined>;
  /** The fallback list, or undefined when its asset was never materialized (or none is declared). */
  fallback(): Promise<FallbackList | undefined>;
  /** Names for messages: the model's and the fallback's asset keys, the user id field and the feature fields. */
  readonly labels?: ServiceLabels;
  /** Time budget for index work per request before falling back, ms. Default 200. */
  readonly budgetMs?: number;
  /** HNSW query beam. Default: the store's. */
  readonly efSearch?: number;
  /** How long the model and the fallback list are cached, ms. Default 60,000. */
  readonly cacheMs?: number;
  /** After a failed index open, wait this long before retrying, ms. Default 5,000. */
  readonly retryMs?: number;
}

/** Names the service's messages use (from the serving asset's declarations). */
export interface ServiceLabels {
  readonly model: string;
  readonly fallback?: string;
  readonly user: string;
  readonly features: readonly string[];
}

/** One recommended item: its id's text, its score, and (fallback answers) the list's declared columns. */
export interface RecommendedItem {
  readonly id: string;
  readonly score: number;
  readonly columns?: Readonly<Record<string, unknown>>;
}

export interface RecommendationResult {
  readonly items: RecommendedItem[];
  readonly fallback: boolean;
  readonly reason?: string;
  /** True when the user was embedded from features (not in the user index). */
  readonly coldStart?: boolean;
}

/** Thrown for answers that are not fallbacks but caller mistakes (unknown item id, ...). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Thrown when a request cannot be served even with a fallback (no model for /user_embeddings). */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}

/** Resolves `work` or rejects with BudgetExceeded after `ms`. */
async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded(`the index did not answer within the ${ms} ms budget`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A cached loader; `ready()` is its value when loaded, fresh and not failed (else undefined). */
interface Memo<T> {
  (): Promise<T>;
  ready(): T | undefined;
}

/** Caches a promise-returning loader; a failure is remembered for `retryMs` then retried. */
function memo<T>(load: () => Promise<T>, ttlMs: number, retryMs: number): Memo<T> {
  let value: Promise<T> | undefined;
  let loaded: { value: T } | undefined;
  let at = 0;
  let failed = false;
  const get = () => {
    const now = Date.now();
    if (!value || now - at > (failed ? retryMs : ttlMs)) {
      at = now;
      failed = false;
      loaded = undefined;
      const p = load();
      value = p;
      p.then(
        (v) => {
          if (value === p) loaded = { value: v };
        },
        () => {
          failed = true;
        },
      );
    }
    return value;
  };
  return Object.assign(get, {
    ready: () => (loaded && Date.now() - at <= ttlMs ? loaded.value : undefined),
  });
}

const reasonOf = (e: unknown): string =>
  e instanceof BudgetExceeded ? `index slower than budget: ${e.message}` : `index unavailable: ${(e as Error).message ?? String(e)}`;

export interface RecommenderService {
  /** "Based on your profile": the user's vector from the index, else from features (cold start, by model column), else the fallback. */
  forUser(userId: string | undefined, features: FeatureValues, k: number, exclude?: ReadonlySet<string>): Promise<RecommendationResult>;
  /** "Because you viewed": items near `itemId`; the fallback when the index cannot answer. */
  similarTo(itemId: string, k: number, options?: { fallbackOnUnknown?: boolean; exclude?: ReadonlySet<string> }): Promise<RecommendationResult>;
  /** Items for an embedding (POST /items_from_user). */
  forEmbedding(vector: Float32Array, k: number): Promise<RecommendationResult>;
  /** A user's embedding from the index (known) or features (cold start). */
  userEmbedding(userId: string | undefined, features: FeatureValues): Promise<{ embedding: Float32Array; known: boolean }>;
  /** The index dimension, from the model or the item index. */
  dimension(): Promise<number>;
  /** Whether the item index knows an item; undefined when the index is unavailable. */
  knowsItem(itemId: string): Promise<boolean | undefined>;
  /** The fallback list (top k) as a result. */
  fallback(k: number, reason: string, exclude?: ReadonlySet<string>): Promise<RecommendationResult>;
}

/** Builds the service from its dependencies. */
export function createRecommenderService(deps: RecommenderDeps): RecommenderService {
  const budgetMs = deps.budgetMs ?? 200;
  const cacheMs = deps.cacheMs ?? 60_000;
  const retryMs = deps.retryMs ?? 5_000;
  // Readers follow alias swaps themselves, so they are cached for as long as they work.
  const itemIndex = memo(deps.itemIndex, Number.POSITIVE_INFINITY, retryMs);
  const userIndex = memo(deps.userIndex, Number.POSITIVE_INFINITY, retryMs);
  const model = memo(deps.model, cacheMs, retryMs);
  const fallbackList = memo(deps.fallback, cacheMs, retryMs);
  const labels: ServiceLabels = deps.labels ?? { model: 'the model', user: 'user id', features: [] };
  const search = (index: VectorIndexReader, v: Float32Array, k: number, exclude?: ReadonlySet<string>) =>
    index.search(v, k, { ...(deps.efSearch ? { efSearch: deps.efSearch } : {}), ...(exclude ? { exclude } : {}) });
  const toItems = (hits: VectorHit[]): RecommendedItem[] => hits.map((h) => ({ id: h.id, score: Math.round(h.score * 1e4) / 1e4 }));

  async function fallback(k: number, reason: string, exclude?: ReadonlySet<string>): Promise<RecommendationResult> {
    let list: FallbackList | undefined;
    let why = reason;
    try {
      list = await fallbackList();
    } catch (e) {
      why += `; the fallback list is unreadable: ${(e as Error).message}`;
    }
    if (!list) {
      if (why === reason) why += labels.fallback ? `; the fallback list is missing: materialize ${labels.fallback}` : '; no fallback list is declared (a glue-sql dep with a fallback setting)';
      return { items: [], fallback: true, reason: why };
    }
    const items = list.items
      .filter((p) => !exclude?.has(p.id))
      .slice(0, k)
      .map(({ id, score, ...columns }) => ({ id, score, ...(Object.keys(columns).length ? { columns } : {}) }));
    return { items, fallback: true, reason: why };
  }

  async function userVector(userId: string | undefined, features: FeatureValues): Promise<{ vector?: Float32Array; known: boolean; why?: string }> {
    if (userId !== undefined) {
      const v = await (await userIndex()).get(userId);
      if (v) return { vector: v, known: true };
    }
    if (!hasFeatures(features)) {
      const given = labels.features.length ? ` (${labels.features.join(', ')})` : '';
      return { known: false, why: userId === undefined ? `no ${labels.user} and no features given` : `${labels.user} ${userId} is not in the user index and no features${given} were given` };
    }
    const m = await model();
    if (!m) return { known: false, why: `no trained model to embed a new user: materialize ${labels.model}` };
    return { vector: embedUser(m, features), known: false };
  }

  return {
    fallback,

    async forUser(userId, features, k, exclude) {
      try {
        return await withinBudget(
          (async (): Promise<RecommendationResult> => {
            const c = await userVector(userId, features);
            if (!c.vector) return fallback(k, c.why ?? 'unknown user', exclude);
            const hits = await search(await itemIndex(), c.vector, k, exclude);
            return { items: toItems(hits), fallback: false, ...(c.known ? {} : { coldStart: true }) };
          })(),
          budgetMs,
        );
      } catch (e) {
        return fallback(k, reasonOf(e), exclude);
      }
    },

    async similarTo(itemId, k, options = {}) {
      let unknown = false;
      try {
        const res = await withinBudget(
          (async (): Promise<RecommendationResult | undefined> => {
            const index = await itemIndex();
            const v = await index.get(itemId);
            if (!v) return undefined;
            const q = Float32Array.from(v);
            q[q.length - 1] = 1;
            const exclude = new Set([itemId, ...(options.exclude ?? [])]);
            return { items: toItems(await search(index, q, k, exclude)), fallback: false };
          })(),
          budgetMs,
        );
        if (res) return res;
        unknown = true;
      } catch (e) {
        return fallback(k, reasonOf(e), new Set([itemId]));
      }
      if (unknown && !options.fallbackOnUnknown) throw new NotFoundError(`item '${itemId}' is not in the item index; check the id`);
      return fallback(k, `item '${itemId}' is not in the item index`, new Set([itemId]));
    },

    async forEmbedding(vector, k) {
      try {
        return await withinBudget(
          (async () => ({ items: toItems(await search(await itemIndex(), vector, k)), fallback: false })) (),
          budgetMs,
        );
      } catch (e) {
        return fallback(k, reasonOf(e));
      }
    },

    async userEmbedding(userId, features) {
      let known: Float32Array | undefined;
      if (userId !== undefined) {
        try {
          known = await withinBudget((async () => (await userIndex()).get(userId))(), budgetMs);
        } catch {
          // The index being down does not stop a features-based embedding below.
        }
      }
      if (known) return { embedding: known, known: true };
      let m: ModelArtifact | undefined;
      try {
        m = await model();
      } catch (e) {
        throw new UnavailableError(`the model could not be read: ${(e as Error).message}`);
      }
      if (!m) throw new UnavailableError(`no trained model yet: materialize ${labels.model} first`);
      return { embedding: embedUser(m, features), known: false };
    },

    async dimension() {
      try {
        const m = await model();
        if (m) return m.dimension;
      } catch {
        // fall through to the index
      }
      try {
        return (await itemIndex()).dimension;
      } catch (e) {
        throw new UnavailableError(`neither the model nor the item index is available: ${(e as Error).message}`);
      }
    },

    async knowsItem(itemId) {
      try {
        // An index already open needs no budget timer: only opening it can hang.
        const index = itemIndex.ready() ?? (await withinBudget(itemIndex(), budgetMs));
        return (await index.get(itemId)) !== undefined;
      } catch {
        return undefined;
      }
    },
  };
}
