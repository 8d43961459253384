import { expect } from 'chai';
import {
  GraphError,
  MemoryRunLog,
  allOf,
  defineAsset,
  defineGraph,
  eager,
  evaluateAutomation,
  groupRequests,
  hourlyPartitions,
  not,
  onCron,
  onFreshness,
  onMissing,
  type AssetGraph,
  type AutomationState,
  type EvaluateResult,
} from '../../assets/core';

const at = (iso: string) => Date.parse(iso);
const hourly = hourlyPartitions({ start: '2026-01-01T00:00' });

/** A run log and the state threaded from tick to tick, as the daemon does. */
class Harness {
  readonly log = new MemoryRunLog();
  state?: AutomationState;
  constructor(readonly graph: AssetGraph) {}

  async tick(iso: string, inProgress: string[] = []): Promise<EvaluateResult> {
    const r = evaluateAutomation({ graph: this.graph, snapshot: await this.log.snapshot(), nowMs: at(iso), state: this.state, inProgress: new Set(inProgress) });
    this.state = r.state;
    return r;
  }

  async materialized(key: string, iso: string, partition: string | null = null, durationMs = 1000) {
    await this.log.append({ type: 'step_succeeded', runId: 'r', key, partitions: partition ? [partition] : null, durationMs, metadata: {}, at: iso });
    await this.log.append({ type: 'materialization', runId: 'r', key, partition, codeVersion: 'c', dataVersion: `d-${iso}`, inputs: {}, metadata: {}, at: iso });
  }

  async failed(key: string, iso: string) {
    await this.log.append({ type: 'step_failed', runId: 'r', key, partitions: null, durationMs: 5, error: 'boom', at: iso });
  }
}

const keys = (r: EvaluateResult) => r.requests.map((x) => x.key);

describe('automation conditions', () => {
  describe('onCron', () => {
    const graph = defineGraph([
      defineAsset({ key: 'source/db', source: true, compute: { kind: 'rds-table' } }),
      defineAsset({ key: 'raw/a', deps: ['source/db'], compute: { kind: 'glue-extract' }, automation: onCron('0 1 * * *') }),
      defineAsset({ key: 'mart/b', deps: ['raw/a'], compute: { kind: 'glue-sql' }, automation: onCron('0 1 * * *') }),
      defineAsset({ key: 'raw/manual', compute: { kind: 'glue-extract' } }),
      defineAsset({ key: 'mart/c', deps: ['raw/manual'], compute: { kind: 'glue-sql' }, automation: onCron('0 2 * * *') }),
    ]);

    it('starts false, fires on the tick with its deps requested in the same tick, then once only', async () => {
      const h = new Harness(graph);
      expect(keys(await h.tick('2026-03-01T00:30:00Z'))).to.deep.equal([]);
      expect(keys(await h.tick('2026-03-01T00:59:59Z'))).to.deep.equal([]);
      const r = await h.tick('2026-03-01T01:00:00Z');
      expect(keys(r)).to.deep.equal(['raw/a', 'mart/b']);
      expect(r.requests[0].reasons[0]).to.equal("cron '0 1 * * *' ticked at 2026-03-01T01:00Z");
      expect(r.requests[1].reasons[0]).to.match(/every dep updated since/);
      expect(keys(await h.tick('2026-03-01T01:00:30Z'))).to.deep.equal([]);
      expect(keys(await h.tick('2026-03-02T00:59:00Z'))).to.deep.equal([]);
      expect(keys(await h.tick('2026-03-02T01:00:10Z'))).to.deep.equal(['raw/a', 'mart/b']);
    });

    it('waits after the tick until every dep has updated since, then fires when the dep lands', async () => {
      const h = new Harness(graph);
      await h.materialized('raw/manual', '2026-03-01T00:10:00Z');
      await h.tick('2026-03-01T01:30:00Z');
      const r = await h.tick('2026-03-01T02:00:00Z');
      expect(keys(r)).to.not.include('mart/c');
      expect(r.waiting).to.deep.include({ key: 'mart/c', why: 'cron tick 2026-03-01T02:00Z passed; waiting for raw/manual to update since' });
      await h.materialized('raw/manual', '2026-03-01T02:20:00Z');
      const later = await h.tick('2026-03-01T02:21:00Z');
      expect(keys(later)).to.deep.equal(['mart/c']);
      expect(later.evaluated).to.equal(1);
    });

    it('reads the cron in the declared time zone', async () => {
      const g = defineGraph([defineAsset({ key: 'raw/x', compute: { kind: 'glue-extract' }, automation: onCron('0 9 * * *', { timezone: 'America/New_York' }) })]);
      const h = new Harness(g);
      await h.tick('2026-12-01T12:00:00Z');
      expect(keys(await h.tick('2026-12-01T13:59:59Z'))).to.deep.equal([]);
      const r = await h.tick('2026-12-01T14:00:00Z');
      expect(keys(r)).to.deep.equal(['raw/x']);
      expect(r.requests[0].reasons[0]).to.equal("cron '0 9 * * *' (America/New_York) ticked at 2026-12-01T14:00Z");
    });

    it('targets the latest complete partition at the boundary', async () => {
      const g = defineGraph([defineAsset({ key: 'mart/h', partitions: hourly, compute: { kind: 'glue-sql' }, automation: onCron('5 * * * *') })]);
      const h = new Harness(g);
      await h.tick('2026-03-01T10:00:00Z');
      const r = await h.tick('2026-03-01T10:05:00Z');
      expect(r.requests).to.deep.equal([{ key: 'mart/h', partition: '2026-03-01T09:00', reasons: ["cron '5 * * * *' ticked at 2026-03-01T10:05Z"] }]);
      expect(r.nextWakeMs).to.equal(at('2026-03-01T11:00:00Z'));
    });
  });

  describe('eager', () => {
    const graph = defineGraph([
      defineAsset({ key: 'model/m', compute: { kind: 'emr-spark' } }),
      defineAsset({ key: 'index/i', deps: ['model/m'], compute: { kind: 'vector-index' }, automation: eager() }),
      defineAsset({ key: 'index/j', deps: ['index/i'], compute: { kind: 'vector-index' }, automation: eager() }),
    ]);

    it('runs a whole chain in one tick after a dep updates, and not again', async () => {
      const h = new Harness(graph);
      await h.materialized('model/m', '2026-03-01T00:00:00Z');
      await h.materialized('index/i', '2026-03-01T00:05:00Z');
      await h.materialized('index/j', '2026-03-01T00:06:00Z');
      expect(keys(await h.tick('2026-03-01T01:00:00Z'))).to.deep.equal([]);
      await h.materialized('model/m', '2026-03-01T02:00:00Z');
      const r = await h.tick('2026-03-01T02:01:00Z');
      expect(keys(r)).to.deep.equal(['index/i', 'index/j']);
      expect(r.requests[0].reasons).to.deep.equal(['new data in model/m']);
      expect(keys(await h.tick('2026-03-01T02:02:00Z'))).to.deep.equal([]);
    });

    it('does not run while a dep is missing, failed or running, nor while it runs itself', async () => {
      const h = new Harness(graph);
      let r = await h.tick('2026-03-01T01:00:00Z');
      expect(keys(r)).to.deep.equal([]);
      expect(r.waiting).to.deep.include({ key: 'index/i', why: 'model/m has no data' });
      await h.materialized('model/m', '2026-03-01T02:00:00Z');
      r = await h.tick('2026-03-01T02:01:00Z', ['index/i']);
      expect(r.waiting).to.deep.include({ key: 'index/i', why: 'index/i is running' });
      await h.failed('model/m', '2026-03-01T03:00:00Z');
      r = await h.tick('2026-03-01T03:01:00Z');
      expect(r.waiting).to.deep.include({ key: 'index/i', why: 'model/m failed' });
      await h.materialized('model/m', '2026-03-01T04:00:00Z');
      expect(keys(await h.tick('2026-03-01T04:01:00Z'))).to.deep.equal(['index/i', 'index/j']);
    });
  });

  describe('onMissing', () => {
    it('requests a missing latest partition once, and the next window when it completes', async () => {
      const g = defineGraph([defineAsset({ key: 'mart/h', partitions: hourly, compute: { kind: 'glue-sql' }, automation: onMissing() })]);
      const h = new Harness(g);
      const r = await h.tick('2026-03-01T10:30:00Z');
      expect(r.requests).to.deep.equal([{ key: 'mart/h', partition: '2026-03-01T09:00', reasons: ['partition 2026-03-01T09:00 is missing'] }]);
      expect(keys(await h.tick('2026-03-01T10:45:00Z'))).to.deep.equal([]);
      await h.materialized('mart/h', '2026-03-01T10:50:00Z', '2026-03-01T09:00');
      expect(keys(await h.tick('2026-03-01T10:55:00Z'))).to.deep.equal([]);
      expect((await h.tick('2026-03-01T11:00:00Z')).requests[0].partition).to.equal('2026-03-01T10:00');
    });
  });

  describe('onFreshness', () => {
    const graph = defineGraph([
      defineAsset({ key: 'mart/f', compute: { kind: 'glue-sql' }, freshness: { maxLagMinutes: 60 }, automation: onFreshness({ marginMinutes: 5 }) }),
    ]);

    it('runs its typical duration plus the margin before the limit, and tells when to wake', async () => {
      const h = new Harness(graph);
      await h.materialized('mart/f', '2026-03-01T10:00:00Z', null, 10 * 60_000);
      const early = await h.tick('2026-03-01T10:44:59Z');
      expect(keys(early)).to.deep.equal([]);
      expect(early.nextWakeMs).to.equal(at('2026-03-01T10:45:00Z'));
      const due = await h.tick('2026-03-01T10:45:00Z');
      expect(due.requests).to.deep.equal([{ key: 'mart/f', partition: null, reasons: ['freshness: data 45 min old, limit 60 min, lead 15 min (typical duration + margin)'] }]);
      expect(keys(await h.tick('2026-03-01T10:50:00Z'))).to.deep.equal([]);
    });
  });

  describe('combinations and incremental ticks', () => {
    it('combines with and/not: on the cron unless the dep is missing', async () => {
      const g = defineGraph([
        defineAsset({ key: 'raw/a', compute: { kind: 'glue-extract' } }),
        defineAsset({ key: 'mart/b', deps: ['raw/a'], compute: { kind: 'glue-sql' }, automation: allOf(onCron('0 * * * *', { ignoreDeps: ['raw/a'] }), not(onMissing())) }),
      ]);
      const h = new Harness(g);
      await h.materialized('mart/b', '2026-03-01T09:30:00Z');
      await h.tick('2026-03-01T09:45:00Z');
      const r = await h.tick('2026-03-01T10:00:00Z');
      expect(r.requests[0].reasons).to.deep.equal(["cron '0 * * * *' ticked at 2026-03-01T10:00Z and every dep updated since", 'not (when missing)']);
    });

    it('evaluates only what changed: nothing new, nothing evaluated; one update, its dependents', async () => {
      const assets = [defineAsset({ key: 'raw/root', compute: { kind: 'glue-extract' } })];
      for (let i = 0; i < 50; i++) assets.push(defineAsset({ key: `mart/a${i}`, deps: [i % 2 ? 'raw/root' : 'raw/other'], compute: { kind: 'glue-sql' }, automation: eager() }));
      assets.push(defineAsset({ key: 'raw/other', compute: { kind: 'glue-extract' } }));
      const h = new Harness(defineGraph(assets));
      await h.materialized('raw/root', '2026-03-01T00:00:00Z');
      await h.materialized('raw/other', '2026-03-01T00:00:00Z');
      expect((await h.tick('2026-03-01T10:00:00Z')).evaluated).to.equal(50);
      // Past the cursor's overlap: nothing changed, nothing is evaluated.
      expect((await h.tick('2026-03-01T10:10:00Z')).evaluated).to.equal(0);
      await h.materialized('raw/root', '2026-03-01T10:20:00Z');
      const r = await h.tick('2026-03-01T10:21:00Z');
      expect(r.evaluated).to.equal(25);
      expect(r.requests).to.have.length(25);
    });

    it('groups connected requests into one run, unrelated ones apart, with ids fixed by the tick', () => {
      const g = defineGraph([
        defineAsset({ key: 'raw/a', compute: { kind: 'glue-extract' } }),
        defineAsset({ key: 'mart/b', deps: ['raw/a'], compute: { kind: 'glue-sql' } }),
        defineAsset({ key: 'raw/z', compute: { kind: 'glue-extract' } }),
      ]);
      const groups = groupRequests(g, [
        { key: 'mart/b', partition: null, reasons: ['x'] },
        { key: 'raw/z', partition: null, reasons: ['y'] },
        { key: 'raw/a', partition: null, reasons: ['z'] },
      ], 'tick-20260301T100000-abc123', at('2026-03-01T10:00:00Z'));
      expect(groups.map((x) => [x.requestId, x.runId, x.keys])).to.deep.equal([
        ['tick-20260301T100000-abc123.1', '20260301T100000-abc123-a1', ['raw/a', 'mart/b']],
        ['tick-20260301T100000-abc123.2', '20260301T100000-abc123-a2', ['raw/z']],
      ]);
    });
  });

  it('defineGraph names every mistake in a condition', () => {
    const make = () =>
      defineGraph([
        defineAsset({ key: 'source/s', source: true, compute: { kind: 'rds-table' }, automation: eager() }),
        defineAsset({ key: 'raw/a', compute: { kind: 'glue-extract' }, automation: onCron('61 * * * *') }),
        defineAsset({ key: 'raw/b', compute: { kind: 'glue-extract' }, automation: onCron('0 * * * *', { timezone: 'Nowhere/Land', ignoreDeps: ['raw/a'] }) }),
        defineAsset({ key: 'raw/c', compute: { kind: 'glue-extract' }, automation: onFreshness() }),
      ]);
    expect(make).to.throw(GraphError);
    try {
      make();
    } catch (e) {
      const messages = (e as GraphError).problems.map((p) => `${p.key}: ${p.message}`);
      expect(messages).to.deep.equal([
        'source/s: is a source asset (observed, never materialized) and cannot have an automation condition',
        "raw/a: automation: cron '61 * * * *', minute field '61': 61 is outside 0-59",
        "raw/b: automation: 'Nowhere/Land' is not an IANA time zone; write one such as 'UTC', 'Europe/Paris' or 'America/New_York'",
        "raw/b: automation: onCron ignores 'raw/a', which is not a dep of this asset",
        'raw/c: automation: onFreshness() needs a freshness policy; declare freshness: { maxLagMinutes: N }',
      ]);
    }
  });
});
