/**
 * The delivery poller: the embedded stand-in for Kinesis Data Firehose. It reads every shard from
 * its checkpoint, buffers by size and time as Firehose does, invokes the same transformation
 * handler as the Lambda, and writes the lake:
 *
 *   <lake>/serving/recommendations/year=YYYY/month=MM/day=DD/hour=HH/<file>.jsonl           Ok records
 *   <lake>/serving/recommendations/errors/year=YYYY/month=MM/day=DD/hour=HH/<file>.jsonl    failures + reason
 *
 * (hours are the records' arrival time in UTC, as Firehose partitions). Every file is written to a
 * temp name and renamed, so readers never see a partial file.
 *
 * Delivery is at-least-once: the checkpoint moves only after the files are in place. Before
 * writing, the poller records its intent (the files and the sequence numbers they cover) in the
 * checkpoint file; after a crash, a restart that finds every intended file already written just
 * commits the intent (no duplicates), and one that finds only some of them redelivers the batch
 * and counts the records already visible as duplicates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import type { TransformHandler, TransformedRecord } from '../../serving/stream-transform/transform';

export const RECOMMENDATIONS_PREFIX = path.join('serving', 'recommendations');

export interface PollerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly lakeDir: string;
  readonly checkpointFile: string;
  readonly transform: TransformHandler;
  /** Firehose buffer interval, ms. Default 60,000 (the graph's `bufferIntervalSeconds`). */
  readonly bufferIntervalMs?: number;
  /** Firehose buffer size, bytes. Default 5 MiB. */
  readonly bufferBytes?: number;
  /** Wait between GetRecords calls that returned nothing, ms. Default 100. */
  readonly idlePollMs?: number;
  /** Called after each delivered batch (files renamed, checkpoint written). */
  readonly onFlush?: (batch: FlushReport) => void;
  /** Test hook: runs after the files are written and before the checkpoint moves. */
  readonly beforeCheckpoint?: (batch: FlushReport) => void | Promise<void>;
}

export interface FlushReport {
  readonly ok: number;
  readonly failed: number;
  /** Ok records as JSON lines (what landed in the lake). */
  readonly okLines: readonly string[];
  readonly files: readonly string[];
  readonly deliveredAt: number;
}

export interface PollerStats {
  read: number;
  delivered: number;
  failed: number;
  duplicates: number;
  flushes: number;
  transformRetries: number;
}

interface Checkpoint {
  /** shardId -> last sequence number delivered. */
  committed: Record<string, string>;
  /** A batch being written: its files and the sequence numbers it covers. */
  pending?: { files: string[]; upTo: Record<string, string>; okLines: number };
}

interface Buffered {
  readonly shardId: string;
  readonly record: _Record;
  readonly bytes: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `year=YYYY/month=MM/day=DD/hour=HH` of a UTC time. */
export function hourPartition(t: Date): string {
  return `year=${t.getUTCFullYear()}/month=${pad(t.getUTCMonth() + 1)}/day=${pad(t.getUTCDate())}/hour=${pad(t.getUTCHours())}`;
}

function writeAtomic(file: string, data: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function push(m: Map<string, string[]>, key: string, line: string): void {
  const xs = m.get(key);
  if (xs) xs.push(line);
  else m.set(key, [line]);
}

const seqMax = (a: string | undefined, b: string) => (a === undefined || BigInt(b) > BigInt(a) ? b : a);

/** The embedded Firehose: see the file comment. */
export class DeliveryPoller {
  readonly stats: PollerStats = { read: 0, delivered: 0, failed: 0, duplicates: 0, flushes: 0, transformRetries: 0 };
  private readonly bufferIntervalMs: number;
  private readonly bufferBytes: number;
  private readonly idlePollMs: number;
  private checkpoint: Checkpoint = { committed: {} };
  private buffer: Buffered[] = [];
  private bufferSize = 0;
  private bufferSince = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(private readonly o: PollerOptions) {
    this.bufferIntervalMs = o.bufferIntervalMs ?? 60_000;
    this.bufferBytes = o.bufferBytes ?? 5 * 1024 * 1024;
    this.idlePollMs = o.idlePollMs ?? 100;
  }

  /** Recovers from the checkpoint and starts reading every shard. */
  async start(): Promise<void> {
    this.recover();
    const shards = await this.o.client.send(new ListShardsCommand({ StreamName: this.o.streamName }));
    this.running = true;
    for (const s of shards.Shards ?? []) this.loops.push(this.readShard(s.ShardId!));
    this.timer = setInterval(() => this.maybeFlush(false), Math.min(100, this.bufferIntervalMs));
  }

  /** Stops reading, delivers what is buffered, and waits for the last write. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await Promise.all(this.loops);
    this.maybeFlush(true);
    await this.flushing;
    if (this.failure) throw this.failure;
  }

  /** Stops at once without delivering the buffer (what a crash does); nothing is lost. */
  async kill(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.buffer = [];
    await Promise.all(this.loops).catch(() => undefined);
  }

  /** The last error of a delivery, if one failed (the poller stops reading then). */
  get error(): Error | undefined {
    return this.failure;
  }

  private recover(): void {
    try {
      this.checkpoint = JSON.parse(fs.readFileSync(this.o.checkpointFile, 'utf8')) as Checkpoint;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`checkpoint ${this.o.checkpointFile} is unreadable (${(e as Error).message}); delete it to re-read the stream from its start`);
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
    writeAtomic(this.o.checkpointFile, JSON.stringify(this.checkpoint));
  }

  private async readShard(shardId: string): Promise<void> {
    const after = this.checkpoint.committed[shardId];
    let iterator = (
      await this.o.client.send(
        new GetShardIteratorCommand({
          StreamName: this.o.streamName,
          ShardId: shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;
    while (this.running && iterator) {
      let res;
      try {
        res = await this.o.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      } catch (e) {
        if (!this.running) return;
        // Throttling or a restart of the stream: back off and retry with the same iterator.
        await new Promise((r) => setTimeout(r, 500));
        if ((e as { name?: string }).name === 'ExpiredIteratorException') return this.readShard(shardId);
        continue;
      }
      if (!this.running) return;
      const records = res.Records ?? [];
      for (const record of records) {
        const bytes = record.Data?.byteLength ?? 0;
        if (this.buffer.length === 0) this.bufferSince = Date.now();
        this.buffer.push({ shardId, record, bytes });
        this.bufferSize += bytes;
      }
      this.stats.read += records.length;
      if (this.bufferSize >= this.bufferBytes) this.maybeFlush(false);
      iterator = res.NextShardIterator;
      if (records.length === 0) await new Promise((r) => setTimeout(r, this.idlePollMs));
    }
  }

  private maybeFlush(force: boolean): void {
    if (this.buffer.length === 0 || this.failure) return;
    if (!force && this.bufferSize < this.bufferBytes && Date.now() - this.bufferSince < this.bufferIntervalMs) return;
    const batch = this.buffer;
    this.buffer = [];
    this.bufferSize = 0;
    this.flushing = this.flushing.then(() =>
      this.deliver(batch).catch((e: Error) => {
        // Nothing was checkpointed for this batch: stopping here means it is read again on restart.
        this.failure = e;
        this.running = false;
      }),
    );
  }

  private async transformWithRetry(records: Buffered[]): Promise<TransformedRecord[]> {
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
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    const reason = `the transform failed 3 times: ${(lastError as Error)?.message ?? String(lastError)}`;
    return event.records.map((r) => ({ recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data, reason }));
  }

  private async deliver(batch: Buffered[]): Promise<void> {
    const results = await this.transformWithRetry(batch);
    const okByHour = new Map<string, string[]>();
    const errByHour = new Map<string, string[]>();
    const okLines: string[] = [];
    const upTo: Record<string, string> = {};
    results.forEach((r, i) => {
      const src = batch[i];
      const arrival = src.record.ApproximateArrivalTimestamp ?? new Date();
      const hour = hourPartition(arrival);
      upTo[src.shardId] = seqMax(upTo[src.shardId], src.record.SequenceNumber!);
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
    });
    const stamp = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
    const files: [string, string[]][] = [
      ...[...okByHour].map(([h, lines]): [string, string[]] => [path.join(RECOMMENDATIONS_PREFIX, h, `recommendations-${stamp}.jsonl`), lines]),
      ...[...errByHour].map(([h, lines]): [string, string[]] => [path.join(RECOMMENDATIONS_PREFIX, 'errors', h, `processing-failed-${stamp}.jsonl`), lines]),
    ];
    this.checkpoint = { committed: this.checkpoint.committed, pending: { files: files.map(([f]) => f), upTo, okLines: okLines.length } };
    writeAtomic(this.o.checkpointFile, JSON.stringify(this.checkpoint));
    for (const [file, lines] of files) writeAtomic(path.join(this.o.lakeDir, file), lines.join('\n') + '\n');
    const report: FlushReport = { ok: okLines.length, failed: results.length - okLines.length, okLines, files: files.map(([f]) => f), deliveredAt: Date.now() };
    await this.o.beforeCheckpoint?.(report);
    this.checkpoint = { committed: { ...this.checkpoint.committed, ...upTo } };
    writeAtomic(this.o.checkpointFile, JSON.stringify(this.checkpoint));
    this.stats.delivered += report.ok;
    this.stats.failed += report.failed;
    this.stats.flushes++;
    this.o.onFlush?.(report);
  }
}
