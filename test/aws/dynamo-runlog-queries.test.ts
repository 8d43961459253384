/**
 * The DynamoDB run log's query layer (queryRuns, history, stats, prune) against a small in-memory
 * table that answers the requests the store sends: key conditions on `pk`/`sk`, order, limits,
 * pages and batch deletes, as DynamoDB does.
 */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type BatchWriteItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { RunEvent, RunRecord } from '../../assets/core';
import { DynamoRunLog } from '../../jobs/aws/dynamo-runlog';
import { fakeClock } from './fixtures';

type Item = Record<string, AttributeValue>;

/** A table keyed by pk/sk, with the query subset the store uses; pages of at most 3 items. */
function fakeTable(ddb: ReturnType<typeof mockClient>) {
  const items = new Map<string, Item>();
  const id = (k: Item) => `${k.pk.S}\u0000${k.sk.S}`;
  ddb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && items.has(id(input.Item!))) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    items.set(id(input.Item!), input.Item!);
    return {};
  });
  ddb.on(GetItemCommand).callsFake((input: GetItemCommandInput) => ({ Item: items.get(id(input.Key!)) }));
  ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
    items.set(id(input.Key!), { ...items.get(id(input.Key!)), ...input.Key!, doc: input.ExpressionAttributeValues![':doc'] });
    return {};
  });
  ddb.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => {
    for (const r of Object.values(input.RequestItems!)[0]) items.delete(id(r.DeleteRequest!.Key!));
    return { UnprocessedItems: {} };
  });
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const v = input.ExpressionAttributeValues!;
    const c = input.KeyConditionExpression!;
    const sks = [...items.values()]
      .filter((i) => i.pk.S === v[':pk'].S)
      .filter((i) => {
        const sk = i.sk.S!;
        if (c.includes('begins_with')) return sk.startsWith(v[':p'].S!);
        if (c.includes('BETWEEN')) return sk >= v[':from'].S! && sk <= v[':below'].S!;
        if (c.includes('sk <')) return sk < v[':below'].S!;
        if (c.includes('sk >=')) return sk >= v[':from'].S!;
        return true;
      })
      .sort((a, b) => (a.sk.S! < b.sk.S! ? -1 : 1));
    if (input.ScanIndexForward === false) sks.reverse();
    const start = input.ExclusiveStartKey ? sks.findIndex((i) => i.sk.S === input.ExclusiveStartKey!.sk.S) + 1 : 0;
    const size = Math.min(3, input.Limit ?? 3);
    const page = sks.slice(start, start + size);
    return { Items: page, ...(start + size < sks.length ? { LastEvaluatedKey: { pk: page[page.length - 1].pk, sk: page[page.length - 1].sk } } : {}) };
  });
  return items;
}

const day = (d: number, h = 0) => new Date(Date.UTC(2026, 0, d, h)).toISOString();
const record = (runId: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  runId, command: 'backfill', selection: 'raw/x', partitions: 'p', env: 'dev', status: 'running', startedAt, owner: 'ci:1', stepsPlanned: 1, ...extra,
});
const mat = (runId: string, partition: string, v: string, at: string): RunEvent => ({ type: 'materialization', key: 'raw/x', partition, runId, codeVersion: 'c', dataVersion: v, inputs: {}, metadata: {}, at });

describe('DynamoDB run log: the query layer', () => {
  // A stub on a client instance (passed in explicitly), not on the class: no other file sees it.
  const ddb = mockClient(new DynamoDBClient({}));
  let items: Map<string, Item>;
  let log: DynamoRunLog;
  beforeEach(async () => {
    ddb.reset();
    items = fakeTable(ddb);
    log = new DynamoRunLog(ddb as unknown as DynamoDBClient, 'runlog', { clock: fakeClock(Date.UTC(2026, 0, 10)) });
    for (let d = 1; d <= 5; d++) {
      await log.createRun(record(`r${d}`, day(d)));
      await log.append(mat(`r${d}`, d % 2 ? 'odd' : 'even', `v${d}`, day(d, 1)));
      await log.append({ type: 'check_evaluated', key: 'raw/x', partition: d % 2 ? 'odd' : 'even', runId: `r${d}`, check: 'row_count', passed: d !== 4, blocking: true, message: '', at: day(d, 2) });
      await log.updateRun(`r${d}`, { status: d === 3 ? 'failed' : 'succeeded' });
    }
  });

  it('pages runs newest first, across DynamoDB pages, filtered by time and status', async () => {
    expect((await log.queryRuns({ limit: 4 })).map((r) => r.runId)).to.deep.equal(['r5', 'r4', 'r3', 'r2']);
    expect((await log.queryRuns({ startedBefore: day(4), limit: 2 })).map((r) => r.runId)).to.deep.equal(['r3', 'r2']);
    expect((await log.queryRuns({ startedSince: day(2), startedBefore: day(4) })).map((r) => r.runId)).to.deep.equal(['r3', 'r2']);
    expect((await log.queryRuns({ status: 'failed' })).map((r) => r.runId)).to.deep.equal(['r3']);
  });

  it('reads materialization and check history, newest first, by partition', async () => {
    expect((await log.materializations('raw/x')).map((m) => m.dataVersion)).to.deep.equal(['v5', 'v4', 'v3', 'v2', 'v1']);
    expect((await log.materializations('raw/x', { partition: 'even' })).map((m) => m.runId)).to.deep.equal(['r4', 'r2']);
    expect((await log.materializations('raw/x', { before: day(3), limit: 1 })).map((m) => m.runId)).to.deep.equal(['r2']);
    expect((await log.checkEvaluations('raw/x', { limit: 2 })).map((c) => [c.runId, c.passed])).to.deep.equal([
      ['r5', true],
      ['r4', false],
    ]);
    expect(await log.stats()).to.deep.equal({ runs: 5, latestMaterializations: 2, oldestRunAt: day(1), newestRunAt: day(5) });
  });

  it('prunes by the shared rule: every item of a pruned run goes, the latest items stay', async () => {
    const r = await log.prune({ olderThan: day(9), keepLatestPerPartition: true });
    expect(r).to.deep.include({ runsPruned: 2, eventsPruned: 4, kept: { resumable: 1, latestPerPartition: 2, running: 0 } });
    expect((await log.queryRuns({})).map((x) => x.runId)).to.deep.equal(['r5', 'r4', 'r3']);
    const left = [...items.keys()].map((k) => k.split('\u0000')[0]);
    expect(left.filter((pk) => pk === 'RUN#r1' || pk === 'RUN#r2')).to.deep.equal([]);
    expect((await log.materializations('raw/x')).map((m) => m.runId)).to.deep.equal(['r5', 'r4', 'r3']);
    expect((await log.snapshot()).latestMaterialization('raw/x', 'odd')!.dataVersion).to.equal('v5');
  });
});
