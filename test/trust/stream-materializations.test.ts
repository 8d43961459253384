/**
 * Stream deliveries count as materializations of the stream asset (issue 8, item 6): after the
 * poller delivered, `status` must not keep `serving/recommendations` "not materialized", and a
 * change of what the transform reads (model, indexes) makes it stale like any other asset.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import referenceGraph from '../../assets/index';
import { MemoryRunLog, type RunEvent } from '../../assets/core';
import { readRepoFile } from '../../jobs/engine/repo-files';
import { LocalRunLog } from '../../jobs/embedded/runlog';
import { DeliveryLedger } from '../../jobs/embedded/stream/deliveries';
import { putEvents } from '../../jobs/embedded/stream/producer';
import { startStreamSession } from '../../jobs/embedded/stream/session';
import { embeddedStreamOf } from '../../jobs/embedded/stream/target';
import { browsingEventGenerator } from '../../assets/reference/source-data/events';
import { assetStatuses } from '../../scripts/cli/run/asset-status';
import { runCli } from '../cli/run-cli';
import { catalogFixture, type Fixture } from '../serving/helpers';
import { saveEnv } from '../setup/environment';

const KEY = 'serving/recommendations';
const status = async (runLog: { snapshot(): Promise<Parameters<typeof assetStatuses>[2]> }, nowMs = Date.now()) =>
  assetStatuses(referenceGraph, [KEY], await runLog.snapshot(), readRepoFile, nowMs)[0];

/** A materialization of an input of the stream asset, as a batch run records it. */
const inputMaterialization = (key: string, dataVersion: string, at: string): RunEvent => ({
  type: 'materialization',
  runId: 'batch-1',
  key,
  partition: null,
  codeVersion: 'c',
  dataVersion,
  inputs: {},
  metadata: {},
  at,
});

describe('stream deliveries are materializations of the stream asset', function () {
  this.timeout(120_000);

  it('each delivered batch with records becomes a materialization under one stream run; status shows it fresh, then stale when an input changes', async () => {
    const runLog = new MemoryRunLog();
    await runLog.createRun({ runId: 'batch-1', command: 'materialize', selection: 'model/recommender', partitions: 'latest', env: 'local', status: 'succeeded', startedAt: '2026-01-01T00:00:00.000Z', owner: 'h:1', stepsPlanned: 1 });
    await runLog.append(inputMaterialization('model/recommender', 'model-v1', '2026-01-01T00:00:01.000Z'));
    expect((await status(runLog)).state, 'before any delivery').to.equal('not materialized');

    const ledger = await DeliveryLedger.open({ runLog, graph: referenceGraph, key: KEY });
    ledger.record({ ok: 0, failed: 3, files: ['serving/recommendations/errors/year=2026/month=01/day=01/hour=00/a.jsonl'], deliveredAt: Date.parse('2026-01-01T00:01:00Z') });
    ledger.record({ ok: 40, failed: 1, files: ['serving/recommendations/year=2026/month=01/day=01/hour=00/b.jsonl'], deliveredAt: Date.parse('2026-01-01T00:02:00Z') });
    await ledger.close();

    const run = await runLog.getRun(ledger.runId);
    expect(run).to.include({ command: 'stream', selection: KEY, status: 'succeeded' });
    const mats = await runLog.materializations(KEY);
    expect(mats, 'a batch of failures only adds no data').to.have.length(1);
    expect(mats[0]).to.include({ runId: ledger.runId, partition: null, at: '2026-01-01T00:02:00.000Z' });
    expect(mats[0].metadata).to.deep.equal({ rows: 40, failed: 1, files: 1 });
    expect(mats[0].inputs['model/recommender'], 'the input versions the transform read').to.equal('model-v1');

    const fresh = await status(runLog);
    expect(fresh.state).to.equal('fresh');
    expect(fresh.lastMaterialization).to.deep.equal({ at: '2026-01-01T00:02:00.000Z', partition: null, runId: ledger.runId });

    await runLog.append(inputMaterialization('model/recommender', 'model-v2', '2026-01-01T00:03:00.000Z'));
    const stale = await status(runLog);
    expect(stale.state, 'the model retrained after the last delivery').to.equal('stale');
    expect(stale.causes).to.deep.equal(['new data in model/recommender']);
  });

  it('a poller session records what it delivered in the local run log (what `assets stream start` runs)', async () => {
    const restore = saveEnv(['HEADWATER_HOME']);
    let fx: Fixture | undefined;
    try {
      fx = await catalogFixture(60);
      process.env.HEADWATER_HOME = fx.root;
      let delivered = 0;
      const session = await startStreamSession({ target: embeddedStreamOf(referenceGraph, KEY), bufferIntervalMs: 100, deps: fx.deps(), record: { graph: referenceGraph }, onFlush: (b) => (delivered += b.ok) });
      try {
        const gen = browsingEventGenerator({ items: fx.products.map((p) => p.productCode), users: fx.customers.map((c) => String(c.customerNumber)) });
        await putEvents(session.client, session.streamName, Array.from({ length: 30 }, () => gen()));
        const end = Date.now() + 30_000;
        while (delivered < 30 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      } finally {
        await session.close();
      }
      expect(delivered).to.equal(30);
      const runLog = new LocalRunLog(path.join(fx.root, 'runlog'));
      try {
        const mats = await runLog.materializations(KEY);
        expect(mats.length).to.be.greaterThan(0);
        expect(mats.reduce((n, m) => n + Number(m.metadata.rows), 0)).to.equal(30);
        expect(await runLog.getRun(session.ledger!.runId)).to.include({ command: 'stream', status: 'succeeded' });
        const s = await status(runLog);
        expect(s.state).to.not.equal('not materialized');
        expect(s.lastMaterialization?.runId).to.equal(session.ledger!.runId);
      } finally {
        await runLog.close();
      }
      expect(fs.existsSync(path.join(fx.root, 'lake', 'serving', 'recommendations'))).to.equal(true);
      const resume = await runCli(['backfill', '--resume', session.ledger!.runId]);
      expect(resume.code, 'a stream session is not a backfill to resume').to.equal(2);
      expect(resume.err).to.contain('stream delivery session').and.to.contain('assets stream start');
    } finally {
      restore();
      fx?.cleanup();
    }
  });
});
