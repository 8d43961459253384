/**
 * The trainer's input: users and items with their features, and interactions as columns of
 * typed arrays (two million ratings as objects would cost seconds and a gigabyte).
 */
import type { FeatureValues } from './artifact';

/** Entities of one side, in index order: `ids[i]` has `features[i]`. */
export interface EntityTable {
  readonly ids: readonly string[];
  readonly features: readonly FeatureValues[];
}

/** Interactions, one per index: user and item are indexes into the entity tables; day is days since 1970-01-01 (UTC). */
export interface RatingColumns {
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  /** The declared rating column's value (stars, play counts, 1 for an implicit event...). */
  readonly rating: Float32Array;
  readonly day: Int32Array;
}

export interface TrainingData {
  readonly users: EntityTable;
  readonly items: EntityTable;
  readonly ratings: RatingColumns;
}

const DAY_MS = 86_400_000;

/** Days since the epoch of a `YYYY-MM-DD...` string, a Date or epoch milliseconds. */
export function epochDay(value: string | number | Date): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw new Error(`'${String(value)}' is not a date; expected YYYY-MM-DD or an ISO timestamp`);
  return Math.floor(ms / DAY_MS);
}

/** Builds `TrainingData` incrementally: entities by id (first features win), ratings appended. */
export class TrainingDataBuilder {
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private readonly userFeatures: FeatureValues[] = [];
  private readonly itemFeatures: FeatureValues[] = [];
  private n = 0;
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private rating = new Float32Array(1024);
  private day = new Int32Array(1024);

  /** Index of user `id`, adding it with `features` when new. */
  addUser(id: string, features: FeatureValues): number {
    return add(this.userIndex, this.userIds, this.userFeatures, id, features);
  }

  /** Index of item `id`, adding it with `features` when new. */
  addItem(id: string, features: FeatureValues): number {
    return add(this.itemIndex, this.itemIds, this.itemFeatures, id, features);
  }

  /** Appends one interaction of entity indexes with its rating, on `day` (days since the epoch). */
  addRating(user: number, item: number, rating: number, day: number): void {
    if (this.n === this.user.length) this.grow();
    this.user[this.n] = user;
    this.item[this.n] = item;
    this.rating[this.n] = rating;
    this.day[this.n] = day;
    this.n++;
  }

  private grow(): void {
    const size = this.user.length * 2;
    const bigger = <T extends Int32Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.user = bigger(this.user, (n) => new Int32Array(n));
    this.item = bigger(this.item, (n) => new Int32Array(n));
    this.rating = bigger(this.rating, (n) => new Float32Array(n));
    this.day = bigger(this.day, (n) => new Int32Array(n));
  }

  build(): TrainingData {
    const n = this.n;
    return {
      users: { ids: this.userIds, features: this.userFeatures },
      items: { ids: this.itemIds, features: this.itemFeatures },
      ratings: { length: n, user: this.user.slice(0, n), item: this.item.slice(0, n), rating: this.rating.slice(0, n), day: this.day.slice(0, n) },
    };
  }
}

function add(index: Map<string, number>, ids: string[], features: FeatureValues[], id: string, values: FeatureValues): number {
  let i = index.get(id);
  if (i === undefined) {
    i = ids.length;
    index.set(id, i);
    ids.push(id);
    features.push(values);
  }
  return i;
}
