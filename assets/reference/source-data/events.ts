/**
 * Realistic browsing events for the reference's `stream/user_events`: sessions of a few products
 * with a popularity skew (a Zipf-like law: a few products get most views), some put in the cart,
 * mostly from known customers and a few new ones (cold start), shaped as its contract says.
 */
import type { StreamEventIds, StreamEvents } from '../../core/demo-data';
import { mulberry32 } from '../../core/seeded-random';

/** A browsing event as the storefront puts it on the stream. */
export interface BrowsingEventRecord {
  readonly customer_number: number;
  readonly city: string;
  readonly country: string;
  readonly credit_limit: number;
  readonly browse_history: readonly { readonly product_code: string; readonly quantity: number; readonly in_shopping_cart: boolean }[];
  readonly event_time: string;
}

export interface BrowsingEventOptions {
  /** Share of events from customers not among the known ones (cold start). @default 0.05 */
  readonly newCustomerShare?: number;
  /** @default 42 */
  readonly seed?: number;
  /** Event time. @default now */
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

/** Returns a function producing one event per call, over the known customers (numeric ids) and products. */
export function browsingEventGenerator(ids: StreamEventIds, o: BrowsingEventOptions = {}): () => BrowsingEventRecord {
  const customers = ids.users.filter((id) => /^\d+$/.test(id)).map(Number);
  if (ids.items.length === 0) throw new Error('the event generator needs product codes: materialize the item index first');
  if (customers.length === 0) throw new Error('the event generator needs customer numbers: materialize the user index first');
  const r = mulberry32(o.seed ?? 42);
  const now = o.now ?? (() => new Date());
  const newShare = o.newCustomerShare ?? 0.05;
  const maxKnown = Math.max(...customers);
  // Zipf(1): cumulative weights 1/rank over a shuffled catalog.
  const order = [...ids.items].sort(() => r() - 0.5);
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
    let customer: number;
    let place: readonly [string, string] | undefined;
    let credit: number | undefined;
    if (r() < newShare) {
      place = PLACES[Math.floor(r() * PLACES.length)];
      customer = maxKnown + 1 + Math.floor(r() * 100_000);
      credit = Math.round(r() * 150_000);
    } else {
      customer = customers[Math.floor(r() * customers.length)];
    }
    const [city, country] = place ?? PLACES[customer % PLACES.length];
    const views = 1 + Math.floor(r() * 5);
    const seen = new Set<string>();
    for (let i = 0; i < views; i++) seen.add(product());
    return {
      customer_number: customer,
      city,
      country,
      credit_limit: credit ?? Math.round((customer * 7919) % 150_000),
      browse_history: [...seen].map((code) => {
        const inCart = r() < 0.3;
        return { product_code: code, quantity: inCart ? 1 + Math.floor(r() * 3) : 0, in_shopping_cart: inCart };
      }),
      event_time: now().toISOString(),
    };
  };
}

const codes = (x: unknown): string[] => (Array.isArray(x) ? x.map((h) => String((h as { product_code?: unknown }).product_code ?? h)) : []);

/** The reference stream's events, for the demo and `assets stream put --generate`. */
export const browsingEvents: StreamEvents = {
  generator: (ids, options) => browsingEventGenerator(ids, options),
  // Partitioned by customer number, as the storefront does: one customer's events stay in order.
  partitionKey: (e) => ('customer_number' in e ? String((e as { customer_number: unknown }).customer_number) : undefined),
  eventTime: (r) => (typeof r.event_time === 'string' ? r.event_time : undefined),
  describe: (r) =>
    `customer ${String(r.customer_number)} viewed ${codes(r.browse_history).join(', ')} -> recommended ${codes(r.recommended_items).slice(0, 5).join(', ')}; similar ${codes(r.similar_items).slice(0, 5).join(', ')}${r.fallback ? ' (fallback)' : ''}`,
  apiExample: (r) => {
    const product = codes(r.browse_history)[0];
    return r.customer_number === undefined || product === undefined ? undefined : `/recommendations?customer_number=${String(r.customer_number)}&product_code=${product}&k=5`;
  },
};
