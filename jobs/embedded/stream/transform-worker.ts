/**
 * Worker-thread entry of the transform pool (./transform-pool.ts): runs the declared transform
 * module (`workerData.module`, checked by whoever started the pool) or, with none, builds the
 * generic stream transform from the embedded environment (HEADWATER_HOME), and answers each
 * `{ id, event }` with `{ id, result }` or `{ id, error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transformFromEnvironment } from '../../serving/stream-transform/handler';
import type { TransformHandler } from '../../serving/stream-transform/transform';
import { loadTransformModule } from './declared-transform';

if (!parentPort) throw new Error('transform-worker.ts runs as a worker thread of TransformPool (transform-pool.ts), not on its own');
const port = parentPort;
const module = (workerData as { module?: string } | null)?.module;
const transform: TransformHandler = module ? loadTransformModule(module) : transformFromEnvironment({ ...process.env, HEADWATER_MODE: 'embedded' }, { logFailures: false });

port.on('message', (m: { id: number; event: Parameters<TransformHandler>[0] }) => {
  transform(m.event).then(
    (result) => port.postMessage({ id: m.id, result }),
    (e: Error) => port.postMessage({ id: m.id, error: e.message ?? String(e) }),
  );
});
