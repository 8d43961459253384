import type { KindDescriptorOf } from '../core/kinds';
import { servingDeclarationProblems } from './serving-bindings';

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
  /**
   * Which columns of the stream's contract the transform reads. `history`: the array of structs
   * listing what the user interacted with (each struct holds the model's item id field);
   * `time`: the event's timestamp (absent or null in an event: the record's arrival time is used).
   * @default both found in the contract: its one array-of-struct column holding the item field,
   * its one timestamp column (none: every event takes its arrival time)
   */
  readonly event?: { readonly history?: string; readonly time?: string };
  /**
   * Shape of what the transform adds to each event. `headwater`: `recommended_items` and
   * `similar_items` as lists of ids, and `fallback`; `lab`: the seed lab's shapes,
   * `recommended_items: [{id, score}]` and `similar_items: {<item field>: a browsed item,
   * similar_items: [{id, distance}]}` (declare the asset's contract accordingly). @default 'headwater'
   */
  readonly output: 'headwater' | 'lab';
  /**
   * Names of the fields the transform adds to each event (declare them in the asset's contract).
   * @default { recommended: 'recommended_items', similar: 'similar_items', fallback: 'fallback' }
   */
  readonly outputFields: StreamOutputFields;
}

/** The fields a stream transform adds to each event. */
export interface StreamOutputFields {
  /** Items for the user. */
  readonly recommended: string;
  /** Items like one the user interacted with (the lab output nests a list of the same name in it). */
  readonly similar: string;
  /** Whether either list came from the fallback (the `headwater` output only). */
  readonly fallback: string;
}

export const streamDelivery = (
  s: Pick<StreamDeliverySettings, 'transform'> & Partial<Omit<StreamDeliverySettings, 'kind' | 'transform'>>,
): StreamDeliverySettings => ({
  kind: 'stream-delivery',
  bufferIntervalSeconds: 60,
  bufferSizeMb: 5,
  transformMemoryMb: 512,
  errorPrefix: 'errors/',
  output: 'headwater',
  outputFields: { recommended: 'recommended_items', similar: 'similar_items', fallback: 'fallback' },
  ...s,
});

export const streamDeliveryKind: KindDescriptorOf<StreamDeliverySettings, 'stream'> = {
  name: 'stream-delivery',
  description: 'Kinesis to Firehose (transform Lambda) to the lake (embedded: a poller, same handler)',
  category: 'stream',
  files: ['transform'],
  backfill: { type: 'per_partition' },
  validate: servingDeclarationProblems,
};
