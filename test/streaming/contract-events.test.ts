/**
 * A graph module with no event generator still gets events for its stream: shaped by the stream
 * source's contract, with the ids of the indexes the delivery reads in the indexes' id fields.
 * The reference's stream transform accepts them as it accepts its own generator's.
 */
import { expect } from 'chai';
import referenceGraph, { demoData } from '../../assets';
import { defineAsset, defineGraph } from '../../assets/core';
import { kinesisStream, REFERENCE_KINDS } from '../../assets/kinds';
import { contractEvents, streamEventsFor } from '../../jobs/embedded/stream/contract-events';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler } from '../../jobs/serving/stream-transform/transform';
import { catalogFixture, type Fixture } from '../serving/helpers';

describe('stream events derived from the stream contract', function () {
  this.timeout(60_000);
  const target = embeddedStreamOf(referenceGraph);
  const contract = referenceGraph.get(target.streamKey).contract!;

  it("fills every column by its type, the indexes' id fields with their ids, and the time with the put time", () => {
    expect(target.indexIdFields).to.deep.equal({ item: 'product_code', user: 'customer_number' });
    const events = contractEvents(contract, target.indexIdFields, target.streamKey);
    const at = new Date('2026-12-01T08:00:00Z');
    const next = events.generator({ users: ['103', '112', '114'], items: ['S10_1678', 'S10_1949', 'S12_1099'] }, { seed: 3, now: () => at });
    const all = Array.from({ length: 200 }, () => next() as Record<string, unknown>);
    for (const e of all) {
      expect(Object.keys(e)).to.deep.equal(contract.columns.map((c) => c.name));
      expect(e.customer_number).to.be.a('number');
      expect(e.event_time).to.equal(at.toISOString());
      const history = e.browse_history as { product_code: string; quantity: number; in_shopping_cart: boolean }[];
      expect(history.length).to.be.within(1, 5);
      const codes = history.map((h) => h.product_code);
      expect(codes.every((c) => ['S10_1678', 'S10_1949', 'S12_1099'].includes(c))).to.equal(true);
      expect(new Set(codes).size, 'an event views each item once').to.equal(Math.min(codes.length, 3));
      expect(history[0].quantity).to.be.a('number');
      expect(history[0].in_shopping_cart).to.be.a('boolean');
      expect(e.credit_limit).to.be.a('number');
    }
    const known = all.filter((e) => [103, 112, 114].includes(e.customer_number as number)).length;
    expect(known, 'mostly known users, a few new ones').to.be.within(170, 199);
    expect(events.partitionKey!({ customer_number: 112 })).to.equal('112');
    expect(events.eventTime!({ event_time: 'x' })).to.equal('x');
  });

  it("prefers the graph module's own generator, and has none for a stream without a contract", () => {
    expect(streamEventsFor(referenceGraph, target, demoData.stream)).to.equal(demoData.stream);
    expect(streamEventsFor(referenceGraph, target)).to.have.property('generator');
    const bare = defineAsset({ key: 'stream/raw_clicks', source: true, compute: kinesisStream(), storage: { kind: 'kinesis' } });
    const graph = defineGraph([bare], { kinds: REFERENCE_KINDS });
    expect(streamEventsFor(graph, { ...target, streamKey: 'stream/raw_clicks', indexIdFields: {} })).to.equal(undefined);
  });

  describe('through the stream transform', () => {
    let fx: Fixture;
    before(async () => (fx = await catalogFixture(60)));
    after(() => fx?.cleanup());

    it('the transform recommends for them (Ok), as for the demo generator\'s events', async () => {
      const next = contractEvents(contract, target.indexIdFields, target.streamKey).generator({ users: fx.customers.map((c) => String(c.customerNumber)), items: fx.products.map((p) => p.productCode) });
      const transform = createTransformHandler(createRecommenderService(fx.deps()), target.serving!, { logFailures: false });
      const records = Array.from({ length: 40 }, (_, i) => ({ recordId: String(i), approximateArrivalTimestamp: Date.now(), data: Buffer.from(JSON.stringify(next())).toString('base64') }));
      const out = await transform({ records });
      const failed = out.records.filter((r) => r.result !== 'Ok');
      expect(failed.map((r) => Buffer.from(r.data ?? '', 'base64').toString().slice(0, 200)), 'every derived event is valid').to.deep.equal([]);
    });
  });
});
