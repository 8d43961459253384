/**
 * Generates realistic browsing events for `stream/user_events`: sessions of a few products with a
 * popularity skew (a Zipf-like law: a few products get most views), some put in the cart, mostly
 * from known customers and a few new ones (cold start).
 */
import type { BrowsingEvent } from '../../serving/validation';
import { mulberry32 } from '../../seeded-random';

export interface GeneratorCustomer {
  readonly customerNumber: number;
  readonly city?: string | null;
  readonly country?: string | null;
  readonly creditLimit?: number | null;
}

export interface GeneratorOptions {
  readonly products: readonly string[];
  readonly customers: readonly GeneratorCustomer[];
  /** Share of events from customers not in `customers` (cold start). Default 0.05. */
  readonly newCustomerShare?: number;
  readonly seed?: number;
  /** Event time; default now. */
  readonly now?: () => Date;
}

const PLACES: readonly [string, string][] = [
  ['NYC', 'USA'],
  ['Paris', 'France'],
  ['Madrid', 'Spain'],
  ['Frankfurt', 'Germany'],
  ['Melbourne', 'Australia'],
  ['London', 'UK'],
  ['Tokyo', 'Japan'],
  ['Torino', 'Italy'],
];

/** Returns a function producing one event per call. */
export function eventGenerator(o: GeneratorOptions): () => BrowsingEvent {
  if (o.products.length === 0) throw new Error('the event generator needs products: materialize index/item_embeddings first, or pass product codes');
  if (o.customers.length === 0) throw new Error('the event generator needs customers: materialize index/user_embeddings first, or pass customers');
  const r = mulberry32(o.seed ?? 42);
  const now = o.now ?? (() => new Date());
  const newShare = o.newCustomerShare ?? 0.05;
  const maxKnown = Math.max(...o.customers.map((c) => c.customerNumber));
  // Zipf(1): cumulative weights 1/rank over a shuffled catalog.
  const order = [...o.products].sort(() => r() - 0.5);
  const cumulative: number[] = [];
  order.reduce((s, _, i) => (cumulative.push(s + 1 / (i + 1)), s + 1 / (i + 1)), 0);
  const total = cumulative[cumulative.length - 1];
  const product = () => {
    const x = r() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return order[lo];
  };
  return () => {
    let customer: GeneratorCustomer;
    if (r() < newShare) {
      const [city, country] = PLACES[Math.floor(r() * PLACES.length)];
      customer = { customerNumber: maxKnown + 1 + Math.floor(r() * 100_000), city, country, creditLimit: Math.round(r() * 150_000) };
    } else {
      customer = o.customers[Math.floor(r() * o.customers.length)];
    }
    const [city, country] = PLACES[customer.customerNumber % PLACES.length];
    const views = 1 + Math.floor(r() * 5);
    const seen = new Set<string>();
    for (let i = 0; i < views; i++) seen.add(product());
    return {
      customer_number: customer.customerNumber,
      city: customer.city ?? city,
      country: customer.country ?? country,
      credit_limit: customer.creditLimit ?? Math.round((customer.customerNumber * 7919) % 150_000),
      browse_history: [...seen].map((code) => {
        const inCart = r() < 0.3;
        return { product_code: code, quantity: inCart ? 1 + Math.floor(r() * 3) : 0, in_shopping_cart: inCart };
      }),
      event_time: now().toISOString(),
    };
  };
}
