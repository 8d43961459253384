/**
 * The reference graph's example data: the classicmodels-like source tables (`assets source seed`,
 * the demo) and the browsing events of its stream (the demo, `assets stream put --generate`).
 * Exported by the graph module as `demoData` (assets/index.ts).
 */
import type { DemoData, SourceDataset } from '../../core/demo-data';
import { UserError } from '../../core/errors';
import { browsingEvents } from './events';
import { generateSourceData } from './generate';
import { SOURCE_TABLES } from './schema';

/** Sizes a person can give that cannot produce a data set: says which to change. */
export class SeedSizeError extends UserError {
  override name = 'SeedSizeError';
}

/** classicmodels-like customers, products, ratings (driven by hidden feature preferences) and orders. */
export const classicmodels: SourceDataset = {
  description: 'classicmodels-like customers, products, ratings and orders',
  tables: SOURCE_TABLES,
  sizes: [
    { name: 'customers', description: 'customers (default 2,000, or ratings/50 if more)' },
    { name: 'products', description: 'products (default 500, at most 89,999)' },
    { name: 'ratings', description: 'ratings (default 100,000)' },
    { name: 'orders', description: 'orders (default ratings/4, 1,000..200,000)' },
  ],
  resolveSizes(given) {
    const ratings = given.ratings ?? 100_000;
    const products = given.products ?? 500;
    const customers = given.customers ?? Math.max(2000, Math.ceil(ratings / 50));
    const orders = given.orders ?? Math.min(200_000, Math.max(1000, Math.round(ratings / 4)));
    for (const [name, v, min] of [['customers', customers, 1], ['products', products, 1], ['ratings', ratings, 0], ['orders', orders, 0]] as const) {
      if (!Number.isInteger(v) || v < min) throw new SeedSizeError(`--${name} must be an integer >= ${min} (got ${v})`);
    }
    if (products > 89_999) throw new SeedSizeError(`--products must be at most 89999 (got ${products})`);
    // Each (customer, product) pair is rated at most once; beyond ~half of all pairs sampling degenerates.
    if (ratings > 0.5 * customers * products) {
      throw new SeedSizeError(
        `--ratings ${ratings} is more than half of all ${customers} x ${products} customer-product pairs; raise --customers to at least ${Math.ceil((2 * ratings) / products)} or --products`,
      );
    }
    return { customers, products, ratings, orders };
  },
  generate: (o, sink) =>
    generateSourceData({ customers: o.sizes.customers, products: o.sizes.products, ratings: o.sizes.ratings, orders: o.sizes.orders, days: o.days, seed: o.seed, untilMs: o.untilMs }, sink),
};

/** What `npm run demo` and `assets source seed` use for the reference graph. */
export const referenceDemoData: DemoData = { source: classicmodels, stream: browsingEvents };
