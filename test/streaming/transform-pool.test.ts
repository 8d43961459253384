import { expect } from 'chai';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler } from '../../jobs/serving/stream-transform/transform';
import { TransformPool } from '../../jobs/embedded/stream/transform-pool';
import { browsingEventGenerator } from '../../assets/reference/source-data/events';
import { catalogFixture, setServingEnvironment, STREAM_CONFIG, type Fixture } from '../serving/helpers';

describe('transform pool (the stream transform on worker threads)', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let pool: TransformPool;
  const previousHome = process.env.HEADWATER_HOME;
  const previousBudget = process.env.RECOMMENDER_BUDGET_MS;
  // Both sides get a budget no loaded machine exceeds: a fallback on one side only (the index
  // opening late, or a slow thread) would make the answers differ for a reason this test is not about.
  const BUDGET_MS = 60_000;
  let restoreServing: () => void = () => undefined;

  before(async () => {
    fx = await catalogFixture(120);
    // Workers build their service from the environment: the fixture is their local root.
    process.env.HEADWATER_HOME = fx.root;
    process.env.RECOMMENDER_BUDGET_MS = String(BUDGET_MS);
    restoreServing = setServingEnvironment('serving/recommendations', fx.lake);
    pool = new TransformPool(2);
  });
  after(async () => {
    await pool.close();
    restoreServing();
    if (previousHome === undefined) delete process.env.HEADWATER_HOME;
    else process.env.HEADWATER_HOME = previousHome;
    if (previousBudget === undefined) delete process.env.RECOMMENDER_BUDGET_MS;
    else process.env.RECOMMENDER_BUDGET_MS = previousBudget;
    fx.cleanup();
  });

  it('answers concurrent invocations exactly as the handler does on this thread', async () => {
    const gen = browsingEventGenerator({ items: fx.products.map((p) => p.productCode), users: fx.customers.map((c) => String(c.customerNumber)) }, { now: () => new Date('2026-11-22T05:00:00Z') });
    const b64 = (x: string) => Buffer.from(x).toString('base64');
    const batches = Array.from({ length: 6 }, (_, b) => ({
      records: Array.from({ length: 40 }, (_, i) => ({ recordId: `${b}-${i}`, data: i === 7 ? b64('{"broken": ') : b64(JSON.stringify(gen())) })),
    }));
    const local = createTransformHandler(createRecommenderService(fx.deps({ budgetMs: BUDGET_MS })), STREAM_CONFIG, { logFailures: false });
    const [viaPool, here] = await Promise.all([Promise.all(batches.map((e) => pool.transform(e as never))), Promise.all(batches.map((e) => local(e as never)))]);
    expect(viaPool).to.deep.equal(here);
    expect(viaPool.flatMap((r) => r.records).filter((r) => r.result === 'ProcessingFailed')).to.have.length(6);
  });

  it('a closed pool refuses work with a reason', async () => {
    const closed = new TransformPool(1);
    await closed.close();
    let error: Error | undefined;
    await closed.transform({ records: [] }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/closed/);
  });
});
