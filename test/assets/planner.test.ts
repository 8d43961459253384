import { expect } from 'chai';
import {
  PlanError,
  dailyPartitions,
  defineAsset,
  defineGraph,
  describeRequest,
  hourlyPartitions,
  kindCatalog,
  monthlyPartitions,
  parseRequest,
  parseUtc,
  plan,
  planRuns,
  runPartitionKeys,
  staticPartitions,
  timeWindowMapping,
} from '../../assets/core';

const kinds = kindCatalog([
  { name: 'spark', description: '', category: 'batch', backfill: { type: 'single_run', maxPartitionsPerRun: 10 } },
  { name: 'spark-unbounded', description: '', category: 'batch', backfill: { type: 'single_run' } },
  { name: 'loader', description: '', category: 'batch', backfill: { type: 'per_partition' } },
  { name: 'db', description: '', category: 'source', backfill: { type: 'per_partition' } },
  { name: 'api', description: '', category: 'service', backfill: { type: 'per_partition' } },
]);
const hourly = hourlyPartitions({ start: '2024-01-01T00:00' });
const daily = dailyPartitions({ start: '2024-01-01' });
const NOW = parseUtc('2024-03-01T00:00')!;

const graph = defineGraph(
  [
    defineAsset({ key: 'source/events', source: true, compute: { kind: 'db' } }),
    defineAsset({ key: 'raw/events', deps: ['source/events'], partitions: hourly, compute: { kind: 'spark' } }),
    defineAsset({ key: 'mart/daily', deps: ['raw/events'], partitions: daily, compute: { kind: 'spark-unbounded' } }),
    defineAsset({ key: 'mart/rolling', deps: [{ asset: 'mart/daily', mapping: timeWindowMapping({ startOffset: -6, endOffset: 0 }) }], partitions: daily, compute: { kind: 'loader' } }),
    defineAsset({ key: 'ml/model', deps: ['mart/daily'], compute: { kind: 'spark' } }),
    defineAsset({ key: 'serve/api', deps: ['ml/model'], compute: { kind: 'api' } }),
  ],
  { kinds },
);

describe('planner', () => {
  it('orders steps topologically whatever the selection order, and deduplicates', () => {
    const p = plan(graph, ['ml/model', 'raw/events', 'mart/daily', 'raw/events'], { type: 'range', from: '2024-02-01', to: '2024-02-01' }, NOW);
    expect(p.steps.map((s) => s.key)).to.deep.equal(['raw/events', 'mart/daily', 'ml/model']);
  });

  it('leaves out sources and services, saying why', () => {
    const p = plan(graph, graph.keys, { type: 'latest' }, NOW);
    expect(p.excluded.map((x) => x.key)).to.deep.equal(['source/events', 'serve/api']);
    expect(p.excluded[0].reason).to.match(/source asset/);
    expect(p.excluded[1].reason).to.match(/service/);
  });

  it('reads --to as the whole period it names: a day means its 24 hours', () => {
    const p = plan(graph, ['raw/events', 'mart/daily'], { type: 'range', from: '2024-02-01', to: '2024-02-02' }, NOW);
    expect(p.steps[0].partitions!.size).to.equal(48);
    expect(p.steps[1].partitions!.size).to.equal(2);
    expect(p.assetPartitions).to.equal(50);
  });

  it('groups a range into runs by backfill policy', () => {
    const p = plan(graph, ['raw/events', 'mart/daily', 'mart/rolling'], { type: 'range', from: '2024-02-01', to: '2024-02-03' }, NOW);
    const [raw, daily_, rolling] = p.steps;
    // 72 hours in runs of at most 10 partitions; one run for the unbounded single-run kind; one per partition for the loader.
    expect(raw.runCount).to.equal(8);
    expect(daily_.runCount).to.equal(1);
    expect(rolling.runCount).to.equal(3);
    const runs = [...planRuns(p)];
    expect(runs).to.have.length(12);
    expect(runs.map((r) => r.id).slice(0, 3)).to.deep.equal(['0.0', '0.1', '0.2']);
    expect(runPartitionKeys(graph, runs[0])).to.have.length(10);
    expect(runPartitionKeys(graph, runs[7])).to.deep.equal(['2024-02-03T22:00', '2024-02-03T23:00']);
    expect(runPartitionKeys(graph, runs[8])).to.deep.equal(['2024-02-01', '2024-02-02', '2024-02-03']);
    expect(runPartitionKeys(graph, runs[11])).to.deep.equal(['2024-02-03']);
  });

  it('resolves upstream partitions through mappings and marks what the plan produces', () => {
    const p = plan(graph, ['mart/daily', 'mart/rolling'], { type: 'range', from: '2024-02-10', to: '2024-02-10' }, NOW);
    const [daily_, rolling] = p.steps;
    expect(daily_.upstream).to.have.length(1);
    expect(daily_.upstream[0].key).to.equal('raw/events');
    expect(daily_.upstream[0].partitions!.size).to.equal(24);
    expect(daily_.upstream[0].inPlan).to.equal(false);
    // The rolling week reads Feb 4..10 of mart/daily; only the 10th is in this plan.
    expect(rolling.upstream[0].partitions!.ranges).to.deep.equal([[34, 41]]);
    expect(rolling.upstream[0].inPlan).to.equal(true);
  });

  it('an unpartitioned asset reads every upstream partition that exists', () => {
    const p = plan(graph, ['ml/model'], { type: 'latest' }, NOW);
    expect(p.steps[0].partitions).to.equal(undefined);
    expect(p.steps[0].runCount).to.equal(1);
    expect(p.steps[0].upstream[0].partitions!.size).to.equal(60);
  });

  it('latest means the last complete partition of each asset', () => {
    const p = plan(graph, ['raw/events', 'mart/daily'], { type: 'latest' }, parseUtc('2024-03-01T05:30')!);
    expect(runPartitionKeys(graph, [...planRuns(p)][0])).to.deep.equal(['2024-03-01T04:00']);
    expect(runPartitionKeys(graph, [...planRuns(p)][1])).to.deep.equal(['2024-02-29']);
  });

  it('all means every partition that exists', () => {
    const p = plan(graph, ['mart/daily'], { type: 'all' }, NOW);
    expect(p.steps[0].partitions!.size).to.equal(60);
  });

  it('leaves out future partitions with a note, and clips before the start', () => {
    const p = plan(graph, ['mart/daily'], { type: 'range', from: '2023-12-30', to: '2024-03-05' }, NOW);
    expect(p.steps[0].partitions!.size).to.equal(60);
    expect(p.notes.join('\n')).to.match(/5 partitions are not complete yet/);
    expect(p.notes.join('\n')).to.match(/starts before the first partition 2024-01-01/);
  });

  it('errors a person can act on', () => {
    const range = (from: string, to: string) => ({ type: 'range', from, to }) as const;
    expect(() => plan(graph, ['mart/daily'], range('2024-02-31', '2024-03-01'), NOW)).to.throw(PlanError, /'2024-02-31' is not a partition key or date; write it like '2024-01-01'/);
    expect(() => plan(graph, ['mart/daily'], range('2024-02-10', '2024-02-01'), NOW)).to.throw(PlanError, /ends \(2024-02-01\) before it starts/);
    expect(() => plan(graph, ['mart/daily'], range('2025-01-01', '2025-01-02'), NOW)).to.throw(PlanError, /no complete daily partition between 2025-01-01 and 2025-01-02/);
    expect(() => plan(graph, ['mart/daily'], { type: 'latest' }, parseUtc('2024-01-01T12:00')!)).to.throw(PlanError, /no daily partition is complete yet/);
  });

  it('static partitions: all by default, a named range otherwise', () => {
    const regions = staticPartitions(['eu', 'us', 'apac']);
    const g = defineGraph([defineAsset({ key: 'raw/r', partitions: regions, compute: { kind: 'loader' } })], { kinds });
    expect(plan(g, ['raw/r'], { type: 'latest' }, NOW).steps[0].partitions!.size).to.equal(3);
    expect(plan(g, ['raw/r'], { type: 'range', from: 'us', to: 'apac' }, NOW).steps[0].partitions!.size).to.equal(2);
    expect(() => plan(g, ['raw/r'], { type: 'range', from: 'mars', to: 'mars' }, NOW)).to.throw(PlanError, /'mars' is not one of the static partitions/);
  });

  it('an asset can override its kind’s backfill policy', () => {
    const g = defineGraph([defineAsset({ key: 'raw/x', partitions: daily, compute: { kind: 'spark', backfill: { type: 'per_partition' } } })], { kinds });
    expect(plan(g, ['raw/x'], { type: 'range', from: '2024-01-01', to: '2024-01-31' }, NOW).steps[0].runCount).to.equal(31);
  });

  it('writes a request as run records store it, and reads it back', () => {
    const cases: [Parameters<typeof describeRequest>[0], string][] = [
      [{ type: 'latest' }, 'latest'],
      [{ type: 'all' }, 'all'],
      [{ type: 'range', from: '2024-01-01', to: '2024-01-01' }, '2024-01-01'],
      [{ type: 'range', from: '2024-01-01', to: '2024-01-05' }, '2024-01-01..2024-01-05'],
    ];
    for (const [request, label] of cases) {
      expect(describeRequest(request)).to.equal(label);
      expect(parseRequest(label)).to.deep.equal(request);
    }
  });

  it('says exactly why an asset is left out, and what a range left out', () => {
    const p = plan(graph, graph.keys, { type: 'latest' }, NOW);
    expect(p.excluded).to.deep.equal([
      { key: 'source/events', reason: 'source asset: owned upstream, observed and contract-checked by the steps that read it' },
      { key: 'serve/api', reason: 'service: deployed and long-running, not materialized by batch runs' },
    ]);
    const one = plan(graph, ['mart/daily'], { type: 'range', from: '2024-02-28', to: '2024-03-01' }, NOW);
    expect(one.notes).to.deep.equal(['mart/daily: 1 partition is not complete yet and was left out']);
    expect(one.steps[0].partitions!.ranges).to.deep.equal([[58, 60]]);
    const many = plan(graph, ['mart/daily'], { type: 'range', from: '2023-12-30', to: '2024-03-02' }, NOW);
    expect(many.notes).to.deep.equal(['mart/daily: 2 partitions are not complete yet and were left out', 'mart/daily: the range starts before the first partition 2024-01-01; planning from there']);
    expect(plan(graph, ['mart/daily'], { type: 'range', from: '2024-01-01', to: '2024-01-03' }, NOW).notes).to.deep.equal([]);
  });

  it('reads --from as the first window starting at or after it, and --to as the period it names', () => {
    const range = (from: string, to: string) => ({ type: 'range', from, to }) as const;
    // Hours: --to names one hour.
    expect(plan(graph, ['raw/events'], range('2024-02-01T05:00', '2024-02-01T07:00'), NOW).steps[0].partitions!.size).to.equal(3);
    // A --from inside a day starts at the next day.
    expect(plan(graph, ['mart/daily'], range('2024-02-01T05:00', '2024-02-03'), NOW).steps[0].partitions!.ranges).to.deep.equal([[32, 34]]);
    // A month: every day of it, and every hour of its days.
    expect(plan(graph, ['mart/daily'], range('2024-02', '2024-02'), NOW).steps[0].partitions!.size).to.equal(29);
    expect(plan(graph, ['raw/events'], range('2024-01', '2024-01'), NOW).steps[0].partitions!.size).to.equal(31 * 24);
    const monthly = defineGraph([defineAsset({ key: 'mart/m', partitions: monthlyPartitions({ start: '2024-01-01' }), compute: { kind: 'loader' } })], { kinds });
    expect(plan(monthly, ['mart/m'], range('2024-01', '2024-02'), NOW).steps[0].partitions!.ranges).to.deep.equal([[0, 2]]);
    expect(plan(monthly, ['mart/m'], { type: 'latest' }, NOW).steps[0].partitions!.ranges).to.deep.equal([[1, 2]]);
  });

  it('names the bad end of a range exactly', () => {
    const range = (from: string, to: string) => ({ type: 'range', from, to }) as const;
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(PlanError);
        return (e as Error).message;
      }
      throw new Error('expected a PlanError');
    };
    expect(message(() => plan(graph, ['mart/daily'], range('2024-02-01', 'soon'), NOW))).to.equal("'soon' is not a partition key or date; write it like '2024-01-01'");
    expect(message(() => plan(graph, ['mart/daily'], range('2024-02-10', '2024-02-01'), NOW))).to.equal('the range ends (2024-02-01) before it starts (2024-02-10); swap --from and --to');
    expect(message(() => plan(graph, ['mart/daily'], range('2025-01-01', '2025-01-02'), NOW))).to.equal('mart/daily: no complete daily partition between 2025-01-01 and 2025-01-02 (partitions start at 2024-01-01)');
    expect(message(() => plan(graph, ['mart/daily'], { type: 'latest' }, parseUtc('2024-01-01T12:00')!))).to.equal('mart/daily: no daily partition is complete yet (the first is 2024-01-01)');
    const g = defineGraph([defineAsset({ key: 'raw/r', partitions: staticPartitions(['eu', 'us', 'apac']), compute: { kind: 'loader' } })], { kinds });
    expect(message(() => plan(g, ['raw/r'], range('apac', 'eu'), NOW))).to.equal("raw/r: 'apac' comes after 'eu' in its static partitions");
    expect(message(() => plan(g, ['raw/r'], range('eu', 'mars'), NOW))).to.equal("raw/r: 'mars' is not one of the static partitions (eu, us, apac)");
    expect(plan(g, ['raw/r'], range('us', 'us'), NOW).steps[0].partitions!.ranges).to.deep.equal([[1, 2]]);
    expect(plan(g, ['raw/r'], { type: 'all' }, NOW).steps[0].partitions!.ranges).to.deep.equal([[0, 3]]);
  });

  it('counts and lists runs: one per unpartitioned step, runs of a range chunked by the policy', () => {
    const p = plan(graph, ['raw/events', 'ml/model'], { type: 'range', from: '2024-02-01T00:00', to: '2024-02-01T23:00' }, NOW);
    expect(p.runCount).to.equal(4);
    expect(p.assetPartitions).to.equal(25);
    const runs = [...planRuns(p)];
    expect(runs.map((r) => [r.id, r.range])).to.deep.equal([
      ['0.0', [744, 754]],
      ['0.1', [754, 764]],
      ['0.2', [764, 768]],
      ['1', undefined],
    ]);
    expect(runPartitionKeys(graph, runs[3])).to.equal(null);
    expect(p.steps.map((s) => s.index)).to.deep.equal([0, 1]);
  });
});

