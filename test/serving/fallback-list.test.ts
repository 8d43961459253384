/**
 * The serving fallback as a declared `glue-sql` setting, on the embedded engine (DuckDB): any asset
 * declaring `fallback` publishes its newest partition's top rows as `latest.json`, in the shape
 * serving reads; a backfill of older partitions keeps the newer list; a fallback naming a column
 * the SQL does not produce fails before anything is written. (The Glue runner's document:
 * test/aws/glue-fallback-list.test.ts; both engines on real Spark: test/spark/glue-scripts.test.ts.)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { defineAsset, defineGraph, hourlyPartitions, type AssetGraph } from '../../assets/core';
import { glueSql, REFERENCE_KINDS, type FallbackInput } from '../../assets/kinds';
import type { StepContext } from '../../jobs/engine/environment';
import { createGlueSqlExecutor } from '../../jobs/embedded/executors/glue-sql';
import { parseFallbackList, type FallbackList } from '../../jobs/serving/fallback-list';

const SQL = `-- charts: a fixed set of tracks per hour, listens growing with the hour (t2 and t3 tie).
SELECT p.partition_start, t.track_id, t.title, CAST(t.listens + hour(p.partition_start) AS BIGINT) AS listens
FROM partitions p
CROSS JOIN (VALUES ('t1', 'One', 5), ('t2', 'Two', 9), ('t3', 'Three', 9), ('t4', 'Four', NULL)) AS t(track_id, title, listens)
`;

const CONTRACT = {
  columns: [
    { name: 'track_id', type: 'string', nullable: false },
    { name: 'title', type: 'string', nullable: false },
    { name: 'listens', type: 'bigint', nullable: true },
  ],
};

describe('glue-sql fallback (embedded, DuckDB)', () => {
  let dir: string;
  const graphWith = (fallback?: FallbackInput, options: { contract?: boolean } = {}): AssetGraph =>
    defineGraph(
      [
        defineAsset({
          key: 'stats/charts',
          partitions: hourlyPartitions({ start: '2026-01-01T00:00' }),
          compute: glueSql({ sql: 'charts.sql', ...(fallback ? { fallback } : {}) }),
          storage: { kind: 'lake', zone: 'stats', format: 'parquet' },
          ...(options.contract === false ? {} : { contract: CONTRACT }),
        }),
      ],
      { kinds: REFERENCE_KINDS },
    );
  const run = (graph: AssetGraph, partitions: string[]) => {
    const asset = graph.get('stats/charts');
    const ctx: StepContext = { graph, asset, runId: `t-${crypto.randomBytes(3).toString('hex')}`, partitions, inputs: [], log: () => undefined, signal: new AbortController().signal };
    return createGlueSqlExecutor({ lakeRoot: path.join(dir, 'lake'), source: {} as never, repoRoot: dir }).execute(ctx);
  };
  const latest = () => {
    const file = path.join(dir, 'lake', 'stats', 'charts', 'latest.json');
    const parsed = parseFallbackList(fs.readFileSync(file, 'utf8'), file);
    expect(parsed).to.not.have.property('problem');
    return parsed as FallbackList;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-fallback-'));
    fs.writeFileSync(path.join(dir, 'charts.sql'), SQL);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("publishes the newest partition's top rows by orderBy (ties by id), with the declared columns", async () => {
    await run(graphWith({ id: 'track_id', orderBy: 'listens', top: 2, columns: ['title'] }), ['2026-11-30T10:00', '2026-11-30T11:00']);
    expect(latest()).to.deep.equal({
      asset: 'stats/charts',
      asOf: '2026-11-30T12:00:00.000Z',
      partition: '2026-11-30T11:00',
      items: [
        { id: 't2', score: 20, title: 'Two' },
        { id: 't3', score: 20, title: 'Three' },
      ],
    });
    // The file says what it lists, as the Glue runner writes it.
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'lake', 'stats', 'charts', 'latest.json'), 'utf8')) as Record<string, unknown>;
    expect(raw).to.include({ id: 'track_id', orderBy: 'listens' });
  });

  it('ascending lists the lowest first, leaving out rows without an id or a score', async () => {
    await run(graphWith({ id: 'track_id', orderBy: 'listens', ascending: true }), ['2026-11-30T10:00']);
    expect(latest().items.map((i) => i.id)).to.deep.equal(['t1', 't2', 't3']);
  });

  it('a backfill of older partitions keeps the newer list', async () => {
    const graph = graphWith({ id: 'track_id', orderBy: 'listens' });
    await run(graph, ['2026-11-30T11:00']);
    await run(graph, ['2026-11-30T09:00']);
    expect(latest().partition).to.equal('2026-11-30T11:00');
  });

  it('a fallback naming a column its contract lacks is refused by the graph', () => {
    expect(() => graphWith({ id: 'track_id', orderBy: 'plays', columns: ['titel'] })).to.throw(
      "stats/charts: fallback.orderBy names 'plays', which is not one of its columns (track_id, title, listens)\n  - stats/charts: fallback.columns names 'titel'",
    );
  });

  it('without a contract, a fallback naming a column the SQL does not produce fails before anything is written', async () => {
    const error = await run(graphWith({ id: 'track', orderBy: 'listens' }, { contract: false }), ['2026-11-30T10:00']).then(() => undefined, (e: Error) => e.message);
    expect(error).to.equal("stats/charts: fallback.id names 'track', which is not one of its columns (track_id, title, listens); nothing was written: fix the asset's fallback setting");
    expect(fs.existsSync(path.join(dir, 'lake', 'stats', 'charts'))).to.equal(false);
  });

  it('an asset without a fallback writes no list', async () => {
    await run(graphWith(), ['2026-11-30T10:00']);
    expect(fs.readdirSync(path.join(dir, 'lake', 'stats', 'charts'))).to.not.include('latest.json');
  });
});
