/** Puts events on a Kinesis stream in PutRecords batches, retrying the records Kinesis rejects. */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

export interface PutReport {
  readonly sent: number;
  readonly rejected: number;
}

/** Puts `events` (objects or raw JSON lines), partitioned by customer number as the storefront does. */
export async function putEvents(client: KinesisClient, streamName: string, events: readonly (object | string)[], options: { batchSize?: number; retries?: number } = {}): Promise<PutReport> {
  const batchSize = Math.min(options.batchSize ?? 500, 500);
  let rejected = 0;
  for (let start = 0; start < events.length; start += batchSize) {
    let entries = events.slice(start, start + batchSize).map((e, i) => {
      const text = typeof e === 'string' ? e : JSON.stringify(e);
      const key = typeof e === 'object' && e && 'customer_number' in e ? String((e as { customer_number: unknown }).customer_number) : String(start + i);
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
