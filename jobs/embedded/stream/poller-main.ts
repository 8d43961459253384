/**
 * Child-process entry: the delivery poller (embedded Firehose) in its own process, as Firehose is
 * its own service in production. Started by `spawnPoller` (./processes.ts) with its options as a
 * JSON argument; the transform (the declared module, or the generic one built from the embedded
 * environment) runs on worker threads, as in the in-process session (`transformWorkers`, default
 * one per core; Firehose likewise invokes the transform Lambda concurrently). IPC messages to the parent:
 *
 *   { type: 'ready', stats }                                  reading every shard
 *   { type: 'flush', ok, failed, files, deliveredAt }         after each delivered batch
 *   { type: 'stopped', stats }                                buffer delivered, about to exit
 *   { type: 'error', message }                                a delivery failed; exits 1
 *
 * `{ type: 'stop' }` (or SIGTERM / SIGINT) stops it cleanly: what is buffered is delivered first.
 * A SIGKILL loses only the buffer, which the next poller re-reads from the checkpoint.
 */
import os from 'node:os';
import { registerExclusion } from '../../erasure/delivery-filter';
import { localPaths } from '../paths';
import { localKinesisClient } from './kinesalite';
import { DeliveryPoller } from './poller';
import { TransformPool } from './transform-pool';
import { loadTransformModule } from './declared-transform';
import type { PollerProcessOptions } from './processes';

type Message = { type: string } & Record<string, unknown>;

/** Sends to the parent when it still listens (a SIGKILLed or exited parent closes the channel). */
const tell = (m: Message) => new Promise<void>((resolve) => (process.connected && process.send ? process.send(m, undefined, {}, () => resolve()) : resolve()));

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: poller-main.ts <options JSON> (see PollerProcessOptions in processes.ts)');
  const o = JSON.parse(raw) as PollerProcessOptions;
  const client = localKinesisClient(o.endpoint);
  // Loaded here first so a module that fails says so once, naming its file, not in every worker.
  if (o.transformModule) loadTransformModule(o.transformModule);
  const workers = Math.max(1, o.transformWorkers ?? os.availableParallelism());
  const pool = new TransformPool(workers, undefined, { ...process.env, HEADWATER_MODE: 'embedded' }, o.transformModule);
  const transform = pool.transform;
  const poller = new DeliveryPoller({
    client,
    streamName: o.streamName,
    lakeDir: o.lakeDir,
    prefix: o.prefix,
    ...(o.errorPrefix ? { errorPrefix: o.errorPrefix } : {}),
    checkpointFile: o.checkpointFile,
    transform,
    bufferIntervalMs: o.bufferIntervalMs,
    ...(o.bufferBytes ? { bufferBytes: o.bufferBytes } : {}),
    // Two invocations per worker: one running, one waiting, so no worker idles between batches.
    transformConcurrency: Math.max(1, 2 * workers),
    exclude: registerExclusion(localPaths.erasure(), o.subjectFields ?? []),
    onFlush: (b) => void tell({ type: 'flush', ok: b.ok, failed: b.failed, files: b.files, deliveredAt: b.deliveredAt }),
  });
  await poller.start();
  await tell({ type: 'ready', stats: poller.stats });
  // A failed delivery stops the poller; report it and exit so the parent can restart it.
  const watch = setInterval(() => {
    if (poller.error) {
      clearInterval(watch);
      void tell({ type: 'error', message: poller.error.message }).finally(() => process.exit(1));
    }
  }, 200);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(watch);
    poller
      .stop()
      .then(
        () => tell({ type: 'stopped', stats: poller.stats }),
        (e: Error) => tell({ type: 'error', message: e.message }),
      )
      .finally(async () => {
        client.destroy();
        await pool.close();
        process.exit(poller.error ? 1 : 0);
      });
  };
  process.on('message', (m: { type?: string }) => m?.type === 'stop' && stop());
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Orphaned (the parent died): stop cleanly rather than run on unattended.
  process.on('disconnect', stop);
}

main().catch((e: Error) => {
  process.stderr.write(`poller process: ${e.message}\n`);
  void tell({ type: 'error', message: e.message }).finally(() => process.exit(1));
});
