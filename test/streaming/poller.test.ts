import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createRecommenderService } from '../../jobs/serving/recommender';
import { createTransformHandler } from '../../jobs/serving/stream-transform/transform';
import { ensureStream, localKinesisClient, startKinesalite, type RunningKinesalite } from '../../jobs/embedded/stream/kinesalite';
import referenceGraph from '../../assets';
import { DeliveryPoller } from '../../jobs/embedded/stream/poller';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';
import { putEvents } from '../../jobs/embedded/stream/producer';
import { browsingEventGenerator, browsingEvents } from '../../assets/reference/source-data/events';
import { catalogFixture, STREAM_CONFIG, type Fixture } from '../serving/helpers';
import { linesUnder } from './helpers';
import type { KinesisClient } from '@aws-sdk/client-kinesis';

/** Records partitioned by customer, as the storefront (and the reference's generator) put them: one customer's events stay in one shard, in order. */
const BY_CUSTOMER = { partitionKey: browsingEvents.partitionKey };

/** Where the reference's stream-delivery asset lands in the lake, as the embedded stream reads it from the graph. */
const RECOMMENDATIONS_PREFIX = embeddedStreamOf(referenceGraph).prefix;

const until = async (cond: () => boolean, what: string, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('delivery poller (embedded Firehose) over kinesalite', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let kin: RunningKinesalite;
  let client: KinesisClient;
  let stream = 0;
  let streamName: string;
  let lake: string;
  let checkpointFile: string;

  before(async () => {
    fx = await catalogFixture(150);
    kin = await startKinesalite({ dir: path.join(fx.root, 'kinesalite') });
    client = localKinesisClient(kin.endpoint);
  });
  after(async () => {
    client.destroy();
    await kin.close();
    fx.cleanup();
  });
  beforeEach(async () => {
    streamName = `user_events_${++stream}`;
    await ensureStream(client, streamName, 2);
    lake = path.join(fx.root, `lake-out-${stream}`);
    checkpointFile = path.join(fx.root, `checkpoint-${stream}.json`);
  });

  const transform = () => createTransformHandler(createRecommenderService(fx.deps()), STREAM_CONFIG, { logFailures: false });
  const events = (n: number) => {
    const gen = browsingEventGenerator({ items: fx.products.map((p) => p.productCode), users: fx.customers.map((c) => String(c.customerNumber)) });
    return Array.from({ length: n }, (_, i) => ({ ...gen(), event_id: i }));
  };
  const poller = (extra: Partial<ConstructorParameters<typeof DeliveryPoller>[0]> = {}) =>
    new DeliveryPoller({ client, streamName, lakeDir: lake, prefix: RECOMMENDATIONS_PREFIX, checkpointFile, transform: transform(), bufferIntervalMs: 200, ...extra });
  const okOut = () => linesUnder(path.join(lake, RECOMMENDATIONS_PREFIX)).filter((x) => 'recommended_items' in x);
  const errOut = () => linesUnder(path.join(lake, RECOMMENDATIONS_PREFIX, 'errors'));

  it('delivers Ok records under year=/month=/day=/hour= and failures with their reason: sent = delivered + failed', async () => {
    const good = events(300);
    const bad = ['not json', JSON.stringify({ customer_number: 'x' }), JSON.stringify({ ...good[0], browse_history: [{ product_code: 'S00_0000' }] })];
    await putEvents(client, streamName, [...good, ...bad], BY_CUSTOMER);
    const p = poller();
    await p.start();
    await until(() => p.stats.delivered + p.stats.failed >= 303, 'all records');
    await p.stop();
    expect(p.stats).to.include({ delivered: 300, failed: 3, duplicates: 0 });
    const ok = okOut();
    expect(new Set(ok.map((x) => x.event_id)).size).to.equal(300);
    const files = fs.readdirSync(path.join(lake, RECOMMENDATIONS_PREFIX), { recursive: true }) as string[];
    expect(files.some((f) => /^year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/recommendations-.*\.jsonl$/.test(f))).to.equal(true);
    expect(files.filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    const errs = errOut();
    expect(errs).to.have.length(3);
    expect(errs.map((e) => e.reason).join('\n')).to.match(/not valid JSON/).and.match(/customer_number must be a non-negative integer, got "x"/).and.match(/unknown product_code 'S00_0000' in browse_history/);
    expect(Buffer.from(String(errs.find((e) => /JSON/.test(String(e.reason)))!.rawData), 'base64').toString()).to.equal('not json');
  });

  it('concurrent transform invocations answering out of order still deliver in read order and checkpoint every shard', async () => {
    await putEvents(client, streamName, events(600), BY_CUSTOMER);
    const inner = transform();
    let calls = 0;
    // Later invocations answer sooner: results arrive out of order.
    const shuffled: typeof inner = async (event) => {
      const delay = [60, 10, 35, 0][calls++ % 4];
      await new Promise((r) => setTimeout(r, delay));
      return inner(event);
    };
    const delivered: Record<string, unknown>[] = [];
    const p = poller({ transform: shuffled, transformConcurrency: 4, transformBatchRecords: 25, onFlush: (f) => delivered.push(...f.okLines.map((l) => JSON.parse(l))) });
    await p.start();
    await until(() => p.stats.delivered >= 600, 'all records');
    await p.stop();
    expect(calls).to.be.greaterThan(4);
    const ok = okOut();
    expect(ok.map((x) => x.event_id).sort((a, b) => Number(a) - Number(b))).to.deep.equal(Array.from({ length: 600 }, (_, i) => i));
    // Within a shard (a customer's events), delivery order is put order.
    const byCustomer = new Map<unknown, number[]>();
    for (const x of delivered) byCustomer.set(x.customer_number, [...(byCustomer.get(x.customer_number) ?? []), Number(x.event_id)]);
    for (const ids of byCustomer.values()) expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
    const checkpoint = JSON.parse(fs.readFileSync(checkpointFile, 'utf8')) as { committed: Record<string, string>; pending?: unknown };
    expect(Object.keys(checkpoint.committed)).to.have.length(2);
    expect(checkpoint.pending).to.equal(undefined);
  });

  it('a crash after the write and before the checkpoint loses nothing and duplicates nothing', async () => {
    await putEvents(client, streamName, events(400), BY_CUSTOMER);
    let flushes = 0;
    const first = poller({
      bufferBytes: 20_000,
      beforeCheckpoint: () => {
        if (++flushes === 2) throw new Error('simulated crash');
      },
    });
    await first.start();
    await until(() => first.error !== undefined, 'the simulated crash');
    await first.kill();
    const second = poller();
    await second.start();
    await until(() => new Set(okOut().map((x) => x.event_id)).size >= 400, 'every event after restart');
    await second.stop();
    const ok = okOut();
    expect(new Set(ok.map((x) => x.event_id)).size).to.equal(400);
    expect(ok.length).to.equal(400);
  });

  it('a poller killed mid-stream and restarted reads on from its checkpoint: nothing lost', async () => {
    const all = events(1000);
    await putEvents(client, streamName, all.slice(0, 500), BY_CUSTOMER);
    // Small transform batches and buffer, killed as its first delivery lands: mid-stream for sure.
    const first: DeliveryPoller = poller({ bufferBytes: 10_000, transformBatchRecords: 50, onFlush: () => void first.kill() });
    await first.start();
    await until(() => first.stats.flushes > 0, 'a first delivery');
    await first.kill();
    const afterKill = first.stats.delivered;
    expect(first.stats.flushes).to.equal(1);
    await putEvents(client, streamName, all.slice(500), BY_CUSTOMER);
    const second = poller();
    await second.start();
    await until(() => new Set(okOut().map((x) => x.event_id)).size >= 1000, 'every event after restart');
    await second.stop();
    // Part of the first 500 was delivered before the kill, the rest after the restart.
    expect(afterKill).to.be.within(1, 499);
    const ids = okOut().map((x) => x.event_id);
    expect(new Set(ids).size).to.equal(1000);
    // At-least-once: anything delivered twice is counted.
    expect(ids.length - 1000).to.equal(second.stats.duplicates);
  });
});
