/**
 * The Firehose data transformation: each base64 event comes back with the declared output fields
 * (recommended items, similar items, fallback; result `Ok`), or `ProcessingFailed` with the reason. A bad record never fails
 * the batch and is never dropped: every record id comes back once. The event's fields (the user
 * id, features, the history of items and the event time) are those the serving config declares
 * (the stream's contract, the model); an event without its time takes the record's arrival time.
 * The `lab` output gives the seed lab's shapes (`[{id, score}]`, a nested list of `[{id, distance}]`).
 *
 * Firehose itself ignores the extra `reason` field and delivers failed records' original data
 * to the error prefix; the reason also goes to the function log (one JSON line per failure).
 * The embedded poller writes the reason next to the record.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResultRecord } from 'aws-lambda';
import type { ServingConfig } from '../../../assets/kinds/serving-bindings';
import type { RecommendedItem, RecommenderService } from '../recommender';
import { LIMITS, parseEvent, typedId } from '../validation';

/** A transformation result record, with the failure reason when there is one. */
export type TransformedRecord = FirehoseTransformationResultRecord & { reason?: string };

export interface TransformResult {
  records: TransformedRecord[];
}

export interface TransformOptions {
  /** Items per list. Default 10 (the `lab` output: 5, as the lab's transform asks). */
  readonly k?: number;
  /** Records scored at once (index queries in flight). Default 32. */
  readonly concurrency?: number;
  /** Log failures as JSON lines (Lambda: CloudWatch). Default true. */
  readonly logFailures?: boolean;
}

export type TransformHandler = (event: Pick<FirehoseTransformationEvent, 'records'>) => Promise<TransformResult>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Builds the transformation over a service, reading events as `config` declares them. */
export function createTransformHandler(service: RecommenderService, config: ServingConfig, options: TransformOptions = {}): TransformHandler {
  const { event } = config;
  if (event === undefined) throw new Error(`${config.asset}: the serving config has no event shape; it is built for stream-delivery assets`);
  const shape = event;
  const fields = { user: config.user, item: config.item, event: shape };
  const lab = config.output === 'lab';
  if (!config.outputFields) throw new Error(`${config.asset}: the serving config names no output fields; it was built by another version of Headwater`);
  const named = config.outputFields;
  const k = options.k ?? (lab ? 5 : 10);
  const ids = (items: readonly RecommendedItem[]) => items.map((i) => typedId(i.id, config.item));
  const concurrency = options.concurrency ?? 32;
  const log = options.logFailures ?? true;

  async function one(recordId: string, data: unknown, arrivedMs: number): Promise<TransformedRecord> {
    const failed = (reason: string): TransformedRecord => {
      if (log) console.warn(JSON.stringify({ level: 'warn', msg: 'record failed', recordId, reason }));
      return { recordId, result: 'ProcessingFailed', data: typeof data === 'string' ? data : '', reason };
    };
    if (typeof data !== 'string' || data.length === 0) return failed('data is empty or not a base64 string');
    // base64 is 4 chars per 3 bytes: reject oversize before decoding anything.
    if (data.length > Math.ceil(LIMITS.maxRecordBytes / 3) * 4) return failed(`record is larger than ${LIMITS.maxRecordBytes} bytes`);
    if (data.length % 4 !== 0 || !BASE64.test(data)) return failed('data is not valid base64');
    const text = Buffer.from(data, 'base64').toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return failed(`data is not valid JSON: ${(e as Error).message}`);
    }
    const ev = parseEvent(parsed, fields);
    if (!ev.ok) return failed(ev.error);
    const browsed = ev.value.history;
    for (const id of new Set(browsed)) {
      // undefined = index unavailable: the record is still scored, with the fallback.
      if ((await service.knowsItem(id)) === false) return failed(`unknown ${config.item.field} '${id}' in ${shape.history}`);
    }
    const exclude = new Set(browsed);
    // The lab's transform looks up one browsed item chosen at random; Headwater's, the latest.
    const viewed = lab ? browsed[Math.floor(Math.random() * browsed.length)] : browsed[browsed.length - 1];
    const [profile, similar] = await Promise.all([
      service.forUser(ev.value.user, ev.value.features, k, exclude),
      viewed !== undefined ? service.similarTo(viewed, k, { fallbackOnUnknown: true, exclude }) : undefined,
    ]);
    const out = parsed as Record<string, unknown>;
    if (shape.time !== undefined && ev.value.time === undefined) out[shape.time] = new Date(arrivedMs).toISOString();
    // Added to the parsed event in place (same keys, same order as a spread): building a spread
    // copy and serializing it took ~6 us per record, this ~2 us.
    if (lab) {
      out[named.recommended] = profile.items.map((i) => ({ id: typedId(i.id, config.item), score: i.score }));
      // Distance as pgvector's `<#>` gives it for inner-product search: the negated score.
      out[named.similar] = {
        [config.item.field]: viewed !== undefined ? typedId(viewed, config.item) : null,
        [named.similar]: (similar?.items ?? []).map((i) => ({ id: typedId(i.id, config.item), distance: -i.score })),
      };
    } else {
      out[named.recommended] = ids(profile.items);
      out[named.similar] = ids(similar?.items ?? []);
      out[named.fallback] = profile.fallback || (similar?.fallback ?? false);
    }
    return { recordId, result: 'Ok', data: Buffer.from(JSON.stringify(out) + '\n').toString('base64') };
  }

  return async (event) => {
    const records = Array.isArray(event?.records) ? event.records : [];
    const out: TransformedRecord[] = new Array(records.length);
    for (let start = 0; start < records.length; start += concurrency) {
      const chunk = records.slice(start, start + concurrency);
      const done = await Promise.all(
        chunk.map((r, i) =>
          one(String(r?.recordId ?? `missing-id-${start + i}`), r?.data, arrival(r)).catch(
            (e: unknown): TransformedRecord => ({ recordId: String(r?.recordId), result: 'ProcessingFailed', data: String(r?.data ?? ''), reason: `transform error: ${(e as Error).message}` }),
          ),
        ),
      );
      done.forEach((d, i) => (out[start + i] = d));
    }
    return { records: out };
  };
}

/** The record's arrival time (Firehose's `approximateArrivalTimestamp`, ms), else now. */
function arrival(r: unknown): number {
  const t = (r as { approximateArrivalTimestamp?: unknown } | undefined)?.approximateArrivalTimestamp;
  return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
}
