/**
 * The run log and the asset locks of a deployed stack, in the DynamoDB table the stack
 * provisions (`pk`, `sk`, TTL `expiresAt`). Items are JSON documents in a `doc` attribute:
 *
 *   RUN#<runId>   / RUN                  the run record
 *   RUN#<runId>   / EVENT#<at>#<seq>     its events, in order
 *   RUNS          / <startedAt>#<runId>  the run index, newest first by query
 *   MAT           / <key>#<partition>    latest materialization per asset-partition
 *   OBS           / <key>                latest observation per source
 *   CHECK         / <key>#<check>        latest evaluation per check
 *   LOCK#<key>    / <partition or ->     a lock: taken by a conditional write, named holder, TTL
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RunLogIndex, type AssetKey, type RunEvent, type RunLog, type RunLogSnapshot, type RunRecord } from '../../assets/core';
import { LockHeldError, type Lock } from '../engine/environment';
import { withRetry, type Clock } from './retry';

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

  private async queryAll(pk: string, opts: { prefix?: string; newestFirst?: boolean; limit?: number } = {}): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: opts.prefix ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
            ExpressionAttributeValues: { ':pk': S(pk), ...(opts.prefix ? { ':p': S(opts.prefix) } : {}) },
            ScanIndexForward: !opts.newestFirst,
            ExclusiveStartKey: start,
            ...(opts.limit ? { Limit: opts.limit - items.length } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && (!opts.limit || items.length < opts.limit));
    return items;
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
    // A per-process sequence keeps events with the same timestamp in append order.
    await this.put(`RUN#${runId}`, `EVENT#${event.at}#${String(this.seq++).padStart(8, '0')}`, event);
    if (event.type === 'materialization') await this.put('MAT', `${event.key}#${event.partition ?? ''}`, event);
    else if (event.type === 'observation') await this.put('OBS', event.key, event);
    else if (event.type === 'check_evaluated') await this.put('CHECK', `${event.key}#${event.check}`, event);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await this.send(() => this.db.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: S(`RUN#${runId}`), sk: S('RUN') }, ConsistentRead: true })));
    return doc(out.Item) as RunRecord | undefined;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const index = await this.queryAll('RUNS', { newestFirst: true, limit });
    const runs = await Promise.all(index.map((i) => this.getRun((doc(i) as { runId: string }).runId)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  async events(runId: string): Promise<RunEvent[]> {
    return (await this.queryAll(`RUN#${runId}`, { prefix: 'EVENT#' })).map((i) => doc(i) as RunEvent);
  }

  async snapshot(): Promise<RunLogSnapshot> {
    const index = new RunLogIndex();
    const [mats, obs, checks] = await Promise.all([this.queryAll('MAT'), this.queryAll('OBS'), this.queryAll('CHECK')]);
    for (const item of [...mats, ...obs, ...checks]) index.add(doc(item) as RunEvent);
    return index;
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
