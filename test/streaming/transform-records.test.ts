/**
 * The Firehose transformation (jobs/serving/stream-transform/transform.ts) over a recording stub
 * of the recommender service: what it asks the service for each event, and exactly what each
 * record comes back as. transform.test.ts runs it over a real catalog and index.
 */
import { expect } from 'chai';
import type { RecommendationResult, RecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler, type TransformOptions } from '../../jobs/serving/stream-transform/transform';
import { LIMITS } from '../../jobs/serving/validation';
import { STREAM_CONFIG } from '../serving/helpers';

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64');
const decode = (data: string | undefined) => JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8')) as Record<string, unknown>;
const items = (...codes: string[]) => codes.map((id) => ({ id, score: 1 }));

interface Calls {
  forUser: unknown[][];
  similarTo: unknown[][];
  knowsItem: string[];
}

/** A service answering from fixed lists and recording every call. */
function stubService(options: { unknown?: string[]; indexDown?: boolean; profileFallback?: boolean; similarFallback?: boolean; throwFor?: number } = {}): { service: RecommenderService; calls: Calls } {
  const calls: Calls = { forUser: [], similarTo: [], knowsItem: [] };
  const service = {
    async forUser(user: string, features: unknown, k: number, exclude?: ReadonlySet<string>): Promise<RecommendationResult> {
      calls.forUser.push([user, features, k, [...(exclude ?? [])]]);
      if (user === String(options.throwFor)) throw new Error('index exploded');
      return { items: items('P1', 'P2'), fallback: options.profileFallback ?? false };
    },
    async similarTo(code: string, k: number, o?: { fallbackOnUnknown?: boolean; exclude?: ReadonlySet<string> }): Promise<RecommendationResult> {
      calls.similarTo.push([code, k, o?.fallbackOnUnknown, [...(o?.exclude ?? [])]]);
      return { items: items('S1'), fallback: options.similarFallback ?? false };
    },
    async knowsItem(code: string): Promise<boolean | undefined> {
      calls.knowsItem.push(code);
      if (options.indexDown) return undefined;
      return !(options.unknown ?? []).includes(code);
    },
  } as unknown as RecommenderService;
  return { service, calls };
}

const event = (over: Record<string, unknown> = {}) => ({
  customer_number: 103,
  city: 'Paris',
  country: 'France',
  credit_limit: 50000,
  browse_history: [{ product_code: 'A' }, { product_code: 'B' }, { product_code: 'A' }],
  event_time: '2026-11-22T05:00:00.000Z',
  ...over,
});

const handler = (stub: ReturnType<typeof stubService>, options: TransformOptions = {}) => createTransformHandler(stub.service, STREAM_CONFIG, { logFailures: false, ...options });

describe('stream transform records (stub service)', () => {
  it('adds recommended_items, similar_items and fallback to the event as it came, in one JSON line', async () => {
    const stub = stubService();
    const res = await handler(stub)({ records: [{ recordId: 'r1', data: b64(event()) }] as never });
    expect(res.records).to.have.length(1);
    expect(res.records[0]).to.include({ recordId: 'r1', result: 'Ok' });
    expect(Buffer.from(res.records[0].data ?? '', 'base64').toString('utf8')).to.equal(`${JSON.stringify({ ...event(), recommended_items: ['P1', 'P2'], similar_items: ['S1'], fallback: false })}\n`);
    // Each browsed product checked once; the last one viewed drives "similar"; browsed products excluded from both lists.
    expect(stub.calls.knowsItem).to.deep.equal(['A', 'B']);
    // Features go to the service under the model's column names (credit_limit is learned as creditLimit).
    expect(stub.calls.forUser).to.deep.equal([['103', { city: 'Paris', country: 'France', creditLimit: 50000 }, 10, ['A', 'B']]]);
    expect(stub.calls.similarTo).to.deep.equal([['A', 10, true, ['A', 'B']]]);
  });

  it('passes k, leaves absent features out, and asks for no similar items without a browse history', async () => {
    const stub = stubService();
    const res = await handler(stub, { k: 3 })({ records: [{ recordId: 'r', data: b64(event({ city: null, country: undefined, credit_limit: null, browse_history: [] })) }] as never });
    expect(decode(res.records[0].data)).to.deep.include({ recommended_items: ['P1', 'P2'], similar_items: [], fallback: false });
    expect(stub.calls.forUser).to.deep.equal([['103', {}, 3, []]]);
    expect(stub.calls.similarTo).to.deep.equal([]);
  });

  it('says fallback when either list fell back', async () => {
    for (const [opts, expected] of [
      [{}, false],
      [{ profileFallback: true }, true],
      [{ similarFallback: true }, true],
    ] as const) {
      const res = await handler(stubService(opts))({ records: [{ recordId: 'r', data: b64(event()) }] as never });
      expect(decode(res.records[0].data).fallback, JSON.stringify(opts)).to.equal(expected);
    }
  });

  it('scores a record with an unavailable index, fails one with a product the index does not know', async () => {
    const down = await handler(stubService({ indexDown: true }))({ records: [{ recordId: 'r', data: b64(event()) }] as never });
    expect(down.records[0].result).to.equal('Ok');
    const data = b64(event());
    const unknown = await handler(stubService({ unknown: ['B'] }))({ records: [{ recordId: 'r', data }] as never });
    expect(unknown.records[0]).to.deep.equal({ recordId: 'r', result: 'ProcessingFailed', data, reason: "unknown product_code 'B' in browse_history" });
  });

  it('fails bad records with exact reasons, keeping their data', async () => {
    const max = Math.ceil(LIMITS.maxRecordBytes / 3) * 4;
    const cases: [unknown, string][] = [
      ['', 'data is empty or not a base64 string'],
      [undefined, 'data is empty or not a base64 string'],
      [42, 'data is empty or not a base64 string'],
      ['A'.repeat(max + 4), `record is larger than ${LIMITS.maxRecordBytes} bytes`],
      ['abc', 'data is not valid base64'],
      ['ab!=', 'data is not valid base64'],
      [b64('{"a":'), `data is not valid JSON: ${(() => { try { JSON.parse('{"a":'); } catch (e) { return (e as Error).message; } })()}`],
      [b64(event({ customer_number: -1 })), 'customer_number must be a non-negative integer, got -1'],
    ];
    const res = await handler(stubService())({ records: cases.map(([data], i) => ({ recordId: `r${i}`, data })) as never });
    cases.forEach(([data, reason], i) => {
      expect(res.records[i], reason).to.deep.equal({ recordId: `r${i}`, result: 'ProcessingFailed', data: typeof data === 'string' ? data : '', reason });
    });
    // A record of exactly the largest size is read (and here fails as JSON, not as too large).
    const atMax = await handler(stubService())({ records: [{ recordId: 'm', data: 'A'.repeat(max) }] as never });
    expect(atMax.records[0].reason).to.match(/^data is not valid JSON/);
  });

  it('answers every record once, in order, across chunks of `concurrency`, naming records without an id', async () => {
    const stub = stubService({ throwFor: 7 });
    const records = Array.from({ length: 7 }, (_, i) => ({ recordId: `r${i}`, data: b64(event({ customer_number: i + 1 })) })) as { recordId?: string; data: string }[];
    delete records[4].recordId;
    const res = await handler(stub, { concurrency: 3 })({ records: records as never });
    expect(res.records.map((r) => r.recordId)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'missing-id-4', 'r5', 'r6']);
    expect(res.records.slice(0, 6).map((r) => r.result)).to.deep.equal(['Ok', 'Ok', 'Ok', 'Ok', 'Ok', 'Ok']);
    // A service error fails that record alone, saying so.
    expect(res.records[6]).to.deep.equal({ recordId: 'r6', result: 'ProcessingFailed', data: records[6].data, reason: 'transform error: index exploded' });
    expect(stub.calls.forUser.map((c) => c[0])).to.deep.equal(['1', '2', '3', '4', '5', '6', '7']);
    expect(await handler(stub)({ records: undefined } as never)).to.deep.equal({ records: [] });
  });

  it('logs each failure as one JSON line unless told not to', async () => {
    const lines: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => lines.push(line);
    try {
      await createTransformHandler(stubService().service, STREAM_CONFIG)({ records: [{ recordId: 'bad', data: '' }] as never });
      await createTransformHandler(stubService().service, STREAM_CONFIG, { logFailures: false })({ records: [{ recordId: 'quiet', data: '' }] as never });
    } finally {
      console.warn = warn;
    }
    expect(lines.map((l) => JSON.parse(l))).to.deep.equal([{ level: 'warn', msg: 'record failed', recordId: 'bad', reason: 'data is empty or not a base64 string' }]);
  });
  it('fills a missing event time with the arrival time, or now when the record has none, and keeps a given one', async () => {
    const arrived = Date.parse('2026-11-22T07:30:00.000Z');
    const noTime = b64(event({ event_time: undefined }));
    const before = Date.now();
    const res = await handler(stubService())({
      records: [
        { recordId: 'a', data: noTime, approximateArrivalTimestamp: arrived },
        { recordId: 'b', data: b64(event()), approximateArrivalTimestamp: arrived },
        { recordId: 'c', data: noTime, approximateArrivalTimestamp: Number.NaN },
        { recordId: 'd', data: noTime, approximateArrivalTimestamp: String(arrived) },
        { recordId: 'e', data: noTime },
      ] as never,
    });
    const after = Date.now();
    expect(decode(res.records[0].data).event_time).to.equal('2026-11-22T07:30:00.000Z');
    expect(decode(res.records[1].data).event_time).to.equal('2026-11-22T05:00:00.000Z');
    for (const r of res.records.slice(2)) {
      const t = Date.parse(String(decode(r.data).event_time));
      expect(t, r.recordId).to.be.within(before, after);
    }
  });

  it('writes the lab shapes: five items with scores, and the viewed item with its neighbours at distance -score', async () => {
    const stub = stubService({ similarFallback: true });
    const lab = createTransformHandler(stub.service, { ...STREAM_CONFIG, output: 'lab' }, { logFailures: false });
    const res = await lab({ records: [{ recordId: 'r', data: b64(event({ browse_history: [{ product_code: 'B' }] })) }] as never });
    expect(Buffer.from(res.records[0].data ?? '', 'base64').toString('utf8')).to.equal(
      `${JSON.stringify({ ...event({ browse_history: [{ product_code: 'B' }] }), recommended_items: [{ id: 'P1', score: 1 }, { id: 'P2', score: 1 }], similar_items: { product_code: 'B', similar_items: [{ id: 'S1', distance: -1 }] } })}\n`,
    );
    expect(stub.calls.forUser.map((c) => c[2])).to.deep.equal([5]);
    expect(stub.calls.similarTo).to.deep.equal([['B', 5, true, ['B']]]);
    const none = await lab({ records: [{ recordId: 'r', data: b64(event({ browse_history: [] })) }] as never });
    expect(decode(none.records[0].data).similar_items).to.deep.equal({ product_code: null, similar_items: [] });
    const k3 = stubService();
    await createTransformHandler(k3.service, { ...STREAM_CONFIG, output: 'lab' }, { logFailures: false, k: 3 })({ records: [{ recordId: 'r', data: b64(event()) }] as never });
    expect(k3.calls.forUser.map((c) => c[2])).to.deep.equal([3]);
  });

  it('the lab output looks up one browsed item at random, Headwater the latest', async () => {
    const random = Math.random;
    const picks: unknown[] = [];
    try {
      for (const r of [0, 0.5, 0.99]) {
        Math.random = () => r;
        const stub = stubService();
        await createTransformHandler(stub.service, { ...STREAM_CONFIG, output: 'lab' }, { logFailures: false })({ records: [{ recordId: 'r', data: b64(event({ browse_history: [{ product_code: 'X' }, { product_code: 'Y' }, { product_code: 'Z' }] })) }] as never });
        picks.push(stub.calls.similarTo[0][0]);
      }
    } finally {
      Math.random = random;
    }
    expect(picks).to.deep.equal(['X', 'Y', 'Z']);
    const stub = stubService();
    await handler(stub)({ records: [{ recordId: 'r', data: b64(event({ browse_history: [{ product_code: 'X' }, { product_code: 'Y' }, { product_code: 'Z' }] })) }] as never });
    expect(stub.calls.similarTo[0][0]).to.equal('Z');
  });

  it('refuses a serving config without an event shape or output fields, naming the asset', () => {
    expect(() => createTransformHandler(stubService().service, { ...STREAM_CONFIG, event: undefined })).to.throw(/^serving\/recommendations: the serving config has no event shape; it is built for stream-delivery assets$/);
    expect(() => createTransformHandler(stubService().service, { ...STREAM_CONFIG, outputFields: undefined })).to.throw(/^serving\/recommendations: the serving config names no output fields; it was built by another version of Headwater$/);
  });

  it('a record that fails outside the reader keeps its id and data', async () => {
    const data = b64(event());
    const res = await handler(stubService({ throwFor: 103 }))({ records: [{ recordId: 'r', data }] as never });
    expect(res.records).to.deep.equal([{ recordId: 'r', result: 'ProcessingFailed', data, reason: 'transform error: index exploded' }]);
  });
});
