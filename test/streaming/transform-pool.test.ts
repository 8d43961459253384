import { expect } from 'chai';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler } from '../../jobs/serving/stream-transform/transform';
import { TransformPool } from '../../jobs/embedded/stream/transform-pool';
import { loadTransformModule } from '../../jobs/embedded/stream/declared-transform';
import { UserError } from '../../assets/core';
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

  it("runs the declared transform module on its workers: the reference's answers as the generic transform does", async () => {
    const declared = new TransformPool(2, undefined, process.env, 'jobs/serving/stream-transform/handler.ts');
    try {
      const gen = browsingEventGenerator({ items: fx.products.map((p) => p.productCode), users: fx.customers.map((c) => String(c.customerNumber)) }, { now: () => new Date('2026-11-22T05:00:00Z') });
      const event = { records: Array.from({ length: 30 }, (_, i) => ({ recordId: String(i), data: Buffer.from(JSON.stringify(gen())).toString('base64') })) };
      const local = createTransformHandler(createRecommenderService(fx.deps({ budgetMs: BUDGET_MS })), STREAM_CONFIG, { logFailures: false });
      expect(await declared.transform(event as never)).to.deep.equal(await local(event as never));
    } finally {
      await declared.close();
    }
  });

  it("runs a fork's own transform module, with the pool's environment, on a worker thread", async () => {
    const own = new TransformPool(1, undefined, { ...process.env, HEADWATER_TAG: 'fork', HEADWATER_MODE: 'embedded' }, 'test/streaming/fixtures/tagging-transform.ts');
    try {
      const out = await own.transform({ records: [{ recordId: 'r1', data: Buffer.from('{"user": 7}').toString('base64') }] } as never);
      expect(out.records.map((r) => ({ ...r, data: JSON.parse(Buffer.from(r.data ?? '', 'base64').toString('utf8')) as unknown }))).to.deep.equal([
        { recordId: 'r1', result: 'Ok', data: { user: 7, tagged_by: 'fork', mode: 'embedded', worker: true } },
      ]);
    } finally {
      await own.close();
    }
  });

  it('refuses a declared module that does not load or exports no handler, naming the file and the fix', () => {
    expect(() => loadTransformModule('jobs/serving/stream-transform/handlr.ts')).to.throw(UserError, /the stream transform jobs\/serving\/stream-transform\/handlr\.ts failed to load .*check the path in streamDelivery\(\{ transform \}\)/);
    expect(() => loadTransformModule('test/streaming/fixtures/no-handler-transform.ts')).to.throw(UserError, /exports no 'handler' function; export the Firehose transformation entry point as 'handler'/);
  });

  it('a closed pool refuses work with a reason', async () => {
    const closed = new TransformPool(1);
    await closed.close();
    let error: Error | undefined;
    await closed.transform({ records: [] }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/closed/);
  });
});
