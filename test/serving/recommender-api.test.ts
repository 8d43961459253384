import { expect } from 'chai';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiHandler, type ApiHandler } from '../../jobs/serving/recommender-api/routes';
import { createRecommenderService } from '../../jobs/serving/recommender';
import type { VectorIndexReader } from '../../jobs/vector-store/port';
import { API_CONFIG, catalogFixture, urlEvent, type Fixture } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (r: APIGatewayProxyStructuredResultV2): any => JSON.parse(r.body as string);

describe('recommender API (Function URL handler)', () => {
  let fx: Fixture;
  let api: ApiHandler;
  before(async () => {
    fx = await catalogFixture();
    api = createApiHandler(createRecommenderService(fx.deps()), API_CONFIG);
  });
  after(() => fx.cleanup());

  it('GET /recommendations: profile and "because you viewed" lists from the index', async () => {
    const viewed = fx.products[5].productCode;
    const r = await api(urlEvent('GET', '/recommendations', { customer_number: '103', product_code: viewed, k: '5' }));
    expect(r.statusCode).to.equal(200);
    const b = body(r);
    expect(b.fallback).to.equal(false);
    expect(b.based_on_profile.items).to.have.length(5);
    expect(b.because_you_viewed.items).to.have.length(5);
    const codes = b.because_you_viewed.items.map((i: { product_code: string }) => i.product_code);
    expect(codes).to.not.include(viewed);
    expect(b.based_on_profile.items.map((i: { product_code: string }) => i.product_code)).to.not.include(viewed);
    // Scores come sorted best first.
    const scores = b.based_on_profile.items.map((i: { score: number }) => i.score);
    expect([...scores].sort((x, y) => y - x)).to.deep.equal(scores);
  });

  it('an unknown customer without features falls back to popular products, saying why', async () => {
    const b = body(await api(urlEvent('GET', '/recommendations', { customer_number: '999999' })));
    expect(b.fallback).to.equal(true);
    expect(b.reason).to.match(/not in the user index and no features/);
    // The fallback list's declared columns come along under their own names.
    expect(b.based_on_profile.items[0]).to.include({ product_code: fx.products[0].productCode, productName: fx.products[0].productName });
  });

  it('an unknown customer with features gets cold-start recommendations', async () => {
    const b = body(await api(urlEvent('GET', '/recommendations', { customer_number: '999999', city: 'Paris', country: 'France', credit_limit: '50000' })));
    expect(b.fallback).to.equal(false);
    expect(b.based_on_profile.cold_start).to.equal(true);
    expect(b.based_on_profile.items).to.have.length(10);
  });

  it('POST /user_embeddings embeds a new customer; POST /items_from_user ranks items for it', async () => {
    const e = await api(urlEvent('POST', '/user_embeddings', {}, { city: 'Paris', country: 'France', credit_limit: 50000 }));
    expect(e.statusCode).to.equal(200);
    const emb = body(e);
    expect(emb).to.include({ dimension: 33, known: false });
    expect(emb.embedding[32]).to.equal(1);
    const known = body(await api(urlEvent('POST', '/user_embeddings', {}, { customer_number: 104 })));
    expect(known.known).to.equal(true);
    const items = await api(urlEvent('POST', '/items_from_user', { limit: '3' }, { embedding: emb.embedding }));
    expect(items.statusCode).to.equal(200);
    expect(body(items).items).to.have.length(3);
    expect(body(items).fallback).to.equal(false);
  });

  it('GET /items_from_item: similar items, and 404 with the reason for an unknown item', async () => {
    const code = fx.products[1].productCode;
    const b = body(await api(urlEvent('GET', '/items_from_item', { item_id: code, limit: '4' })));
    expect(b.items).to.have.length(4);
    expect(b.items.map((i: { product_code: string }) => i.product_code)).to.not.include(code);
    const missing = await api(urlEvent('GET', '/items_from_item', { item_id: 'NOPE_1' }));
    expect(missing.statusCode).to.equal(404);
    expect(body(missing).error).to.match(/NOPE_1.*not in the item index/);
  });

  const bad: [string, string, Record<string, string>, unknown, RegExp][] = [
    ['GET', '/recommendations', {}, undefined, /give customer_number/],
    ['GET', '/recommendations', { customer_number: 'abc' }, undefined, /customer_number must be a non-negative integer/],
    ['GET', '/recommendations', { customer_number: '-3' }, undefined, /customer_number must be a non-negative integer/],
    ['GET', '/recommendations', { customer_number: '103', k: '0' }, undefined, /k must be between 1 and 100/],
    ['GET', '/recommendations', { customer_number: '103', k: '1000' }, undefined, /k must be between 1 and 100/],
    ['GET', '/recommendations', { customer_number: '103', k: 'ten' }, undefined, /k must be a whole number/],
    ['GET', '/recommendations', { product_code: 'a\u0000b' }, undefined, /product_code must be 1-128 characters without control characters/],
    ['GET', '/recommendations', { customer_number: '103', credit_limit: 'lots' }, undefined, /credit_limit must be a number/],
    ['POST', '/user_embeddings', {}, undefined, /a JSON body is required/],
    ['POST', '/user_embeddings', {}, '{not json', /not valid JSON/],
    ['POST', '/user_embeddings', {}, [1, 2], /must be a JSON object/],
    ['POST', '/user_embeddings', {}, {}, /give user features: city, country, credit_limit \(and customer_number when known\)/],
    ['POST', '/user_embeddings', {}, { country: true }, /country must be a string, got boolean/],
    ['POST', '/items_from_user', {}, { embedding: [1, 2, 3] }, /embedding has 3 numbers, the index expects 33/],
    ['POST', '/items_from_user', {}, { embedding: 'x' }, /embedding must be an array of 33 numbers/],
    ['POST', '/items_from_user', { limit: '-1' }, { embedding: [] }, /limit must be a whole number/],
    ['GET', '/items_from_item', {}, undefined, /item_id is required/],
    // Unknown fields are refused, naming the field and the nearest accepted one.
    ['GET', '/recommendations', { customer_number: '103', creditlimit: '5000' }, undefined, /^unknown field 'creditlimit'; did you mean 'credit_limit'\? \(accepted: customer_number, city, country, credit_limit, product_code, k\)$/],
    ['GET', '/recommendations', { customer_number: '103', state: 'CA' }, undefined, /^unknown field 'state' \(accepted: /],
    ['POST', '/user_embeddings', {}, { city: 'Paris', contry: 'France' }, /^unknown field 'contry'; did you mean 'country'\?/],
    ['POST', '/items_from_user', {}, { embeding: [] }, /^unknown field 'embeding'; did you mean 'embedding'\?/],
    ['POST', '/items_from_user', { limt: '3' }, { embedding: [] }, /^unknown field 'limt'; did you mean 'limit'\?/],
    ['GET', '/items_from_item', { item_id: 'S10_1678', k: '3' }, undefined, /^unknown field 'k' \(accepted: item_id, limit\)$/],
  ];
  for (const [method, path, query, payload, re] of bad) {
    it(`400 with the reason: ${method} ${path} ${JSON.stringify(query)} ${JSON.stringify(payload) ?? ''}`, async () => {
      const r = await api(urlEvent(method, path, query, payload));
      expect(r.statusCode).to.equal(400);
      expect(body(r).error).to.match(re);
    });
  }

  it('unknown routes are 404 and wrong methods 405, with the list of routes', async () => {
    const r = await api(urlEvent('GET', '/nope'));
    expect(r.statusCode).to.equal(404);
    expect(body(r).error).to.match(/GET \/recommendations/);
    expect(body(r).error).to.match(/the lab surface: POST \/lab\/user_embeddings/);
    expect((await api(urlEvent('DELETE', '/recommendations'))).statusCode).to.equal(405);
  });
});

describe('recommender fallbacks', () => {
  let fx: Fixture;
  before(async () => {
    fx = await catalogFixture(100);
  });
  after(() => fx.cleanup());

  it('index unavailable -> popular products with fallback true and the reason', async () => {
    const api = createApiHandler(createRecommenderService(fx.deps({ itemIndex: () => Promise.reject(new Error('connection refused')), userIndex: () => Promise.reject(new Error('connection refused')) })), API_CONFIG);
    const b = body(await api(urlEvent('GET', '/recommendations', { customer_number: '103', k: '3' })));
    expect(b.fallback).to.equal(true);
    expect(b.reason).to.match(/index unavailable: connection refused/);
    expect(b.based_on_profile.items).to.have.length(3);
  });

  it('index slower than the budget -> fallback within the budget', async () => {
    // An index that never answers: an answer at all proves it came on the budget's timer, with no
    // assertion on how long anything took.
    const slow = async (): Promise<VectorIndexReader> => {
      const real = await fx.deps().itemIndex();
      const wait = () => new Promise<never>(() => undefined);
      return { ...real, alias: real.alias, version: real.version, dimension: real.dimension, size: real.size, search: async (...a) => (await wait(), real.search(...a)), get: async (id) => (await wait(), real.get(id)) };
    };
    const api = createApiHandler(createRecommenderService(fx.deps({ itemIndex: slow, userIndex: slow, budgetMs: 50 })), API_CONFIG);
    const b = body(await api(urlEvent('GET', '/recommendations', { customer_number: '103', product_code: fx.products[0].productCode })));
    expect(b.fallback).to.equal(true);
    expect(b.reason).to.match(/slower than budget.*50 ms/);
  });

  it('the fallback list missing too -> still answers: empty list, fallback true, a reason', async () => {
    const api = createApiHandler(createRecommenderService(fx.deps({ itemIndex: () => Promise.reject(new Error('down')), userIndex: () => Promise.reject(new Error('down')), fallback: async () => undefined })), API_CONFIG);
    const r = await api(urlEvent('GET', '/recommendations', { customer_number: '103' }));
    expect(r.statusCode).to.equal(200);
    const b = body(r);
    expect(b.based_on_profile.items).to.deep.equal([]);
    expect(b.fallback).to.equal(true);
    expect(b.reason).to.match(/the fallback list is missing: materialize analytics\/popular_products/);
  });

  it('/user_embeddings without a model -> 503 with the reason', async () => {
    const api = createApiHandler(createRecommenderService(fx.deps({ model: async () => undefined })), API_CONFIG);
    const r = await api(urlEvent('POST', '/user_embeddings', {}, { country: 'France' }));
    expect(r.statusCode).to.equal(503);
    expect(body(r).error).to.match(/materialize model\/recommender/);
  });
});
