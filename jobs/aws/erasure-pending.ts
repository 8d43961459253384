/**
 * A stack's pending erasures, for `assets status --env`: the deletion register's entries read
 * without their hashes (the operator's grant allows exactly these attributes), counted by the
 * same rule as the local register (jobs/erasure/pending.ts). On a stack the sources sit in the
 * VPC, out of the CLI's reach, so an entry stays pending on every source of its subject until a
 * recheck clears it; the register keeps excluding it from extracts and deliveries meanwhile.
 */
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AssetGraph } from '../../assets/core';
import { summarizePending, type PendingErasures, type PendingFacts } from '../erasure/pending';
import { REGISTER_STATUS_ATTRIBUTES } from './erasure-contract';
import { withRetry, type Clock } from './retry';

/** The stack's pending erasures; undefined when nothing was ever erased on it. */
export async function stackPendingErasures(dynamodb: DynamoDBClient, table: string, graph: AssetGraph, nowMs: number, clock?: Clock): Promise<PendingErasures | undefined> {
  const names = Object.fromEntries(REGISTER_STATUS_ATTRIBUTES.map((a, i) => [`#a${i}`, a]));
  const entries: PendingFacts[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await withRetry(
      () =>
        dynamodb.send(
          new ScanCommand({
            TableName: table,
            Select: 'SPECIFIC_ATTRIBUTES',
            ProjectionExpression: Object.keys(names).join(', '),
            ExpressionAttributeNames: names,
            ...(start ? { ExclusiveStartKey: start as never } : {}),
          }),
        ),
      clock ? { clock } : {},
    );
    for (const item of page.Items ?? []) {
      entries.push({
        erasedAt: item.erasedAt?.S ?? '',
        checkedAt: item.checkedAt?.S ?? '',
        pendingSources: (item.pendingSources?.L ?? []).map((s) => s.S ?? '').filter(Boolean),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return entries.length ? summarizePending(graph, entries, nowMs) : undefined;
}
