/**
 * One definition of the model's quality figures, in both trainers: recall@10 (hits / relevant
 * items), NDCG@10 (binary gains, ideal min(relevant, 10)) and the popularity baseline (liked
 * training ratings, ties by all ratings), checked against a hand-computed example in
 * jobs/model/metrics.ts and in jobs/spark/train_recommender.py (its pure functions, run with
 * python3 and pyspark stubbed, as on a machine without Spark).
 */
import { expect } from 'chai';
import { TrainingDataBuilder, type TrainingData } from '../../jobs/model/dataset';
import { evaluateRanking, popularityScores, topK } from '../../jobs/model/metrics';
import { trainRecommender } from '../../jobs/model/trainer';
import { SYNTHETIC_MODEL } from './synthetic';
import { runTrainerPython } from './train-recommender-python';

// Twelve items i0..i11; the scorer ranks lower indexes first. Hand-computed:
//   u0: seen {i0}, relevant {i1, i5, i11}: top 10 = i1..i10, hits at ranks 1 and 5:
//       recall 2/3, NDCG (1 + 1/log2 6) / (1 + 1/log2 3 + 1/log2 4) = 1.386853 / 2.130930 = 0.650822
//   u1: relevant {i0}: hit at rank 1: recall 1, NDCG 1
//   u2: relevant all 12: 10 hits: recall 10/12 (not 10/10), NDCG 1
const EXPECTED_RECALL = (2 / 3 + 1 + 10 / 12) / 3;
const EXPECTED_NDCG = ((1 + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 0.5) + 1 + 1) / 3;
const SEEN = [[0], [], []];
const RELEVANT = [[1, 5, 11], [0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]];

// Popularity: A has 3 five-star ratings, B five two-star ones, C one 4 and one 1, D one 5.
// Liked counts A 3, C 1, D 1, B 0; C before D on all ratings: A, C, D, B.
const TRAIN: Array<[string, number]> = [
  ['A', 5], ['A', 5], ['A', 5], ['B', 2], ['B', 2], ['B', 2], ['B', 2], ['B', 2], ['C', 4], ['C', 1], ['D', 5],
];
const EXPECTED_POPULARITY = ['A', 'C', 'D', 'B'];

const csr = (lists: number[][]) => {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((l, u) => (offsets[u + 1] = offsets[u] + l.length));
  return { offsets, items: Int32Array.from(lists.flat()) };
};

const PROGRAM = `
items = ["i%d" % i for i in range(12)]
seen = [set("i%d" % i for i in s) for s in job["seen"]]
relevant = {u: set("i%d" % i for i in r) for u, r in enumerate(job["relevant"])}
recall, ndcg = t.ranking_metrics(lambda u: [i for i in items if i not in seen[u]], relevant)
counts = {}
for product, stars in job["train"]:
    liked, rated = counts.get(product, (0, 0))
    counts[product] = (liked + (1 if stars >= 4 else 0), rated + 1)
print(json.dumps({"recall": recall, "ndcg": ndcg, "popularity": t.popularity_order((p, l, a) for p, (l, a) in counts.items())}))
`;

describe('metric definitions shared by the TypeScript and PySpark trainers', () => {
  it('the TypeScript trainer: recall@10, NDCG@10 and popularity match the hand-computed example', () => {
    const m = evaluateRanking({ users: Int32Array.from([0, 1, 2]), relevant: csr(RELEVANT), seen: csr(SEEN), itemCount: 12, k: 10 }, (_u, out) => {
      for (let i = 0; i < 12; i++) out[i] = 12 - i;
    });
    expect(m.recallAt10).to.be.closeTo(EXPECTED_RECALL, 1e-12);
    expect(m.ndcgAt10).to.be.closeTo(EXPECTED_NDCG, 1e-12);
    const codes = ['A', 'B', 'C', 'D'];
    const item = Int32Array.from(TRAIN, ([p]) => codes.indexOf(p));
    const ratings = { length: TRAIN.length, user: new Int32Array(TRAIN.length), item, rating: Float32Array.from(TRAIN, ([, s]) => s), day: new Int32Array(TRAIN.length) };
    const scores = popularityScores(ratings, Int32Array.from(TRAIN.keys()), codes.length, 4);
    expect(Array.from(topK(scores, 4, new Uint8Array(4)), (i) => codes[i])).to.deep.equal(EXPECTED_POPULARITY);
  });

  it('the PySpark trainer: the same figures and the same baseline order on the same example', () => {
    const out = runTrainerPython<{ recall: number; ndcg: number; popularity: string[] }>(PROGRAM, { seen: SEEN, relevant: RELEVANT, train: TRAIN });
    expect(out.recall).to.be.closeTo(EXPECTED_RECALL, 1e-12);
    expect(out.ndcg).to.be.closeTo(EXPECTED_NDCG, 1e-12);
    expect(out.popularity).to.deep.equal(EXPECTED_POPULARITY);
  });
});

// Known and new users, hand-computed. Twelve items, popularity falls with the index (the crowd
// likes item i 12 - i times in training). Known user A liked i0 in training and likes i1 and i11
// in the hold-out: top 10 without i0 is i1..i10, one hit at rank 1: recall 1/2, NDCG 1 / (1 + 1/log2 3).
// New user B likes i0 and i5: hits at ranks 1 and 6: recall 1, NDCG (1 + 1/log2 7) / (1 + 1/log2 3).
// User C only gave a 2 in the hold-out: nothing relevant, not evaluated. Overall: one user each.
const IDEAL2 = 1 + 1 / Math.log2(3);
const SPLIT = {
  recallKnown: 0.5,
  ndcgKnown: 1 / IDEAL2,
  recallNew: 1,
  ndcgNew: (1 + 1 / Math.log2(7)) / IDEAL2,
};

function splitData(): TrainingData {
  const b = new TrainingDataBuilder();
  for (let i = 0; i < 12; i++) b.addItem(`i${i}`, {});
  const a = b.addUser('A', {});
  const bee = b.addUser('B', {});
  const c = b.addUser('C', {});
  const crowd = Array.from({ length: 12 }, (_, n) => b.addUser(`crowd${n}`, {}));
  for (let i = 0; i < 12; i++) for (let n = 0; n < 12 - i; n++) b.addRating(crowd[n], i, 5, 100);
  b.addRating(a, 0, 5, 100);
  b.addRating(a, 1, 5, 110);
  b.addRating(a, 11, 4, 110);
  b.addRating(bee, 0, 5, 110);
  b.addRating(bee, 5, 5, 110);
  b.addRating(c, 3, 2, 110);
  return b.build();
}

describe('known and new users, split the same way by both trainers', () => {
  it('the TypeScript trainer: popularity on known and new users matches the hand computation', () => {
    const m = trainRecommender(splitData(), SYNTHETIC_MODEL, { factors: 2, epochs: 1, refit: false, seed: 1 }).metrics;
    expect([m.evalUsers, m.evalUsersKnown, m.evalUsersNew]).to.deep.equal([2, 1, 1]);
    expect(m.baselineRecallAt10Known).to.be.closeTo(SPLIT.recallKnown, 1e-9);
    expect(m.baselineNdcgAt10Known).to.be.closeTo(SPLIT.ndcgKnown, 1e-9);
    expect(m.baselineRecallAt10New).to.be.closeTo(SPLIT.recallNew, 1e-9);
    expect(m.baselineNdcgAt10New).to.be.closeTo(SPLIT.ndcgNew, 1e-9);
    expect(m.baselineRecallAt10).to.be.closeTo((SPLIT.recallKnown + SPLIT.recallNew) / 2, 1e-9);
    expect(m.recallAt10Known).to.be.a('number');
    expect(m.recallAt10New).to.be.a('number');
  });

  it('the PySpark trainer: the same split and figures from its group_metrics', () => {
    const out = runTrainerPython<Record<string, number>>(
      `
seen = {"A": {"i0"}, "C": set()}
for n in range(12):
    seen["crowd%d" % n] = {"i%d" % i for i in range(12 - n)}
relevant = {"A": {"i1", "i11"}, "B": {"i0", "i5"}, "C": set()}
counts = {}
for user, items in seen.items():
    for item in items:
        counts[item] = (counts.get(item, (0, 0))[0] + 1, counts.get(item, (0, 0))[1] + 1)
order = t.popularity_order((p, l, a) for p, (l, a) in counts.items())
ranking = lambda u: [i for i in order if i not in seen.get(u, set())]
print(json.dumps(t.group_metrics(ranking, ranking, relevant, seen)))
`,
      {},
    );
    expect([out.evalUsers, out.evalUsersKnown, out.evalUsersNew]).to.deep.equal([2, 1, 1]);
    expect(out.baselineRecallAt10Known).to.be.closeTo(SPLIT.recallKnown, 1e-9);
    expect(out.baselineNdcgAt10Known).to.be.closeTo(SPLIT.ndcgKnown, 1e-9);
    expect(out.baselineRecallAt10New).to.be.closeTo(SPLIT.recallNew, 1e-9);
    expect(out.baselineNdcgAt10New).to.be.closeTo(SPLIT.ndcgNew, 1e-9);
    expect(out.recallAt10).to.be.closeTo((SPLIT.recallKnown + SPLIT.recallNew) / 2, 1e-9);
  });
});
