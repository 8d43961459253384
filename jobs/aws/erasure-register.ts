/**
 * The stack's deletion register as a Lambda consults it: the delivery stream's transform drops
 * the records of erased subjects before scoring them, so nothing of an erased person is delivered
 * again while the stream (owned upstream) still carries their events. The register is a DynamoDB
 * table of `subject` + `hash` (`sha256(salt:subject:id)`, the one definition of
 * jobs/erasure/register.ts) and the salt a SecureString parameter; both are read once per
 * container and the hashes again every `refreshMs` (an erasure takes effect within a minute).
 *
 * A refresh that fails keeps the hashes read before (with a warning): dropping nothing because
 * DynamoDB was briefly unreachable would deliver erased people's records. Before the first
 * successful read the batch fails instead, and Firehose retries it.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { FirehoseTransformationEventRecord, FirehoseTransformationResultRecord } from 'aws-lambda';
import { subjectValues } from '../erasure/records';
import { subjectHash } from '../erasure/register';
import { withRetry } from './retry';

export interface SubjectFieldRef {
  readonly subject: string;
  readonly field: string;
}

export interface RegisterFilterOptions {
  readonly dynamodb: DynamoDBClient;
  readonly ssm: SSMClient;
  readonly table: string;
  readonly saltParameter: string;
  readonly fields: readonly SubjectFieldRef[];
  /** @default 60000 */
  readonly refreshMs?: number;
  readonly nowMs?: () => number;
  readonly warn?: (message: string) => void;
}

/** Splits a batch: records to transform, and those of erased subjects, returned as `Dropped`. */
export type RegisterFilter = (records: readonly FirehoseTransformationEventRecord[]) => Promise<{ kept: FirehoseTransformationEventRecord[]; dropped: FirehoseTransformationResultRecord[] }>;

/** The filter over a register table and its salt (see the file comment). */
export function deletionRegisterFilter(o: RegisterFilterOptions): RegisterFilter {
  const now = o.nowMs ?? Date.now;
  const refreshMs = o.refreshMs ?? 60_000;
  const subjects = [...new Set(o.fields.map((f) => f.subject))];
  let salt: string | undefined;
  let hashes: Map<string, Set<string>> | undefined;
  let loadedAt = -Infinity;

  async function read(): Promise<Map<string, Set<string>>> {
    if (salt === undefined) {
      const value = (await withRetry(() => o.ssm.send(new GetParameterCommand({ Name: o.saltParameter, WithDecryption: true })))).Parameter?.Value ?? '';
      if (!/^[0-9a-f]{64}$/.test(value)) throw new Error(`the erasure salt ${o.saltParameter} is damaged (expected 64 hex digits)`);
      salt = value;
    }
    const out = new Map<string, Set<string>>();
    for (const subject of subjects) {
      const set = new Set<string>();
      let start: Record<string, { S: string }> | undefined;
      do {
        const page = await withRetry(() =>
          o.dynamodb.send(new QueryCommand({ TableName: o.table, KeyConditionExpression: 'subject = :s', ExpressionAttributeValues: { ':s': { S: subject } }, ProjectionExpression: '#h', ExpressionAttributeNames: { '#h': 'hash' }, ExclusiveStartKey: start })),
        );
        for (const item of page.Items ?? []) if (item.hash?.S) set.add(item.hash.S);
        start = page.LastEvaluatedKey as typeof start;
      } while (start);
      out.set(subject, set);
    }
    return out;
  }

  async function refresh(): Promise<Map<string, Set<string>>> {
    if (hashes && now() - loadedAt < refreshMs) return hashes;
    try {
      hashes = await read();
      loadedAt = now();
    } catch (e) {
      if (!hashes) throw new Error(`cannot read the deletion register ${o.table}: ${(e as Error).message}; the batch is retried by Firehose`);
      o.warn?.(`deletion register ${o.table} not refreshed (${(e as Error).message}); using the hashes read ${Math.round((now() - loadedAt) / 1000)} s ago`);
    }
    return hashes;
  }

  return async (records) => {
    const known = await refresh();
    const kept: FirehoseTransformationEventRecord[] = [];
    const dropped: FirehoseTransformationResultRecord[] = [];
    for (const r of records) {
      const text = Buffer.from(r.data ?? '', 'base64').toString('utf8');
      const erased = o.fields.some((f) => {
        const set = known.get(f.subject);
        return !!set?.size && subjectValues(text, f.field).some((v) => set.has(subjectHash(salt!, f.subject, v)));
      });
      if (erased) dropped.push({ recordId: r.recordId, result: 'Dropped', data: r.data });
      else kept.push(r);
    }
    return { kept, dropped };
  };
}

/**
 * The filter a transform Lambda's environment asks for (HEADWATER_DELETION_REGISTER =
 * `dynamodb:<table>`, HEADWATER_ERASURE_SALT = `ssm:<parameter>`, HEADWATER_SUBJECT_FIELDS = JSON
 * `[{subject, field}]`; the stack sets them), or undefined when it names none.
 */
export function registerFilterFromEnvironment(env: NodeJS.ProcessEnv = process.env): RegisterFilter | undefined {
  const table = env.HEADWATER_DELETION_REGISTER;
  if (!table) return undefined;
  const salt = env.HEADWATER_ERASURE_SALT ?? '';
  if (!table.startsWith('dynamodb:') || !salt.startsWith('ssm:')) throw new Error('HEADWATER_DELETION_REGISTER must be dynamodb:<table> and HEADWATER_ERASURE_SALT ssm:<parameter> (the stack sets both)');
  const fields = JSON.parse(env.HEADWATER_SUBJECT_FIELDS ?? '[]') as SubjectFieldRef[];
  return deletionRegisterFilter({
    dynamodb: new DynamoDBClient({}),
    ssm: new SSMClient({}),
    table: table.slice('dynamodb:'.length),
    saltParameter: salt.slice('ssm:'.length),
    fields,
    warn: (m) => console.warn(JSON.stringify({ level: 'warn', msg: m })),
  });
}
