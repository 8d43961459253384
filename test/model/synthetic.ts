/**
 * A small classicmodels-like data set for the trainer's tests: ratings come from hidden
 * preferences tied to features (each country favours a product line, richer customers favour
 * pricier products) and Zipf popularity, the same nature as the source-DB generator, so a
 * content-based model can learn and popularity is a real baseline.
 */
import { computeSettings } from '../../assets/core';
import type { EmrSparkSettings, RecommenderModel } from '../../assets/kinds';
import { recommender } from '../../assets/reference/batch';
import type { FeatureValues } from '../../jobs/model/artifact';
import { TrainingDataBuilder, type TrainingData } from '../../jobs/model/dataset';
import { seededRandom } from '../../jobs/seeded-random';

export const LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains', 'Trucks and Buses', 'Vintage Cars'];
export const COUNTRIES = ['USA', 'France', 'Germany', 'Spain', 'Australia', 'Japan', 'UK', 'Italy'];
const SCALES = ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:72', '1:700'];
const VENDORS = ['Autoart Studio Design', 'Carousel DieCast Legends', 'Classic Metal Creations', 'Exoto Designs', 'Gearbox Collectibles', 'Highway 66 Mini Classics', 'Min Lin Diecast', 'Motor City Art Classics'];

/** The declaration of a model over this data: the reference graph's, whose lake layout lake-fixture.ts writes. */
export const SYNTHETIC_MODEL: RecommenderModel = computeSettings<EmrSparkSettings>(recommender).model!;

/** The same model with id rows off or on for both sides. */
export const withIdEmbeddings = (m: RecommenderModel, on: boolean): RecommenderModel => ({ ...m, users: { ...m.users, idEmbedding: on }, items: { ...m.items, idEmbedding: on } });

export interface SyntheticOptions {
  readonly customers: number;
  readonly products: number;
  readonly ratings: number;
  readonly days: number;
  readonly seed: number;
  /**
   * History that features cannot tell: each user and item gets a hidden taste (one of
   * `tastes`), and a user prefers items of their taste by this much. Default 0 (none).
   */
  readonly taste?: number;
  readonly tastes?: number;
  /** Share of users whose every rating falls in the last `newUserDays` days (new users of a hold-out that long). Default 0. */
  readonly newUserShare?: number;
  readonly newUserDays?: number;
}

export interface SyntheticData {
  readonly data: TrainingData;
  /** The hidden favourite product line of each country. */
  readonly favouriteLine: Readonly<Record<string, string>>;
  /** Hidden preference of a customer for a product (features and hidden taste). */
  preference(user: FeatureValues, item: FeatureValues): number;
  /** Users made new: all their ratings in the last `newUserDays` days. */
  readonly isNew: readonly boolean[];
}

/** Generates customers, products and ratings (days counted back from 2026-03-01). */
export function syntheticRatings(o: SyntheticOptions): SyntheticData {
  const random = seededRandom(o.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const favouriteLine = Object.fromEntries(COUNTRIES.map((c, i) => [c, LINES[i % LINES.length]]));

  const users: FeatureValues[] = Array.from({ length: o.customers }, (_, u) => {
    const country = COUNTRIES[Math.floor(random() ** 1.5 * COUNTRIES.length)];
    return {
      customerNumber: 100 + u,
      country,
      city: `${country}-city-${Math.floor(random() * 6)}`,
      creditLimit: random() < 0.05 ? null : Math.round(10_000 + random() * 190_000),
    };
  });
  const items: FeatureValues[] = Array.from({ length: o.products }, (_, i) => {
    const buyPrice = Math.round((15 + random() * 85) * 100) / 100;
    return {
      productCode: `S${String(i).padStart(4, '0')}`,
      productLine: pick(LINES),
      productScale: pick(SCALES),
      productVendor: pick(VENDORS),
      buyPrice,
      MSRP: Math.round(buyPrice * (1.3 + random() * 0.9) * 100) / 100,
      quantityInStock: Math.floor(random() * 9000),
    };
  });
  // Hidden tastes and new users come from a stream of their own: data sets without them stay as they were.
  const hidden = seededRandom(o.seed + 1_000_003);
  const userTaste = users.map(() => Math.floor(hidden() * (o.tastes ?? 1)));
  const itemTaste = items.map(() => Math.floor(hidden() * (o.tastes ?? 1)));
  const isNew = users.map(() => hidden() < (o.newUserShare ?? 0));
  const tasteOf = new Map<FeatureValues, number>([...users.map((u, n) => [u, userTaste[n]] as const), ...items.map((it, n) => [it, itemTaste[n]] as const)]);
  const preference = (u: FeatureValues, i: FeatureValues): number => {
    const rich = ((u.creditLimit as number | null) ?? 105_000) / 100_000 - 1.05;
    const pricey = ((i.buyPrice as number) - 57.5) / 42.5;
    const taste = o.taste && tasteOf.get(u) === tasteOf.get(i) ? o.taste : 0;
    return (favouriteLine[u.country as string] === i.productLine ? 2 : 0) + 1.2 * rich * pricey + taste;
  };

  // Zipf popularity over a random order of the products.
  const popRank = Array.from({ length: o.products }, (_, i) => i).sort(() => random() - 0.5);
  const popularity = popRank.map((rank) => 1 / (rank + 1) ** 0.9);
  const cumulative = users.map((u) => {
    const c = new Float64Array(o.products);
    let sum = 0;
    items.forEach((it, i) => (c[i] = sum += popularity[i] * Math.exp(1.5 * preference(u, it))));
    return c;
  });

  const b = new TrainingDataBuilder();
  users.forEach((u) => b.addUser(String(u.customerNumber), u));
  items.forEach((it) => b.addItem(String(it.productCode), it));
  const seen = new Set<number>();
  const endDay = Math.floor(Date.parse('2026-03-01T00:00:00Z') / 86_400_000);
  for (let r = 0, tries = 0; r < o.ratings && tries < o.ratings * 20; tries++) {
    const u = Math.floor(random() ** 1.3 * o.customers);
    const c = cumulative[u];
    const x = random() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    if (seen.has(u * o.products + lo)) continue;
    seen.add(u * o.products + lo);
    const stars = Math.min(5, Math.max(1, Math.round(3 + 0.9 * preference(users[u], items[lo]) + normal() * 0.8)));
    const back = Math.floor(random() * o.days);
    b.addRating(u, lo, stars, endDay - (isNew[u] ? back % (o.newUserDays ?? 7) : back));
    r++;
  }
  return { data: b.build(), favouriteLine, preference, isNew };
}
