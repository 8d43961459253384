/**
 * The embedded stream takes everything from the graph: which stream-delivery asset (the one there
 * is, or `--asset`), the kinesis-stream it consumes, its shards, buffer, lake folder, error folder
 * and the indexes whose ids the demo's events draw on. `assets stream` says what to pass when the
 * graph has several, none, or is asked for something else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import referenceGraph from '../../assets';
import fork from '../fixtures/graphs/fork-source';
import { defineAsset, defineGraph, UserError } from '../../assets/core';
import { kinesisStream, REFERENCE_KINDS, streamDelivery } from '../../assets/kinds';
import { servingConfig } from '../../assets/kinds';
import { embeddedStreamOf, streamDeliveryKeys } from '../../jobs/embedded/stream/target';
import { runCli } from '../cli/run-cli';
import { withEnv } from '../setup/environment';

const FORK = path.join(__dirname, '..', 'fixtures', 'graphs', 'fork-source.ts');

describe('the embedded stream, from the graph', function () {
  this.timeout(60_000);

  it("finds the reference's delivery, its stream, folders and indexes without being told", () => {
    const { serving, ...target } = embeddedStreamOf(referenceGraph);
    // Its transform's serving config, from the delivery's declaration and deps.
    expect(serving).to.deep.equal(servingConfig(referenceGraph, 'serving/recommendations'));
    expect(target).to.deep.equal({
      deliveryKey: 'serving/recommendations',
      streamKey: 'stream/user_events',
      streamName: 'user_events',
      shards: 2,
      bufferIntervalSeconds: 60,
      prefix: path.join('serving', 'recommendations'),
      errorPrefix: 'errors',
      indexAliases: { item: 'item_embeddings', user: 'user_embeddings' },
      indexIdFields: { item: 'product_code', user: 'customer_number' },
      transformModule: 'jobs/serving/stream-transform/handler.ts',
    });
  });

  it('runs a fork\'s delivery by --asset when there are several, with its own settings', () => {
    expect(streamDeliveryKeys(fork)).to.deep.equal(['serving/play_audit', 'serving/play_scores']);
    expect(() => embeddedStreamOf(fork)).to.throw(UserError, /the graph has 2 stream-delivery assets \(serving\/play_audit, serving\/play_scores\); pick one with --asset KEY/);
    const audit = embeddedStreamOf(fork, 'serving/play_audit');
    expect(audit).to.include({ deliveryKey: 'serving/play_audit', streamKey: 'stream/plays', streamName: 'plays', shards: 3, bufferIntervalSeconds: 5, errorPrefix: 'rejected' });
    expect(audit.prefix).to.equal(path.join('serving', 'play_audit'));
    expect(audit.indexAliases).to.deep.equal({});
    expect(audit.indexIdFields).to.deep.equal({});
    expect(() => embeddedStreamOf(fork, 'serving/play_scors')).to.throw(/--asset serving\/play_scors: no such asset; did you mean 'serving\/play_scores'\?/);
    expect(() => embeddedStreamOf(fork, 'raw/users')).to.throw(/--asset raw\/users is a glue-extract asset, not a stream-delivery one; pick one of: serving\/play_audit, serving\/play_scores/);
  });

  it('refuses a graph with no delivery, or a delivery reading no stream, saying what to declare', () => {
    const none = defineGraph([defineAsset({ key: 'stream/clicks', source: true, compute: kinesisStream(), storage: { kind: 'kinesis' } })], { kinds: REFERENCE_KINDS });
    expect(() => embeddedStreamOf(none)).to.throw(/the graph has no stream-delivery asset/);
    const orphan = defineGraph([defineAsset({ key: 'serving/out', compute: streamDelivery({ transform: 'jobs/serving/stream-transform/handler.ts' }), storage: { kind: 'lake', zone: 'serving', format: 'json' } })], { kinds: REFERENCE_KINDS });
    expect(() => embeddedStreamOf(orphan)).to.throw(/serving\/out must read exactly one kinesis-stream asset \(a dep\), found none/);
  });

  describe('assets stream', () => {
    let home: string;
    let restore: () => void;
    before(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-stream-target-'));
      restore = withEnv({ HEADWATER_HOME: home, NO_COLOR: '1', HEADWATER_GRAPH: undefined });
    });
    after(() => {
      restore();
      fs.rmSync(home, { recursive: true, force: true });
    });

    it('status reports the chosen delivery\'s lake folder and counts its error folder', async () => {
      const out = path.join(home, 'lake', 'serving', 'play_audit');
      fs.mkdirSync(path.join(out, 'year=2026', 'month=12', 'day=01', 'hour=08'), { recursive: true });
      fs.mkdirSync(path.join(out, 'rejected', 'year=2026', 'month=12', 'day=01', 'hour=08'), { recursive: true });
      fs.writeFileSync(path.join(out, 'year=2026', 'month=12', 'day=01', 'hour=08', 'play_audit-1.jsonl'), '{"a":1}\n{"a":2}\n');
      fs.writeFileSync(path.join(out, 'rejected', 'year=2026', 'month=12', 'day=01', 'hour=08', 'processing-failed-1.jsonl'), '{"reason":"x"}\n');
      const r = await runCli(['--graph', FORK, 'stream', 'status', '--asset', 'serving/play_audit', '--json']);
      expect(r.code, r.err).to.equal(0);
      expect(JSON.parse(r.out)).to.include({ running: false, delivered: 2, failed: 1, lake: out });
      // The graph may come from HEADWATER_GRAPH, and --asset may come before the subcommand.
      const undo = withEnv({ HEADWATER_GRAPH: FORK });
      try {
        const before = await runCli(['stream', '--asset', 'serving/play_audit', 'status', '--json']);
        expect(before.code, before.err).to.equal(0);
        expect(JSON.parse(before.out).lake).to.equal(out);
      } finally {
        undo();
      }
    });

    it('asks for --asset when the graph has several, and names the generator a stream without a contract needs', async () => {
      const several = await runCli(['--graph', FORK, 'stream', 'status']);
      expect(several.code).to.equal(2);
      expect(several.err).to.match(/the graph has 2 stream-delivery assets .*pick one with --asset KEY/);
      const generate = await runCli(['--graph', FORK, 'stream', 'put', '--asset', 'serving/play_scores', '--generate', '5']);
      expect(generate.code).to.equal(2);
      expect(generate.err).to.match(/--generate needs an event generator for stream\/plays, which has no contract to derive events from: export `demoData = \{ stream: \{ generator \} \}` from the graph module/);
      const remote = await runCli(['--graph', FORK, '--env', 'dev', 'stream', 'status', '--asset', 'serving/play_scores']);
      expect(remote.err).to.match(/on 'dev' events go to the Kinesis stream of stream\/plays/);
    });
  });
});
