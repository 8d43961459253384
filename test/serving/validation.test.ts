/**
 * The input rules of the recommendation API and the stream (jobs/serving/validation.ts), as data:
 * each input with the exact value or reason the caller gets back. The reasons are what a client
 * reads in a 400 answer or a ProcessingFailed record, so their wording is part of the contract.
 */
import { expect } from 'chai';
import { LIMITS, hasFeatures, parseCustomerNumber, parseEmbedding, parseEvent, parseFeatures, parseLimit, parseProductCode, type Parsed } from '../../jobs/serving/validation';

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

  it('customer numbers: positive integers, as numbers or digit strings of at most 15 digits', () => {
    const cases: [unknown, Parsed<number>][] = [
      [103, value(103)],
      ['103', value(103)],
      [1, value(1)],
      ['999999999999999', value(999999999999999)],
      [0, error('customer_number must be a positive integer such as 103, got 0')],
      ['0', error('customer_number must be a positive integer such as 103, got "0"')],
      [-5, error('customer_number must be a positive integer such as 103, got -5')],
      [1.5, error('customer_number must be a positive integer such as 103, got 1.5')],
      [2 ** 53, error(`customer_number must be a positive integer such as 103, got ${2 ** 53}`)],
      ['1000000000000000', error('customer_number must be a positive integer such as 103, got "1000000000000000"')],
      ['12a', error('customer_number must be a positive integer such as 103, got "12a"')],
      ['a12', error('customer_number must be a positive integer such as 103, got "a12"')],
      [undefined, error('customer_number is required (a positive integer such as 103)')],
      [null, error('customer_number is required (a positive integer such as 103)')],
      ['', error('customer_number is required (a positive integer such as 103)')],
      [true, error('customer_number must be a positive integer such as 103, got true')],
    ];
    for (const [raw, expected] of cases) expect(parseCustomerNumber(raw), JSON.stringify(raw)).to.deep.equal(expected);
    expect(parseCustomerNumber(undefined, 'id')).to.deep.equal(error('id is required (a positive integer such as 103)'));
  });

  it('product codes: 1-64 letters, digits, _ . -', () => {
    const cases: [unknown, Parsed<string>][] = [
      ['S10_1678', value('S10_1678')],
      ['a.b-c', value('a.b-c')],
      ['x'.repeat(64), value('x'.repeat(64))],
      ['x'.repeat(65), error(`product_code must be 1-64 letters, digits, '_', '.' or '-', got "${'x'.repeat(65)}"`)],
      ['S10 1678', error(`product_code must be 1-64 letters, digits, '_', '.' or '-', got "S10 1678"`)],
      [' S10', error(`product_code must be 1-64 letters, digits, '_', '.' or '-', got " S10"`)],
      ['S10/', error(`product_code must be 1-64 letters, digits, '_', '.' or '-', got "S10/"`)],
      ['', error('product_code is required (a product code such as S10_1678)')],
      [undefined, error('product_code is required (a product code such as S10_1678)')],
      [12, error('product_code is required (a product code such as S10_1678)')],
    ];
    for (const [raw, expected] of cases) expect(parseProductCode(raw), JSON.stringify(raw)).to.deep.equal(expected);
    // A long bad code is quoted cut to 80 characters.
    const long = parseProductCode('!'.repeat(200));
    expect(long.ok ? '' : long.error).to.equal(`product_code must be 1-64 letters, digits, '_', '.' or '-', got "${'!'.repeat(80)}"`);
  });

  it('features: each optional, strings up to 100 characters, credit_limit a non-negative float32', () => {
    const cases: [Record<string, unknown>, Parsed<unknown>][] = [
      [{}, value({})],
      [{ city: null, country: undefined, credit_limit: '' }, value({})],
      [{ city: 'Nantes', country: 'France', state: 'PL', credit_limit: 21000 }, value({ city: 'Nantes', country: 'France', state: 'PL', credit_limit: 21000 })],
      [{ credit_limit: '21000.5' }, value({ credit_limit: 21000.5 })],
      [{ credit_limit: '0' }, value({ credit_limit: 0 })],
      [{ city: 'x'.repeat(100) }, value({ city: 'x'.repeat(100) })],
      [{ city: 'x'.repeat(101) }, error('city is longer than 100 characters')],
      [{ country: 7 }, error('country must be a string, got number')],
      [{ state: true }, error('state must be a string, got boolean')],
      [{ credit_limit: '-5' }, error('credit_limit must not be negative, got -5')],
      [{ credit_limit: -0.5 }, error('credit_limit must not be negative, got -0.5')],
      [{ credit_limit: '12abc' }, error('credit_limit must be a number, got "12abc"')],
      [{ credit_limit: '1e5' }, error('credit_limit must be a number, got "1e5"')],
      [{ credit_limit: Infinity }, error('credit_limit must be a number, got null')],
      [{ credit_limit: 1e39 }, error('credit_limit is 1e+39, outside the float32 range features are computed in (|x| <= 3.403e+38)')],
      [{ credit_limit: 3.4028234663852886e38 }, value({ credit_limit: 3.4028234663852886e38 })],
    ];
    for (const [raw, expected] of cases) expect(parseFeatures(raw), JSON.stringify(raw)).to.deep.equal(expected);
    expect(hasFeatures({})).to.equal(false);
    expect(hasFeatures({ city: 'Nantes' })).to.equal(true);
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
    const event = { customer_number: 103, city: 'Nantes', country: 'France', credit_limit: 21000, event_time: '2026-01-01T10:00:00Z', browse_history: [{ product_code: 'S10_1678', quantity: 2, in_shopping_cart: true }, { product_code: 'S12_1099' }] };

    it('accepts the contract and fills absent features with null', () => {
      expect(parseEvent(event)).to.deep.equal(
        value({
          customer_number: 103,
          city: 'Nantes',
          country: 'France',
          credit_limit: 21000,
          browse_history: [
            { product_code: 'S10_1678', quantity: 2, in_shopping_cart: true },
            { product_code: 'S12_1099', quantity: undefined, in_shopping_cart: undefined },
          ],
          event_time: '2026-01-01T10:00:00Z',
        }),
      );
      const bare = parseEvent({ customer_number: 7, event_time: '2026-01-01', browse_history: [] });
      expect(bare).to.deep.equal(value({ customer_number: 7, city: null, country: null, credit_limit: null, browse_history: [], event_time: '2026-01-01' }));
    });

    it('names what is wrong with each field', () => {
      const cases: [unknown, string][] = [
        [null, 'event must be a JSON object'],
        ['{}', 'event must be a JSON object'],
        [[event], 'event must be a JSON object'],
        [{ ...event, customer_number: undefined }, 'customer_number must be a number, got nothing'],
        [{ ...event, customer_number: '103' }, 'customer_number must be a number, got string'],
        [{ ...event, customer_number: -1 }, 'customer_number must be a positive integer such as 103, got -1'],
        [{ ...event, city: 5 }, 'city must be a string, got number'],
        [{ ...event, event_time: 'yesterday' }, 'event_time must be an ISO-8601 timestamp, got "yesterday"'],
        [{ ...event, event_time: 1700000000 }, 'event_time must be an ISO-8601 timestamp, got 1700000000'],
        [{ ...event, browse_history: 'S10_1678' }, 'browse_history must be an array of { product_code, quantity, in_shopping_cart }'],
        [{ ...event, browse_history: Array.from({ length: 201 }, () => ({ product_code: 'a' })) }, 'browse_history has 201 entries, at most 200'],
        [{ ...event, browse_history: [{ product_code: 'a' }, null] }, 'browse_history[1] must be an object'],
        [{ ...event, browse_history: [{ product_code: 'a' }, 'b'] }, 'browse_history[1] must be an object'],
        [{ ...event, browse_history: [{ product_code: 'a b' }] }, `browse_history[0].product_code must be 1-64 letters, digits, '_', '.' or '-', got "a b"`],
        [{ ...event, browse_history: [{ quantity: 1 }] }, 'browse_history[0].product_code is required (a product code such as S10_1678)'],
        [{ ...event, browse_history: [{ product_code: 'a', quantity: -1 }] }, 'browse_history[0].quantity must be a non-negative integer, got -1'],
        [{ ...event, browse_history: [{ product_code: 'a', quantity: 1.5 }] }, 'browse_history[0].quantity must be a non-negative integer, got 1.5'],
        [{ ...event, browse_history: [{ product_code: 'a', quantity: '2' }] }, 'browse_history[0].quantity must be a non-negative integer, got "2"'],
        [{ ...event, browse_history: [{ product_code: 'a', in_shopping_cart: 'yes' }] }, 'browse_history[0].in_shopping_cart must be true or false, got "yes"'],
      ];
      for (const [raw, reason] of cases) expect(parseEvent(raw), reason).to.deep.equal(error(reason));
      expect(parseEvent({ ...event, browse_history: Array.from({ length: 200 }, () => ({ product_code: 'a', quantity: 0, in_shopping_cart: false })) }).ok).to.equal(true);
    });
  });
});
