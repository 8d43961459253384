/**
 * The Glue scripts on a real local Spark 3.5 (npm run spark:setup; CI runs it first), against a
 * real PostgreSQL server holding the seeded source, compared with what the embedded engines
 * (PGlite -> Parquet, DuckDB) wrote for the same windows:
 *   - jdbc_extract.py for an unpartitioned table and a time-partitioned window = the embedded extract;
 *   - sql_runner.py for every glue-sql asset of the graph = the DuckDB run of the same SQL file,
 *     over hourly and daily windows that cross a day boundary.
 * The scripts get the arguments the Pulumi jobs and the launcher give them (jobs/aws/job-arguments.ts),
 * with lake folders for s3:// locations. Spark's Python runs with TZ=America/New_York while the
 * lake is UTC: the scripts must not depend on the driver's time zone.
 * One Spark session and one Postgres server for the whole file (CPU is scarce).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { computeSettings, type AssetDefinition } from '../../assets/core';
import type { GlueExtractSettings, GlueSqlSettings, RdsTableSettings } from '../../assets/kinds';
import referenceGraph from '../../assets';
import { argumentList, glueExtractArguments, glueRunArguments, glueSqlArguments, viewName, type GlueInput, type LakeTarget } from '../../jobs/aws/job-arguments';
import { seedSource } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { partitionColumns, tableDir } from '../../jobs/embedded/lake/layout';
import { LocalSpark } from '../../jobs/spark-local/local-spark';
import { repoRoot } from '../../jobs/engine/repo-files';
import { runCli } from '../cli/run-cli';
import { saveEnv } from '../setup/environment';
import { compareLakeFolders } from '../../scripts/bench/compare-lake';
import { copyFromSource, startPostgres, type PostgresServer } from './postgres-server';

const CONNECTION = 'headwater-source';
// The test server listens on loopback without TLS; on AWS the stack passes its TLS settings here.
const LOOPBACK_JDBC_OPTIONS = { sslmode: 'disable' };
// Hourly windows 22:00-02:00 and daily windows 19th-20th: both cross the day boundary.
const FROM = '2026-11-19T22:00';
const TO = '2026-11-20T01:00';
const UNTIL = new Date('2026-11-20T06:00:00Z');

/** The run window the CLI used for an asset's partitions of FROM..TO (inclusive of TO's period). */
function windowOf(asset: AssetDefinition): { start: Date; end: Date } {
  const p = asset.partitions;
  if (p?.type === 'time' && p.cadence === 'hourly') return { start: new Date(`${FROM}:00Z`), end: new Date(Date.parse(`${TO}:00Z`) + 3_600_000) };
  return { start: new Date(`${FROM.slice(0, 10)}T00:00:00Z`), end: new Date(Date.parse(`${TO.slice(0, 10)}T00:00:00Z`) + 86_400_000) };
}

describe('Glue scripts on local Spark = the embedded engines', function () {
  this.timeout(600_000);
  let home: string;
  let lake: string;
  let out: string;
  let pg: PostgresServer | undefined;
  let spark: LocalSpark | undefined;
  const graph = referenceGraph;
  let restoreEnv: () => void = () => {};

  before(async () => {
    restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR']);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-spark-'));
    lake = path.join(home, 'lake');
    out = path.join(home, 'spark-out');
    process.env.HEADWATER_HOME = home;
    process.env.NO_COLOR = '1';
    await seedSource({ dataset: classicmodels, sizes: { customers: 300, products: 60, ratings: 6000 }, days: 4, seed: 7, until: UNTIL });
    pg = await startPostgres();
    await copyFromSource(path.join(home, 'source-db'), pg);
    // Daily assets over the 19th and 20th, hourly ones over 22:00-02:00.
    for (const [selection, from, to] of [['raw/*', FROM.slice(0, 10), TO.slice(0, 10)], ['training/*', FROM.slice(0, 10), TO.slice(0, 10)], ['analytics/*', FROM, TO]]) {
      const embedded = await runCli(['backfill', selection, '--from', from, '--to', to, '--max-parallel', '2']);
      expect(embedded.code, embedded.err + embedded.out).to.equal(0);
    }
    spark = await LocalSpark.start({
      jdbcConnections: { [CONNECTION]: { fullUrl: pg.jdbcUrl, user: pg.user, password: '' } },
      env: { TZ: 'America/New_York' },
    });
  });

  after(async () => {
    await spark?.close();
    await pg?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    restoreEnv();
  });

  const target = (asset: AssetDefinition): LakeTarget => ({ uri: `${tableDir(out, asset.key)}/`, format: 'parquet', partitionKeys: partitionColumns(asset.partitions) });
  const glueArgv = (asset: AssetDefinition, args: Record<string, string>, window?: { start: Date; end: Date }) =>
    argumentList({ '--JOB_NAME': viewName(asset.key), '--asset_key': asset.key, ...args, ...glueRunArguments('test-run', window) });

  it('jdbc_extract.py: an unpartitioned table and a time-partitioned window equal the embedded extract', async () => {
    const extracts = graph.keys.map((k) => graph.get(k)).filter((a) => a.compute.kind === 'glue-extract');
    expect(extracts.map((a) => a.key)).to.include.members(['raw/customers', 'raw/ratings']);
    for (const asset of extracts) {
      const settings = computeSettings<GlueExtractSettings>(asset);
      const source = computeSettings<RdsTableSettings>(graph.get(settings.from));
      const args = glueExtractArguments(asset, target(asset), { connection: CONNECTION, schema: source.schema, table: source.table, partitionColumn: settings.partitionColumn, jdbcOptions: LOOPBACK_JDBC_OPTIONS });
      const run = await spark!.run('glue/jdbc_extract.py', glueArgv(asset, args, asset.partitions ? windowOf(asset) : undefined));
      const cmp = await compareLakeFolders(tableDir(out, asset.key), tableDir(lake, asset.key));
      expect(cmp.differences, asset.key).to.deep.equal([]);
      expect(cmp.rows, asset.key).to.be.greaterThan(0);
      expect(run.result?.rows, asset.key).to.equal(cmp.rows);
      if (asset.partitions) expect(cmp.partitions, asset.key).to.equal(2);
    }
  });

  it('sql_runner.py: every glue-sql asset equals its DuckDB run (hourly and daily windows over a day boundary)', async () => {
    const sqlAssets = graph.keys.map((k) => graph.get(k)).filter((a) => a.compute.kind === 'glue-sql');
    expect(sqlAssets.length).to.be.at.least(3);
    const cadences = new Set<string>();
    for (const asset of sqlAssets) {
      const inputs: GlueInput[] = asset.deps.map((dep) => {
        const up = graph.get(dep.key);
        if (up.source) {
          const s = computeSettings<RdsTableSettings>(up);
          return { view: viewName(dep.key), kind: 'jdbc', connection: CONNECTION, schema: s.schema, table: s.table, options: LOOPBACK_JDBC_OPTIONS };
        }
        return { view: viewName(dep.key), kind: 'lake', path: `${tableDir(lake, dep.key)}/`, format: 'parquet' };
      });
      const sql = path.join(repoRoot(), computeSettings<GlueSqlSettings>(asset).sql);
      const args = glueSqlArguments(asset, target(asset), sql, inputs);
      await spark!.run('glue/sql_runner.py', glueArgv(asset, args, asset.partitions ? windowOf(asset) : undefined));
      const cmp = await compareLakeFolders(tableDir(out, asset.key), tableDir(lake, asset.key));
      expect(cmp.differences, asset.key).to.deep.equal([]);
      expect(cmp.rows, asset.key).to.be.greaterThan(0);
      if (asset.partitions?.type === 'time') cadences.add(asset.partitions.cadence);
      if (fs.existsSync(path.join(tableDir(lake, asset.key), 'latest.json'))) {
        type FallbackList = { asset: string; partition: string; id: string; orderBy: string; items: { id: string; score: number }[] };
        const read = (root: string) => JSON.parse(fs.readFileSync(path.join(tableDir(root, asset.key), 'latest.json'), 'utf8')) as FallbackList;
        const [s, d] = [read(out), read(lake)];
        expect({ ...s, items: undefined, asOf: undefined }, `${asset.key} latest.json`).to.deep.equal({ ...d, items: undefined, asOf: undefined });
        expect(s.items.length).to.equal(d.items.length).and.to.be.greaterThan(0);
        // Ties may be split differently if the engines' doubles differ in the last bit; the lists hold the same ids.
        expect(s.items.map((i) => i.id).sort()).to.deep.equal(d.items.map((i) => i.id).sort());
        s.items.forEach((item, i) => expect(item.score).to.be.closeTo(d.items[i].score, 1e-9 * Math.max(1, Math.abs(d.items[i].score))));
      }
    }
    expect([...cadences].sort()).to.deep.equal(['daily', 'hourly']);
  });
});
