/** The dev stack's resources as the Pulumi mocks captured them, made in moto by the emulator tests. */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Synthesis } from '../../../infra/synth/synthesize';

export type Inputs = Record<string, unknown>;

/** The inputs of the resource of `type` named `name`. */
export const resource = (s: Synthesis, type: string, name: string): Inputs => {
  const r = s.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`the dev stack has no ${type} ${name}`);
  return r.inputs as Inputs;
};

/** The inputs of the resource of `type` whose input `key` is `value`. */
export const byInput = (s: Synthesis, type: string, key: string, value: string): Inputs => {
  const r = s.resources.find((x) => x.type === type && (x.inputs as Inputs)[key] === value);
  if (!r) throw new Error(`the dev stack has no ${type} with ${key} ${value}`);
  return r.inputs as Inputs;
};

/** CreateTable from the Pulumi table's inputs (keys, attributes, indexes, billing): the stack's table, in moto. */
export function createTableInput(t: Inputs): CreateTableCommandInput {
  const attributes = t.attributes as { name: string; type: 'S' | 'N' | 'B' }[];
  const gsis = (t.globalSecondaryIndexes as { name: string; hashKey: string; rangeKey?: string; projectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE' }[] | undefined) ?? [];
  const keys = (hash: string, range?: string) => [{ AttributeName: hash, KeyType: 'HASH' as const }, ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : [])];
  return {
    TableName: String(t.name),
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keys(String(t.hashKey), t.rangeKey as string | undefined),
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis.map((g) => ({ IndexName: g.name, KeySchema: keys(g.hashKey, g.rangeKey), Projection: { ProjectionType: g.projectionType } })) } : {}),
  };
}
