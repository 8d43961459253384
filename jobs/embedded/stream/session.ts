/**
 * An embedded stream session: kinesalite + the graph's stream (./target.ts) + the delivery poller
 * calling the declared stream-transform module, all in this process (the transform on worker threads).
 * Used by `assets stream start`, the demo and the stream benchmark; `close()` stops everything it
 * started.
 */
import { registerExclusion, type DeliveredField } from '../../erasure/delivery-filter';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AssetGraph, StreamEvents } from '../../../assets/core';
import { localPaths } from '../paths';
import { servingVariable } from '../../../assets/kinds/serving-bindings';
import { servingConfigFrom } from '../../serving/environment';
import { createRecommenderService, type RecommenderDeps } from '../../serving/recommender';
import { createTransformHandler } from '../../serving/stream-transform/transform';
import { ensureStream, localKinesisClient, startKinesalite, streamPaths, type RunningKinesalite } from './kinesalite';
import { DeliveryPoller, type FlushReport } from './poller';
import { DeliveryLedger } from './deliveries';
import { LocalRunLog } from '../runlog';
import { TransformPool } from './transform-pool';
import { loadTransformModule } from './declared-transform';
import type { EmbeddedStreamTarget } from './target';
import { EmbeddedVectorStore } from '../../vector-store/embedded';

export interface StreamSessionOptions {
  /** The stream and its delivery, from the graph (`embeddedStreamOf`). */
  readonly target: EmbeddedStreamTarget;
  /** Shard count. @default the stream asset's declared shards */
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
   * Worker threads running the transform. Default: one per core. The declared transform module
   * runs on at least one (it reads its serving variables from its thread's environment); with
   * `deps` the generic transform runs on this thread by default (injected dependencies live here).
   */
  readonly transformWorkers?: number;
  /**
   * Record each delivery as a materialization of the target's stream-delivery asset in the local
   * run log (./deliveries.ts), so status and staleness see it. Off when absent (benchmarks, tests).
   */
  readonly record?: { readonly graph: AssetGraph };
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
  const { target } = o;
  const paths = streamPaths(localPaths.stream(), target.streamName);
  // The transform's serving config (its fields, model, indexes), for it and its worker threads.
  const env = { ...process.env, ...(target.serving ? { [servingVariable('config')]: JSON.stringify(target.serving) } : {}), HEADWATER_MODE: 'embedded' };
  const kin: RunningKinesalite = await startKinesalite({ dir: paths.kinesalite, port: o.port ?? 0, publishEndpoint: paths.endpoint });
  const client = localKinesisClient(kin.endpoint);
  let poller: DeliveryPoller | undefined;
  let pool: TransformPool | undefined;
  let runLog: LocalRunLog | undefined;
  let ledger: DeliveryLedger | undefined;
  try {
    await ensureStream(client, target.streamName, o.shards ?? target.shards);
    if (o.poll !== false) {
      if (o.record) {
        runLog = new LocalRunLog(localPaths.runLog());
        ledger = await DeliveryLedger.open({ runLog, graph: o.record.graph, key: target.deliveryKey });
      }
      // Loaded here first so a module that fails says so once, naming its file, not in every worker.
      if (!o.deps) loadTransformModule(target.transformModule);
      const workers = o.deps ? (o.transformWorkers ?? 0) : Math.max(1, o.transformWorkers ?? os.availableParallelism());
      pool = workers > 0 ? new TransformPool(workers, undefined, env, o.deps ? undefined : target.transformModule) : undefined;
      const transform = pool?.transform ?? createTransformHandler(createRecommenderService(o.deps!), servingConfigFrom(env), { logFailures: false });
      poller = new DeliveryPoller({
        client,
        streamName: target.streamName,
        lakeDir: localPaths.lake(),
        prefix: target.prefix,
        errorPrefix: target.errorPrefix,
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
    streamName: target.streamName,
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

/**
 * An event generator over the ids the target's user and item indexes hold (known users, items a
 * user can browse): the graph module's own `demoData.stream` builds the events.
 */
export async function generatorFromIndexes(target: EmbeddedStreamTarget, events: StreamEvents, seed?: number): Promise<() => object> {
  const store = new EmbeddedVectorStore(localPaths.indexes());
  const ids = async (entity: 'user' | 'item') => {
    const alias = target.indexAliases[entity];
    if (!alias) return [];
    try {
      return (await store.open(alias)).snapshot().ids;
    } catch (e) {
      throw new Error(`${(e as Error).message}; the event generator reads the known ${entity} ids from it (materialize it first)`);
    }
  };
  return events.generator({ users: await ids('user'), items: await ids('item') }, seed !== undefined ? { seed } : {});
}
