/**
 * Offline evaluation on a time-based hold-out: train on everything before the last
 * `holdoutDays` days, then ask each hold-out user's top 10 among the items they had not
 * rated yet. Both the model and the popularity baseline are scored the same way on the same users.
 * A hold-out interaction is relevant when the user liked it (rating >= the model's `liked.minRating`):
 * items seen but not wanted are not hits.
 */
import type { RatingColumns } from './dataset';

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

/** Popularity in the training period: the number of liked ratings (>= minRating) per item, ties broken by all ratings. */
export function popularityScores(ratings: RatingColumns, train: Int32Array, itemCount: number, minRating: number): Float32Array {
  const liked = new Float64Array(itemCount);
  const all = new Float64Array(itemCount);
  for (const r of train) {
    all[ratings.item[r]]++;
    if (ratings.rating[r] >= minRating) liked[ratings.item[r]]++;
  }
  const maxAll = all.reduce((m, x) => Math.max(m, x), 1);
  return Float32Array.from(liked, (l, i) => l + all[i] / (maxAll + 1));
}

export interface RankingMetrics {
  readonly recallAt10: number;
  readonly ndcgAt10: number;
  /** Hold-out users evaluated (those with at least one relevant item, possibly sampled). */
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

/** Users with at least one relevant item, in index order, split by whether they had training interactions (`seen`). */
export function holdoutCandidates(relevant: UserItems, seen: UserItems, userCount: number): { known: number[]; new: number[] } {
  const known: number[] = [];
  const fresh: number[] = [];
  for (let u = 0; u < userCount; u++) {
    if (relevant.offsets[u + 1] === relevant.offsets[u]) continue;
    (seen.offsets[u + 1] > seen.offsets[u] ? known : fresh).push(u);
  }
  return { known, new: fresh };
}

/**
 * At most `maxUsers` of `users`, chosen by `random` so that evaluating two million ratings stays
 * cheap; sorted.
 */
export function sampleUsers(users: readonly number[], maxUsers: number, random: () => number): Int32Array {
  if (users.length <= maxUsers) return Int32Array.from(users);
  const pool = [...users];
  // A partial Fisher-Yates shuffle: the last maxUsers positions become a uniform sample.
  for (let i = pool.length - 1; i >= pool.length - maxUsers && i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return Int32Array.from(pool.slice(pool.length - maxUsers).sort((a, b) => a - b));
}
