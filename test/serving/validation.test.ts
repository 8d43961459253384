/**
 * The input rules of the recommendation API and the stream (jobs/serving/validation.ts), as data:
 * each input with the exact value or reason the caller gets back. The reasons are what a client
 * reads in a 400 answer or a ProcessingFailed record, so their wording is part of the contract.
 */
import { expect } from 'chai';
import type { ServedFeature, ServedId } from '../../assets/kinds';
import { LIMITS, hasFeatures, parseEmbedding, parseEvent, parseFeatures, parseId, parseLimit, typedId, unknownField, type Parsed } from '../../jobs/serving/validation';
import { API_CONFIG, STREAM_CONFIG } from './helpers';

const value = <T>(v: T): Parsed<T> => ({ ok: true, value: v });
const error = (e: string): Parsed<never> => ({ ok: false, error: e });

describe('serving input validation', () => {
  it('limits: 1..100, 10 when absent', () => {
    expect(LIMITS).to.deep.equal({ maxK: 100, defaultK: 10, maxStringLength: 100, maxBrowseHistory: 200, maxRecordBytes: 65536, maxBodyBytes: 65536 });
    const cases: [string | undefined, Parsed<number>][] = [
      [undefined, value(10)],
      ['', value(10)],
      ['1', value(1)],
      ['100', value(100)],
      ['007', value(7)],
      ['0', error('k must be between 1 and 100, got 0')],
      ['101', error('k must be between 1 and 100, got 101')],
      ['-1', error("k must be a whole number between 1 and 100, got '-1'")],
      ['2.5', error("k must be a whole number between 1 and 100, got '2.5'")],
      ['5x', error("k must be a whole number between 1 and 100, got '5x'")],
      ['x5', error("k must be a whole number between 1 and 100, got 'x5'")],
    ];
    for (const [raw, expected] of cases) expect(parseLimit(raw, 'k'), String(raw)).to.deep.equal(expected);
  });

  const customer: ServedId = { field: 'customer_number', idType: 'integer' };
  const product: ServedId = { field: 'product_code', idType: 'string' };

  it('integer ids: non-negative integers, as numbers or digit strings of at most 15 digits, as their text', () => {
    const cases: [unknown, Parsed<string>][] = [
      [103, value('103')],
      ['103', value('103')],
      ['0103', value('103')],
      [0, value('0')],
      ['999999999999999', value('999999999999999')],
      [-5, error('customer_number must be a non-negative integer, got -5')],
      [1.5, error('customer_number must be a non-negative integer, got 1.5')],
      [2 ** 53, error(`customer_number must be a non-negative integer, got ${2 ** 53}`)],
      ['1000000000000000', error('customer_number must be a non-negative integer, got "1000000000000000"')],
      ['12a', error('customer_number must be a non-negative integer, got "12a"')],
      ['-1', error('customer_number must be a non-negative integer, got "-1"')],
      [undefined, error('customer_number is required (an integer id)')],
      [null, error('customer_number is required (an integer id)')],
      ['', error('customer_number is required (an integer id)')],
      [true, error('customer_number must be a non-negative integer, got true')],
    ];
    for (const [raw, expected] of cases) expect(parseId(raw, customer), JSON.stringify(raw)).to.deep.equal(expected);
    expect(parseId(undefined, customer, 'id')).to.deep.equal(error('id is required (an integer id)'));
    expect(typedId('103', customer)).to.equal(103);
  });

  it('string ids: 1-128 characters, no control characters', () => {
    const cases: [unknown, Parsed<string>][] = [
      ['S10_1678', value('S10_1678')],
      ['spotify:track:4uLU6hMC', value('spotify:track:4uLU6hMC')],
      ['a b', value('a b')],
      ['x'.repeat(128), value('x'.repeat(128))],
      ['x'.repeat(129), error(`product_code must be 1-128 characters without control characters, got "${'x'.repeat(80)}"`)],
      ['a\nb', error('product_code must be 1-128 characters without control characters, got "a\\nb"')],
      ['', error('product_code is required (a string id)')],
      [undefined, error('product_code is required (a string id)')],
      [12, error('product_code must be a string, got number')],
    ];
    for (const [raw, expected] of cases) expect(parseId(raw, product), JSON.stringify(raw)).to.deep.equal(expected);
    expect(typedId('S10_1678', product)).to.equal('S10_1678');
  });

  it("features: the model's declared fields, each optional, keyed by model column", () => {
    const features = API_CONFIG.user.features;
    const cases: [Record<string, unknown>, Parsed<unknown>][] = [
      [{}, value({})],
      [{ city: null, country: undefined, credit_limit: '' }, value({})],
      [{ city: 'Nantes', country: 'France', credit_limit: 21000 }, value({ city: 'Nantes', country: 'France', creditLimit: 21000 })],
      [{ credit_limit: '21000.5' }, value({ creditLimit: 21000.5 })],
      [{ credit_limit: '-5' }, value({ creditLimit: -5 })],
      [{ country: 7 }, value({ country: '7' })],
      [{ city: 'x'.repeat(100) }, value({ city: 'x'.repeat(100) })],
      [{ city: 'x'.repeat(101) }, error('city is longer than 100 characters')],
      [{ country: true }, error('country must be a string, got boolean')],
      [{ credit_limit: '12abc' }, error('credit_limit must be a number, got "12abc"')],
      [{ credit_limit: '1e5' }, error('credit_limit must be a number, got "1e5"')],
      [{ credit_limit: Infinity }, error('credit_limit must be a number, got null')],
      [{ credit_limit: 1e39 }, error('credit_limit is 1e+39, outside the float32 range features are computed in (|x| <= 3.403e+38)')],
      [{ credit_limit: 3.4028234663852886e38 }, value({ creditLimit: 3.4028234663852886e38 })],
    ];
    for (const [raw, expected] of cases) expect(parseFeatures(raw, features), JSON.stringify(raw)).to.deep.equal(expected);
    expect(hasFeatures({})).to.equal(false);
    expect(hasFeatures({ city: 'Nantes' })).to.equal(true);
  });

  it('multi-valued features: a list of strings, or one string split on the separator', () => {
    const genres: ServedFeature[] = [{ field: 'genres', column: 'genre_list', type: 'multi', separator: '|' }];
    expect(parseFeatures({ genres: ['Drama', 'War'] }, genres)).to.deep.equal(value({ genre_list: ['Drama', 'War'] }));
    expect(parseFeatures({ genres: 'Drama|War|' }, genres)).to.deep.equal(value({ genre_list: ['Drama', 'War'] }));
    expect(parseFeatures({ genres: { a: 1 } }, genres)).to.deep.equal(error("genres must be a list of strings (or one string of values separated by '|'), got object"));
    expect(parseFeatures({ genres: ['Drama', false] }, genres)).to.deep.equal(error('genres[1] must be a string, got boolean'));
    expect(parseFeatures({ genres: Array.from({ length: 101 }, () => 'x') }, genres)).to.deep.equal(error('genres has 101 values, at most 100'));
  });

  it('unknown fields: the first one, with the nearest accepted field when one is close', () => {
    const known = ['customer_number', 'city', 'country', 'credit_limit'];
    expect(unknownField({ city: 'x', credit_limit: 1 }, known)).to.equal(undefined);
    expect(unknownField({ creditlimit: 1 }, known)).to.equal("unknown field 'creditlimit'; did you mean 'credit_limit'? (accepted: customer_number, city, country, credit_limit)");
    expect(unknownField({ city: 'x', planet: 'Mars' }, known)).to.equal("unknown field 'planet' (accepted: customer_number, city, country, credit_limit)");
  });

  it('embeddings: exactly `dimension` finite float32 numbers whose squared norm is a float32 too', () => {
    expect(parseEmbedding([1, -2, 0.5], 3)).to.deep.equal(value(new Float32Array([1, -2, 0.5])));
    expect(parseEmbedding('1,2,3', 3)).to.deep.equal(error('embedding must be an array of 3 numbers'));
    expect(parseEmbedding([1, 2], 3)).to.deep.equal(error('embedding has 2 numbers, the index expects 3'));
    expect(parseEmbedding([1, 2, 3, 4], 3)).to.deep.equal(error('embedding has 4 numbers, the index expects 3'));
    expect(parseEmbedding([1, '2', 3], 3)).to.deep.equal(error('embedding[1] must be a finite number, got "2"'));
    expect(parseEmbedding([1, 2, NaN], 3)).to.deep.equal(error('embedding[2] must be a finite number, got null'));
    expect(parseEmbedding([-1e39, 0], 2)).to.deep.equal(error('embedding[0] is -1e+39, outside the float32 range of an embedding (|x| <= 3.403e+38)'));
    expect(parseEmbedding([2e19, 2e19], 2)).to.deep.equal(error("embedding's squared norm 8.000e+38 is outside the float32 range scores are computed in; send the embedding /user_embeddings returned"));
    expect(parseEmbedding([1e19, 1e19], 2).ok).to.equal(true);
  });

  describe('stream events', () => {
    const fields = { user: STREAM_CONFIG.user, item: STREAM_CONFIG.item, event: STREAM_CONFIG.event! };
    const parse = (x: unknown) => parseEvent(x, fields);
    const event = { customer_number: 103, city: 'Nantes', country: 'France', credit_limit: 21000, event_time: '2026-01-01T10:00:00Z', browse_history: [{ product_code: 'S10_1678', quantity: 2, in_shopping_cart: true }, { product_code: 'S12_1099' }] };

    it("reads the declared fields: the user id, the model's features by column, the history's item ids, the time", () => {
      expect(parse(event)).to.deep.equal(value({ user: '103', features: { city: 'Nantes', country: 'France', creditLimit: 21000 }, history: ['S10_1678', 'S12_1099'], time: '2026-01-01T10:00:00Z' }));
      expect(parse({ customer_number: 7, browse_history: [] })).to.deep.equal(value({ user: '7', features: {}, history: [] }));
    });

    it("takes the seed lab's events: no timestamp, string quantities, fields it does not read", () => {
      const lab = { session_id: 'b3c1', customer_number: 103, city: 'Nantes', country: 'France', credit_limit: 21000, browse_history: [{ product_code: 'S10_1678', quantity: '7', in_shopping_cart: false }] };
      expect(parse(lab)).to.deep.equal(value({ user: '103', features: { city: 'Nantes', country: 'France', creditLimit: 21000 }, history: ['S10_1678'] }));
    });

    it('names what is wrong with each field', () => {
      const cases: [unknown, string][] = [
        [null, 'event must be a JSON object'],
        ['{}', 'event must be a JSON object'],
        [[event], 'event must be a JSON object'],
        [{ ...event, customer_number: undefined }, 'customer_number is required (an integer id)'],
        [{ ...event, customer_number: -1 }, 'customer_number must be a non-negative integer, got -1'],
        [{ ...event, city: true }, 'city must be a string, got boolean'],
        [{ ...event, event_time: 'yesterday' }, 'event_time must be an ISO-8601 timestamp, got "yesterday"'],
        [{ ...event, event_time: 1700000000 }, 'event_time must be an ISO-8601 timestamp, got 1700000000'],
        [{ ...event, browse_history: 'S10_1678' }, 'browse_history must be an array of { product_code, quantity, in_shopping_cart }'],
        [{ ...event, browse_history: Array.from({ length: 201 }, () => ({ product_code: 'a' })) }, 'browse_history has 201 entries, at most 200'],
        [{ ...event, browse_history: [{ product_code: 'a' }, null] }, 'browse_history[1] must be an object'],
        [{ ...event, browse_history: [{ product_code: 'a' }, 'b'] }, 'browse_history[1] must be an object'],
        [{ ...event, browse_history: [{ product_code: 'a\u0001' }] }, 'browse_history[0].product_code must be 1-128 characters without control characters, got "a\\u0001"'],
        [{ ...event, browse_history: [{ quantity: 1 }] }, 'browse_history[0].product_code is required (a string id)'],
        [{ ...event, browse_history: [{ product_code: 'a', quantity: 1.5 }] }, 'browse_history[0].quantity must be an integer (or a string of digits), got 1.5'],
        [{ ...event, browse_history: [{ product_code: 'a', quantity: 'two' }] }, 'browse_history[0].quantity must be an integer (or a string of digits), got "two"'],
        [{ ...event, browse_history: [{ product_code: 'a', in_shopping_cart: 'yes' }] }, 'browse_history[0].in_shopping_cart must be true or false, got "yes"'],
      ];
      for (const [raw, reason] of cases) expect(parse(raw), reason).to.deep.equal(error(reason));
      expect(parse({ ...event, browse_history: Array.from({ length: 200 }, () => ({ product_code: 'a', quantity: 0, in_shopping_cart: false })) }).ok).to.equal(true);
    });
  });
});
