/**
 * The stream transform on worker threads: Firehose invokes the transform Lambda concurrently, and
 * the transform is CPU-bound (index searches), so the embedded poller spreads invocations over
 * `size` threads instead of scoring every record on its own event loop. Each worker builds its own
 * recommender service from the environment (./transform-worker.ts). A worker that dies is
 * replaced; the invocations it held fail, and the poller retries them as Firehose does.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TransformHandler, TransformResult } from '../../serving/stream-transform/transform';

interface Pending {
  resolve(r: TransformResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A pool of transform workers; `transform` has the handler's signature. */
export class TransformPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    // The compiled worker beside the compiled pool (dist/), or the .ts one from source.
    private readonly workerFile = path.join(__dirname, `transform-worker${path.extname(__filename)}`),
    /** The workers' environment (the serving variables among it). Default: this process's. */
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** The declared transform module each worker runs (repo-relative); none: the generic transform. */
    private readonly module?: string,
  ) {
    if (!(size >= 1)) throw new Error(`a transform pool needs at least one worker, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Invokes the transform on the least busy worker. */
  readonly transform: TransformHandler = (event) => {
    if (this.closed) return Promise.reject(new Error('the transform pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<TransformResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, event: { records: event.records } });
    });
  };

  /** Stops every worker; invocations still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    // A .ts worker registers tsx's require hook itself: workers do not get the ESM loader the tsx
    // CLI registers on the main thread, and Node would refuse the '.ts' extension.
    const worker = this.workerFile.endsWith('.ts')
      ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(this.workerFile)});`, { eval: true, env: this.env, workerData: { module: this.module } })
      : new Worker(this.workerFile, { env: this.env, workerData: { module: this.module } });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: { id: number; result?: TransformResult; error?: string }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (m.result) p.resolve(m.result);
      else p.reject(new Error(m.error ?? 'the transform worker answered without a result'));
    });
    const fail = (why: string) => {
      for (const p of slot.pending.values()) p.reject(new Error(`transform worker ${worker.threadId} ${why}`));
      slot.pending.clear();
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return slot;
  }
}
