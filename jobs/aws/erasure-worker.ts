/**
 * The Lambda the erasure state machine calls for everything but the Parquet rewrites (those are
 * the erase job's, jobs/glue/erase_rows.py, on Spark). Actions, in the order the machine runs them:
 *
 *   prepare   reads and checks the request; erase mode: adds the subjects to the deletion
 *             register (DynamoDB, salted hashes) before any object changes, so from here no
 *             extract or delivery brings them back, and creates the erasure's run record
 *   records   JSON-lines objects (a delivery stream's output, error and backup prefixes): counts
 *             the subjects' records, and in erase mode rewrites each object holding one (or
 *             deletes it when nothing is left); stops within its time budget and returns a cursor
 *             the machine calls it again with, so any number of objects fits
 *   indexes   OpenSearch indexes through the adapter: counts by version; erase mode deletes the
 *             documents through the alias, `_forcemerge?only_expunge_deletes` on a domain, and
 *             drops older versions still holding one
 *   finish    sums up every report (the erase job's and its own); erase mode deletes every earlier
 *             version under the holders' prefixes by VersionId (which of them hold a subject
 *             cannot be known without reading each, and none may),
 *             records the erasure in the run log (subjects as salted hashes); writes the summary;
 *             deletes the work folder, the request with the ids in clear included, version by version
 *
 * Every step is idempotent: a retried Lambda, or the same erasure started again after a failure,
 * finds what is left and completes it.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Client } from '@opensearch-project/opensearch';
import type { AssetKey, RunLog } from '../../assets/core';
import { subjectHash } from '../erasure/register';
import { createSigV4Client, OpenSearchVectorStore } from '../vector-store/opensearch';
import { DynamoRunLog } from './dynamo-runlog';
import {
  ERASURE_ID,
  LAKE_REPORT_FORMAT,
  REQUEST_FORMAT,
  SUMMARY_FORMAT,
  parseS3Uri,
  type CountsByIndex,
  type ErasureExecutionInput,
  type ErasureHolder,
  type ErasureRequest,
  type ErasureSource,
  type ErasureSummary,
  type Place,
  type PlacesReport,
} from './erasure-contract';
import { scanRecords } from './erasure-records';
import { deleteAllVersions, deleteNoncurrentUnder } from './erasure-versions';
import { withRetry } from './retry';

/** Where the records step stopped: the holder, its prefix, the last object done, the report part. */
export interface RecordsCursor {
  readonly holder: number;
  readonly prefix: number;
  readonly after: string | null;
  readonly part: number;
}

export type WorkerEvent =
  | {
      readonly action: 'prepare';
      readonly input: ErasureExecutionInput;
      readonly holders: readonly ErasureHolder[];
      readonly sources: readonly ErasureSource[];
      readonly startedAt: string;
    }
  | { readonly action: 'records'; readonly input: ErasureExecutionInput; readonly holders: readonly ErasureHolder[]; readonly cursor: RecordsCursor | null }
  | { readonly action: 'indexes'; readonly input: ErasureExecutionInput; readonly holders: readonly ErasureHolder[] }
  | {
      readonly action: 'finish';
      readonly input: ErasureExecutionInput;
      readonly holders: readonly ErasureHolder[];
      readonly sources: readonly ErasureSource[];
      readonly startedAt: string;
      /** Set on the failure path: the error the machine caught. */
      readonly error?: { readonly Error?: string; readonly Cause?: string } | null;
    };

/** What the worker works with; the handler builds it from the function's environment, tests pass their own. */
export interface WorkerContext {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly ssm: SSMClient;
  readonly runLog: RunLog;
  readonly env: string;
  readonly registerTable: string;
  readonly saltParameter: string;
  /** `s3://bucket/prefix/`: where summaries are kept. */
  readonly summaries: { readonly bucket: string; readonly prefix: string };
  readonly searchClient: (holder: Extract<ErasureHolder, { face: 'index' }>) => Client;
  readonly nowMs: () => number;
  /** Time the records step may spend in one invocation before it returns a cursor. */
  readonly budgetMs: number;
}

/** Bad input to the worker (the machine's Catch records and publishes it). */
export class ErasureInputError extends Error {
  override readonly name = 'ErasureInputError';
}

const iso = (ms: number) => new Date(ms).toISOString();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const workOf = (input: ErasureExecutionInput) => {
  const { bucket, key } = parseS3Uri(input.request, 'the request');
  return { bucket, prefix: key.slice(0, key.lastIndexOf('/') + 1) };
};

async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const res = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    return await res.Body?.transformToString('utf8');
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey' || (e as Error).name === 'NotFound') return undefined;
    throw e;
  }
}

const putJson = (s3: S3Client, bucket: string, key: string, value: unknown) =>
  withRetry(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' })));

/** The request object, checked against the execution's input. */
async function readRequest(ctx: WorkerContext, input: ErasureExecutionInput): Promise<ErasureRequest | undefined> {
  const { bucket, key } = parseS3Uri(input.request, 'the request');
  const text = await getText(ctx.s3, bucket, key);
  if (text === undefined) return undefined;
  const r = JSON.parse(text) as Partial<ErasureRequest>;
  if (r.format !== REQUEST_FORMAT || r.erasureId !== input.erasureId || r.mode !== input.mode || !r.subjects || typeof r.subjects !== 'object') {
    throw new ErasureInputError(`${input.request} is not the request of ${input.erasureId} (${REQUEST_FORMAT}, mode ${input.mode}); start the erasure with assets erase --env ${ctx.env}`);
  }
  return r as ErasureRequest;
}

async function requireRequest(ctx: WorkerContext, input: ErasureExecutionInput): Promise<ErasureRequest> {
  if (!ERASURE_ID.test(input.erasureId)) throw new ErasureInputError(`'${input.erasureId}' is not an erasure id (erase-...)`);
  const r = await readRequest(ctx, input);
  if (!r) throw new ErasureInputError(`no request at ${input.request}: it is written by assets erase --env ${ctx.env} before the execution starts, and deleted when it ends`);
  return r;
}

/** The stack's salt (a SecureString parameter the stack creates once). */
async function saltOf(ctx: WorkerContext): Promise<string> {
  const res = await withRetry(() => ctx.ssm.send(new GetParameterCommand({ Name: ctx.saltParameter, WithDecryption: true })));
  const salt = res.Parameter?.Value ?? '';
  if (!/^[0-9a-f]{64}$/.test(salt)) throw new Error(`the erasure salt ${ctx.saltParameter} is damaged (expected 64 hex digits); restore it: without it, erased subjects can no longer be recognised`);
  return salt;
}

/** Adds every requested subject to the register (the first erasure of a subject stays its `erasureId`). */
async function register(ctx: WorkerContext, request: ErasureRequest, salt: string, sources: readonly ErasureSource[]): Promise<number> {
  const at = iso(ctx.nowMs());
  let n = 0;
  for (const [subject, ids] of Object.entries(request.subjects)) {
    for (const id of ids) {
      await withRetry(() =>
        ctx.dynamodb.send(
          new UpdateItemCommand({
            TableName: ctx.registerTable,
            Key: { subject: { S: subject }, hash: { S: subjectHash(salt, subject, id) } },
            UpdateExpression: 'SET erasureId = if_not_exists(erasureId, :e), erasedAt = if_not_exists(erasedAt, :t), checkedAt = :t, pendingSources = :p',
            ExpressionAttributeValues: { ':e': { S: request.erasureId }, ':t': { S: at }, ':p': { L: sources.filter((s) => s.subject === subject).map((s) => ({ S: s.key })) } },
          }),
        ),
      );
      n++;
    }
  }
  return n;
}

async function prepare(ctx: WorkerContext, event: Extract<WorkerEvent, { action: 'prepare' }>): Promise<unknown> {
  const request = await requireRequest(ctx, event.input);
  const unknown = Object.keys(request.subjects).filter((s) => !event.holders.some((h) => h.fields.some((f) => f.subject === s)));
  if (unknown.length) throw new ErasureInputError(`no asset of this stack holds subject(s) ${unknown.join(', ')}; redeploy the current graph or fix the request`);
  if (request.mode === 'scan') return { registered: 0 };
  const salt = await saltOf(ctx);
  // Sources are inside the VPC: the worker cannot tell whether they still hold a subject, so each is pending until checked.
  const registered = await register(ctx, request, salt, event.sources);
  if (!(await ctx.runLog.getRun(request.erasureId))) {
    await ctx.runLog.createRun({
      runId: request.erasureId,
      command: 'erase',
      selection: [...new Set(event.holders.map((h) => h.key))].join(' or '),
      partitions: `${Object.values(request.subjects).flat().length} subject(s)`,
      env: ctx.env,
      status: 'running',
      startedAt: event.startedAt,
      owner: 'stepfunctions:erasure',
      stepsPlanned: new Set(event.holders.map((h) => h.key)).size,
    });
  }
  return { registered };
}

const recordsHolders = (holders: readonly ErasureHolder[]) => holders.filter((h): h is Extract<ErasureHolder, { face: 'lake-records' }> => h.face === 'lake-records');

/** Scans (and in erase mode rewrites) JSON-lines objects from the cursor on, within the time budget. */
async function records(ctx: WorkerContext, event: Extract<WorkerEvent, { action: 'records' }>): Promise<{ cursor: RecordsCursor | null }> {
  const started = ctx.nowMs();
  const request = await requireRequest(ctx, event.input);
  const work = workOf(event.input);
  const holders = recordsHolders(event.holders);
  let cursor: RecordsCursor = event.cursor ?? { holder: 0, prefix: 0, after: null, part: 0 };
  const places: Place[] = [];
  const save = () => putJson(ctx.s3, work.bucket, `${work.prefix}records-${String(cursor.part).padStart(5, '0')}.json`, { format: LAKE_REPORT_FORMAT, erasureId: request.erasureId, mode: request.mode, places } satisfies PlacesReport);
  while (cursor.holder < holders.length) {
    const h = holders[cursor.holder];
    if (cursor.prefix >= h.prefixes.length) {
      cursor = { holder: cursor.holder + 1, prefix: 0, after: null, part: cursor.part };
      continue;
    }
    const prefix = h.prefixes[cursor.prefix];
    let token: string | undefined;
    do {
      const page = await withRetry(() => ctx.s3.send(new ListObjectsV2Command({ Bucket: h.bucket, Prefix: prefix, ContinuationToken: token, ...(token ? {} : cursor.after ? { StartAfter: cursor.after } : {}) })));
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        const place = await recordsObject(ctx, request, h, o.Key);
        if (place) places.push(place);
        cursor = { ...cursor, after: o.Key };
        if (ctx.nowMs() - started > ctx.budgetMs) {
          await save();
          return { cursor: { ...cursor, part: cursor.part + 1 } };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    cursor = { holder: cursor.holder, prefix: cursor.prefix + 1, after: null, part: cursor.part };
  }
  await save();
  return { cursor: null };
}

async function recordsObject(ctx: WorkerContext, request: ErasureRequest, h: Extract<ErasureHolder, { face: 'lake-records' }>, key: string): Promise<Place | undefined> {
  const res = await withRetry(() => ctx.s3.send(new GetObjectCommand({ Bucket: h.bucket, Key: key })));
  const body = await res.Body!.transformToByteArray();
  const scan = scanRecords(body, h.fields, request.subjects);
  if (!scan.matched) return undefined;
  const location = `s3://${h.bucket}/${key}`;
  const found = { key: h.key, what: 'file' as const, location, rows: scan.matched, byIndex: scan.byIndex };
  if (request.mode === 'scan') return found;
  const out = scan.rewritten();
  // Delivered objects are never appended to: replacing one (a single PUT, atomic for readers) loses nothing written meanwhile.
  if (out) await withRetry(() => ctx.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: out, ContentType: res.ContentType, ...(res.ContentEncoding ? { ContentEncoding: res.ContentEncoding } : {}) })));
  else await withRetry(() => ctx.s3.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: key })));
  return { ...found, rowsBefore: scan.total, rowsAfter: scan.total - scan.matched, written: out ? { location, bytes: out.length, sha256: sha256(out) } : null };
}

/** The ids of a holder's subjects, in request order. */
const idsOf = (request: ErasureRequest, h: ErasureHolder) => [...new Set(h.fields.flatMap((f) => request.subjects[f.subject] ?? []))];

async function indexes(ctx: WorkerContext, event: Extract<WorkerEvent, { action: 'indexes' }>): Promise<unknown> {
  const request = await requireRequest(ctx, event.input);
  const work = workOf(event.input);
  const places: Place[] = [];
  for (const h of event.holders) {
    if (h.face !== 'index') continue;
    const ids = idsOf(request, h);
    if (!ids.length) continue;
    const store = new OpenSearchVectorStore(ctx.searchClient(h), { serverless: h.signingService === 'aoss', idFields: { [h.alias]: h.idField } });
    const held = await store.holding(h.alias, ids);
    const erased = request.mode === 'erase' && held.length ? await store.erase(h.alias, ids) : undefined;
    for (const v of held) {
      const gone = erased ? (v.current ? true : erased.droppedVersions.includes(v.version)) : false;
      places.push({
        key: h.key,
        what: v.current ? 'documents' : 'previous-version',
        location: `${h.alias}@${v.version}`,
        rows: v.count,
        byIndex: {},
        ...(erased ? { rowsBefore: v.count, rowsAfter: gone ? 0 : v.count } : {}),
      });
    }
  }
  await putJson(ctx.s3, work.bucket, `${work.prefix}indexes.json`, { format: LAKE_REPORT_FORMAT, erasureId: request.erasureId, mode: request.mode, places } satisfies PlacesReport);
  return { places: places.length };
}

/** Every report in the work folder (the erase job's `lake.json`, `records-*.json`, `indexes.json`). */
async function reports(ctx: WorkerContext, input: ErasureExecutionInput): Promise<Place[]> {
  const work = workOf(input);
  const places: Place[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(() => ctx.s3.send(new ListObjectsV2Command({ Bucket: work.bucket, Prefix: work.prefix, ContinuationToken: token })));
    for (const o of page.Contents ?? []) {
      const name = o.Key!.slice(work.prefix.length);
      if (!/^(lake|indexes|records-\d+)\.json$/.test(name)) continue;
      const r = JSON.parse((await getText(ctx.s3, work.bucket, o.Key!)) ?? '{}') as Partial<PlacesReport>;
      if (r.format !== LAKE_REPORT_FORMAT || r.erasureId !== input.erasureId || !Array.isArray(r.places)) throw new Error(`s3://${work.bucket}/${o.Key} is not a report of ${input.erasureId} (${LAKE_REPORT_FORMAT})`);
      places.push(...r.places);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return places;
}

/** The lake prefixes of the holders whose objects an erasure rewrites or removes. */
function holderPrefixes(holders: readonly ErasureHolder[]): { bucket: string; prefix: string }[] {
  return holders.flatMap((h) => {
    if (h.face === 'lake-records') return h.prefixes.map((prefix) => ({ bucket: h.bucket, prefix }));
    if (h.face === 'lake-file') return [{ bucket: h.bucket, prefix: `${h.prefix}${h.file}` }];
    if (h.face === 'lake-table') return [{ bucket: h.bucket, prefix: h.prefix }];
    return [];
  });
}

/** Every earlier version under the holders' prefixes, by VersionId (see deleteNoncurrentUnder). */
async function purge(ctx: WorkerContext, holders: readonly ErasureHolder[]): Promise<number> {
  let n = 0;
  for (const { bucket, prefix } of holderPrefixes(holders)) n += await deleteNoncurrentUnder(ctx.s3, bucket, prefix);
  return n;
}

const hashed = (salt: string | undefined, request: ErasureRequest | undefined, byIndex: CountsByIndex): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [subject, counts] of Object.entries(byIndex)) {
    for (const [i, n] of Object.entries(counts)) {
      const id = request?.subjects[subject]?.[Number(i)];
      if (id === undefined || salt === undefined) continue;
      const h = `${subject}:${subjectHash(salt, subject, id)}`;
      out[h] = (out[h] ?? 0) + n;
    }
  }
  return out;
};

async function finish(ctx: WorkerContext, event: Extract<WorkerEvent, { action: 'finish' }>): Promise<{ summary: string; status: string }> {
  const { input } = event;
  const summaryKey = `${ctx.summaries.prefix}${input.erasureId}.json`;
  const summaryUri = `s3://${ctx.summaries.bucket}/${summaryKey}`;
  const work = workOf(input);
  const request = await readRequest(ctx, input);
  if (!request) {
    // A retried finish whose first attempt got as far as deleting the request: the summary is written.
    if ((await getText(ctx.s3, ctx.summaries.bucket, summaryKey)) !== undefined) return { summary: summaryUri, status: 'done' };
    throw new ErasureInputError(`no request at ${input.request} and no summary at ${summaryUri}: nothing to finish`);
  }
  const places = await reports(ctx, input);
  const erase = request.mode === 'erase';
  const versionsDeleted = erase ? await purge(ctx, event.holders) : 0;
  const salt = erase || places.some((p) => Object.keys(p.byIndex).length) ? await saltOf(ctx) : undefined;
  const failed = Boolean(event.error);
  const error = failed ? [event.error?.Error, event.error?.Cause].filter(Boolean).join(': ') : undefined;
  const rewritten = places.filter((p) => p.written !== undefined && (p.what === 'partition' || p.what === 'file'));
  const summary: ErasureSummary = {
    format: SUMMARY_FORMAT,
    erasureId: input.erasureId,
    mode: request.mode,
    status: failed ? 'failed' : 'succeeded',
    ...(error ? { error } : {}),
    startedAt: event.startedAt,
    endedAt: iso(ctx.nowMs()),
    places: places.map((p) => ({ ...p, byHash: hashed(salt, request, p.byIndex) })),
    assetsTouched: erase ? new Set(places.filter((p) => p.rowsBefore !== undefined).map((p) => p.key)).size : 0,
    partitionsRewritten: new Set(rewritten.map((p) => p.location)).size,
    rowsRemoved: places.reduce((n, p) => n + (p.rowsBefore !== undefined && p.rowsAfter !== undefined ? p.rowsBefore - p.rowsAfter : 0), 0),
    versionsDeleted,
    sources: event.sources.filter((s) => request.subjects[s.subject]),
  };
  if (erase) await recordRun(ctx, request, salt!, summary, event);
  await putJson(ctx.s3, ctx.summaries.bucket, summaryKey, summary);
  // Last: the request (ids in clear), the reports and any staging copies, every version of each.
  await deleteAllVersions(ctx.s3, work.bucket, work.prefix);
  return { summary: summaryUri, status: summary.status };
}

/** The run log's record of an erasure: one step per asset, its counts, files written with SHA-256, subjects as salted hashes. */
async function recordRun(ctx: WorkerContext, request: ErasureRequest, salt: string, summary: ErasureSummary, event: Extract<WorkerEvent, { action: 'finish' }>): Promise<void> {
  const at = summary.endedAt;
  const durationMs = Math.max(0, Date.parse(at) - Date.parse(event.startedAt));
  const byKey = new Map<AssetKey, ErasureSummary['places'][number][]>();
  for (const p of summary.places) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  const allHashes = Object.entries(request.subjects).flatMap(([s, ids]) => ids.map((id) => `${s}:${subjectHash(salt, s, id)}`));
  for (const [key, ps] of byKey) {
    const base = { runId: request.erasureId, key, partitions: null };
    await ctx.runLog.append({ type: 'step_started', ...base, at: event.startedAt });
    const rowsBefore = ps.reduce((n, p) => n + (p.rowsBefore ?? 0), 0);
    const rowsAfter = ps.reduce((n, p) => n + (p.rowsAfter ?? 0), 0);
    const hashes = [...new Set(ps.flatMap((p) => (Object.keys(p.byHash).length ? Object.keys(p.byHash) : allHashes.filter((h) => event.holders.some((x) => x.key === key && x.fields.some((f) => h.startsWith(`${f.subject}:`)))))))];
    await ctx.runLog.append({
      type: 'step_succeeded',
      ...base,
      at,
      durationMs,
      metadata: {
        rowsBefore,
        rowsAfter,
        rowsRemoved: rowsBefore - rowsAfter,
        places: ps.length,
        previousVersionsRemoved: ps.filter((p) => p.what === 'previous-version').length,
        subjectHashes: hashes.join(','),
        filesWritten: ps.flatMap((p) => (p.written ? [`${p.written.location} sha256:${p.written.sha256}`] : p.written === null ? [`${p.location} removed`] : [])).join('\n'),
      },
    });
  }
  await ctx.runLog.updateRun(request.erasureId, {
    status: summary.status,
    endedAt: at,
    ...(summary.error ? { error: summary.error } : {}),
  });
}

/** The worker's work on a given context (what the tests call). */
export async function dispatch(ctx: WorkerContext, event: WorkerEvent): Promise<unknown> {
  switch (event.action) {
    case 'prepare':
      return prepare(ctx, event);
    case 'records':
      return records(ctx, event);
    case 'indexes':
      return indexes(ctx, event);
    case 'finish':
      return finish(ctx, event);
    default:
      throw new ErasureInputError(`unknown action '${(event as { action?: string }).action}'`);
  }
}

/** The worker's context from the function's environment (the stack sets every variable read here). */
export function contextFromEnvironment(overrides: Partial<WorkerContext> = {}): WorkerContext {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new ErasureInputError(`${name} must be set (the stack sets it)`);
    return v;
  };
  const summaries = parseS3Uri(need('HEADWATER_ERASURE_SUMMARIES'), 'HEADWATER_ERASURE_SUMMARIES');
  // The SDK's own configuration (Lambda's region and role; AWS_ENDPOINT_URL in the emulator test).
  const dynamodb = new DynamoDBClient({});
  const region = process.env.AWS_REGION ?? '';
  return {
    s3: new S3Client({}),
    dynamodb,
    ssm: new SSMClient({}),
    runLog: new DynamoRunLog(dynamodb, need('HEADWATER_RUNLOG_TABLE')),
    env: need('HEADWATER_ENV'),
    registerTable: need('HEADWATER_REGISTER_TABLE'),
    saltParameter: need('HEADWATER_ERASURE_SALT'),
    summaries: { bucket: summaries.bucket, prefix: summaries.key },
    searchClient: (h) => createSigV4Client({ node: h.endpoint, region, service: h.signingService }),
    nowMs: () => Date.now(),
    // Lambda stops the function at its timeout (15 min): leave a third of it to write the report.
    budgetMs: 600_000,
    ...overrides,
  };
}

/** The Lambda entry point. */
export async function handler(event: WorkerEvent): Promise<unknown> {
  return dispatch(contextFromEnvironment(), event);
}
