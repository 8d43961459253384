/**
 * Which stream the embedded runtime runs, read from the graph: the `stream-delivery` asset (the
 * one there is, or the one asked for), the `kinesis-stream` source it consumes (a dep), the
 * indexes it reads (deps of kind `vector-index`), and where its deliveries land in the lake.
 * Nothing here names an asset: a fork's stream runs as the reference's does.
 */
import path from 'node:path';
import { computeSettings, suggestKey, UserError, type AssetDefinition, type AssetGraph, type AssetKey } from '../../../assets/core';
import type { KinesisStreamSettings, ServingConfig, StreamDeliverySettings, VectorIndexSettings } from '../../../assets/kinds';
import { servesModel, servingConfig } from '../../../assets/kinds/serving-bindings';

export interface EmbeddedStreamTarget {
  /** The stream-delivery asset: its deliveries are recorded as its materializations. */
  readonly deliveryKey: AssetKey;
  /** The kinesis-stream source it consumes. */
  readonly streamKey: AssetKey;
  /** The Kinesis stream name: the source's name (`zone/name` -> `name`; Kinesis names cannot hold '/'). */
  readonly streamName: string;
  readonly shards: number;
  readonly bufferIntervalSeconds: number;
  /** The delivery asset's folder under the lake root (`<zone>/<name>`). */
  readonly prefix: string;
  /** Folder under `prefix` for records the transform rejected (the Firehose error prefix, without its '/'). */
  readonly errorPrefix: string;
  /** Aliases of the indexes it reads, by entity: the demo's event generator draws known ids from them. */
  readonly indexAliases: { readonly user?: string; readonly item?: string };
  /** Those indexes' id fields (`idField`): the event fields holding a user id and an item id. */
  readonly indexIdFields: { readonly user?: string; readonly item?: string };
  /** What its transform reads (fields, model, fallback, indexes, event shape), from its declaration and deps; none when it serves no model. */
  readonly serving?: ServingConfig;
  /** The declared transform module (repo-relative), run as the Firehose Lambda runs it. */
  readonly transformModule: string;
}

const kindOf = (a: AssetDefinition) => (a.compute as { kind?: string }).kind;

/** The stream-delivery assets of the graph, in graph order. */
export function streamDeliveryKeys(graph: AssetGraph): AssetKey[] {
  return graph.keys.filter((k) => kindOf(graph.get(k)) === 'stream-delivery');
}

/**
 * The embedded stream of `key`, or of the graph's only stream-delivery asset when `key` is absent.
 * Throws a UserError saying what to pass when there is none, several, or `key` is not one.
 */
export function embeddedStreamOf(graph: AssetGraph, key?: string): EmbeddedStreamTarget {
  const deliveries = streamDeliveryKeys(graph);
  if (key === undefined) {
    if (deliveries.length === 0) throw new UserError('the graph has no stream-delivery asset: nothing for the embedded stream to deliver (declare one with streamDelivery(...) and a kinesis-stream dep)');
    if (deliveries.length > 1) throw new UserError(`the graph has ${deliveries.length} stream-delivery assets (${deliveries.join(', ')}); pick one with --asset KEY`);
    key = deliveries[0];
  }
  if (!graph.has(key)) {
    const hint = suggestKey(key, deliveries.length ? deliveries : graph.keys);
    throw new UserError(`--asset ${key}: no such asset${hint ? `; did you mean '${hint}'?` : ''} (stream-delivery assets: ${deliveries.join(', ') || 'none'})`);
  }
  const delivery = graph.get(key);
  if (kindOf(delivery) !== 'stream-delivery') {
    throw new UserError(`--asset ${key} is a ${kindOf(delivery)} asset, not a stream-delivery one; pick one of: ${deliveries.join(', ') || 'none (the graph has none)'}`);
  }
  const deps = delivery.deps.map((d) => graph.get(d.key));
  const streams = deps.filter((d) => kindOf(d) === 'kinesis-stream');
  if (streams.length !== 1) {
    throw new UserError(`${key} must read exactly one kinesis-stream asset (a dep), found ${streams.length ? streams.map((s) => s.key).join(', ') : 'none'}: the embedded stream would not know which to consume`);
  }
  const stream = streams[0];
  const settings = computeSettings<StreamDeliverySettings>(delivery);
  const indexAliases: { user?: string; item?: string } = {};
  const indexIdFields: { user?: string; item?: string } = {};
  for (const d of deps) {
    if (kindOf(d) !== 'vector-index') continue;
    const s = computeSettings<VectorIndexSettings>(d);
    indexAliases[s.entity] ??= s.alias;
    indexIdFields[s.entity] ??= s.idField;
  }
  return {
    deliveryKey: key,
    streamKey: stream.key,
    streamName: stream.name,
    shards: computeSettings<KinesisStreamSettings>(stream).shards ?? 2,
    bufferIntervalSeconds: settings.bufferIntervalSeconds ?? 60,
    prefix: path.join(...key.split('/')),
    errorPrefix: (settings.errorPrefix ?? 'errors/').replace(/\/+$/, '') || 'errors',
    indexAliases,
    indexIdFields,
    ...(servesModel(graph, key) ? { serving: servingConfig(graph, key) } : {}),
    transformModule: settings.transform,
  };
}
