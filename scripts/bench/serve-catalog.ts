/**
 * A synthetic catalog for benchmarks, tests and the demo when no trained model exists: a model in
 * the trainer's format (jobs/model/artifact.ts) with classicmodels-like features, and product /
 * customer embeddings computed from it exactly as the trainer does (`embedItem` / `embedUser`
 * of random features), so vectors follow the same distribution as trained ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { embedItem, embedUser, MODEL_FORMAT, type ModelArtifact } from '../../jobs/model/artifact';
import { MODEL_KEY } from '../../jobs/serving/environment';
import { POPULAR_KEY, type PopularProducts } from '../../jobs/serving/popular';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';
import type { VectorDocument } from '../../jobs/vector-store/port';
import { mulberry32 } from '../../jobs/seeded-random';

const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());

export const PRODUCT_LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains', 'Trucks and Buses', 'Vintage Cars'];
export const SCALES = ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:700', '1:72'];
export const VENDORS = Array.from({ length: 13 }, (_, i) => `Vendor ${i + 1}`);
export const COUNTRIES = ['USA', 'France', 'Spain', 'Germany', 'Australia', 'Norway', 'UK', 'Japan', 'Italy', 'Finland', 'Singapore', 'Canada'];
export const CITIES = ['NYC', 'Paris', 'Madrid', 'Frankfurt', 'Melbourne', 'Oslo', 'London', 'Tokyo', 'Torino', 'Helsinki', 'Singapore', 'Vancouver', 'Boston', 'Lyon', 'San Francisco'];

/** A random model in the trainer's format with `factors` factors. */
export function syntheticModel(factors = 32, seed = 7): ModelArtifact {
  const r = mulberry32(seed);
  const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: factors }, () => gauss(r) * 0.3));
  const userSlots = CITIES.length + 1 + COUNTRIES.length + 1 + 1;
  const itemSlots = PRODUCT_LINES.length + 1 + SCALES.length + 1 + VENDORS.length + 1 + 3;
  return {
    format: MODEL_FORMAT,
    factors,
    dimension: factors + 1,
    globalBias: 3.5,
    schema: {
      user: {
        field: 'customer_number',
        idType: 'integer',
        idEmbedding: true,
        features: [
          { column: 'city', field: 'city', type: 'categorical' },
          { column: 'country', field: 'country', type: 'categorical' },
          { column: 'creditLimit', field: 'credit_limit', type: 'numeric' },
        ],
      },
      item: {
        field: 'product_code',
        idType: 'string',
        idEmbedding: true,
        features: [
          { column: 'productLine', field: 'productLine', type: 'categorical' },
          { column: 'productScale', field: 'productScale', type: 'categorical' },
          { column: 'productVendor', field: 'productVendor', type: 'categorical' },
          { column: 'buyPrice', field: 'buyPrice', type: 'numeric' },
          { column: 'MSRP', field: 'MSRP', type: 'numeric' },
          { column: 'quantityInStock', field: 'quantityInStock', type: 'numeric' },
        ],
      },
    },
    user: {
      features: [
        { column: 'city', type: 'categorical', vocabulary: CITIES },
        { column: 'country', type: 'categorical', vocabulary: COUNTRIES },
        { column: 'creditLimit', type: 'numeric', mean: 70000, std: 40000 },
      ],
      factors: rows(userSlots),
    },
    item: {
      features: [
        { column: 'productLine', type: 'categorical', vocabulary: PRODUCT_LINES },
        { column: 'productScale', type: 'categorical', vocabulary: SCALES },
        { column: 'productVendor', type: 'categorical', vocabulary: VENDORS },
        { column: 'buyPrice', type: 'numeric', mean: 55, std: 22 },
        { column: 'MSRP', type: 'numeric', mean: 100, std: 40 },
        { column: 'quantityInStock', type: 'numeric', mean: 5000, std: 2900 },
      ],
      factors: rows(itemSlots),
      bias: Array.from({ length: itemSlots }, () => gauss(r) * 0.2),
    },
    trainedAt: new Date().toISOString(),
    metrics: {},
  };
}

export interface SyntheticProduct {
  readonly productCode: string;
  readonly productName: string;
  readonly productLine: string;
  readonly vector: Float32Array;
}

/** `count` products with random classicmodels-like features, embedded by `model`. */
export function syntheticProducts(model: ModelArtifact, count: number, seed = 11): SyntheticProduct[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: count }, (_, i) => {
    const scale = pick(SCALES);
    const line = pick(PRODUCT_LINES);
    const buyPrice = 15 + r() * 90;
    const features = { productLine: line, productScale: scale, productVendor: pick(VENDORS), buyPrice, MSRP: buyPrice * (1.4 + r()), quantityInStock: Math.floor(r() * 10000) };
    return { productCode: `S${scale.split(':')[1]}_${1000 + i}`, productName: `${line} model ${i}`, productLine: line, vector: embedItem(model, features) };
  });
}

export interface SyntheticCustomer {
  readonly customerNumber: number;
  readonly city: string;
  readonly country: string;
  readonly creditLimit: number;
  readonly vector: Float32Array;
}

/** `count` customers numbered from 103 with random features, embedded by `model`. */
export function syntheticCustomers(model: ModelArtifact, count: number, seed = 13): SyntheticCustomer[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const c = Math.floor(r() * CITIES.length);
    const f = { city: CITIES[c], country: COUNTRIES[c % COUNTRIES.length], creditLimit: Math.round(r() * 150000) };
    return { customerNumber: 103 + i, ...f, vector: embedUser(model, f) };
  });
}

const docs = function* (xs: readonly { id: string; vector: Float32Array }[]): Iterable<VectorDocument> {
  yield* xs;
};

/** What `installSyntheticCatalog` wrote. */
export interface InstalledCatalog {
  readonly model: ModelArtifact;
  readonly products: SyntheticProduct[];
  readonly customers: SyntheticCustomer[];
}

/**
 * Writes a synthetic model, popular products and both indexes where serving reads them:
 * `<lake>/model/recommender/model.json`, `<lake>/analytics/popular_products/latest.json`,
 * `<indexes>/item_embeddings`, `<indexes>/user_embeddings`.
 */
export async function installSyntheticCatalog(
  dirs: { lake: string; indexes: string },
  sizes: { products: number; customers: number; popular?: boolean },
): Promise<InstalledCatalog> {
  const model = syntheticModel();
  const products = syntheticProducts(model, sizes.products);
  const customers = syntheticCustomers(model, sizes.customers);
  const write = (key: string, value: unknown) => {
    const file = path.join(dirs.lake, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(value));
  };
  write(MODEL_KEY, model);
  if (sizes.popular !== false) {
    const popular: PopularProducts = {
      asOf: new Date().toISOString(),
      partition: new Date().toISOString().slice(0, 13) + ':00',
      products: products.slice(0, 20).map((p, i) => ({ rank: i + 1, productCode: p.productCode, productName: p.productName, productLine: p.productLine, score: 20 - i })),
    };
    write(POPULAR_KEY, popular);
  }
  const store = new EmbeddedVectorStore(dirs.indexes);
  await store.load('item_embeddings', docs(products.map((p) => ({ id: p.productCode, vector: p.vector }))), { dimension: model.dimension });
  await store.load('user_embeddings', docs(customers.map((c) => ({ id: String(c.customerNumber), vector: c.vector }))), { dimension: model.dimension });
  return { model, products, customers };
}
