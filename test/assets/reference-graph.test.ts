import { expect } from 'chai';
import graph, { referenceAssets } from '../../assets';
import { MemoryRunLog, categoryOf, describeCondition, describePartitions, evaluateAutomation, groupRequests, type AutomationState } from '../../assets/core';

describe('the reference graph', () => {
  it('declares every key of the architecture table (plus classicmodels order lines)', () => {
    expect([...graph.keys].sort()).to.deep.equal(
      [
        'source/customers',
        'source/products',
        'source/ratings',
        'source/orders',
        'source/order_lines',
        'stream/user_events',
        'raw/customers',
        'raw/products',
        'raw/ratings',
        'training/ratings_ml_training',
        'model/recommender',
        'index/item_embeddings',
        'index/user_embeddings',
        'analytics/popular_products',
        'analytics/sales_hourly',
        'serving/recommender_api',
        'serving/recommendations',
      ].sort(),
    );
    expect(referenceAssets).to.have.length(graph.keys.length);
  });

  it('gives the training set exactly the 13 columns of the seed lab', () => {
    expect(graph.get('training/ratings_ml_training').contract!.columns.map((c) => c.name)).to.deep.equal([
      'customerNumber',
      'city',
      'state',
      'postalCode',
      'country',
      'creditLimit',
      'productCode',
      'productLine',
      'productScale',
      'quantityInStock',
      'buyPrice',
      'MSRP',
      'productRating',
    ]);
  });

  it('partitions raw ratings and the training set daily, analytics hourly', () => {
    expect(describePartitions(graph.get('raw/ratings').partitions)).to.match(/^daily/);
    expect(describePartitions(graph.get('training/ratings_ml_training').partitions)).to.match(/^daily/);
    expect(describePartitions(graph.get('analytics/sales_hourly').partitions)).to.match(/^hourly/);
    expect(describePartitions(graph.get('analytics/popular_products').partitions)).to.match(/^hourly/);
  });

  it('keeps the marketing dashboard at most 60 minutes old', () => {
    expect(graph.get('analytics/sales_hourly').freshness).to.deep.equal({ maxLagMinutes: 60 });
  });

  it('has a contract on every source, and owners and a group on every asset', () => {
    for (const key of graph.keys) {
      const a = graph.get(key);
      if (a.source) expect(a.contract, key).to.not.equal(undefined);
      expect(a.owners, key).to.have.length.greaterThan(0);
      expect(a.group, key).to.be.a('string');
    }
  });

  it('uses each kind with its category', () => {
    const byCategory = (c: string) => graph.keys.filter((k) => categoryOf(graph.get(k), graph.kinds) === c);
    expect(byCategory('service')).to.deep.equal(['serving/recommender_api']);
    expect(byCategory('stream')).to.deep.equal(['serving/recommendations']);
    expect(byCategory('source')).to.have.length(6);
  });

  it('makes the model beat popularity with a blocking check', () => {
    const check = graph.get('model/recommender').checks.find((c) => c.type === 'metric_compare' && c.metric === 'recallAt10');
    expect(check).to.include({ op: '>', than: 'baselineRecallAt10' });
    expect(check!.blocking).to.not.equal(false);
  });

  it('serves the latest popular products as the fallback', () => {
    const dep = graph.get('serving/recommender_api').deps.find((d) => d.key === 'analytics/popular_products');
    expect(dep?.mapping).to.deep.equal({ type: 'last' });
  });

  it('keeps itself fresh: the daily batch at 00:30 UTC, indexes eagerly after the model, analytics at :05, serving untouched', async () => {
    const conditions = Object.fromEntries(graph.keys.filter((k) => graph.get(k).automation).map((k) => [k, describeCondition(graph.get(k).automation!)]));
    expect(conditions).to.deep.equal({
      'raw/customers': "on cron '30 0 * * *'",
      'raw/products': "on cron '30 0 * * *'",
      'raw/ratings': "on cron '30 0 * * *'",
      'training/ratings_ml_training': "on cron '30 0 * * *'",
      'model/recommender': "on cron '30 0 * * *'",
      'index/item_embeddings': 'eagerly after deps update',
      'index/user_embeddings': 'eagerly after deps update',
      'analytics/popular_products': "on cron '5 * * * *' ignoring raw/products, raw/ratings",
      'analytics/sales_hourly': "on cron '5 * * * *' ignoring raw/products, raw/customers",
    });
    const log = new MemoryRunLog();
    let state: AutomationState | undefined;
    const tick = async (iso: string) => {
      const r = evaluateAutomation({ graph, snapshot: await log.snapshot(), nowMs: Date.parse(iso), state });
      state = r.state;
      return groupRequests(graph, r.requests, 'tick-x', Date.parse(iso)).map((g) => g.keys);
    };
    await tick('2026-11-30T23:50:00Z');
    expect(await tick('2026-12-01T00:05:00Z')).to.deep.equal([['analytics/sales_hourly'], ['analytics/popular_products']]);
    expect(await tick('2026-12-01T00:30:00Z')).to.deep.equal([
      ['raw/customers', 'raw/products', 'raw/ratings', 'training/ratings_ml_training', 'model/recommender', 'index/item_embeddings', 'index/user_embeddings'],
    ]);
    expect(await tick('2026-12-01T01:05:00Z')).to.deep.equal([['analytics/sales_hourly'], ['analytics/popular_products']]);
  });
});
