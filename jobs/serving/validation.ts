/**
 * Input validation for the recommendation API and the stream events. Field names and types come
 * from the declarations (`ServingConfig`: the model's id fields and user features, the stream's
 * event shape), never from this file. Each parser returns the value or `{ error }` with a reason
 * a caller can act on (the API answers 400 with it; the stream marks the record ProcessingFailed).
 */
import type { HistoryField, ServedEvent, ServedFeature, ServedId } from '../../assets/kinds/serving-bindings';
import { suggestKey } from '../../assets/core/keys';
import type { FeatureValues } from '../model/artifact';

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

/** String ids: 1 to 128 characters, none of them a control character (they end up in logs, URLs and index documents). */
const isIdText = (s: string): boolean => s.length >= 1 && s.length <= 128 && ![...s].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127);
const INTEGER_TEXT = /^\d{1,15}$/;
/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Values a multi-valued feature may carry in one request. */
const MAX_MULTI_VALUES = 100;

/** `k` / `limit`: an integer in 1..maxK, default when absent. */
export function parseLimit(raw: string | undefined, name: string): Parsed<number> {
  if (raw === undefined || raw === '') return ok(LIMITS.defaultK);
  if (!/^\d+$/.test(raw)) return fail(`${name} must be a whole number between 1 and ${LIMITS.maxK}, got '${raw}'`);
  const n = Number(raw);
  if (n < 1 || n > LIMITS.maxK) return fail(`${name} must be between 1 and ${LIMITS.maxK}, got ${n}`);
  return ok(n);
}

const quoted = (raw: unknown) => JSON.stringify(typeof raw === 'string' ? raw.slice(0, 80) : raw);

/**
 * An entity id as its text (the form index documents and fallback lists hold): an `integer` id is
 * a non-negative integer given as a number or a string of digits; a `string` id is a string.
 */
export function parseId(raw: unknown, id: ServedId, name = id.field): Parsed<string> {
  if (raw === undefined || raw === null || raw === '') return fail(`${name} is required (${id.idType === 'integer' ? 'an integer id' : 'a string id'})`);
  if (id.idType === 'integer') {
    if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return ok(String(raw));
    if (typeof raw === 'string' && INTEGER_TEXT.test(raw)) return ok(String(Number(raw)));
    return fail(`${name} must be a non-negative integer, got ${quoted(raw)}`);
  }
  if (typeof raw !== 'string') return fail(`${name} must be a string, got ${typeof raw}`);
  if (!isIdText(raw)) return fail(`${name} must be 1-128 characters without control characters, got ${quoted(raw)}`);
  return ok(raw);
}

/** An id's text as responses and events carry it: a number for `integer` ids. */
export const typedId = (text: string, id: ServedId): string | number => (id.idType === 'integer' ? Number(text) : text);

/** One feature's value as the model reads it. */
function parseFeature(raw: unknown, f: ServedFeature, name: string): Parsed<string | number | readonly string[] | undefined> {
  if (raw === undefined || raw === null || raw === '') return ok(undefined);
  if (f.type === 'numeric') {
    const n = typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n)) return fail(`${name} must be a number, got ${JSON.stringify(raw)}`);
    if (Math.abs(n) > FLOAT32_MAX) return fail(`${name} is ${n}, outside the float32 range features are computed in (|x| <= ${FLOAT32_MAX.toExponential(3)})`);
    return ok(n);
  }
  const text = (v: unknown, at: string): Parsed<string> => {
    if (typeof v === 'number' && Number.isFinite(v)) return ok(String(v));
    if (typeof v !== 'string') return fail(`${at} must be a string, got ${typeof v}`);
    if (v.length > LIMITS.maxStringLength) return fail(`${at} is longer than ${LIMITS.maxStringLength} characters`);
    return ok(v);
  };
  if (f.type === 'categorical') return text(raw, name);
  const values = typeof raw === 'string' ? raw.split(f.separator ?? '|').filter((v) => v !== '') : raw;
  if (!Array.isArray(values)) return fail(`${name} must be a list of strings (or one string of values separated by '${f.separator ?? '|'}'), got ${typeof raw}`);
  if (values.length > MAX_MULTI_VALUES) return fail(`${name} has ${values.length} values, at most ${MAX_MULTI_VALUES}`);
  const out: string[] = [];
  for (const [i, v] of values.entries()) {
    const t = text(v, `${name}[${i}]`);
    if (!t.ok) return t;
    out.push(t.value);
  }
  return ok(out);
}

/** The user features found in `x` (a body or a query), keyed by model column; each optional. */
export function parseFeatures(x: Readonly<Record<string, unknown>>, features: readonly ServedFeature[]): Parsed<FeatureValues> {
  const values: Record<string, unknown> = {};
  for (const f of features) {
    const v = parseFeature(x[f.field], f, f.field);
    if (!v.ok) return v;
    if (v.value !== undefined) values[f.column] = v.value;
  }
  return ok(values as FeatureValues);
}

/** True when at least one feature is given (so a cold-start embedding means something). */
export const hasFeatures = (f: FeatureValues): boolean => Object.keys(f).length > 0;

/**
 * The first field of `x` not in `known`, as the reason a request is refused: a misspelt feature
 * would otherwise be ignored and a plausible but wrong answer come back with 200.
 */
export function unknownField(x: Readonly<Record<string, unknown>>, known: readonly string[]): string | undefined {
  const unknown = Object.keys(x).find((k) => !known.includes(k));
  if (unknown === undefined) return undefined;
  const hint = suggestKey(unknown, known);
  return `unknown field '${unknown.slice(0, 80)}'${hint ? `; did you mean '${hint}'?` : ''} (accepted: ${known.join(', ')})`;
}

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

/** What a stream transform needs of one event (the event itself passes through unchanged). */
export interface ParsedEvent {
  /** The user id's text. */
  readonly user: string;
  /** User features by model column. */
  readonly features: FeatureValues;
  /** The ids of the items in the history, in order. */
  readonly history: readonly string[];
  /** The event time as given; undefined when the event has none (the record's arrival time stands in). */
  readonly time?: string;
}

/** What the event shape's history structs hold, for the error messages. */
const historyShape = (fields: readonly HistoryField[]) => `{ ${fields.map((f) => f.name).join(', ')} }`;

/** One non-id field of a history entry, by its declared type; numbers and booleans may not be strings except digits for integers (as the seed lab sends quantities). */
function historyFieldProblem(v: unknown, f: HistoryField, at: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (f.type) {
    case 'integer':
      return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) ? undefined : `${at} must be an integer (or a string of digits), got ${quoted(v)}`;
    case 'number':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) ? undefined : `${at} must be a number, got ${quoted(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `${at} must be true or false, got ${quoted(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `${at} must be a string, got ${typeof v}`;
    default:
      return undefined;
  }
}

/** Validates a decoded event against the stream's declared shape. Fields it does not read pass through. */
export function parseEvent(x: unknown, fields: { readonly user: ServedId & { readonly features: readonly ServedFeature[] }; readonly item: ServedId; readonly event: ServedEvent }): Parsed<ParsedEvent> {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return fail('event must be a JSON object');
  const e = x as Record<string, unknown>;
  const user = parseId(e[fields.user.field], fields.user);
  if (!user.ok) return user;
  const features = parseFeatures(e, fields.user.features);
  if (!features.ok) return features;
  const { history: column, historyFields, time: timeColumn } = fields.event;
  let time: string | undefined;
  if (timeColumn !== undefined && e[timeColumn] !== undefined && e[timeColumn] !== null) {
    const t = e[timeColumn];
    if (typeof t !== 'string' || Number.isNaN(Date.parse(t))) return fail(`${timeColumn} must be an ISO-8601 timestamp, got ${JSON.stringify(t)}`);
    time = t;
  }
  const raw = e[column];
  if (!Array.isArray(raw)) return fail(`${column} must be an array of ${historyShape(historyFields)}`);
  if (raw.length > LIMITS.maxBrowseHistory) return fail(`${column} has ${raw.length} entries, at most ${LIMITS.maxBrowseHistory}`);
  const history: string[] = [];
  for (const [i, b] of raw.entries()) {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return fail(`${column}[${i}] must be an object`);
    const entry = b as Record<string, unknown>;
    const id = parseId(entry[fields.item.field], fields.item, `${column}[${i}].${fields.item.field}`);
    if (!id.ok) return id;
    for (const f of historyFields) {
      if (f.name === fields.item.field) continue;
      const problem = historyFieldProblem(entry[f.name], f, `${column}[${i}].${f.name}`);
      if (problem) return fail(problem);
    }
    history.push(id.value);
  }
  return ok({ user: user.value, features: features.value, history, ...(time !== undefined ? { time } : {}) });
}

/** An event as producers put it on the stream: a JSON object whose shape the stream's contract declares. */
export type BrowsingEvent = Readonly<Record<string, unknown>>;
