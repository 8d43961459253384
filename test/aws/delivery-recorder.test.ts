/** The delivery recorder Lambda: each object Firehose delivers, recorded as the embedded poller records a delivery. */
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MemoryRunLog, deliveryDataVersion } from '../../assets/core';
import { countRecords, deliveryHour, DeliveryRecordError, recordDelivery, sdkDeliveryServices, targetFromEnvironment, type DeliveryServices, type ObjectCreatedEvent } from '../../jobs/aws/delivery-recorder';
import type { DeliveryTarget } from '../../jobs/aws/manifest';
import { fakeClock } from './fixtures';

const target: DeliveryTarget = { key: 'serving/recs', deps: ['model/m', 'stream/events'], codeVersion: 'c1', bucket: 'lake-serving', prefix: 'recs/', deliveryStream: 'headwater-dev-serving-recs' };
const objectKey = 'recs/year=2026/month=03/day=02/hour=10/headwater-dev-serving-recs-1-2026-03-02-10-04-11-abc.gz';
const created = (key = objectKey, time: string | number = '2026-03-02T10:05:12Z', bucket = 'lake-serving'): ObjectCreatedEvent => ({
  source: 'aws.s3',
  'detail-type': 'Object Created',
  time,
  detail: { bucket: { name: bucket }, object: { key, size: 10 } },
});
const now = Date.parse('2026-03-02T10:05:13Z');
const records = (n: number) => gzipSync(Array.from({ length: n }, (_, i) => JSON.stringify({ customer_number: i, recommended_items: ['S10_1678'] }) + '\n').join(''));

/** Fake services: the objects by key, what was published and logged. */
function services(objects: Record<string, Uint8Array>) {
  const seen = { published: [] as string[], lines: [] as string[], reads: [] as string[] };
  const s: DeliveryServices = {
    read: async (bucket, key) => {
      seen.reads.push(`${bucket}/${key}`);
      const o = objects[key];
      if (!o) throw new Error(`NoSuchKey ${key}`);
      return o;
    },
    publishMaterialized: async (key) => void seen.published.push(key),
    log: (l) => seen.lines.push(l),
  };
  return { s, seen };
}

describe('delivery recorder (Firehose deliveries in the run log)', () => {
  it('records a delivered object as a materialization of the stream asset, in its hour\'s stream run, with the deps\' versions', async () => {
    const log = new MemoryRunLog();
    await log.append({ type: 'materialization', runId: 'r0', key: 'model/m', partition: null, codeVersion: 'm', dataVersion: 'model-v1', inputs: {}, metadata: {}, at: '2026-03-02T00:40:00.000Z' });
    const { s, seen } = services({ [objectKey]: records(3) });
    const out = await recordDelivery(log, 'dev', target, created(), s, now);
    const runId = 'firehose-serving-recs-2026-03-02T10';
    const file = `s3://lake-serving/${objectKey}`;
    expect(out).to.deep.equal({ recorded: true, runId, rows: 3, file });
    expect(await log.getRun(runId)).to.deep.equal({
      runId, command: 'stream', selection: 'serving/recs', partitions: 'stream', env: 'dev', status: 'succeeded',
      startedAt: '2026-03-02T10:05:12.000Z', endedAt: '2026-03-02T10:05:12.000Z', owner: 'firehose:headwater-dev-serving-recs', stepsPlanned: 0,
    });
    const [m] = await log.materializations('serving/recs');
    // The embedded poller's shape: partition null, the transform's code version, the deps' versions, rows and files delivered.
    expect(m).to.deep.include({ runId, key: 'serving/recs', partition: null, codeVersion: 'c1', dataVersion: deliveryDataVersion('serving/recs', [file]), inputs: { 'model/m': 'model-v1' }, at: '2026-03-02T10:05:12.000Z' });
    expect(m.metadata).to.deep.equal({ rows: 3, files: 1, file, bytes: records(3).length, hour: '2026-03-02T10' });
    expect(seen.published).to.deep.equal(['serving/recs']);
  });

  it('records a delivery once however often the event comes, and each object of the hour in the same run', async () => {
    const log = new MemoryRunLog();
    const second = objectKey.replace('abc', 'def');
    const { s, seen } = services({ [objectKey]: records(2), [second]: records(5) });
    await recordDelivery(log, 'dev', target, created(), s, now);
    const again = await recordDelivery(log, 'dev', target, created(), s, now);
    expect(again).to.deep.equal({ recorded: false, reason: `s3://lake-serving/${objectKey} is already recorded in run firehose-serving-recs-2026-03-02T10` });
    // S3 may send the key URL-encoded; epoch seconds are read as such.
    await recordDelivery(log, 'dev', target, created(encodeURIComponent(second).replace(/%2F/g, '/'), Date.parse('2026-03-02T10:06:00Z') / 1000), s, now);
    const ms = await log.materializations('serving/recs');
    expect(ms.map((m) => [m.metadata.rows, m.runId, m.at])).to.deep.equal([
      [5, 'firehose-serving-recs-2026-03-02T10', '2026-03-02T10:06:00.000Z'],
      [2, 'firehose-serving-recs-2026-03-02T10', '2026-03-02T10:05:12.000Z'],
    ]);
    expect(seen.reads).to.have.length(2);
    expect(seen.published).to.have.length(2);
  });

  it('ignores an object outside its folder, and refuses an event that is not an Object Created, saying why', async () => {
    const log = new MemoryRunLog();
    const { s, seen } = services({});
    const out = await recordDelivery(log, 'dev', target, created('errors/recs/processing-failed/x.gz'), s, now);
    expect(out).to.deep.equal({ recorded: false, reason: "s3://lake-serving/errors/recs/processing-failed/x.gz is not under serving/recs's folder s3://lake-serving/recs/; not recorded" });
    expect(await recordDelivery(log, 'dev', target, created(objectKey, now, 'other-bucket'), s, now)).to.have.property('recorded', false);
    expect(seen.reads).to.deep.equal([]);
    expect(await log.listRuns()).to.deep.equal([]);
    try {
      await recordDelivery(log, 'dev', target, { detail: {} }, s, now);
      expect.fail('accepted an event with no object');
    } catch (e) {
      expect(e).to.be.instanceOf(DeliveryRecordError);
      expect((e as Error).message).to.match(/^not an S3 Object Created event \(no detail.bucket.name or detail.object.key\)/);
    }
  });

  it('reads Firehose\'s hour folder and counts JSON lines, gzipped or not', () => {
    expect(deliveryHour('year=2026/month=03/day=02/hour=10/f.gz')).to.equal('2026-03-02T10');
    expect(deliveryHour('f.gz')).to.equal(null);
    expect(countRecords(records(4))).to.equal(4);
    expect(countRecords(Buffer.from('{"a":1}\n\n{"a":2}'))).to.equal(2);
    expect(countRecords(new Uint8Array())).to.equal(0);
  });

  it('reads its target from the environment the stack sets, or says to redeploy', () => {
    const env = { HEADWATER_DELIVERY_TARGET: JSON.stringify(target), HEADWATER_ENV: 'dev', HEADWATER_RUNLOG_TABLE: 't' };
    expect(targetFromEnvironment(env)).to.deep.equal({ target, stack: 'dev', table: 't' });
    expect(() => targetFromEnvironment({ ...env, HEADWATER_RUNLOG_TABLE: undefined })).to.throw(DeliveryRecordError, /must be set .*redeploy the stack/);
    expect(() => targetFromEnvironment({ ...env, HEADWATER_DELIVERY_TARGET: '{' })).to.throw(DeliveryRecordError, /is not JSON/);
    expect(() => targetFromEnvironment({ ...env, HEADWATER_DELIVERY_TARGET: JSON.stringify({ ...target, prefix: 'recs' }) })).to.throw(DeliveryRecordError, /not a delivery target/);
  });

  it('over the SDK: reads the object, puts one freshness data point', async () => {
    const s3 = mockClient(new S3Client({}));
    const cw = mockClient(new CloudWatchClient({}));
    const body = records(2);
    s3.on(GetObjectCommand, { Bucket: 'lake-serving', Key: objectKey }).resolves({ Body: { transformToByteArray: async () => new Uint8Array(body) } } as never);
    const svc = sdkDeliveryServices(s3 as unknown as S3Client, cw as unknown as CloudWatchClient, () => undefined, fakeClock(now));
    const log = new MemoryRunLog();
    expect(await recordDelivery(log, 'dev', target, created(), svc, now)).to.deep.include({ recorded: true, rows: 2 });
    expect(cw.commandCalls(PutMetricDataCommand)[0].args[0].input).to.deep.equal({
      Namespace: 'Headwater',
      MetricData: [{ MetricName: 'AssetMaterialized', Dimensions: [{ Name: 'Asset', Value: 'serving/recs' }], Value: 1, Unit: 'Count', Timestamp: new Date(now) }],
    });
  });
});
