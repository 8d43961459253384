/**
 * Stream deliveries as materializations of the stream asset. No batch run ever materializes a
 * stream-delivery asset: Firehose (here the delivery poller) writes it continuously. So that
 * `status`, staleness and whatever reads the asset downstream see its data, every delivered batch
 * holding records is recorded in the run log as a materialization of the asset (partition null:
 * the asset is one growing table), under one run per poller session whose command is `stream`.
 * Each records the code version of the asset (its transform's code), the data versions of its
 * inputs when the batch landed (model, indexes, ...: what the transform read), and the records
 * and files it delivered. A batch of failures only (the error prefix) adds no data: not recorded.
 *
 * Recording never holds up or stops the delivery itself: writes are queued, and a failed one is
 * reported once through `warn` while the stream keeps flowing (the lake is the source of truth of
 * the stream; the run log is its index).
 */
import os from 'node:os';
import { codeVersionOf, currentInputVersions, deliveryDataVersion, type AssetGraph, type AssetKey, type RunLog } from '../../../assets/core';
import { newRunId } from '../../engine/engine';
import { readRepoFile } from '../../engine/repo-files';

/** A delivered batch, as the in-process poller (`FlushReport`) and the poller child (`ChildFlush`) report it. */
export interface DeliveredBatch {
  readonly ok: number;
  readonly failed: number;
  /** Lake files written, relative to the lake (Ok records and error prefix alike). */
  readonly files: readonly string[];
  /** When the files were renamed into the lake (epoch ms). */
  readonly deliveredAt: number;
}

export interface DeliveryLedgerOptions {
  readonly runLog: RunLog;
  readonly graph: AssetGraph;
  /** The stream-delivery asset the poller writes. */
  readonly key: AssetKey;
  /** The environment's name, recorded on the run. @default 'local' */
  readonly env?: string;
  /** Where a failed run-log write is reported (once). @default stderr */
  readonly warn?: (message: string) => void;
}

/** Records each delivered batch as a materialization of the stream asset (see the file comment). */
export class DeliveryLedger {
  private pending: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private recorded = 0;

  private constructor(
    private readonly o: DeliveryLedgerOptions,
    /** The session's run: its materializations are the deliveries. */
    readonly runId: string,
  ) {}

  /** Starts the session's run in the run log. */
  static async open(o: DeliveryLedgerOptions): Promise<DeliveryLedger> {
    o.graph.get(o.key); // an unknown key fails here, before any delivery
    const runId = newRunId();
    await o.runLog.createRun({
      runId,
      command: 'stream',
      selection: o.key,
      partitions: 'stream',
      env: o.env ?? 'local',
      status: 'running',
      startedAt: new Date().toISOString(),
      owner: `${os.hostname()}:${process.pid}`,
      stepsPlanned: 0,
    });
    return new DeliveryLedger(o, runId);
  }

  /** Materializations recorded so far. */
  get count(): number {
    return this.recorded;
  }

  /** Queues the batch's materialization; returns at once (see `flushed`). */
  record(batch: DeliveredBatch): void {
    if (batch.ok === 0) return;
    this.pending = this.pending.then(() =>
      this.write(batch).catch((e: Error) => {
        if (!this.failure) this.warn(`could not record a delivery of ${this.o.key} in the run log (status will not show it): ${e.message}`);
        this.failure ??= e;
      }),
    );
  }

  /** Resolves when every queued materialization is written (or failed). */
  flushed(): Promise<void> {
    return this.pending;
  }

  /** Waits for queued writes and ends the session's run: succeeded, or failed with the poller's error. */
  async close(error?: Error): Promise<void> {
    await this.pending;
    const failed = error ?? this.failure;
    await this.o.runLog.updateRun(this.runId, {
      status: failed ? 'failed' : 'succeeded',
      endedAt: new Date().toISOString(),
      ...(failed ? { error: failed.message } : {}),
    });
  }

  private async write(batch: DeliveredBatch): Promise<void> {
    const { graph, key, runLog } = this.o;
    const { versions } = currentInputVersions(graph, key, null, await runLog.snapshot(), batch.deliveredAt);
    const at = new Date(batch.deliveredAt).toISOString();
    const dataVersion = deliveryDataVersion(key, batch.files);
    await runLog.append({
      type: 'materialization',
      runId: this.runId,
      key,
      partition: null,
      codeVersion: codeVersionOf(graph.get(key), readRepoFile),
      dataVersion,
      inputs: versions,
      metadata: { rows: batch.ok, failed: batch.failed, files: batch.files.length },
      at,
    });
    this.recorded++;
  }

  private warn(message: string): void {
    (this.o.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`)))(message);
  }
}
