/**
 * The music example's Glue half on local Spark 3.5 (`--engine spark`: jdbc_extract.py and
 * sql_runner.py, as the Glue jobs run them) writes what the embedded engines write for the same
 * windows: every extract, the example's three SQL files and the fallback list. Found by it: Spark
 * divides and averages as DECIMALs of limited scale where DuckDB gives doubles, so the dashboard's
 * SQL casts to DOUBLE first. Needs `npm run spark:setup` (CI runs it first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import music from '../../examples/music/graph';
import { compareLakeFolders } from '../../scripts/bench/compare-lake';
import { runCli } from '../cli/run-cli';
import { saveEnv } from '../setup/environment';

const GRAPH = path.join(__dirname, '..', '..', 'examples', 'music', 'graph.ts');
// Daily assets over two days, hourly ones over 22:00-01:00: both cross a day boundary.
const BATCHES: readonly (readonly string[])[] = [
  ['raw/* or training/*', '--from', '2026-11-18', '--to', '2026-11-19'],
  ['analytics/*', '--from', '2026-11-19T22:00', '--to', '2026-11-20T01:00'],
];

describe('music example: its Glue half on local Spark equals the embedded engines', function () {
  this.timeout(900_000);
  let sparkHome: string;
  let defaultHome: string;
  let restoreEnv: () => void = () => {};
  const inHome = (home: string, args: readonly string[]) => {
    process.env.HEADWATER_HOME = home;
    return runCli(['--graph', GRAPH, ...args]);
  };

  before(async () => {
    restoreEnv = saveEnv(['HEADWATER_HOME', 'NO_COLOR']);
    process.env.NO_COLOR = '1';
    sparkHome = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-spark-'));
    defaultHome = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-music-default-'));
    const seeded = await inHome(sparkHome, ['source', 'seed', '--listeners', '300', '--tracks', '150', '--interactions', '4000', '--days', '3', '--seed', '5', '--until', '2026-11-20T06:00Z']);
    expect(seeded.code, seeded.err).to.equal(0);
    // The same source for both engines.
    fs.cpSync(path.join(sparkHome, 'source-db'), path.join(defaultHome, 'source-db'), { recursive: true });
    for (const batch of BATCHES) {
      const spark = await inHome(sparkHome, ['backfill', ...batch, '--engine', 'spark']);
      expect(spark.code, spark.err + spark.out).to.equal(0);
      const plain = await inHome(defaultHome, ['backfill', ...batch]);
      expect(plain.code, plain.err + plain.out).to.equal(0);
    }
  });

  after(() => {
    fs.rmSync(sparkHome, { recursive: true, force: true });
    fs.rmSync(defaultHome, { recursive: true, force: true });
    restoreEnv();
  });

  it('writes the same partitions, types and values for every glue-extract and glue-sql asset', async () => {
    const assets = music.keys.filter((k) => ['glue-extract', 'glue-sql'].includes(music.get(k).compute.kind));
    expect(assets).to.have.length(7);
    for (const key of assets) {
      const c = await compareLakeFolders(path.join(sparkHome, 'lake', key), path.join(defaultHome, 'lake', key));
      expect(c.differences, key).to.deep.equal([]);
      expect(c.rows, key).to.be.greaterThan(0);
    }
  });

  it('publishes the same fallback list', () => {
    const list = (home: string) => JSON.parse(fs.readFileSync(path.join(home, 'lake', 'analytics', 'top_tracks', 'latest.json'), 'utf8')) as { partition: string; items: unknown[] };
    const spark = list(sparkHome);
    expect(spark.partition).to.equal('2026-11-20T01:00');
    expect(spark.items.length).to.be.greaterThan(0);
    expect(spark).to.deep.equal(list(defaultHome));
  });
});
