/**
 * The run log and the asset locks of a deployed stack, in the DynamoDB table the stack
 * provisions (`pk`, `sk`, TTL `expiresAt`). Items are JSON documents in a `doc` attribute:
 *
 *   RUN#<runId>   / RUN                  the run record
 *   RUN#<runId>   / EVENT#<at>#<seq>#<writer>  its events, in order
 *   RUNS          / <startedAt>#<runId>  the run index, newest first by query
 *   MAT           / <key>#<partition>    latest materialization per asset-partition
 *   OBS           / <key>                latest observation per source
 *   CHECK         / <key>#<check>        latest evaluation per check
 *   MATH#<key>    / <at>#<seq>#<writer>  materialization history of an asset, by time
 *   CHECKH#<key>  / <at>#<seq>#<writer>  check history of an asset, by time
 *   FAIL          / <key>                latest failed step per asset (automation: "dep failed")
 *   DONE          / <key>                latest successful step per asset (its duration)
 *   TICKS         / <tickId>             automation ticks with their requests, newest first by query
 *   AUTOMATION    / STATE                the automation evaluator's checkpoint
 *   LOCK#<key>    / <partition or ->     a lock: taken by a conditional write, named holder, TTL
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type WriteRequest,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  RunLogIndex,
  runMatches,
  runsToPrune,
  type AssetKey,
  type AutomationCheckpoint,
  type AutomationTick,
  type CheckEvaluation,
  type HistoryQuery,
  type Materialization,
  type PruneOptions,
  type PruneResult,
  type RunEvent,
  type RunLog,
  type RunLogSnapshot,
  type RunLogStats,
  type RunQuery,
  type RunRecord,
} from '../../assets/core';
import { randomBytes } from 'node:crypto';
import { LockHeldError, type Lock } from '../engine/environment';
import { realClock, withRetry, type Clock } from './retry';

const stripType = <T extends { type: string }>({ type: _type, ...rest }: T): Omit<T, 'type'> => rest;

const S = (s: string): AttributeValue => ({ S: s });
const doc = (item: Record<string, AttributeValue> | undefined): unknown => (item?.doc?.S ? JSON.parse(item.doc.S) : undefined);

export interface DynamoRunLogOptions {
  readonly clock?: Clock;
  /** Locks expire after this long without release (a crashed CLI); default 12 hours. */
  readonly lockTtlSeconds?: number;
}

/** RunLog on DynamoDB; locks with a conditional write. */
export class DynamoRunLog implements RunLog {
  private seq = 0;
  /**
   * Tells this writer's items from another's with the same time and sequence: several writers
   * append at once (a Lambda per Firehose delivery, each starting its sequence at 0, with
   * EventBridge's one-second times), and without it the later would overwrite the earlier.
   */
  private readonly writer = randomBytes(4).toString('hex');

  constructor(
    private readonly db: DynamoDBClient,
    readonly tableName: string,
    private readonly options: DynamoRunLogOptions = {},
  ) {}

  private send<T>(call: () => Promise<T>): Promise<T> {
    return withRetry(call, { clock: this.options.clock });
  }

  private put(pk: string, sk: string, value: unknown, extra: Record<string, AttributeValue> = {}) {
    return this.send(() => this.db.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: S(pk), sk: S(sk), doc: S(JSON.stringify(value)), ...extra } })));
  }

  /** Items of partition `pk`, optionally narrowed by a sort-key prefix or range, and kept by `keep`. */
  private async queryAll(
    pk: string,
    opts: { prefix?: string; below?: string; from?: string; newestFirst?: boolean; limit?: number; keep?: (item: Record<string, AttributeValue>) => boolean } = {},
  ): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    const values: Record<string, AttributeValue> = { ':pk': S(pk) };
    if (opts.prefix !== undefined) values[':p'] = S(opts.prefix);
    if (opts.below !== undefined) values[':below'] = S(opts.below);
    if (opts.from !== undefined) values[':from'] = S(opts.from);
    // BETWEEN is inclusive, but no sort key equals a bare time: they all continue with '#...'.
    const range =
      opts.prefix !== undefined ? ' AND begins_with(sk, :p)'
      : opts.below !== undefined && opts.from !== undefined ? ' AND sk BETWEEN :from AND :below'
      : opts.below !== undefined ? ' AND sk < :below'
      : opts.from !== undefined ? ' AND sk >= :from'
      : '';
    const condition = `pk = :pk${range}`;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: condition,
            ExpressionAttributeValues: values,
            ScanIndexForward: !opts.newestFirst,
            ExclusiveStartKey: start,
            // With a filter the page may hold items we drop: read full pages then.
            ...(opts.limit && !opts.keep ? { Limit: opts.limit - items.length } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) if (!opts.keep || opts.keep(item)) items.push(item);
      start = page.LastEvaluatedKey;
    } while (start && (!opts.limit || items.length < opts.limit));
    return opts.limit ? items.slice(0, opts.limit) : items;
  }

  async createRun(run: RunRecord): Promise<void> {
    try {
      await this.send(() =>
        this.db.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { pk: S(`RUN#${run.runId}`), sk: S('RUN'), doc: S(JSON.stringify(run)) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException') throw new Error(`run ${run.runId} already exists in ${this.tableName}`);
      throw e;
    }
    await this.put('RUNS', `${run.startedAt}#${run.runId}`, { runId: run.runId });
  }

  async updateRun(runId: string, patch: Partial<Omit<RunRecord, 'runId'>>): Promise<void> {
    const run = await this.getRun(runId);
    if (!run) throw new Error(`unknown run ${runId} in ${this.tableName}`);
    await this.send(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: S(`RUN#${runId}`), sk: S('RUN') },
          UpdateExpression: 'SET doc = :doc',
          ExpressionAttributeValues: { ':doc': S(JSON.stringify({ ...run, ...patch })) },
        }),
      ),
    );
  }

  async append(event: RunEvent): Promise<void> {
    const runId = event.runId ?? '-';
    // A per-writer sequence keeps events with the same timestamp in append order.
    const at = `${event.at}#${String(this.seq++).padStart(8, '0')}#${this.writer}`;
    await this.put(`RUN#${runId}`, `EVENT#${at}`, event);
    // History items share the event's sort key, so prune finds them from the run's events.
    if (event.type === 'materialization') {
      await this.put('MAT', `${event.key}#${event.partition ?? ''}`, event);
      await this.put(`MATH#${event.key}`, at, event);
    } else if (event.type === 'observation') await this.put('OBS', event.key, event);
    else if (event.type === 'check_evaluated') {
      await this.put('CHECK', `${event.key}#${event.check}`, event);
      await this.put(`CHECKH#${event.key}`, at, event);
    }
    else if (event.type === 'step_failed') await this.put('FAIL', event.key, event);
    else if (event.type === 'step_succeeded') await this.put('DONE', event.key, event);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await this.send(() => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`RUN#${runId}`), sk: S('RUN') }, ConsistentRead: true })));
    return doc(out.Item) as RunRecord | undefined;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    return this.queryRuns({ limit });
  }

  /** The RUNS index (sort key `<startedAt>#<runId>`) newest first; a status filter reads records until `limit` match. */
  async queryRuns(query: RunQuery): Promise<RunRecord[]> {
    const limit = query.limit ?? 50;
    const index = await this.queryAll('RUNS', { newestFirst: true, below: query.startedBefore, from: query.startedSince, ...(query.status ? {} : { limit }) });
    const out: RunRecord[] = [];
    for (let i = 0; i < index.length && out.length < limit; i += 25) {
      const runs = await Promise.all(index.slice(i, i + 25).map((item) => this.getRun((doc(item) as { runId: string }).runId)));
      for (const r of runs) if (r && runMatches(r, query) && out.length < limit) out.push(r);
    }
    return out;
  }

  async events(runId: string, types?: readonly RunEvent['type'][]): Promise<RunEvent[]> {
    const all = (await this.queryAll(`RUN#${runId}`, { prefix: 'EVENT#' })).map((i) => doc(i) as RunEvent);
    return types ? all.filter((e) => types.includes(e.type)) : all;
  }

  private async history(pk: string, query: HistoryQuery): Promise<RunEvent[]> {
    const keep = query.partition === undefined ? undefined : (i: Record<string, AttributeValue>) => (doc(i) as { partition: string | null }).partition === query.partition;
    const items = await this.queryAll(pk, { newestFirst: true, limit: query.limit ?? 50, below: query.before, keep });
    return items.map((i) => doc(i) as RunEvent);
  }

  async materializations(key: AssetKey, query: HistoryQuery = {}): Promise<Materialization[]> {
    return (await this.history(`MATH#${key}`, query)).map((e) => stripType(e as Extract<RunEvent, { type: 'materialization' }>));
  }

  async checkEvaluations(key: AssetKey, query: HistoryQuery = {}): Promise<CheckEvaluation[]> {
    return (await this.history(`CHECKH#${key}`, query)).map((e) => stripType(e as Extract<RunEvent, { type: 'check_evaluated' }>));
  }

  /** Counts runs and latest materializations; events are not counted (that would read the whole table). */
  async stats(): Promise<RunLogStats> {
    const [runs, mats] = await Promise.all([this.queryAll('RUNS'), this.queryAll('MAT')]);
    const starts = runs.map((i) => i.sk.S!.slice(0, i.sk.S!.lastIndexOf('#'))).sort();
    return { runs: runs.length, latestMaterializations: mats.length, ...(starts.length ? { oldestRunAt: starts[0], newestRunAt: starts[starts.length - 1] } : {}) };
  }

  /** Deletes old runs' items (record, events, history, index entry) by the shared retention rule. */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const index = await this.queryAll('RUNS');
    const runs = (await Promise.all(index.map((i) => this.getRun((doc(i) as { runId: string }).runId)))).filter((r): r is RunRecord => r !== undefined);
    const writers = new Set((await this.queryAll('MAT')).map((i) => (doc(i) as Materialization).runId));
    const decision = runsToPrune(runs, writers, options);
    const byId = new Map(runs.map((r) => [r.runId, r]));
    let eventsPruned = 0;
    for (const runId of decision.prune) {
      const items = await this.queryAll(`RUN#${runId}`);
      const deletes: { pk: string; sk: string }[] = [];
      for (const item of items) {
        deletes.push({ pk: item.pk.S!, sk: item.sk.S! });
        const sk = item.sk.S!;
        if (!sk.startsWith('EVENT#')) continue;
        eventsPruned++;
        const e = doc(item) as RunEvent;
        if (e.type === 'materialization') deletes.push({ pk: `MATH#${e.key}`, sk: sk.slice('EVENT#'.length) });
        if (e.type === 'check_evaluated') deletes.push({ pk: `CHECKH#${e.key}`, sk: sk.slice('EVENT#'.length) });
      }
      deletes.push({ pk: 'RUNS', sk: `${byId.get(runId)!.startedAt}#${runId}` });
      if (!options.dryRun) await this.deleteAll(deletes);
    }
    return { runsPruned: decision.prune.length, eventsPruned, kept: decision.kept };
  }

  /** Batch deletes, 25 a request, resending what DynamoDB leaves unprocessed. */
  private async deleteAll(keys: readonly { pk: string; sk: string }[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let requests: WriteRequest[] = keys.slice(i, i + 25).map((k) => ({ DeleteRequest: { Key: { pk: S(k.pk), sk: S(k.sk) } } }));
      for (let attempt = 0; requests.length; attempt++) {
        if (attempt >= 8) throw new Error(`DynamoDB left ${requests.length} deletes unprocessed in ${this.tableName} after ${attempt} attempts; run prune again`);
        const out = await this.send(() => this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: requests } })));
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
        if (requests.length) await (this.options.clock ?? realClock).sleep(50 * 2 ** attempt);
      }
    }
  }

  async snapshot(): Promise<RunLogSnapshot> {
    const index = new RunLogIndex();
    const parts = await Promise.all(['MAT', 'OBS', 'CHECK', 'FAIL', 'DONE'].map((pk) => this.queryAll(pk)));
    for (const item of parts.flat()) index.add(doc(item) as RunEvent);
    return index;
  }

  async recordTick(tick: AutomationTick): Promise<void> {
    await this.put('TICKS', tick.tickId, tick);
  }

  async listTicks(limit = 50): Promise<AutomationTick[]> {
    return (await this.queryAll('TICKS', { newestFirst: true, limit })).map((i) => doc(i) as AutomationTick);
  }

  async saveAutomationState(checkpoint: AutomationCheckpoint): Promise<void> {
    await this.put('AUTOMATION', 'STATE', checkpoint);
  }

  async loadAutomationState(): Promise<AutomationCheckpoint | undefined> {
    const out = await this.send(() => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S('AUTOMATION'), sk: S('STATE') }, ConsistentRead: true })));
    return doc(out.Item) as AutomationCheckpoint | undefined;
  }

  /** Takes the lock of an asset-partition, or throws LockHeldError naming the holder. */
  async acquireLock(key: AssetKey, partition: string | null, owner: string): Promise<Lock> {
    const now = Math.floor((this.options.clock?.now() ?? Date.now()) / 1000);
    const Key = { pk: S(`LOCK#${key}`), sk: S(partition ?? '-') };
    try {
      await this.send(() =>
        this.db.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { ...Key, holder: S(owner), acquiredAt: { N: String(now) }, expiresAt: { N: String(now + (this.options.lockTtlSeconds ?? 12 * 3600)) } },
            // Free, or expired (DynamoDB's TTL deletes lazily, so an expired lock may still be there).
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          }),
        ),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) && (e as Error).name !== 'ConditionalCheckFailedException') throw e;
      const held = await this.send(() => this.db.send(new GetItemCommand({ TableName: this.tableName, Key, ConsistentRead: true })));
      throw new LockHeldError(key, partition, held.Item?.holder?.S ?? 'another run (the holder was released just now; retry)');
    }
    return {
      release: async () => {
        // Only our own lock: if it expired and someone else took it, leave theirs alone.
        await this.send(() =>
          this.db.send(new DeleteItemCommand({ TableName: this.tableName, Key, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': S(owner) } })),
        ).catch((e: unknown) => {
          if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        });
      },
    };
  }
}
