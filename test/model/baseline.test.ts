/**
 * "The model beats popularity" is only as true as the baseline: these tests pin the popularity
 * scores and the baseline's recall@10 and NDCG@10 to values computed by hand on a tiny data set,
 * so a baseline that ranks the wrong way (or a metric that counts the wrong hits) cannot pass.
 */
import { expect } from 'chai';
import type { FeatureValues } from '../../jobs/model/artifact';
import { TrainingDataBuilder, type TrainingData } from '../../jobs/model/dataset';
import { popularityScores, splitByTime } from '../../jobs/model/metrics';
import { trainRecommender } from '../../jobs/model/trainer';
import { SYNTHETIC_MODEL } from './synthetic';

const TRAIN_DAY = 20_000;
const HOLDOUT_DAY = TRAIN_DAY + 10;
const ITEMS = 12;

const product = (i: number): FeatureValues => ({
  productCode: `P${i}`,
  productLine: i % 2 ? 'Ships' : 'Planes',
  productScale: '1:18',
  productVendor: 'Vendor',
  buyPrice: 10 + i,
  MSRP: 20 + i,
  quantityInStock: 100,
});
const customer = (n: number): FeatureValues => ({ customerNumber: n, city: 'Lyon', country: 'France', creditLimit: 1000 * n });

/**
 * Popularity in training: item i is liked (5 stars) by 12 - i crowd customers, so the liked
 * counts are 12, 11, ..., 1; item 6 gets one extra like to tie item 5 (7 likes each), and
 * item 6 two extra 2-star ratings so the tie-break (all ratings) puts it ahead of item 5.
 * Item 11 gets three 2-star ratings: low ratings must not lift it above item 10.
 * Customer A also liked item 0 in training (so item 0 is masked for A).
 *
 * Popularity order: 0 (13 likes), 1, 2, 3, 4, 6 (7 likes, 9 ratings), 5 (7 likes), 7, 8, 9, 10, 11.
 *
 * Hold-out: A likes items 1 and 2 and gives item 3 two stars (not relevant); B likes items 9
 * and 10. With the baseline's top 10:
 * - A (item 0 masked): 1, 2, 3, 4, 6, 5, 7, 8, 9, 10: both hits at ranks 1 and 2 -> recall 1, NDCG 1.
 * - B: 0, 1, 2, 3, 4, 6, 5, 7, 8, 9: item 9 at rank 10 -> recall 1/2, NDCG (1/log2 11) / (1 + 1/log2 3).
 */
function tinyData(): TrainingData {
  const b = new TrainingDataBuilder();
  for (let i = 0; i < ITEMS; i++) b.addItem(`P${i}`, product(i));
  const a = b.addUser('1', customer(1));
  const bee = b.addUser('2', customer(2));
  const crowd = Array.from({ length: 14 }, (_, c) => b.addUser(String(100 + c), customer(100 + c)));
  for (let i = 0; i < ITEMS; i++) for (let c = 0; c < 12 - i; c++) b.addRating(crowd[c], i, 5, TRAIN_DAY);
  b.addRating(crowd[12], 6, 5, TRAIN_DAY);
  b.addRating(crowd[12], 5, 2, TRAIN_DAY - 1);
  b.addRating(crowd[13], 6, 2, TRAIN_DAY);
  b.addRating(crowd[11], 6, 2, TRAIN_DAY);
  b.addRating(crowd[10], 6, 2, TRAIN_DAY - 2);
  for (const c of [2, 3, 4]) b.addRating(crowd[c], 11, 2, TRAIN_DAY);
  b.addRating(a, 0, 5, TRAIN_DAY);
  b.addRating(a, 1, 5, HOLDOUT_DAY);
  b.addRating(a, 2, 4, HOLDOUT_DAY);
  b.addRating(a, 3, 2, HOLDOUT_DAY);
  b.addRating(bee, 9, 5, HOLDOUT_DAY);
  b.addRating(bee, 10, 4, HOLDOUT_DAY);
  return b.build();
}

describe('model/popularity baseline on a hand-computed case', () => {
  const data = tinyData();

  it('scores each item by its liked count, ties broken by all its ratings, low ratings adding only that', () => {
    const split = splitByTime(data.ratings, 7);
    const scores = Array.from(popularityScores(data.ratings, split.train, ITEMS, 4));
    // liked[i] + all[i] / (max all + 1); item 0 has the most ratings, 13.
    const liked = [13, 11, 10, 9, 8, 7, 7, 5, 4, 3, 2, 1];
    const all = [13, 11, 10, 9, 8, 8, 10, 5, 4, 3, 2, 4];
    const expected = liked.map((l, i) => l + all[i] / 14);
    scores.forEach((s, i) => expect(s, `item ${i}`).to.be.closeTo(expected[i], 1e-5));
    const order = scores.map((s, i) => [s, i]).sort((x, y) => y[0] - x[0]).map(([, i]) => i);
    expect(order).to.deep.equal([0, 1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11]);
  });

  it('counts only training ratings: hold-out likes do not make an item popular', () => {
    const split = splitByTime(data.ratings, 7);
    const scores = popularityScores(data.ratings, split.train, ITEMS, 4);
    // Item 9 is liked by 3 crowd customers in training and by B in the hold-out.
    expect(scores[9]).to.be.closeTo(3 + 3 / 14, 1e-5);
  });

  it('reports the baseline recall@10 and NDCG@10 the hand computation gives', () => {
    const m = trainRecommender(data, SYNTHETIC_MODEL, { factors: 2, epochs: 1, refit: false, seed: 1 }).metrics;
    expect(m.evalUsers).to.equal(2);
    expect(m.baselineRecallAt10).to.be.closeTo((1 + 0.5) / 2, 1e-9);
    const ndcgB = 1 / Math.log2(11) / (1 + 1 / Math.log2(3));
    expect(m.baselineNdcgAt10).to.be.closeTo((1 + ndcgB) / 2, 1e-9);
    expect(m.trainRows + m.holdoutRows).to.equal(data.ratings.length);
    expect(m.holdoutRows).to.equal(5);
  });
});
