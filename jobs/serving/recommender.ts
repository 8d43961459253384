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
import type { PopularProducts } from './popular';
import { hasFeatures, type CustomerFeatures } from './validation';

/** Where the service gets what it needs; each may throw or reject (the service falls back). */
export interface RecommenderDeps {
  itemIndex(): Promise<VectorIndexReader>;
  userIndex(): Promise<VectorIndexReader>;
  /** The trained model, or undefined when none has been trained yet. */
  model(): Promise<ModelArtifact | undefined>;
  /** Popular products, or undefined when analytics/popular_products was never materialized. */
  popular(): Promise<PopularProducts | undefined>;
  /** Time budget for index work per request before falling back, ms. Default 200. */
  readonly budgetMs?: number;
  /** HNSW query beam. Default: the store's. */
  readonly efSearch?: number;
  /** How long the model and popular list are cached, ms. Default 60,000. */
  readonly cacheMs?: number;
  /** After a failed index open, wait this long before retrying, ms. Default 5,000. */
  readonly retryMs?: number;
}

export interface RecommendedItem {
  readonly product_code: string;
  readonly score: number;
  readonly product_name?: string;
  readonly product_line?: string;
}

export interface RecommendationResult {
  readonly items: RecommendedItem[];
  readonly fallback: boolean;
  readonly reason?: string;
  /** True when the customer was embedded from features (not in the user index). */
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

/** Model feature values from API/event features, under both spellings trainers use. */
export function featureValues(f: CustomerFeatures): FeatureValues {
  return {
    city: f.city,
    country: f.country,
    state: f.state,
    credit_limit: f.credit_limit,
    creditLimit: f.credit_limit,
  };
}

export interface RecommenderService {
  /** "Based on your profile": the customer's vector from the index, else from features (cold start), else popular. */
  forCustomer(customerNumber: number | undefined, features: CustomerFeatures, k: number, exclude?: ReadonlySet<string>): Promise<RecommendationResult>;
  /** "Because you viewed": items near `productCode`; popular when the index cannot answer. */
  similarTo(productCode: string, k: number, options?: { fallbackOnUnknown?: boolean; exclude?: ReadonlySet<string> }): Promise<RecommendationResult>;
  /** Items for an embedding (POST /items_from_user). */
  forEmbedding(vector: Float32Array, k: number): Promise<RecommendationResult>;
  /** A customer's embedding from the index (known) or features (cold start). */
  userEmbedding(customerNumber: number | undefined, features: CustomerFeatures): Promise<{ embedding: Float32Array; known: boolean }>;
  /** The index dimension, from the model or the item index. */
  dimension(): Promise<number>;
  /** Whether the item index knows a product; undefined when the index is unavailable. */
  knowsProduct(productCode: string): Promise<boolean | undefined>;
  /** Popular products (top k) as a fallback result. */
  popular(k: number, reason: string, exclude?: ReadonlySet<string>): Promise<RecommendationResult>;
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
  const popularList = memo(deps.popular, cacheMs, retryMs);
  const search = (index: VectorIndexReader, v: Float32Array, k: number, exclude?: ReadonlySet<string>) =>
    index.search(v, k, { ...(deps.efSearch ? { efSearch: deps.efSearch } : {}), ...(exclude ? { exclude } : {}) });
  const toItems = (hits: VectorHit[]): RecommendedItem[] => hits.map((h) => ({ product_code: h.id, score: Math.round(h.score * 1e4) / 1e4 }));

  async function popular(k: number, reason: string, exclude?: ReadonlySet<string>): Promise<RecommendationResult> {
    let list: PopularProducts | undefined;
    let why = reason;
    try {
      list = await popularList();
    } catch (e) {
      why += `; popular products unreadable: ${(e as Error).message}`;
    }
    if (!list) {
      if (why === reason) why += '; popular products missing: materialize analytics/popular_products';
      return { items: [], fallback: true, reason: why };
    }
    const items = list.products
      .filter((p) => !exclude?.has(p.productCode))
      .slice(0, k)
      .map((p) => ({ product_code: p.productCode, score: p.score, product_name: p.productName, product_line: p.productLine }));
    return { items, fallback: true, reason: why };
  }

  async function customerVector(customerNumber: number | undefined, features: CustomerFeatures): Promise<{ vector?: Float32Array; known: boolean; why?: string }> {
    if (customerNumber !== undefined) {
      const v = await (await userIndex()).get(String(customerNumber));
      if (v) return { vector: v, known: true };
    }
    if (!hasFeatures(features)) {
      return { known: false, why: customerNumber === undefined ? 'no customer_number and no features given' : `customer ${customerNumber} is not in the user index and no features (city, country, credit_limit) were given` };
    }
    const m = await model();
    if (!m) return { known: false, why: 'no trained model to embed a new customer: materialize model/recommender' };
    return { vector: embedUser(m, featureValues(features)), known: false };
  }

  return {
    popular,

    async forCustomer(customerNumber, features, k, exclude) {
      try {
        return await withinBudget(
          (async (): Promise<RecommendationResult> => {
            const c = await customerVector(customerNumber, features);
            if (!c.vector) return popular(k, c.why ?? 'unknown customer', exclude);
            const hits = await search(await itemIndex(), c.vector, k, exclude);
            return { items: toItems(hits), fallback: false, ...(c.known ? {} : { coldStart: true }) };
          })(),
          budgetMs,
        );
      } catch (e) {
        return popular(k, reasonOf(e), exclude);
      }
    },

    async similarTo(productCode, k, options = {}) {
      let unknown = false;
      try {
        const res = await withinBudget(
          (async (): Promise<RecommendationResult | undefined> => {
            const index = await itemIndex();
            const v = await index.get(productCode);
            if (!v) return undefined;
            const q = Float32Array.from(v);
            q[q.length - 1] = 1;
            const exclude = new Set([productCode, ...(options.exclude ?? [])]);
            return { items: toItems(await search(index, q, k, exclude)), fallback: false };
          })(),
          budgetMs,
        );
        if (res) return res;
        unknown = true;
      } catch (e) {
        return popular(k, reasonOf(e), new Set([productCode]));
      }
      if (unknown && !options.fallbackOnUnknown) throw new NotFoundError(`product '${productCode}' is not in the item index; check the code (e.g. S10_1678)`);
      return popular(k, `product '${productCode}' is not in the item index`, new Set([productCode]));
    },

    async forEmbedding(vector, k) {
      try {
        return await withinBudget(
          (async () => ({ items: toItems(await search(await itemIndex(), vector, k)), fallback: false })) (),
          budgetMs,
        );
      } catch (e) {
        return popular(k, reasonOf(e));
      }
    },

    async userEmbedding(customerNumber, features) {
      let known: Float32Array | undefined;
      if (customerNumber !== undefined) {
        try {
          known = await withinBudget((async () => (await userIndex()).get(String(customerNumber)))(), budgetMs);
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
      if (!m) throw new UnavailableError('no trained model yet: materialize model/recommender first');
      return { embedding: embedUser(m, featureValues(features)), known: false };
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

    async knowsProduct(productCode) {
      try {
        // An index already open needs no budget timer: only opening it can hang.
        const index = itemIndex.ready() ?? (await withinBudget(itemIndex(), budgetMs));
        return (await index.get(productCode)) !== undefined;
      } catch {
        return undefined;
      }
    },
  };
}
