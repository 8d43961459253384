/**
 * The delivery recorder: the Lambda that records each object Firehose delivers into a
 * `stream-delivery` asset's lake folder as a materialization of the asset, in the run log the CLI
 * reads, so `assets status|runs --env <stack>` see the stream's data as they do embedded
 * (jobs/embedded/stream/deliveries.ts, whose records these match: partition null, the asset being
 * one growing table; the transform's code version; the deps' data versions when the batch landed;
 * the records and files delivered). S3 announces each new object through EventBridge (`Object
 * Created`, filtered by the stack's rule to the asset's bucket and folder); error and backup
 * records live under other prefixes and are never announced here.
 *
 * One run per delivery hour (`firehose-<asset>-<yyyy-mm-ddThh>`, command `stream`), so `assets runs`
 * lists a stream's deliveries an hour at a time rather than one line per minute. The recorder is
 * idempotent: EventBridge and Lambda's asynchronous retries may deliver an event twice, and an
 * object already recorded in its hour's run is not recorded again. Each delivery also publishes
 * the freshness metric, so a stream asset's freshness alarm counts deliveries.
 */
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deliveryDataVersion, type AssetKey, type RunLog } from '../../assets/core';
import { DynamoRunLog } from './dynamo-runlog';
import { publishMaterialized } from './freshness-metric';
import { latestInputs } from './latest-inputs';
import { DELIVERY_TARGET_VARIABLE, type DeliveryTarget } from './manifest';
import { withRetry, type Clock } from './retry';

/** The EventBridge event S3 sends for a new object (the fields read here). */
export interface ObjectCreatedEvent {
  readonly 'detail-type'?: string;
  readonly source?: string;
  /** ISO time (EventBridge); epoch seconds are accepted too. */
  readonly time?: string | number;
  readonly detail?: { readonly bucket?: { readonly name?: string }; readonly object?: { readonly key?: string; readonly size?: number } };
}

/** A delivery the function cannot record (a stack deployed wrongly, an event it was not meant to get). */
export class DeliveryRecordError extends Error {
  override readonly name = 'DeliveryRecordError';
}

/** What the recorder reaches besides the run log; tests pass fakes. */
export interface DeliveryServices {
  /** The object's bytes. */
  readonly read: (bucket: string, key: string) => Promise<Uint8Array>;
  readonly publishMaterialized: (key: AssetKey) => Promise<void>;
  readonly log: (message: string) => void;
}

export type DeliveryOutcome =
  | { readonly recorded: true; readonly runId: string; readonly rows: number; readonly file: string }
  | { readonly recorded: false; readonly reason: string };

const LAYOUT = /(?:^|\/)year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//;

/** The delivery's hour (`2026-03-02T10`) from Firehose's folder, or null when the key has none. */
export function deliveryHour(objectKey: string): string | null {
  const m = LAYOUT.exec(objectKey);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}` : null;
}

/** Records written by Firehose: JSON lines, gzipped (the stack's compression) or not. */
export function countRecords(bytes: Uint8Array): number {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const text = Buffer.from(gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
  let n = 0;
  for (const line of text.split('\n')) if (line.trim()) n++;
  return n;
}

const eventTimeMs = (t: ObjectCreatedEvent['time'], fallbackMs: number): number => {
  if (typeof t === 'number') return t * 1000;
  const ms = Date.parse(t ?? '');
  return Number.isNaN(ms) ? fallbackMs : ms;
};

/** Records one delivered object (see the file comment). */
export async function recordDelivery(log: RunLog, env: string, target: DeliveryTarget, event: ObjectCreatedEvent, services: DeliveryServices, nowMs: number): Promise<DeliveryOutcome> {
  const bucket = event?.detail?.bucket?.name;
  const raw = event?.detail?.object?.key;
  if (!bucket || !raw) throw new DeliveryRecordError(`not an S3 Object Created event (no detail.bucket.name or detail.object.key): ${JSON.stringify(event).slice(0, 300)}`);
  // S3 event keys may come URL-encoded ('=' as %3D); Firehose's names hold no '%' or '+' of their own.
  const objectKey = decodeURIComponent(raw.replace(/\+/g, ' '));
  if (bucket !== target.bucket || !objectKey.startsWith(target.prefix)) {
    // The stack's rule sends only this folder: anything else is a misrouted event, not a delivery.
    const reason = `s3://${bucket}/${objectKey} is not under ${target.key}'s folder s3://${target.bucket}/${target.prefix}; not recorded`;
    services.log(reason);
    return { recorded: false, reason };
  }
  const file = `s3://${bucket}/${objectKey}`;
  const at = new Date(eventTimeMs(event.time, nowMs)).toISOString();
  const hour = deliveryHour(objectKey.slice(target.prefix.length)) ?? at.slice(0, 13);
  const runId = `firehose-${target.key.replace(/[^a-zA-Z0-9]+/g, '-')}-${hour}`;
  const run = await log.getRun(runId);
  if (run && (await log.events(runId)).some((e) => e.type === 'materialization' && e.metadata.file === file)) {
    const reason = `${file} is already recorded in run ${runId}`;
    services.log(reason);
    return { recorded: false, reason };
  }
  if (!run) {
    try {
      await log.createRun({ runId, command: 'stream', selection: target.key, partitions: 'stream', env, status: 'succeeded', startedAt: at, endedAt: at, owner: `firehose:${target.deliveryStream}`, stepsPlanned: 0 });
    } catch (e) {
      // Two deliveries of the same hour racing: the other one created it.
      if (!(await log.getRun(runId))) throw e;
    }
  }
  const bytes = await services.read(bucket, objectKey);
  const rows = countRecords(bytes);
  await log.append({
    type: 'materialization',
    runId,
    key: target.key,
    partition: null,
    codeVersion: target.codeVersion,
    dataVersion: deliveryDataVersion(target.key, [file]),
    inputs: await latestInputs(log, target.deps),
    metadata: { rows, files: 1, file, bytes: bytes.length, hour },
    at,
  });
  try {
    await services.publishMaterialized(target.key);
  } catch (e) {
    // The run log holds the delivery; a missing data point makes the freshness alarm say so.
    services.log(`could not publish the freshness metric of ${target.key} (its freshness alarm may fire): ${(e as Error).message}`);
  }
  services.log(`recorded ${rows} records of ${target.key} from ${file} in run ${runId}`);
  return { recorded: true, runId, rows, file };
}

/** The function's target from its environment, or why it cannot run (a stack deployed wrongly). */
export function targetFromEnvironment(env: NodeJS.ProcessEnv): { target: DeliveryTarget; stack: string; table: string } {
  const raw = env[DELIVERY_TARGET_VARIABLE];
  const stack = env.HEADWATER_ENV;
  const table = env.HEADWATER_RUNLOG_TABLE;
  if (!raw || !stack || !table) throw new DeliveryRecordError(`${DELIVERY_TARGET_VARIABLE}, HEADWATER_ENV and HEADWATER_RUNLOG_TABLE must be set (the stack sets them); redeploy the stack`);
  let target: DeliveryTarget;
  try {
    target = JSON.parse(raw) as DeliveryTarget;
  } catch (e) {
    throw new DeliveryRecordError(`${DELIVERY_TARGET_VARIABLE} is not JSON (${(e as Error).message}); redeploy the stack`);
  }
  if (!target?.key || !target.bucket || !target.prefix?.endsWith('/') || !Array.isArray(target.deps) || !target.codeVersion) {
    throw new DeliveryRecordError(`${DELIVERY_TARGET_VARIABLE} is not a delivery target (key, deps, codeVersion, bucket, prefix ending in /); redeploy the stack`);
  }
  return { target, stack, table };
}

/** The services over the SDK. */
export function sdkDeliveryServices(s3: S3Client, cloudwatch: CloudWatchClient, log: (message: string) => void, clock?: Clock): DeliveryServices {
  return {
    read: async (bucket, key) => {
      const res = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })), { clock });
      if (!res.Body) throw new DeliveryRecordError(`s3://${bucket}/${key}: S3 returned no body`);
      return res.Body.transformToByteArray();
    },
    publishMaterialized: (key) => publishMaterialized(cloudwatch, key, { clock }),
    log,
  };
}

/** The Lambda entry point (EventBridge invokes it asynchronously: a throw is retried by Lambda). */
export async function handler(event: ObjectCreatedEvent): Promise<DeliveryOutcome> {
  const { target, stack, table } = targetFromEnvironment(process.env);
  // The SDK's own configuration (Lambda's region and role; AWS_ENDPOINT_URL in the emulator test).
  const log = new DynamoRunLog(new DynamoDBClient({}), table);
  return recordDelivery(log, stack, target, event, sdkDeliveryServices(new S3Client({}), new CloudWatchClient({}), (m) => console.log(m)), Date.now());
}
