/**
 * The seed lab's clients, run unchanged against Headwater (issue 9, item 12). The client below is
 * written from the lab's interface page alone (/work/wt/lab-interfaces.md, "The inference API the
 * lab's transform calls" and "What the lab's transform writes back"): the lab's Firehose transform,
 * given a base URL, turns the lab producer's events (no timestamp, string quantities, a session id)
 * into records with `recommended_items: [{id, score}]` and a nested `similar_items`. It runs
 * against the recommendation API's Lambda handler behind the local HTTP server `assets serve`
 * uses, on 127.0.0.1, with the environment the stack sets (the serving variables of the API asset),
 * pointed at `<api>/lab`, the base path the reference API declares.
 *
 * The events themselves also go through Headwater's own stream transform, in the lab's output shape.
 */
import { expect } from 'chai';
import referenceGraph from '../../assets';
import { serveHandler, type LocalServer } from '../../jobs/serving/http-server';
import { handler } from '../../jobs/serving/recommender-api/handler';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler } from '../../jobs/serving/stream-transform/transform';
import { servingConfig } from '../../assets/kinds';
import { catalogFixture, setServingEnvironment, STREAM_CONFIG, type Fixture } from './helpers';

/** One browsing event as the lab's producer puts it on Kinesis. */
interface LabEvent {
  session_id: string;
  customer_number: number;
  city: string;
  country: string;
  credit_limit: number;
  browse_history: { product_code: string; quantity: string; in_shopping_cart: boolean }[];
}

/** The lab's transform, as its page describes it: three calls per record, the answers written back as they come. */
function labTransform(base: string) {
  const post = async (url: string, body: unknown) => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
    return (await r.json()) as unknown;
  };
  const get = async (url: string) => {
    const r = await fetch(url);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
    return (await r.json()) as unknown;
  };
  return async (records: { recordId: string; data: string }[]) => {
    const out = [];
    for (const record of records) {
      const event = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as LabEvent;
      const users = [{ city: event.city, country: event.country, creditlimit: event.credit_limit }];
      const embeddings = (await post(`${base}/user_embeddings`, users)) as unknown[];
      const recommended = await post(`${base}/items_from_user?limit=5`, embeddings[0]);
      const browsed = event.browse_history[Math.floor(Math.random() * event.browse_history.length)].product_code;
      const similar = await get(`${base}/items_from_item?item_id=${encodeURIComponent(browsed)}&limit=5`);
      const enriched = { ...event, recommended_items: recommended, similar_items: { product_code: browsed, similar_items: similar } };
      out.push({ recordId: record.recordId, result: 'Ok', data: Buffer.from(JSON.stringify(enriched)).toString('base64') });
    }
    return { records: out };
  };
}

const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64');
const decode = (data: string | undefined) => JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8')) as Record<string, unknown>;

describe("the seed lab's clients against Headwater (lab-compatible surface)", function () {
  this.timeout(30_000);
  let fx: Fixture;
  let server: LocalServer;
  let restore: () => void;
  const previous = { home: process.env.HEADWATER_HOME, mode: process.env.HEADWATER_MODE };
  const events = (): LabEvent[] =>
    [0, 1, 2].map((i) => ({
      session_id: `7d3c1f0e-0000-4000-8000-00000000000${i}`,
      customer_number: i === 2 ? 987654 : fx.customers[i].customerNumber,
      city: ['Nantes', 'Paris', 'Madrid'][i],
      country: ['France', 'France', 'Spain'][i],
      credit_limit: [21000, 59811, 0][i],
      browse_history: [
        { product_code: fx.products[i].productCode, quantity: '1', in_shopping_cart: true },
        { product_code: fx.products[i + 3].productCode, quantity: '7', in_shopping_cart: false },
      ],
    }));

  before(async () => {
    fx = await catalogFixture(150);
    process.env.HEADWATER_HOME = fx.root;
    process.env.HEADWATER_MODE = 'embedded';
    // What the stack sets on the API's Lambda (and `assets serve` sets locally), for the fixture's lake.
    restore = setServingEnvironment('serving/recommender_api', fx.lake);
    server = await serveHandler(handler, { port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await server.close();
    restore();
    for (const [name, value] of [['HEADWATER_HOME', previous.home], ['HEADWATER_MODE', previous.mode]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fx.cleanup();
  });

  it("the lab's transform runs unchanged against <api>/lab and writes back the lab's shapes", async () => {
    const input = events();
    const result = await labTransform(`${server.url}/lab`)(input.map((e, i) => ({ recordId: `r${i}`, data: b64(e) })));
    const codes = new Set(fx.products.map((p) => p.productCode));
    expect(result.records).to.have.length(3);
    result.records.forEach((record, i) => {
      const out = decode(record.data) as Record<string, unknown> & {
        recommended_items: { id: string; score: number }[];
        similar_items: { product_code: string; similar_items: { id: string; distance: number }[] };
      };
      // The event as it came, plus the two fields.
      expect(Object.keys(out)).to.deep.equal([...Object.keys(input[i]), 'recommended_items', 'similar_items']);
      expect(out.recommended_items).to.have.length(5);
      for (const item of out.recommended_items) {
        expect(Object.keys(item)).to.deep.equal(['id', 'score']);
        expect(codes.has(item.id), item.id).to.equal(true);
      }
      const scores = out.recommended_items.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a), 'best first').to.deep.equal(scores);
      expect(input[i].browse_history.map((b) => b.product_code)).to.include(out.similar_items.product_code);
      expect(out.similar_items.similar_items).to.have.length(5);
      for (const item of out.similar_items.similar_items) expect(Object.keys(item)).to.deep.equal(['id', 'distance']);
      const distances = out.similar_items.similar_items.map((s) => s.distance);
      expect([...distances].sort((a, b) => a - b), 'nearest first').to.deep.equal(distances);
      expect(out.similar_items.similar_items.map((s) => s.id)).to.not.include(out.similar_items.product_code);
    });
  });

  it("user_embeddings answers one element per user, and the element is what items_from_user takes back", async () => {
    const users = [
      { city: 'Paris', country: 'France', creditlimit: 59811 },
      { city: 'Oslo', country: 'Norway', creditlimit: 1000 },
    ];
    const r = await fetch(`${server.url}/lab/user_embeddings`, { method: 'POST', body: JSON.stringify(users) });
    expect(r.status).to.equal(200);
    const embeddings = (await r.json()) as number[][];
    expect(embeddings).to.have.length(2);
    expect(embeddings[0]).to.have.length(33);
    expect(embeddings[0]).to.not.deep.equal(embeddings[1]);
    // The same user through Headwater's own route, with the declared field name, embeds the same.
    const own = (await (await fetch(`${server.url}/user_embeddings`, { method: 'POST', body: JSON.stringify({ city: 'Paris', country: 'France', credit_limit: 59811 }) })).json()) as { embedding: number[] };
    expect(own.embedding).to.deep.equal(embeddings[0]);
    const items = await fetch(`${server.url}/lab/items_from_user?limit=3`, { method: 'POST', body: JSON.stringify(embeddings[1]) });
    expect(((await items.json()) as unknown[]).length).to.equal(3);
  });

  it('refuses what the lab surface does not know, naming the field with a did-you-mean', async () => {
    const cases: [string, RequestInit, RegExp][] = [
      ['/lab/user_embeddings', { method: 'POST', body: JSON.stringify([{ city: 'Paris', creditlimt: 5 }]) }, /^\[0\]: unknown field 'creditlimt'; did you mean 'creditlimit'\?/],
      ['/lab/user_embeddings', { method: 'POST', body: JSON.stringify({ city: 'Paris' }) }, /the body must be a JSON array of 1 to 100 user objects/],
      ['/lab/user_embeddings', { method: 'POST', body: JSON.stringify([{ city: 'Paris' }, 'Oslo']) }, /^\[1\] must be a JSON object$/],
      ['/lab/items_from_user?limit=5', { method: 'POST', body: JSON.stringify([1, 2]) }, /the body must be one element of what user_embeddings answered: embedding has 2 numbers, the index expects 33/],
      ['/lab/items_from_item?item_id=S10_1678&count=5', {}, /^unknown field 'count' \(accepted: item_id, limit\)$/],
      // The alias belongs to the lab surface; Headwater's own routes take the declared name only.
      ['/user_embeddings', { method: 'POST', body: JSON.stringify({ city: 'Paris', creditlimit: 5 }) }, /^unknown field 'creditlimit'; did you mean 'credit_limit'\?/],
    ];
    for (const [route, init, re] of cases) {
      const r = await fetch(`${server.url}${route}`, init);
      expect(r.status, route).to.equal(400);
      expect(((await r.json()) as { error: string }).error, route).to.match(re);
    }
    const unknown = await fetch(`${server.url}/lab/recommendations`);
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { error: string }).error).to.match(/routes: POST \/lab\/user_embeddings, POST \/lab\/items_from_user, GET \/lab\/items_from_item/);
  });

  it("Headwater's stream transform takes the lab's events: arrival time for the missing timestamp, string quantities", async () => {
    const transform = createTransformHandler(createRecommenderService(fx.deps()), STREAM_CONFIG, { logFailures: false });
    const arrived = Date.UTC(2026, 10, 22, 5, 30);
    const input = events();
    const res = await transform({ records: input.map((e, i) => ({ recordId: `r${i}`, data: b64(e), approximateArrivalTimestamp: arrived })) as never });
    expect(res.records.map((r) => r.result)).to.deep.equal(['Ok', 'Ok', 'Ok']);
    const out = decode(res.records[0].data);
    expect(out).to.include({ session_id: input[0].session_id, event_time: new Date(arrived).toISOString(), fallback: false });
    expect(out.browse_history).to.deep.equal(input[0].browse_history);
  });

  it("with the lab output declared, Headwater's transform writes the lab's shapes itself", async () => {
    const lab = { ...STREAM_CONFIG, output: 'lab' as const };
    const transform = createTransformHandler(createRecommenderService(fx.deps()), lab, { logFailures: false });
    const input = events();
    const res = await transform({ records: [{ recordId: 'r', data: b64(input[0]) }] as never });
    const out = decode(res.records[0].data) as { recommended_items: { id: string; score: number }[]; similar_items: { product_code: string; similar_items: { id: string; distance: number }[] } };
    expect(out.recommended_items).to.have.length(5);
    expect(Object.keys(out.recommended_items[0])).to.deep.equal(['id', 'score']);
    expect(Object.keys(out.similar_items)).to.deep.equal(['product_code', 'similar_items']);
    expect(input[0].browse_history.map((b) => b.product_code)).to.include(out.similar_items.product_code);
    expect(out.similar_items.similar_items).to.have.length(5);
    expect(Object.keys(out.similar_items.similar_items[0])).to.deep.equal(['id', 'distance']);
    expect(out).to.not.have.property('fallback');
  });

  it('the reference API declares the lab base path and its alias', () => {
    expect(servingConfig(referenceGraph, 'serving/recommender_api').lab).to.deep.equal({ basePath: '/lab', aliases: { creditlimit: 'credit_limit' } });
  });
});
