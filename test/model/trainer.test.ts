import { expect } from 'chai';
import { embedItem, embedUser, modelProblem, type FeatureValues, type ModelArtifact } from '../../jobs/model/artifact';
import { encodeEntities, entitySchema, fitVocabulary } from '../../jobs/model/features';
import { evaluateRanking, itemsByUser, splitByTime, topK } from '../../jobs/model/metrics';
import { embedEntities, recommenderParams, trainRecommender, type TrainedRecommender } from '../../jobs/model/trainer';
import { syntheticRatings, type SyntheticData, COUNTRIES, SYNTHETIC_MODEL } from './synthetic';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);

/** Product indexes of the model's top `k` for a customer given by features. */
function topItems(model: ModelArtifact, items: readonly FeatureValues[], user: FeatureValues, k: number): number[] {
  const u = embedUser(model, user);
  return items
    .map((f, i) => ({ i, s: dot(u, embedItem(model, f)) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.i);
}

describe('model/trainer', function () {
  this.timeout(60_000);
  let synthetic: SyntheticData;
  let trained: TrainedRecommender;

  before(() => {
    synthetic = syntheticRatings({ customers: 800, products: 150, ratings: 30_000, days: 30, seed: 7 });
    trained = trainRecommender(synthetic.data, SYNTHETIC_MODEL, { seed: 42 });
  });

  it('beats the popularity baseline on feature-driven data (recall@10 and NDCG@10)', () => {
    const m = trained.metrics;
    expect(m.evalUsers).to.be.greaterThan(100);
    expect(m.recallAt10).to.be.greaterThan(m.baselineRecallAt10);
    expect(m.ndcgAt10).to.be.greaterThan(m.baselineNdcgAt10);
  });

  it('records rows, users, items, the split and train time as metrics', () => {
    const m = trained.metrics;
    expect(m.rows).to.equal(synthetic.data.ratings.length);
    expect(m.trainRows + m.holdoutRows).to.equal(m.rows);
    expect(m.holdoutRows).to.be.greaterThan(0);
    expect(m.users).to.equal(800);
    expect(m.items).to.equal(150);
    expect(m.trainMs).to.be.a('number');
    expect(m.epochs).to.equal(30);
    for (const v of Object.values(m)) expect(Number.isFinite(v)).to.equal(true);
    expect(trained.model.metrics.recallAt10).to.equal(m.recallAt10);
    expect(trained.holdoutFrom).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('saves a valid model whose embeddings have 33 dimensions, the last one 1 for users', () => {
    const { model } = trained;
    expect(modelProblem(JSON.parse(JSON.stringify(model)))).to.equal(undefined);
    expect(model.dimension).to.equal(33);
    const users = embedEntities(model, 'user', synthetic.data.users.features);
    const items = embedEntities(model, 'item', synthetic.data.items.features);
    expect(users.length).to.equal(800 * 33);
    expect(items.length).to.equal(150 * 33);
    expect(users[32]).to.equal(1);
    expect(embedUser(model, synthetic.data.users.features[0])).to.have.length(33);
  });

  it('embeds a cold-start customer (unknown city) from features: its top items follow its country', () => {
    const { model } = trained;
    const items = synthetic.data.items.features;
    const lineShare = (idx: number[], line: string) => idx.filter((i) => items[i].productLine === line).length / idx.length;
    for (const country of COUNTRIES.slice(0, 4)) {
      const favourite = synthetic.favouriteLine[country];
      const top = topItems(model, items, { city: 'Atlantis', country, creditLimit: 100_000 }, 10);
      const catalogShare = lineShare(items.map((_, i) => i), favourite);
      expect(lineShare(top, favourite), `${country} favours ${favourite}`).to.be.greaterThan(Math.max(0.4, 2 * catalogShare));
    }
  });

  it('is deterministic given the seed, and the seed matters', () => {
    const strip = (m: ModelArtifact) => JSON.stringify({ ...m, trainedAt: '', metrics: { ...m.metrics, trainMs: 0 } });
    const small = syntheticRatings({ customers: 200, products: 60, ratings: 5000, days: 20, seed: 3 });
    const a = trainRecommender(small.data, SYNTHETIC_MODEL, { seed: 5, epochs: 5 });
    const b = trainRecommender(small.data, SYNTHETIC_MODEL, { seed: 5, epochs: 5 });
    const c = trainRecommender(small.data, SYNTHETIC_MODEL, { seed: 6, epochs: 5 });
    expect(strip(a.model)).to.equal(strip(b.model));
    expect(strip(a.model)).not.to.equal(strip(c.model));
  });

  it('keeps the trainer and the artifact in step: encoded slots are what embedItem uses', () => {
    const features = synthetic.data.items.features.slice(0, 20);
    const vocab = fitVocabulary(entitySchema(SYNTHETIC_MODEL.items), synthetic.data.items.features);
    const enc = encodeEntities(vocab, features);
    const model = trained.model;
    features.forEach((f, e) => {
      const expected = new Float32Array(model.factors);
      for (let p = enc.offsets[e]; p < enc.offsets[e + 1]; p++) {
        model.item.factors[enc.slots[p]].forEach((x, k) => (expected[k] += enc.weights[p] * x));
      }
      const got = embedItem(model, f);
      expected.forEach((x, k) => expect(got[k]).to.be.closeTo(x, 1e-5));
    });
  });

  it('refuses bad parameters and data that leaves nothing to train on, saying what to change', () => {
    expect(() => recommenderParams({ factor: 3 })).to.throw(/unknown recommender parameter 'factor'/);
    expect(() => recommenderParams({ epochs: 'many' })).to.throw(/'epochs' must be a non-negative number/);
    expect(recommenderParams({ epochs: '12', refit: 'false' })).to.include({ epochs: 12, refit: false });
    const tiny = syntheticRatings({ customers: 20, products: 10, ratings: 50, days: 3, seed: 1 });
    expect(() => trainRecommender(tiny.data, { ...SYNTHETIC_MODEL, holdoutDays: 7 })).to.throw(/lower holdoutDays in the model declaration/);
  });
});

describe('model/metrics', () => {
  it('computes recall@10 and NDCG@10 on a hand-made case, masking items seen in training', () => {
    const ratings = {
      length: 4,
      user: Int32Array.from([0, 0, 0, 0]),
      item: Int32Array.from([0, 1, 2, 3]),
      rating: Float32Array.from([5, 5, 5, 2]),
      day: Int32Array.from([1, 10, 10, 10]),
    };
    const split = splitByTime(ratings, 1);
    expect(Array.from(split.train)).to.deep.equal([0]);
    const ev = {
      users: Int32Array.from([0]),
      relevant: itemsByUser(ratings, split.holdout, 1, (r) => ratings.rating[r] >= 4),
      seen: itemsByUser(ratings, split.train, 1),
      itemCount: 12,
      k: 10,
    };
    // Item 0 (seen) scores highest but is masked; item 1 ranks first, item 2 falls outside the top 10.
    const scores = Float32Array.from([100, 50, -100, 40, 30, 29, 28, 27, 26, 25, 24, 23]);
    const m = evaluateRanking(ev, (_u, out) => out.set(scores));
    expect(m.recallAt10).to.equal(0.5);
    expect(m.ndcgAt10).to.be.closeTo(1 / (1 + 1 / Math.log2(3)), 1e-9);
    expect(Array.from(topK(scores, 3, new Uint8Array(12)))).to.deep.equal([0, 1, 3]);
  });
});
