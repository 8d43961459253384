/** Puts events on a Kinesis stream in PutRecords batches, retrying the records Kinesis rejects. */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

export interface PutReport {
  readonly sent: number;
  readonly rejected: number;
}

export interface PutOptions {
  /** @default 500 (the PutRecords maximum) */
  readonly batchSize?: number;
  /** @default 5 */
  readonly retries?: number;
  /**
   * The record's partition key, as the stream's producers choose it (the graph module's
   * `demoData.stream.partitionKey`, e.g. the user id, so one user's events stay in order).
   * @default the event's position in `events`
   */
  readonly partitionKey?: (event: object) => string | undefined;
}

/** The partition key of an event, or of a JSON line holding one (a line that is not JSON has none). */
function keyOf(e: object | string, partitionKey: (event: object) => string | undefined): string | undefined {
  if (typeof e !== 'string') return partitionKey(e);
  try {
    const parsed: unknown = JSON.parse(e);
    return typeof parsed === 'object' && parsed !== null ? partitionKey(parsed) : undefined;
  } catch {
    return undefined;
  }
}

/** Puts `events` (objects or raw JSON lines) on `streamName`. */
export async function putEvents(client: KinesisClient, streamName: string, events: readonly (object | string)[], options: PutOptions = {}): Promise<PutReport> {
  const batchSize = Math.min(options.batchSize ?? 500, 500);
  let rejected = 0;
  for (let start = 0; start < events.length; start += batchSize) {
    let entries = events.slice(start, start + batchSize).map((e, i) => {
      const text = typeof e === 'string' ? e : JSON.stringify(e);
      const key = (options.partitionKey ? keyOf(e, options.partitionKey) : undefined) ?? String(start + i);
      return { Data: Buffer.from(text), PartitionKey: key };
    });
    for (let attempt = 0; entries.length > 0; attempt++) {
      const res = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      const failed = entries.filter((_, i) => res.Records?.[i]?.ErrorCode);
      if (failed.length === 0) break;
      if (attempt >= (options.retries ?? 5)) {
        rejected += failed.length;
        break;
      }
      entries = failed;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
  return { sent: events.length - rejected, rejected };
}
