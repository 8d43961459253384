/**
 * Offline evaluation on a time-based hold-out: train on everything before the last
 * `holdoutDays` days, then ask each hold-out customer's top 10 among the products they had not
 * rated yet. Both the model and the popularity baseline are scored the same way on the same users.
 */
import type { RatingColumns } from './dataset';

/**
 * A hold-out rating is relevant when the customer liked it: 4 or 5 stars. Low-rated products
 * were seen but not wanted, so recommending them is not a hit.
 */
export const RELEVANT_RATING = 4;

/** Ratings split by day: `train` before `cutoffDay`, `holdout` on or after it (indexes into the columns). */
export interface TimeSplit {
  readonly cutoffDay: number;
  readonly train: Int32Array;
  readonly holdout: Int32Array;
}

/** Splits at `maxDay - holdoutDays + 1`: the last `holdoutDays` days of ratings are held out. */
export function splitByTime(ratings: RatingColumns, holdoutDays: number): TimeSplit {
  let maxDay = -Infinity;
  for (let r = 0; r < ratings.length; r++) if (ratings.day[r] > maxDay) maxDay = ratings.day[r];
  const cutoffDay = maxDay - Math.max(0, Math.floor(holdoutDays)) + 1;
  let nTrain = 0;
  for (let r = 0; r < ratings.length; r++) if (ratings.day[r] < cutoffDay) nTrain++;
  const train = new Int32Array(nTrain);
  const holdout = new Int32Array(ratings.length - nTrain);
  let a = 0;
  let b = 0;
  for (let r = 0; r < ratings.length; r++) {
    if (ratings.day[r] < cutoffDay) train[a++] = r;
    else holdout[b++] = r;
  }
  return { cutoffDay, train, holdout };
}

/** Items per user as CSR: user u's items are `items[offsets[u]..offsets[u+1])`. */
export interface UserItems {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
}

/** Groups the ratings at `indexes` by user (counting sort), keeping those `keep` accepts. */
export function itemsByUser(ratings: RatingColumns, indexes: Int32Array, userCount: number, keep: (r: number) => boolean = () => true): UserItems {
  const offsets = new Int32Array(userCount + 1);
  for (const r of indexes) if (keep(r)) offsets[ratings.user[r] + 1]++;
  for (let u = 0; u < userCount; u++) offsets[u + 1] += offsets[u];
  const fill = offsets.slice(0, userCount);
  const items = new Int32Array(offsets[userCount]);
  for (const r of indexes) if (keep(r)) items[fill[ratings.user[r]]++] = ratings.item[r];
  return { offsets, items };
}

/** Popularity in the training period: the number of ratings >= RELEVANT_RATING per item, ties broken by all ratings. */
export function popularityScores(ratings: RatingColumns, train: Int32Array, itemCount: number): Float32Array {
  const liked = new Float64Array(itemCount);
  const all = new Float64Array(itemCount);
  for (const r of train) {
    all[ratings.item[r]]++;
    if (ratings.rating[r] >= RELEVANT_RATING) liked[ratings.item[r]]++;
  }
  const maxAll = all.reduce((m, x) => Math.max(m, x), 1);
  return Float32Array.from(liked, (l, i) => l + all[i] / (maxAll + 1));
}

export interface RankingMetrics {
  readonly recallAt10: number;
  readonly ndcgAt10: number;
  /** Hold-out customers evaluated (those with at least one relevant item, possibly sampled). */
  readonly users: number;
}

/** The `k` best items of `scores` not masked, best first (a small insertion-sorted buffer: items are few). */
export function topK(scores: Float32Array, k: number, masked: Uint8Array): Int32Array {
  const best = new Int32Array(k);
  const bestScore = new Float64Array(k).fill(-Infinity);
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    if (masked[i]) continue;
    const s = scores[i];
    if (n === k && s <= bestScore[k - 1]) continue;
    let p = n < k ? n++ : k - 1;
    while (p > 0 && bestScore[p - 1] < s) {
      best[p] = best[p - 1];
      bestScore[p] = bestScore[p - 1];
      p--;
    }
    best[p] = i;
    bestScore[p] = s;
  }
  return best.subarray(0, n);
}

export interface RankingEvaluation {
  /** Users to evaluate (indexes), each with relevant hold-out items in `relevant`. */
  readonly users: Int32Array;
  readonly relevant: UserItems;
  /** Items each user rated in training: never recommended back to them. */
  readonly seen: UserItems;
  readonly itemCount: number;
  readonly k: number;
}

/**
 * Recall@k (hits / relevant items) and NDCG@k (binary gains, ideal = min(relevant, k) hits on
 * top), averaged over users. `score(user, out)` fills `out` with the user's score per item.
 */
export function evaluateRanking(ev: RankingEvaluation, score: (user: number, out: Float32Array) => void): RankingMetrics {
  const scores = new Float32Array(ev.itemCount);
  const masked = new Uint8Array(ev.itemCount);
  const isRelevant = new Uint8Array(ev.itemCount);
  const discount = Array.from({ length: ev.k }, (_, r) => 1 / Math.log2(r + 2));
  let recall = 0;
  let ndcg = 0;
  for (const u of ev.users) {
    const rel = ev.relevant.items.subarray(ev.relevant.offsets[u], ev.relevant.offsets[u + 1]);
    const seen = ev.seen.items.subarray(ev.seen.offsets[u], ev.seen.offsets[u + 1]);
    for (const i of seen) masked[i] = 1;
    for (const i of rel) isRelevant[i] = 1;
    score(u, scores);
    const top = topK(scores, ev.k, masked);
    let hits = 0;
    let dcg = 0;
    top.forEach((i, r) => {
      if (isRelevant[i]) {
        hits++;
        dcg += discount[r];
      }
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(rel.length, ev.k); r++) idcg += discount[r];
    recall += hits / rel.length;
    ndcg += dcg / idcg;
    for (const i of seen) masked[i] = 0;
    for (const i of rel) isRelevant[i] = 0;
  }
  const n = ev.users.length;
  return { recallAt10: n ? recall / n : 0, ndcgAt10: n ? ndcg / n : 0, users: n };
}

/**
 * Hold-out users with at least one relevant item (deduplicated: a product counts once), at most
 * `maxUsers` of them, chosen by `random` so that evaluating two million ratings stays cheap.
 */
export function holdoutUsers(relevant: UserItems, userCount: number, maxUsers: number, random: () => number): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < userCount; u++) if (relevant.offsets[u + 1] > relevant.offsets[u]) users.push(u);
  if (users.length <= maxUsers) return Int32Array.from(users);
  // A partial Fisher-Yates shuffle: the last maxUsers positions become a uniform sample.
  for (let i = users.length - 1; i >= users.length - maxUsers && i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [users[i], users[j]] = [users[j], users[i]];
  }
  return Int32Array.from(users.slice(users.length - maxUsers).sort((a, b) => a - b));
}
