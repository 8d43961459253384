/**
 * Worker-thread entry of the transform pool (./transform-pool.ts): builds the stream-transform
 * handler from the embedded environment (HEADWATER_HOME), as the poller does, and answers each
 * `{ id, event }` with `{ id, result }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { transformFromEnvironment } from '../../serving/stream-transform/handler';
import type { TransformHandler } from '../../serving/stream-transform/transform';

if (!parentPort) throw new Error('transform-worker.ts runs as a worker thread of TransformPool (transform-pool.ts), not on its own');
const port = parentPort;
const transform: TransformHandler = transformFromEnvironment({ ...process.env, HEADWATER_MODE: 'embedded' }, { logFailures: false });

port.on('message', (m: { id: number; event: Parameters<TransformHandler>[0] }) => {
  transform(m.event).then(
    (result) => port.postMessage({ id: m.id, result }),
    (e: Error) => port.postMessage({ id: m.id, error: e.message ?? String(e) }),
  );
});
