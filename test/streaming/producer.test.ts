/** The producer partitions records as the stream's producers do (the graph module's `partitionKey`), JSON lines included. */
import { expect } from 'chai';
import type { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { putEvents } from '../../jobs/embedded/stream/producer';

describe('putEvents partition keys', () => {
  const recording = () => {
    const keys: string[] = [];
    const client = {
      send: async (cmd: PutRecordsCommand) => {
        keys.push(...(cmd.input.Records ?? []).map((r) => r.PartitionKey!));
        return { Records: (cmd.input.Records ?? []).map(() => ({})) };
      },
    } as unknown as KinesisClient;
    return { client, keys };
  };

  it('keys objects and JSON lines by the given function, anything else by its position', async () => {
    const { client, keys } = recording();
    const byUser = (e: object) => ('user' in e ? String((e as { user: unknown }).user) : undefined);
    const r = await putEvents(client, 's', [{ user: 7 }, '{"user": 8}', '{"user": ', { other: 1 }, '[1, 2]'], { partitionKey: byUser });
    expect(r).to.deep.equal({ sent: 5, rejected: 0 });
    expect(keys).to.deep.equal(['7', '8', '2', '3', '4']);
  });

  it('keys by position without a function', async () => {
    const { client, keys } = recording();
    await putEvents(client, 's', [{ user: 7 }, '{"user": 8}']);
    expect(keys).to.deep.equal(['0', '1']);
  });
});
