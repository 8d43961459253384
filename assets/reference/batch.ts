/** The batch half: lake snapshots, the ML training set, the model and its vector indexes, analytics. */
import {
  dailyPartitions,
  defineAsset,
  eager,
  hourlyPartitions,
  lastPartitionMapping,
  onCron,
  type LakeStorage,
} from '../core';
import { beatsPopularity, emrSpark, glueExtract, glueSql, recommenderModel, vectorIndex } from '../kinds';
import { popularProductsContract, salesHourlyContract, trainingContract } from './contracts';
import * as src from './sources';

const PLATFORM = ['team:data-platform'];
const ML = ['team:ml'];
/** Partitions start with the platform; forks move this to their own history. */
const DAILY = dailyPartitions({ start: '2026-01-01' });
const HOURLY = hourlyPartitions({ start: '2026-01-01T00:00' });
const lake = (zone: string): LakeStorage => ({ kind: 'lake', zone, format: 'parquet' });
/**
 * The daily batch: snapshots, training set and model on one tick, half an hour after midnight UTC
 * (yesterday's partition is complete). On one tick they are requested together, so the training
 * set and the model run after their deps in the same run, and not at all if one fails.
 */
const DAILY_BATCH = onCron('30 0 * * *');
/**
 * Analytics at five past the hour: orders of the hour that just ended have landed by then. They
 * do not wait for the daily snapshots they join (those update once a day).
 */
const HOURLY_ANALYTICS = (snapshots: string[]) => onCron('5 * * * *', { ignoreDeps: snapshots });

export const rawCustomers = defineAsset({
  key: 'raw/customers',
  deps: [src.customers],
  compute: glueExtract({ from: 'source/customers' }),
  storage: lake('raw'),
  contract: src.customers.contract,
  checks: [{ type: 'row_count', min: 1 }, { type: 'unique', columns: ['customerNumber'] }],
  automation: DAILY_BATCH,
  owners: PLATFORM,
  group: 'ingestion',
  tags: { pii: 'true' },
  description: 'Daily snapshot of source/customers in the raw zone.',
});

export const rawProducts = defineAsset({
  key: 'raw/products',
  deps: [src.products],
  compute: glueExtract({ from: 'source/products' }),
  storage: lake('raw'),
  contract: src.products.contract,
  checks: [{ type: 'row_count', min: 1 }, { type: 'unique', columns: ['productCode'] }],
  automation: DAILY_BATCH,
  owners: PLATFORM,
  group: 'ingestion',
  description: 'Snapshot of the product catalog in the raw zone.',
});

export const rawRatings = defineAsset({
  key: 'raw/ratings',
  deps: [src.ratings],
  partitions: DAILY,
  compute: glueExtract({ from: 'source/ratings', partitionColumn: 'ratedAt' }),
  storage: lake('raw'),
  contract: src.ratings.contract,
  checks: [{ type: 'accepted_range', column: 'productRating', min: 1, max: 5 }],
  automation: DAILY_BATCH,
  owners: PLATFORM,
  group: 'ingestion',
  description: 'Ratings extracted per day of ratedAt.',
});

export const trainingSet = defineAsset({
  key: 'training/ratings_ml_training',
  deps: [rawRatings, rawCustomers, rawProducts],
  partitions: DAILY,
  compute: glueSql({ sql: 'jobs/transforms/sql/ratings_ml_training.sql', workers: 4 }),
  storage: { ...lake('training'), catalogTable: 'ratings_ml_training' },
  contract: trainingContract,
  code: ['jobs/transforms/sql/ratings_ml_training.sql'],
  checks: [
    { type: 'not_null', columns: ['customerNumber', 'productCode', 'productRating'] },
    { type: 'accepted_range', column: 'productRating', min: 1, max: 5 },
  ],
  automation: DAILY_BATCH,
  owners: PLATFORM,
  group: 'training',
  tags: { consumer: 'data-science' },
  description: 'The 13-column training set of the seed lab: each rating joined with customer and product features.',
});

/**
 * What the recommender learns from: ratings of the training set (a rating of 4 or more is
 * "liked"), customers and products with their features from the raw snapshots (so unrated ones
 * are embedded too), and one id row per known customer and product (the hybrid). The API and the
 * stream name the ids `customer_number` / `product_code` and the credit limit `credit_limit`.
 */
const RECOMMENDER_MODEL = recommenderModel({
  interactions: { asset: 'training/ratings_ml_training', user: 'customerNumber', item: 'productCode', rating: 'productRating', time: 'dt' },
  liked: { minRating: 4 },
  users: {
    asset: 'raw/customers',
    id: 'customerNumber',
    field: 'customer_number',
    idType: 'integer',
    features: [
      { column: 'city', type: 'categorical' },
      { column: 'country', type: 'categorical' },
      { column: 'creditLimit', type: 'numeric', field: 'credit_limit' },
    ],
  },
  items: {
    asset: 'raw/products',
    id: 'productCode',
    field: 'product_code',
    idType: 'string',
    features: [
      { column: 'productLine', type: 'categorical' },
      { column: 'productScale', type: 'categorical' },
      { column: 'productVendor', type: 'categorical' },
      { column: 'buyPrice', type: 'numeric' },
      { column: 'MSRP', type: 'numeric' },
      { column: 'quantityInStock', type: 'numeric' },
    ],
  },
  holdoutDays: 7,
  metric: 'recallAt10',
});

export const recommender = defineAsset({
  key: 'model/recommender',
  deps: [trainingSet, rawCustomers, rawProducts],
  compute: emrSpark({
    script: 'jobs/spark/train_recommender.py',
    model: RECOMMENDER_MODEL,
    params: { factors: 32, epochs: 30, learningRate: 0.01, regularization: 0.01, seed: 42 },
  }),
  storage: lake('model'),
  code: ['jobs/spark/train_recommender.py'],
  // Feature rows are shared (city, country, credit limit); a customer's own id row and embedding are in user_embeddings.parquet, keyed by customer.
  subjects: [{ subject: 'customer', field: 'customer_number', file: 'user_embeddings.parquet' }],
  checks: beatsPopularity(RECOMMENDER_MODEL),
  automation: DAILY_BATCH,
  owners: ML,
  group: 'ml',
  description:
    'Hybrid factorization (an id row per known customer and product plus their features), 32 factors; user and item embeddings (factors + bias = 33 dims); recall@10 and NDCG@10 vs popularity, for known and new customers.',
});

export const itemEmbeddings = defineAsset({
  key: 'index/item_embeddings',
  deps: [recommender],
  compute: vectorIndex({ entity: 'item', dimension: 33, idField: 'product_code', alias: 'item_embeddings' }),
  storage: { kind: 'vector-store' },
  checks: [{ type: 'row_count', min: 1 }],
  automation: eager(),
  subjects: 'none', // product embeddings only
  owners: ML,
  group: 'serving',
  description: 'k-NN index of product embeddings: "because you viewed this item".',
});

export const userEmbeddings = defineAsset({
  key: 'index/user_embeddings',
  deps: [recommender],
  compute: vectorIndex({ entity: 'user', dimension: 33, idField: 'customer_number', alias: 'user_embeddings' }),
  storage: { kind: 'vector-store' },
  checks: [{ type: 'row_count', min: 1 }],
  automation: eager(),
  subjects: [{ subject: 'customer', field: 'customer_number' }], // one document per customer, id in idField
  owners: ML,
  group: 'serving',
  tags: { pii: 'true' },
  description: 'Index of customer embeddings: "based on your profile".',
});

export const popularProducts = defineAsset({
  key: 'analytics/popular_products',
  deps: [src.orders, src.orderLines, rawProducts, rawRatings],
  partitions: HOURLY,
  compute: glueSql({ sql: 'jobs/transforms/sql/popular_products.sql' }),
  storage: lake('analytics'),
  contract: popularProductsContract,
  code: ['jobs/transforms/sql/popular_products.sql'],
  freshness: { maxLagMinutes: 120 },
  checks: [{ type: 'row_count', min: 1 }, { type: 'unique', columns: ['productCode'] }],
  automation: HOURLY_ANALYTICS(['raw/products', 'raw/ratings']),
  subjects: 'none', // counts and averages over every customer
  owners: PLATFORM,
  group: 'analytics',
  tags: { consumer: 'recommender-fallback' },
  description: 'Top products over the trailing 7 days, refreshed hourly: the fallback when recommendations fail.',
});

export const salesHourly = defineAsset({
  key: 'analytics/sales_hourly',
  deps: [src.orders, src.orderLines, rawProducts, rawCustomers],
  partitions: HOURLY,
  compute: glueSql({ sql: 'jobs/transforms/sql/sales_hourly.sql' }),
  storage: lake('analytics'),
  contract: salesHourlyContract,
  code: ['jobs/transforms/sql/sales_hourly.sql'],
  freshness: { maxLagMinutes: 60 },
  checks: [{ type: 'accepted_range', column: 'revenue', min: 0 }],
  automation: HOURLY_ANALYTICS(['raw/products', 'raw/customers']),
  subjects: 'none', // sums per hour, product line and country
  owners: PLATFORM,
  group: 'analytics',
  tags: { consumer: 'marketing-dashboard', sla: '60m' },
  description: 'Sales per hour, product line and country: the marketing dashboard, at most 60 minutes old.',
  dashboard: {
    title: 'Marketing: sales per hour',
    time: 'hour',
    measures: [
      { column: 'revenue', label: 'Revenue', unit: 'USD' },
      { column: 'orders', label: 'Orders' },
      { column: 'unitsSold', label: 'Units sold' },
    ],
    breakdowns: ['productLine', 'country'],
    windowHours: 48,
  },
});

// Serving reads the latest popular products, whatever hour it is.
export const latestPopular = { asset: popularProducts, mapping: lastPartitionMapping() };
