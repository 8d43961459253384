/**
 * The stack's deletion register as the delivery stream's transform consults it
 * (aws-sdk-client-mock): records of registered subjects come back `Dropped`, whether the id is a
 * field or inside a record's text; the hashes are read again after the refresh interval; a failed
 * refresh keeps the last hashes, a failed first read fails the batch (Firehose retries it).
 */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { deletionRegisterFilter, registerFilterFromEnvironment } from '../../jobs/aws/erasure-register';
import { subjectHash } from '../../jobs/erasure/register';

const SALT = 'cd'.repeat(32);
const record = (recordId: string, text: string) => ({ recordId, approximateArrivalTimestamp: 0, data: Buffer.from(text).toString('base64') });

describe('deletion register filter of a delivery transform (aws-sdk-client-mock)', () => {
  // Class-level mocks (the filter makes its own clients in the Lambda), made and restored around this suite only.
  const mocks = () => ({ dynamodb: mockClient(DynamoDBClient), ssm: mockClient(SSMClient) });
  let dynamodb: ReturnType<typeof mocks>['dynamodb'];
  let ssm: ReturnType<typeof mocks>['ssm'];
  before(() => ({ dynamodb, ssm } = mocks()));
  afterEach(() => (dynamodb.reset(), ssm.reset()));
  after(() => (dynamodb.restore(), ssm.restore()));
  const filter = (t: { now: number }, warnings: string[] = []) =>
    deletionRegisterFilter({
      dynamodb: new DynamoDBClient({ region: 'eu-west-1' }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
      table: 'headwater-dev-deletion-register',
      saltParameter: '/headwater/dev/erasure/salt',
      fields: [{ subject: 'person', field: 'person_id' }],
      refreshMs: 60_000,
      nowMs: () => t.now,
      warn: (m) => warnings.push(m),
    });

  it('drops the records of registered subjects (every page of the register), keeps the others', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: SALT } });
    dynamodb
      .on(QueryCommand, { ExclusiveStartKey: undefined })
      .resolves({ Items: [{ hash: { S: subjectHash(SALT, 'person', '7') } }], LastEvaluatedKey: { subject: { S: 'person' }, hash: { S: 'x' } } })
      .on(QueryCommand, { ExclusiveStartKey: { subject: { S: 'person' }, hash: { S: 'x' } } })
      .resolves({ Items: [{ hash: { S: subjectHash(SALT, 'person', '9') } }] });
    const split = await filter({ now: 0 })([record('a', '{"person_id":7,"x":1}'), record('b', '{"person_id":8}'), record('c', '{"person_id": "9", broken'), record('d', 'not json at all')]);
    expect(split.kept.map((r) => r.recordId)).to.deep.equal(['b', 'd']);
    expect(split.dropped).to.deep.equal([
      { recordId: 'a', result: 'Dropped', data: record('a', '{"person_id":7,"x":1}').data },
      { recordId: 'c', result: 'Dropped', data: record('c', '{"person_id": "9", broken').data },
    ]);
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input).to.deep.include({ TableName: 'headwater-dev-deletion-register', KeyConditionExpression: 'subject = :s', ExpressionAttributeValues: { ':s': { S: 'person' } } });
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).to.deep.equal({ Name: '/headwater/dev/erasure/salt', WithDecryption: true });
  });

  it('reads the register again after the interval; a failed refresh keeps the last hashes; a failed first read fails the batch', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: SALT } });
    dynamodb.on(QueryCommand).resolvesOnce({ Items: [] }).resolvesOnce({ Items: [{ hash: { S: subjectHash(SALT, 'person', '7') } }] }).rejects(Object.assign(new Error('boom'), { name: 'ValidationException' }));
    const t = { now: 0 };
    const warnings: string[] = [];
    const f = filter(t, warnings);
    const seven = [record('a', '{"person_id":7}')];
    expect((await f(seven)).kept).to.have.length(1);
    t.now = 30_000;
    expect((await f(seven)).kept, 'within the interval: not read again').to.have.length(1);
    t.now = 61_000;
    expect((await f(seven)).dropped, 'after the interval: the new erasure applies').to.have.length(1);
    t.now = 200_000;
    expect((await f(seven)).dropped, 'a failed refresh keeps what was read').to.have.length(1);
    expect(warnings[0]).to.match(/not refreshed \(boom\)/);
    dynamodb.reset();
    dynamodb.on(QueryCommand).rejects(Object.assign(new Error('down'), { name: 'ValidationException' }));
    let err: Error | undefined;
    await filter({ now: 0 })(seven).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/cannot read the deletion register headwater-dev-deletion-register: down; the batch is retried by Firehose/);
  });

  it('is built from the variables the stack sets, and none without them', () => {
    expect(registerFilterFromEnvironment({})).to.equal(undefined);
    expect(registerFilterFromEnvironment({ HEADWATER_DELETION_REGISTER: 'dynamodb:t', HEADWATER_ERASURE_SALT: 'ssm:/s', HEADWATER_SUBJECT_FIELDS: '[{"subject":"person","field":"person_id"}]' })).to.be.a('function');
    expect(() => registerFilterFromEnvironment({ HEADWATER_DELETION_REGISTER: 't' })).to.throw(/dynamodb:<table>/);
  });
});
