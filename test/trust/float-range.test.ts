/** Numbers outside the float32 range get 400, not 200 with `"score": null` (issue 8, "Why" case 5). */
import { expect } from 'chai';
import { createApiHandler, type ApiHandler } from '../../jobs/serving/recommender-api/routes';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { API_CONFIG, catalogFixture, urlEvent, type Fixture } from '../serving/helpers';

describe('serving: numbers outside the float range', () => {
  let fx: Fixture;
  let api: ApiHandler;
  before(async () => {
    fx = await catalogFixture(60);
    api = createApiHandler(createRecommenderService(fx.deps()), API_CONFIG);
  });
  after(() => fx.cleanup());

  it('POST /items_from_user with 1e308 in the embedding is a 400 naming the element', async () => {
    const embedding = Array.from({ length: 33 }, (_, i) => (i === 4 ? 1e308 : 0.1));
    const r = await api(urlEvent('POST', '/items_from_user', {}, { embedding }));
    expect(r.statusCode).to.equal(400);
    expect(String(r.body)).to.match(/embedding\[4\] is 1e\+308, outside the float32 range/);
  });

  it('a credit limit of 1e308 is a 400, and an in-range embedding still scores', async () => {
    const r = await api(urlEvent('POST', '/user_embeddings', {}, { city: 'Paris', country: 'France', credit_limit: 1e308 }));
    expect(r.statusCode).to.equal(400);
    expect(String(r.body)).to.match(/credit_limit is 1e\+308, outside the float32 range/);
    // The lab surface's list body and alias reach the same check.
    const lab = await api(urlEvent('POST', '/lab/user_embeddings', {}, [{ city: 'Paris', country: 'France', creditlimit: 1e308 }]));
    expect(lab.statusCode).to.equal(400);
    expect(String(lab.body)).to.match(/\[0\]: credit_limit is 1e\+308, outside the float32 range/);
    const big = await api(urlEvent('POST', '/items_from_user', {}, { embedding: Array.from({ length: 33 }, () => 1e30) }));
    expect(big.statusCode).to.equal(400);
    expect(String(big.body)).to.match(/squared norm/);
    const ok = await api(urlEvent('POST', '/items_from_user', {}, { embedding: Array.from({ length: 33 }, () => 0.5) }));
    expect(ok.statusCode).to.equal(200);
    expect(JSON.parse(String(ok.body)).items.every((i: { score: unknown }) => typeof i.score === 'number')).to.equal(true);
  });
});
