/**
 * Input validation for the recommendation API and the stream events. Each parser returns the value
 * or `{ error }` with a reason a caller can act on (the API answers 400 with it; the stream marks
 * the record ProcessingFailed with it).
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** Limits shared by the API and the stream. */
export const LIMITS = {
  maxK: 100,
  defaultK: 10,
  maxStringLength: 100,
  maxBrowseHistory: 200,
  /** Largest accepted stream record, decoded bytes (Firehose itself caps records at 1,000 KiB). */
  maxRecordBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024,
} as const;

const PRODUCT_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** `k` / `limit`: an integer in 1..maxK, default when absent. */
export function parseLimit(raw: string | undefined, name: string): Parsed<number> {
  if (raw === undefined || raw === '') return ok(LIMITS.defaultK);
  if (!/^\d+$/.test(raw)) return fail(`${name} must be a whole number between 1 and ${LIMITS.maxK}, got '${raw}'`);
  const n = Number(raw);
  if (n < 1 || n > LIMITS.maxK) return fail(`${name} must be between 1 and ${LIMITS.maxK}, got ${n}`);
  return ok(n);
}

/** A customer number: a positive integer, given as a number or a string of digits. */
export function parseCustomerNumber(raw: unknown, name = 'customer_number'): Parsed<number> {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return ok(raw);
  if (typeof raw === 'string' && /^\d{1,15}$/.test(raw) && Number(raw) > 0) return ok(Number(raw));
  if (raw === undefined || raw === null || raw === '') return fail(`${name} is required (a positive integer such as 103)`);
  return fail(`${name} must be a positive integer such as 103, got ${JSON.stringify(raw)}`);
}

/** A product code such as `S10_1678`. */
export function parseProductCode(raw: unknown, name = 'product_code'): Parsed<string> {
  if (typeof raw !== 'string' || raw === '') return fail(`${name} is required (a product code such as S10_1678)`);
  if (!PRODUCT_CODE.test(raw)) return fail(`${name} must be 1-64 letters, digits, '_', '.' or '-', got ${JSON.stringify(raw.slice(0, 80))}`);
  return ok(raw);
}

/** Customer features used to embed a customer the index does not know. */
export interface CustomerFeatures {
  readonly city?: string;
  readonly country?: string;
  readonly state?: string;
  readonly credit_limit?: number;
}

function optionalString(x: Record<string, unknown>, name: string): Parsed<string | undefined> {
  const v = x[name];
  if (v === undefined || v === null) return ok(undefined);
  if (typeof v !== 'string') return fail(`${name} must be a string, got ${typeof v}`);
  if (v.length > LIMITS.maxStringLength) return fail(`${name} is longer than ${LIMITS.maxStringLength} characters`);
  return ok(v);
}

function optionalNumber(x: Record<string, unknown>, name: string): Parsed<number | undefined> {
  const v = x[name];
  if (v === undefined || v === null || v === '') return ok(undefined);
  const n = typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) return fail(`${name} must be a number, got ${JSON.stringify(v)}`);
  if (Math.abs(n) > FLOAT32_MAX) return fail(`${name} is ${n}, outside the float32 range features are computed in (|x| <= ${FLOAT32_MAX.toExponential(3)})`);
  if (n < 0) return fail(`${name} must not be negative, got ${n}`);
  return ok(n);
}

/** Reads city / country / state / credit_limit from an object (body or query); all optional. */
export function parseFeatures(x: Record<string, unknown>): Parsed<CustomerFeatures> {
  const city = optionalString(x, 'city');
  if (!city.ok) return city;
  const country = optionalString(x, 'country');
  if (!country.ok) return country;
  const state = optionalString(x, 'state');
  if (!state.ok) return state;
  const credit = optionalNumber(x, 'credit_limit');
  if (!credit.ok) return credit;
  const f: CustomerFeatures = {
    ...(city.value !== undefined ? { city: city.value } : {}),
    ...(country.value !== undefined ? { country: country.value } : {}),
    ...(state.value !== undefined ? { state: state.value } : {}),
    ...(credit.value !== undefined ? { credit_limit: credit.value } : {}),
  };
  return ok(f);
}

/** True when at least one feature is given (so a cold-start embedding means something). */
export const hasFeatures = (f: CustomerFeatures): boolean => Object.keys(f).length > 0;

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** An embedding: an array of `dimension` finite numbers. */
export function parseEmbedding(raw: unknown, dimension: number): Parsed<Float32Array> {
  if (!Array.isArray(raw)) return fail(`embedding must be an array of ${dimension} numbers`);
  if (raw.length !== dimension) return fail(`embedding has ${raw.length} numbers, the index expects ${dimension}`);
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const n = raw[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) return fail(`embedding[${i}] must be a finite number, got ${JSON.stringify(n)}`);
    // Embeddings are float32: a larger magnitude becomes Infinity and every score NaN (null in JSON).
    if (Math.abs(n) > FLOAT32_MAX) return fail(`embedding[${i}] is ${n}, outside the float32 range of an embedding (|x| <= ${FLOAT32_MAX.toExponential(3)})`);
    v[i] = n;
  }
  // Scores are computed from the squared norm in float32: it must stay finite too.
  const squared = raw.reduce((a: number, x: number) => a + x * x, 0);
  if (squared > FLOAT32_MAX) return fail(`embedding's squared norm ${squared.toExponential(3)} is outside the float32 range scores are computed in; send the embedding /user_embeddings returned`);
  return ok(v);
}

/** One browsed product of a stream event. */
export interface BrowsedProduct {
  readonly product_code: string;
  readonly quantity?: number;
  readonly in_shopping_cart?: boolean;
}

/** A browsing event as the storefront puts it on `stream/user_events`. */
export interface BrowsingEvent {
  readonly customer_number: number;
  readonly city: string | null;
  readonly country: string | null;
  readonly credit_limit: number | null;
  readonly browse_history: readonly BrowsedProduct[];
  readonly event_time: string;
}

/** Validates a decoded event against the `stream/user_events` contract. */
export function parseEvent(x: unknown): Parsed<BrowsingEvent> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return fail('event must be a JSON object');
  const e = x as Record<string, unknown>;
  if (typeof e.customer_number !== 'number') return fail(`customer_number must be a number, got ${e.customer_number === undefined ? 'nothing' : typeof e.customer_number}`);
  const customer = parseCustomerNumber(e.customer_number);
  if (!customer.ok) return customer;
  const features = parseFeatures(e);
  if (!features.ok) return features;
  if (typeof e.event_time !== 'string' || Number.isNaN(Date.parse(e.event_time))) {
    return fail(`event_time must be an ISO-8601 timestamp, got ${JSON.stringify(e.event_time)}`);
  }
  if (!Array.isArray(e.browse_history)) return fail('browse_history must be an array of { product_code, quantity, in_shopping_cart }');
  if (e.browse_history.length > LIMITS.maxBrowseHistory) return fail(`browse_history has ${e.browse_history.length} entries, at most ${LIMITS.maxBrowseHistory}`);
  const history: BrowsedProduct[] = [];
  for (const [i, b] of e.browse_history.entries()) {
    if (!b || typeof b !== 'object') return fail(`browse_history[${i}] must be an object`);
    const item = b as Record<string, unknown>;
    const code = parseProductCode(item.product_code, `browse_history[${i}].product_code`);
    if (!code.ok) return code;
    if (item.quantity !== undefined && (typeof item.quantity !== 'number' || !Number.isInteger(item.quantity) || item.quantity < 0)) {
      return fail(`browse_history[${i}].quantity must be a non-negative integer, got ${JSON.stringify(item.quantity)}`);
    }
    if (item.in_shopping_cart !== undefined && typeof item.in_shopping_cart !== 'boolean') {
      return fail(`browse_history[${i}].in_shopping_cart must be true or false, got ${JSON.stringify(item.in_shopping_cart)}`);
    }
    history.push({ product_code: code.value, quantity: item.quantity as number | undefined, in_shopping_cart: item.in_shopping_cart as boolean | undefined });
  }
  return ok({
    customer_number: customer.value,
    city: features.value.city ?? null,
    country: features.value.country ?? null,
    credit_limit: features.value.credit_limit ?? null,
    browse_history: history,
    event_time: e.event_time,
  });
}
