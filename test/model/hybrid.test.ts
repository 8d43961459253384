/**
 * The hybrid (an id row per known user and item on top of feature rows): on data whose users have
 * a taste their features do not show, a known user's history is what tells it, so the hybrid must
 * beat both popularity and a features-only model on known users, while new users (features only)
 * still beat popularity; on feature-driven data the id rows must not cost what features know.
 */
import { expect } from 'chai';
import { trainRecommender } from '../../jobs/model/trainer';
import { SYNTHETIC_MODEL, syntheticRatings, withIdEmbeddings } from './synthetic';

describe('model/hybrid: id rows plus feature rows', function () {
  this.timeout(120_000);

  it('on data with history features do not show, beats popularity and a features-only model on known users, and popularity on new ones', () => {
    const s = syntheticRatings({ customers: 800, products: 150, ratings: 30_000, days: 30, seed: 7, taste: 2.5, tastes: 6, newUserShare: 0.15 });
    const hybrid = trainRecommender(s.data, SYNTHETIC_MODEL, { seed: 42, idRegularization: 3 }).metrics;
    const featuresOnly = trainRecommender(s.data, withIdEmbeddings(SYNTHETIC_MODEL, false), { seed: 42 }).metrics;
    expect(hybrid.evalUsersKnown).to.be.greaterThan(400);
    expect(hybrid.evalUsersNew).to.be.greaterThan(50);
    expect(hybrid.recallAt10Known).to.be.greaterThan(hybrid.baselineRecallAt10Known!);
    expect(hybrid.ndcgAt10Known).to.be.greaterThan(hybrid.baselineNdcgAt10Known!);
    expect(hybrid.recallAt10Known, 'history helps known users').to.be.greaterThan(featuresOnly.recallAt10Known! * 1.1);
    expect(hybrid.recallAt10New).to.be.greaterThan(hybrid.baselineRecallAt10New!);
    expect(hybrid.baselineRecallAt10Known).to.equal(featuresOnly.baselineRecallAt10Known, 'popularity is scored on the same users');
  });

  it('on feature-driven data, keeps (within noise) what a features-only model reaches', () => {
    const s = syntheticRatings({ customers: 800, products: 150, ratings: 30_000, days: 30, seed: 7 });
    const hybrid = trainRecommender(s.data, SYNTHETIC_MODEL, { seed: 42 }).metrics;
    const featuresOnly = trainRecommender(s.data, withIdEmbeddings(SYNTHETIC_MODEL, false), { seed: 42 }).metrics;
    expect(hybrid.recallAt10).to.be.greaterThan(featuresOnly.recallAt10 * 0.95);
    expect(hybrid.recallAt10).to.be.greaterThan(hybrid.baselineRecallAt10 * 1.5);
    expect(hybrid.evalUsersNew, 'every user rated before the hold-out').to.equal(0);
    expect(hybrid).not.to.have.property('recallAt10New');
  });
});
