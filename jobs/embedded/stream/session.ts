/**
 * An embedded stream session: kinesalite + the `user_events` stream + the delivery poller calling
 * the stream-transform handler, all in this process (the transform on worker threads). Used by `assets stream start`, the demo and
 * the stream benchmark; `close()` stops everything it started.
 */
import { registerExclusion, type DeliveredField } from '../../erasure/delivery-filter';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AssetGraph, AssetKey } from '../../../assets/core';
import { localPaths } from '../paths';
import { embeddedServingEnvironment, servingConfigFrom } from '../../serving/environment';
import { transformFromEnvironment } from '../../serving/stream-transform/handler';
import { createRecommenderService, type RecommenderDeps } from '../../serving/recommender';
import { createTransformHandler } from '../../serving/stream-transform/transform';
import { ensureStream, localKinesisClient, startKinesalite, streamPaths, USER_EVENTS_STREAM, type RunningKinesalite } from './kinesalite';
import { DeliveryPoller, type FlushReport } from './poller';
import { DeliveryLedger } from './deliveries';
import { LocalRunLog } from '../runlog';
import { TransformPool } from './transform-pool';
import { eventGenerator } from './generator';
import { EmbeddedVectorStore } from '../../vector-store/embedded';
import type { BrowsingEvent } from '../../serving/validation';

export interface StreamSessionOptions {
  /** Shard count (the graph's `stream/user_events` shards). Default 2. */
  readonly shards?: number;
  /** Poller buffer interval, ms (the graph's `bufferIntervalSeconds` x 1000). */
  readonly bufferIntervalMs: number;
  readonly bufferBytes?: number;
  /** Kinesalite port; 0 = any. */
  readonly port?: number;
  /** Dependencies of the transform; default from the environment (embedded). */
  readonly deps?: RecommenderDeps;
  readonly onFlush?: (batch: FlushReport) => void;
  /** Whether to run the poller (put-only sessions leave it off). Default true. */
  readonly poll?: boolean;
  /**
   * Worker threads running the transform (0 = on this thread). Default: one per core, unless
   * `deps` is given (injected dependencies live on this thread).
   */
  readonly transformWorkers?: number;
  /**
   * Record each delivery as a materialization of this stream-delivery asset in the local run log
   * (./deliveries.ts), so status and staleness see it. Off when absent (benchmarks, tests).
   */
  readonly record?: { readonly graph: AssetGraph; readonly key: AssetKey };
  /**
   * The stream-delivery asset whose transform runs: its serving config (from its declaration and
   * deps) is given to the transform and its workers. Default: `record`'s; neither: this process's
   * environment must already hold it (servingVariable).
   */
  readonly serving?: { readonly graph: AssetGraph; readonly key: AssetKey };
  /** Subject fields of the delivered records: records of subjects in the deletion register are not delivered. @default none */
  readonly subjectFields?: readonly DeliveredField[];
}

export interface StreamSession {
  readonly endpoint: string;
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly poller?: DeliveryPoller;
  /** The run log record of the deliveries, when `record` was asked for. */
  readonly ledger?: DeliveryLedger;
  close(): Promise<void>;
}

/** Starts kinesalite under `<local>/stream/`, ensures the stream, starts the poller. */
export async function startStreamSession(o: StreamSessionOptions): Promise<StreamSession> {
  const serving = o.serving ?? o.record;
  const env = { ...process.env, ...(serving ? embeddedServingEnvironment(serving.graph, serving.key) : {}), HEADWATER_MODE: 'embedded' };
  const paths = streamPaths(localPaths.stream());
  const kin: RunningKinesalite = await startKinesalite({ dir: paths.kinesalite, port: o.port ?? 0, publishEndpoint: paths.endpoint });
  const client = localKinesisClient(kin.endpoint);
  let poller: DeliveryPoller | undefined;
  let pool: TransformPool | undefined;
  let runLog: LocalRunLog | undefined;
  let ledger: DeliveryLedger | undefined;
  try {
    await ensureStream(client, USER_EVENTS_STREAM, o.shards ?? 2);
    if (o.poll !== false) {
      if (o.record) {
        runLog = new LocalRunLog(localPaths.runLog());
        ledger = await DeliveryLedger.open({ runLog, graph: o.record.graph, key: o.record.key });
      }
      const workers = o.transformWorkers ?? (o.deps ? 0 : os.availableParallelism());
      pool = workers > 0 ? new TransformPool(workers, undefined, env) : undefined;
      const transform =
        pool?.transform ??
        (o.deps
          ? createTransformHandler(createRecommenderService(o.deps), servingConfigFrom(env), { logFailures: false })
          : transformFromEnvironment(env, { logFailures: false }));
      poller = new DeliveryPoller({
        client,
        streamName: USER_EVENTS_STREAM,
        lakeDir: localPaths.lake(),
        checkpointFile: paths.checkpoint,
        transform,
        // Two invocations per worker: one running, one waiting, so no worker idles between batches.
        transformConcurrency: Math.max(1, 2 * workers),
        bufferIntervalMs: o.bufferIntervalMs,
        ...(o.bufferBytes ? { bufferBytes: o.bufferBytes } : {}),
        onFlush: (b) => {
          ledger?.record(b);
          o.onFlush?.(b);
        },
        exclude: registerExclusion(localPaths.erasure(), o.subjectFields ?? []),
      });
      fs.mkdirSync(path.dirname(paths.checkpoint), { recursive: true });
      await poller.start();
    }
  } catch (e) {
    client.destroy();
    await pool?.close();
    await ledger?.close(e as Error).catch(() => undefined);
    await runLog?.close();
    await kin.close();
    throw e;
  }
  return {
    endpoint: kin.endpoint,
    client,
    streamName: USER_EVENTS_STREAM,
    ...(poller ? { poller } : {}),
    ...(ledger ? { ledger } : {}),
    async close() {
      let failure: Error | undefined;
      try {
        await poller?.stop().catch((e: Error) => {
          failure = e;
          throw e;
        });
      } finally {
        client.destroy();
        await pool?.close();
        try {
          await ledger?.close(failure);
        } finally {
          await runLog?.close();
          await kin.close();
        }
      }
    },
  };
}

/** An event generator over the products and customers of the local item and user indexes. */
export async function generatorFromIndexes(seed?: number): Promise<() => BrowsingEvent> {
  const store = new EmbeddedVectorStore(localPaths.indexes());
  const ids = async (alias: string) => {
    try {
      return (await store.open(alias)).snapshot().ids;
    } catch (e) {
      throw new Error(`${(e as Error).message}; the event generator reads product codes and customers from it`);
    }
  };
  const products = await ids('item_embeddings');
  const customers = (await ids('user_embeddings')).filter((id) => /^\d+$/.test(id)).map((id) => ({ customerNumber: Number(id) }));
  return eventGenerator({ products, customers, ...(seed !== undefined ? { seed } : {}) });
}
