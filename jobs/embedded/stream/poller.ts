/**
 * The delivery poller: the embedded stand-in for Kinesis Data Firehose. It reads every shard from
 * its checkpoint, invokes the same transformation handler as the Lambda, buffers the results by
 * size and time as Firehose does, and writes the delivery asset's folder of the lake (`prefix`):
 *
 *   <lake>/<prefix>/year=YYYY/month=MM/day=DD/hour=HH/<name>-<stamp>.jsonl                       Ok records
 *   <lake>/<prefix>/<errors>/year=YYYY/month=MM/day=DD/hour=HH/processing-failed-<stamp>.jsonl    failures + reason
 *
 * (hours are the records' arrival time in UTC, as Firehose partitions). Every file is written to a
 * temp name, flushed to disk and renamed, so readers never see a partial file.
 *
 * Three stages overlap, as in Firehose (which buffers for the Lambda processor and again for the
 * destination): shard readers append records to a transform queue; the transform is invoked on
 * what has arrived (up to `transformBatchRecords` / `transformBatchBytes` per invocation, up to
 * `transformConcurrency` invocations at once, results taken in read order so each shard's
 * records stay in order); its results wait in the delivery
 * buffer, which is written when its oldest record has waited `bufferIntervalMs` since it was read
 * or when it holds `bufferBytes`. So the transform's cost is spent while the buffer fills, not
 * after the interval ends. Readers pause while `maxQueuedRecords` are waiting (backpressure).
 *
 * Delivery is at-least-once: the checkpoint moves only after the files are in place. Before
 * writing, the poller records its intent (the files and the sequence numbers they cover) in the
 * checkpoint file; after a crash, a restart that finds every intended file already written just
 * commits the intent (no duplicates), and one that finds only some of them redelivers the batch
 * and counts the records already visible as duplicates.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { UserError } from '../../../assets/core';
import type { TransformHandler, TransformedRecord } from '../../serving/stream-transform/transform';

export interface PollerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly lakeDir: string;
  /** The delivery asset's folder under `lakeDir` (`<zone>/<name>`, see ./target.ts). */
  readonly prefix: string;
  /** Folder under `prefix` for records the transform rejected (Firehose's error prefix). @default 'errors' */
  readonly errorPrefix?: string;
  readonly checkpointFile: string;
  readonly transform: TransformHandler;
  /** Firehose buffer interval, ms. Default 60,000 (the graph's `bufferIntervalSeconds`). */
  readonly bufferIntervalMs?: number;
  /** Firehose buffer size, bytes. Default 5 MiB. */
  readonly bufferBytes?: number;
  /** Most records per transform invocation. Default 500. */
  readonly transformBatchRecords?: number;
  /** Most bytes per transform invocation (Firehose's processor buffer). Default 1 MiB. */
  readonly transformBatchBytes?: number;
  /** Transform invocations in flight at once (results are still delivered in read order). Default 1. */
  readonly transformConcurrency?: number;
  /** Records read but not yet delivered above which the shard readers wait. Default 50,000. */
  readonly maxQueuedRecords?: number;
  /** Most records per GetRecords call (the Kinesis maximum is 10,000). Default 10,000. */
  readonly getRecordsLimit?: number;
  /** Wait between GetRecords calls that returned nothing, ms. Default 100. */
  readonly idlePollMs?: number;
  /** Flush lake files and the checkpoint to disk (fsync) before moving on. Default true. */
  readonly fsync?: boolean;
  /** Called after each delivered batch (files renamed, checkpoint written). */
  readonly onFlush?: (batch: FlushReport) => void;
  /**
   * Records never to deliver, given the record's text (an Ok record's output, a failed record's
   * original data): the deletion register's erased subjects. Counted in `stats.excluded`. @default none
   */
  readonly exclude?: (text: string) => boolean;
  /** Test hook: runs after the files are written and before the checkpoint moves. */
  readonly beforeCheckpoint?: (batch: FlushReport) => void | Promise<void>;
}

export interface FlushReport {
  readonly ok: number;
  readonly failed: number;
  /** Ok records as JSON lines (what landed in the lake). */
  readonly okLines: readonly string[];
  readonly files: readonly string[];
  /** When the files were renamed into the lake (epoch ms). */
  readonly deliveredAt: number;
}

export interface PollerStats {
  read: number;
  delivered: number;
  failed: number;
  duplicates: number;
  flushes: number;
  transformRetries: number;
  /** Records left out because `exclude` said so (erased subjects). */
  excluded: number;
}

interface Checkpoint {
  /** shardId -> last sequence number delivered. */
  committed: Record<string, string>;
  /** A batch being written: its files and the sequence numbers it covers. */
  pending?: { files: string[]; upTo: Record<string, string>; okLines: number };
}

/** A record read from a shard, waiting for the transform. */
interface Queued {
  readonly shardId: string;
  readonly record: _Record;
  readonly bytes: number;
  /** When the poller read it (the delivery buffer's clock starts here). */
  readonly readAt: number;
}

/** A transform invocation in flight; `results` once it has answered. */
interface InFlight {
  readonly batch: Queued[];
  results?: TransformedRecord[];
}

/** A transformed record, waiting in the delivery buffer. */
interface Ready {
  readonly src: Queued;
  readonly result: TransformedRecord;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `year=YYYY/month=MM/day=DD/hour=HH` of a UTC time. */
export function hourPartition(t: Date): string {
  return `year=${t.getUTCFullYear()}/month=${pad(t.getUTCMonth() + 1)}/day=${pad(t.getUTCDate())}/hour=${pad(t.getUTCHours())}`;
}

/** Writes `data` to a temp name in `file`'s folder (fsync'd when asked), then renames it over `file`. */
async function writeAtomic(file: string, data: string, sync: boolean, knownDirs: Set<string>): Promise<void> {
  const dir = path.dirname(file);
  if (!knownDirs.has(dir)) {
    await fsp.mkdir(dir, { recursive: true });
    knownDirs.add(dir);
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(tmp, 'w');
  } catch (e) {
    // The folder was removed since we made it: make it again.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await fsp.mkdir(dir, { recursive: true });
    handle = await fsp.open(tmp, 'w');
  }
  try {
    await handle.writeFile(data);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}

/** `writeAtomic`, blocking (used once, while recovering at start). */
function writeAtomicSync(file: string, data: string, sync: boolean): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    if (sync) fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function push(m: Map<string, string[]>, key: string, line: string): void {
  const xs = m.get(key);
  if (xs) xs.push(line);
  else m.set(key, [line]);
}

const seqMax = (a: string | undefined, b: string) => (a === undefined || BigInt(b) > BigInt(a) ? b : a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The embedded Firehose: see the file comment. */
export class DeliveryPoller {
  readonly stats: PollerStats = { read: 0, delivered: 0, failed: 0, duplicates: 0, flushes: 0, transformRetries: 0, excluded: 0 };
  private readonly bufferIntervalMs: number;
  private readonly bufferBytes: number;
  private readonly transformBatchRecords: number;
  private readonly transformBatchBytes: number;
  private readonly transformConcurrency: number;
  private readonly maxQueuedRecords: number;
  private readonly getRecordsLimit: number;
  private readonly idlePollMs: number;
  private readonly fsync: boolean;
  private checkpoint: Checkpoint = { committed: {} };
  /** shardId -> last sequence number read (readers resume here after an expired iterator). */
  private readonly lastRead: Record<string, string> = {};
  private queue: Queued[] = [];
  private inFlight: InFlight[] = [];
  private transformsDone: Promise<void> = Promise.resolve();
  private transformsIdle: (() => void) | undefined;
  private ready: Ready[] = [];
  private readyBytes = 0;
  private running = false;
  private killed = false;
  private loops: Promise<void>[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private failure: Error | undefined;
  /** Folders already created (no mkdir per file per flush). */
  private readonly knownDirs = new Set<string>();

  constructor(private readonly o: PollerOptions) {
    this.bufferIntervalMs = o.bufferIntervalMs ?? 60_000;
    this.bufferBytes = o.bufferBytes ?? 5 * 1024 * 1024;
    this.transformBatchRecords = o.transformBatchRecords ?? 500;
    this.transformBatchBytes = o.transformBatchBytes ?? 1024 * 1024;
    this.transformConcurrency = Math.max(1, o.transformConcurrency ?? 1);
    this.maxQueuedRecords = o.maxQueuedRecords ?? 50_000;
    this.getRecordsLimit = Math.min(o.getRecordsLimit ?? 10_000, 10_000);
    this.idlePollMs = o.idlePollMs ?? 100;
    this.fsync = o.fsync ?? true;
  }

  /** Recovers from the checkpoint and starts reading every shard. */
  async start(): Promise<void> {
    this.recover();
    const shards = await this.o.client.send(new ListShardsCommand({ StreamName: this.o.streamName }));
    this.running = true;
    for (const s of shards.Shards ?? []) this.loops.push(this.readShard(s.ShardId!));
  }

  /** Stops reading, transforms and delivers what is buffered, and waits for the last write. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    while (this.inFlight.length > 0) await this.transformsDone;
    this.clearTimer();
    this.flush();
    await this.flushing;
    if (this.failure) throw this.failure;
  }

  /** Stops at once without delivering the buffer (what a crash does); nothing is lost. */
  async kill(): Promise<void> {
    this.running = false;
    this.killed = true;
    this.clearTimer();
    this.queue = [];
    this.inFlight = [];
    this.transformsIdle?.();
    this.ready = [];
    this.readyBytes = 0;
    await Promise.all(this.loops).catch(() => undefined);
  }

  /** The last error of a delivery, if one failed (the poller stops reading then). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Records read and not yet delivered (queued for the transform or in the delivery buffer). */
  get backlog(): number {
    return this.queue.length + this.inFlight.reduce((n, f) => n + f.batch.length, 0) + this.ready.length;
  }

  private recover(): void {
    try {
      this.checkpoint = JSON.parse(fs.readFileSync(this.o.checkpointFile, 'utf8')) as Checkpoint;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`checkpoint ${this.o.checkpointFile} is unreadable (${(e as Error).message}); delete it to re-read the stream from its start`);
      this.checkpoint = { committed: {} };
    }
    const pending = this.checkpoint.pending;
    if (!pending) return;
    const present = pending.files.filter((f) => fs.existsSync(path.join(this.o.lakeDir, f)));
    if (present.length === pending.files.length) {
      // The crash came after the write: the batch is in the lake, only the checkpoint lagged.
      this.checkpoint = { committed: { ...this.checkpoint.committed, ...pending.upTo } };
    } else {
      // Part of the batch is visible: redeliver it all, counting what readers may see twice.
      for (const f of present) this.stats.duplicates += fs.readFileSync(path.join(this.o.lakeDir, f), 'utf8').split('\n').filter(Boolean).length;
      this.checkpoint = { committed: this.checkpoint.committed };
    }
    fs.mkdirSync(path.dirname(this.o.checkpointFile), { recursive: true });
    writeAtomicSync(this.o.checkpointFile, JSON.stringify(this.checkpoint), this.fsync);
  }

  private async iterator(shardId: string): Promise<string | undefined> {
    const after = this.lastRead[shardId] ?? this.checkpoint.committed[shardId];
    const res = await this.o.client.send(
      new GetShardIteratorCommand({
        StreamName: this.o.streamName,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return res.ShardIterator;
  }

  private async readShard(shardId: string): Promise<void> {
    let iterator = await this.iterator(shardId);
    while (this.running && iterator) {
      // Backpressure: a slow transform or disk must not make the poller hold the whole stream.
      if (this.backlog >= this.maxQueuedRecords) {
        await sleep(10);
        continue;
      }
      let res;
      try {
        res = await this.o.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.getRecordsLimit }));
      } catch (e) {
        if (!this.running) return;
        // Throttling or a restart of the stream: back off and retry; an expired iterator is
        // renewed after the last record read, so nothing is read twice.
        await sleep(500);
        if ((e as { name?: string }).name === 'ExpiredIteratorException') iterator = await this.iterator(shardId);
        continue;
      }
      if (!this.running) return;
      const records = res.Records ?? [];
      if (records.length > 0) {
        const readAt = Date.now();
        for (const record of records) this.queue.push({ shardId, record, bytes: record.Data?.byteLength ?? 0, readAt });
        this.lastRead[shardId] = records[records.length - 1].SequenceNumber!;
        this.stats.read += records.length;
        this.pump();
      }
      iterator = res.NextShardIterator;
      if (records.length === 0) await sleep(this.idlePollMs);
    }
  }

  /** Starts transform invocations on what is queued, up to `transformConcurrency` at once. */
  private pump(): void {
    while (this.inFlight.length < this.transformConcurrency && this.queue.length > 0 && !this.failure && !this.killed) {
      let n = 0;
      let bytes = 0;
      while (n < this.queue.length && n < this.transformBatchRecords && (n === 0 || bytes + this.queue[n].bytes <= this.transformBatchBytes)) bytes += this.queue[n++].bytes;
      const flight: InFlight = { batch: this.queue.slice(0, n) };
      this.queue = this.queue.slice(n);
      if (this.inFlight.length === 0) this.transformsDone = new Promise((resolve) => (this.transformsIdle = resolve));
      this.inFlight.push(flight);
      this.transformWithRetry(flight.batch)
        .then((results) => {
          flight.results = results;
          this.takeAnswered();
        })
        .catch((e: Error) => {
          this.fail(e);
          this.inFlight = [];
        })
        .finally(() => {
          if (this.inFlight.length === 0) this.transformsIdle?.();
          this.pump();
        });
    }
  }

  /** Moves answered invocations into the delivery buffer, oldest first (read order). */
  private takeAnswered(): void {
    while (this.inFlight.length > 0 && this.inFlight[0].results) {
      const { batch, results } = this.inFlight.shift()!;
      if (this.killed) continue;
      results!.forEach((result, i) => {
        this.ready.push({ src: batch[i], result });
        this.readyBytes += batch[i].bytes;
      });
    }
    if (this.readyBytes >= this.bufferBytes) this.flush();
    else this.armTimer();
  }

  /** Schedules the flush for when the oldest buffered record has waited the buffer interval. */
  private armTimer(): void {
    if (this.ready.length === 0 || !this.running) return;
    const due = this.ready[0].src.readAt + this.bufferIntervalMs;
    if (this.timer && this.timerDue === due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, Math.max(0, due - Date.now()));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(e: Error): void {
    // Nothing was checkpointed for the failed batch: stopping here means it is read again on restart.
    this.failure ??= e;
    this.running = false;
    this.clearTimer();
  }

  /** Hands the delivery buffer to the writer (deliveries run one at a time, in order). */
  private flush(): void {
    this.clearTimer();
    if (this.ready.length === 0 || this.failure || this.killed) return;
    const batch = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    this.flushing = this.flushing.then(() => (this.failure || this.killed ? undefined : this.deliver(batch).catch((e: Error) => this.fail(e))));
  }

  private async transformWithRetry(records: Queued[]): Promise<TransformedRecord[]> {
    const event = {
      records: records.map((b, i) => ({
        recordId: `${b.shardId}:${b.record.SequenceNumber ?? i}`,
        approximateArrivalTimestamp: (b.record.ApproximateArrivalTimestamp ?? new Date()).getTime(),
        data: Buffer.from(b.record.Data ?? new Uint8Array()).toString('base64'),
      })),
    };
    let lastError: unknown;
    // Firehose retries a failing transform invocation, then sends the batch to the error prefix.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await this.o.transform(event);
        const byId = new Map(res.records.map((r) => [r.recordId, r]));
        return event.records.map(
          (r) => byId.get(r.recordId) ?? { recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data, reason: 'the transform returned no result for this record' },
        );
      } catch (e) {
        lastError = e;
        this.stats.transformRetries++;
        await sleep(100 * 2 ** attempt);
      }
    }
    const reason = `the transform failed 3 times: ${(lastError as Error)?.message ?? String(lastError)}`;
    return event.records.map((r) => ({ recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data, reason }));
  }

  private async deliver(batch: Ready[]): Promise<void> {
    const okByHour = new Map<string, string[]>();
    const errByHour = new Map<string, string[]>();
    const okLines: string[] = [];
    const upTo: Record<string, string> = {};
    let excludedHere = 0;
    for (const { src, result: r } of batch) {
      const arrival = src.record.ApproximateArrivalTimestamp ?? new Date();
      const hour = hourPartition(arrival);
      upTo[src.shardId] = seqMax(upTo[src.shardId], src.record.SequenceNumber!);
      if (this.o.exclude?.((r.result === 'Ok' ? Buffer.from(r.data ?? '', 'base64') : Buffer.from(src.record.Data ?? new Uint8Array())).toString('utf8'))) {
        excludedHere++;
        continue;
      }
      if (r.result === 'Ok') {
        const line = Buffer.from(r.data ?? '', 'base64').toString('utf8').replace(/\n$/, '');
        okLines.push(line);
        push(okByHour, hour, line);
      } else {
        const line = JSON.stringify({
          errorCode: r.result === 'Dropped' ? 'Dropped' : 'Lambda.ProcessingFailed',
          reason: r.reason ?? 'the transform marked the record ProcessingFailed without a reason',
          recordId: r.recordId,
          shardId: src.shardId,
          sequenceNumber: src.record.SequenceNumber,
          approximateArrivalTimestamp: arrival.getTime(),
          rawData: Buffer.from(src.record.Data ?? new Uint8Array()).toString('base64'),
        });
        push(errByHour, hour, line);
      }
    }
    const stamp = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    const files: [string, string[]][] = [
      ...[...okByHour].map(([h, lines]): [string, string[]] => [path.join(this.o.prefix, h, `${path.basename(this.o.prefix)}-${stamp}.jsonl`), lines]),
      ...[...errByHour].map(([h, lines]): [string, string[]] => [path.join(this.o.prefix, this.o.errorPrefix ?? 'errors', h, `processing-failed-${stamp}.jsonl`), lines]),
    ];
    this.checkpoint = { committed: this.checkpoint.committed, pending: { files: files.map(([f]) => f), upTo, okLines: okLines.length } };
    // The intent is not fsync'd: it only serves to count duplicates after a crash of this process
    // (the page cache survives that); the lake files are, before the checkpoint moves past them.
    await writeAtomic(this.o.checkpointFile, JSON.stringify(this.checkpoint), false, this.knownDirs);
    // Written in parallel (their fsyncs overlap) while the event loop keeps reading and transforming.
    await Promise.all(files.map(([file, lines]) => writeAtomic(path.join(this.o.lakeDir, file), lines.join('\n') + '\n', this.fsync, this.knownDirs)));
    const report: FlushReport = { ok: okLines.length, failed: batch.length - okLines.length - excludedHere, okLines, files: files.map(([f]) => f), deliveredAt: Date.now() };
    await this.o.beforeCheckpoint?.(report);
    this.checkpoint = { committed: { ...this.checkpoint.committed, ...upTo } };
    await writeAtomic(this.o.checkpointFile, JSON.stringify(this.checkpoint), this.fsync, this.knownDirs);
    this.stats.delivered += report.ok;
    this.stats.failed += report.failed;
    this.stats.excluded += excludedHere;
    this.stats.flushes++;
    this.o.onFlush?.(report);
  }
}
