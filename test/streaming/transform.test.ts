import { expect } from 'chai';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler, type TransformHandler } from '../../jobs/serving/stream-transform/transform';
import { LIMITS } from '../../jobs/serving/validation';
import { catalogFixture, STREAM_CONFIG, type Fixture } from '../serving/helpers';

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64');
const decode = (data: string | undefined) => JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8'));

describe('stream transform (Firehose data transformation)', () => {
  let fx: Fixture;
  let transform: TransformHandler;
  const event = (over: Record<string, unknown> = {}) => ({
    customer_number: 103,
    city: 'Paris',
    country: 'France',
    credit_limit: 50000,
    browse_history: [
      { product_code: fx.products[0].productCode, quantity: 1, in_shopping_cart: true },
      { product_code: fx.products[1].productCode, quantity: 0, in_shopping_cart: false },
    ],
    event_time: '2026-11-22T05:00:00.000Z',
    ...over,
  });
  before(async () => {
    fx = await catalogFixture(200);
    transform = createTransformHandler(createRecommenderService(fx.deps()), STREAM_CONFIG, { logFailures: false });
  });
  after(() => fx.cleanup());

  it('returns each event with recommended_items and similar_items, result Ok', async () => {
    const res = await transform({ records: [{ recordId: 'r1', data: b64(event()) } as never] });
    expect(res.records).to.have.length(1);
    expect(res.records[0]).to.include({ recordId: 'r1', result: 'Ok' });
    const out = decode(res.records[0].data);
    expect(out.customer_number).to.equal(103);
    expect(out.recommended_items).to.have.length(10);
    expect(out.similar_items).to.have.length(10);
    expect(out.fallback).to.equal(false);
    // Browsed products are not recommended back.
    expect(out.recommended_items).to.not.include(fx.products[0].productCode);
    expect(out.similar_items).to.not.include(fx.products[1].productCode);
  });

  it('every malformed-record class is ProcessingFailed with its reason; the batch still succeeds', async () => {
    const cases: [string, string, RegExp][] = [
      ['bad base64', '!!!not base64!!!', /not valid base64/],
      ['empty data', '', /empty/],
      ['bad JSON', b64('{"customer_number": 1,'), /not valid JSON/],
      ['not an object', b64([1, 2]), /must be a JSON object/],
      ['missing customer_number', b64(event({ customer_number: undefined })), /customer_number is required \(an integer id\)/],
      ['mistyped customer_number', b64(event({ customer_number: '10x3' })), /customer_number must be a non-negative integer, got "10x3"/],
      ['mistyped credit_limit', b64(event({ credit_limit: 'rich' })), /credit_limit must be a number/],
      ['bad event_time', b64(event({ event_time: 'yesterday' })), /event_time must be an ISO-8601/],
      ['missing browse_history', b64(event({ browse_history: undefined })), /browse_history must be an array/],
      ['mistyped browse item', b64(event({ browse_history: [{ product_code: 42 }] })), /browse_history\[0\]\.product_code must be a string, got number/],
      ['mistyped in_shopping_cart', b64(event({ browse_history: [{ product_code: fx.products[0].productCode, in_shopping_cart: 'yes' }] })), /in_shopping_cart must be true or false/],
      ['unknown product code', b64(event({ browse_history: [{ product_code: 'S99_0000' }] })), /unknown product_code 'S99_0000'/],
      ['oversize', b64(event({ pad: 'x'.repeat(LIMITS.maxRecordBytes) })), /larger than 65536 bytes/],
    ];
    const records = [
      { recordId: 'good-1', data: b64(event()) },
      ...cases.map(([name, data]) => ({ recordId: name, data })),
      { recordId: 'good-2', data: b64(event({ customer_number: 104 })) },
    ];
    const res = await transform({ records: records as never });
    expect(res.records.map((r) => r.recordId)).to.deep.equal(records.map((r) => r.recordId));
    const failed = res.records.filter((r) => r.result === 'ProcessingFailed');
    const ok = res.records.filter((r) => r.result === 'Ok');
    expect(ok.map((r) => r.recordId)).to.deep.equal(['good-1', 'good-2']);
    expect(failed).to.have.length(cases.length);
    expect(ok.length + failed.length).to.equal(records.length);
    for (const [name, data, re] of cases) {
      const r = res.records.find((x) => x.recordId === name)!;
      expect(r.reason, name).to.match(re);
      // Firehose keeps the original data of a failed record for the error prefix.
      expect(r.data, name).to.equal(data);
    }
  });

  it('an unknown customer is scored from the event features (cold start)', async () => {
    const res = await transform({ records: [{ recordId: 'new', data: b64(event({ customer_number: 987654 })) } as never] });
    const out = decode(res.records[0].data);
    expect(res.records[0].result).to.equal('Ok');
    expect(out.fallback).to.equal(false);
    expect(out.recommended_items).to.have.length(10);
  });

  it('with the index down, records are still Ok with popular products and fallback true', async () => {
    const down = createTransformHandler(
      createRecommenderService(fx.deps({ itemIndex: () => Promise.reject(new Error('down')), userIndex: () => Promise.reject(new Error('down')) })),
      STREAM_CONFIG,
      { logFailures: false },
    );
    const res = await down({ records: [{ recordId: 'r', data: b64(event()) } as never] });
    expect(res.records[0].result).to.equal('Ok');
    const out = decode(res.records[0].data);
    expect(out.fallback).to.equal(true);
    expect(out.recommended_items.length).to.be.greaterThan(0);
  });
});
