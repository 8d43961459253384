import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureStream, localKinesisClient, startKinesalite, type RunningKinesalite } from '../../jobs/embedded/stream/kinesalite';
import referenceGraph from '../../assets';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';
import { spawnPoller, type PollerProcess } from '../../jobs/embedded/stream/processes';
import { putEvents } from '../../jobs/embedded/stream/producer';
import { browsingEventGenerator, browsingEvents } from '../../assets/reference/source-data/events';
import { embeddedServingEnvironment } from '../../jobs/serving/environment';
import { catalogFixture, type Fixture } from '../serving/helpers';
import { linesUnder } from './helpers';

/** Records partitioned by customer, as the storefront (and the reference's generator) put them: one customer's events stay in one shard, in order. */
const BY_CUSTOMER = { partitionKey: browsingEvents.partitionKey };

const RECOMMENDATIONS_PREFIX = embeddedStreamOf(referenceGraph).prefix;

const until = async (cond: () => boolean, what: string, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('delivery poller as a separate process, killed with SIGKILL mid-stream', function () {
  this.timeout(120_000);
  let fx: Fixture;
  let kin: RunningKinesalite;
  let client: KinesisClient;
  const children: PollerProcess[] = [];

  before(async () => {
    fx = await catalogFixture(150);
    kin = await startKinesalite({ dir: path.join(fx.root, 'kinesalite') });
    client = localKinesisClient(kin.endpoint);
  });
  after(async () => {
    for (const c of children) await c.kill('SIGKILL');
    client.destroy();
    await kin.close();
    fx.cleanup();
  });

  it('a restarted poller delivers the rest: sent = delivered + failed, every duplicate counted', async () => {
    const streamName = 'user_events_sigkill';
    await ensureStream(client, streamName, 2);
    const lakeDir = path.join(fx.root, 'lake-sigkill');
    const checkpointFile = path.join(fx.root, 'checkpoints', `${streamName}.json`);
    const gen = browsingEventGenerator({ items: fx.products.map((p) => p.productCode), users: fx.customers.map((c) => String(c.customerNumber)) });
    // 3,000 events, every 100th malformed (bad JSON or an unknown product code).
    const events: (object | string)[] = Array.from({ length: 3000 }, (_, i) =>
      i % 100 === 99 ? (i % 200 === 199 ? `{"event_id": ${i}, "customer_number": 103,` : { ...gen(), event_id: i, browse_history: [{ product_code: 'S00_0000' }] }) : { ...gen(), event_id: i },
    );
    const options = { endpoint: kin.endpoint, streamName, lakeDir, prefix: RECOMMENDATIONS_PREFIX, checkpointFile, bufferIntervalMs: 200, bufferBytes: 30_000, transformWorkers: 1 };
    // The serving variables the stack sets on the transform (here: of the fixture's lake).
    const env = { ...process.env, HEADWATER_HOME: fx.root, ...embeddedServingEnvironment(referenceGraph, 'serving/recommendations', fx.lake) };

    await putEvents(client, streamName, events.slice(0, 1000), BY_CUSTOMER);
    const first = await spawnPoller(options, { env });
    children.push(first);
    // The rest arrives while the first poller runs, 100 events every 50 ms.
    const putting = (async () => {
      for (let i = 1000; i < events.length; i += 100) {
        await putEvents(client, streamName, events.slice(i, i + 100), BY_CUSTOMER);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await until(() => first.flushes.length >= 3, 'three deliveries from the first poller');
    await first.kill('SIGKILL');
    const handledByFirst = first.delivered + first.failed;
    await putting;
    expect(first.exited).to.equal(true);
    expect(handledByFirst).to.be.greaterThan(0).and.lessThan(events.length);

    const second = await spawnPoller(options, { env });
    children.push(second);
    const okIds = () => new Set(linesUnder(path.join(lakeDir, RECOMMENDATIONS_PREFIX)).filter((x) => 'recommended_items' in x).map((x) => x.event_id));
    const errIds = () => new Set(linesUnder(path.join(lakeDir, RECOMMENDATIONS_PREFIX, 'errors')).map((x) => x.recordId));
    await until(() => okIds().size + errIds().size >= events.length, 'every event in the lake after the restart');
    const stats = await second.stop();

    const ok = linesUnder(path.join(lakeDir, RECOMMENDATIONS_PREFIX)).filter((x) => 'recommended_items' in x);
    const errors = linesUnder(path.join(lakeDir, RECOMMENDATIONS_PREFIX, 'errors'));
    const delivered = new Set(ok.map((x) => x.event_id)).size;
    const failed = new Set(errors.map((x) => x.recordId)).size;
    // Nothing lost: every good event is in the lake, every malformed one under errors/ with its reason.
    expect(delivered).to.equal(2970);
    expect(failed).to.equal(30);
    expect(delivered + failed).to.equal(events.length);
    expect(errors.every((e) => typeof e.reason === 'string' && e.reason.length > 0)).to.equal(true);
    // At-least-once: whatever readers see twice was counted by the poller that recovered.
    expect(ok.length + errors.length - (delivered + failed)).to.equal(stats.duplicates);
    // Readers never see a partial file: temp files are hidden and never end in .jsonl.
    const names = fs.readdirSync(lakeDir, { recursive: true }) as string[];
    expect(names.filter((n) => n.endsWith('.jsonl') && path.basename(n).startsWith('.'))).to.deep.equal([]);
  });
});
