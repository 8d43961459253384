import type { KindDescriptorOf } from '../core/kinds';

/** Kinesis -> Firehose (with a transform Lambda) -> S3 (embedded: a poller calling the same handler). */
export interface StreamDeliverySettings {
  readonly kind: 'stream-delivery';
  /** Repo-relative path of the Firehose transformation handler. */
  readonly transform: string;
  /** Firehose buffer interval in seconds (0 to 900). Default 60. */
  readonly bufferIntervalSeconds: number;
  /** Firehose buffer size in MB (1 to 128). Default 5. */
  readonly bufferSizeMb: number;
  /** Transform Lambda memory in MB. Default 512. */
  readonly transformMemoryMb: number;
  /** Where records that failed the transform go, with the reason. Default `errors/`. */
  readonly errorPrefix: string;
}

export const streamDelivery = (
  s: Pick<StreamDeliverySettings, 'transform'> & Partial<Omit<StreamDeliverySettings, 'kind' | 'transform'>>,
): StreamDeliverySettings => ({
  kind: 'stream-delivery',
  bufferIntervalSeconds: 60,
  bufferSizeMb: 5,
  transformMemoryMb: 512,
  errorPrefix: 'errors/',
  ...s,
});

export const streamDeliveryKind: KindDescriptorOf<StreamDeliverySettings, 'stream'> = {
  name: 'stream-delivery',
  description: 'Kinesis to Firehose (transform Lambda) to the lake (embedded: a poller, same handler)',
  category: 'stream',
  files: ['transform'],
  backfill: { type: 'per_partition' },
};
