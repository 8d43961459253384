/**
 * Checks never pass vacuously, and nothing downstream of an empty input window runs (issue 8,
 * "Why" case 2: a backfill over days with no data passed row_count and swapped both indexes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { dailyPartitions, defineAsset, defineGraph, selectAssets } from '../../assets/core';
import { evaluateDataChecks } from '../../jobs/embedded/checks';
import { sqlString, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { DATA_FILE, dataDir } from '../../jobs/embedded/lake/layout';
import { materialize } from '../../jobs/engine';
import { TEST_KINDS, items } from '../engine/fixtures/graph';
import { calls, testEnvironment, writeConfig } from '../engine/fixtures/test-environment';
import { removeTempHome, tempHome } from '../engine/helpers';

const DAILY = dailyPartitions({ start: '2026-01-01' });

describe('checks never pass vacuously', () => {
  let lake: string;
  const asset = defineAsset({ key: 'raw/things', partitions: DAILY, compute: { kind: 'test-file' } });
  const writeParquet = (partition: string, rows: number) =>
    withDuckDb(async (con) => {
      const dir = dataDir(lake, asset, partition);
      fs.mkdirSync(dir, { recursive: true });
      await con.run(`COPY (SELECT range AS id FROM range(${rows})) TO ${sqlString(path.join(dir, DATA_FILE))} (FORMAT parquet)`);
    });
  beforeEach(() => (lake = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-checks-'))));
  afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

  it('row_count over empty partition files fails, naming the window', async () => {
    await writeParquet('2026-01-01', 0);
    await writeParquet('2026-01-02', 0);
    const [r] = await evaluateDataChecks(lake, asset, ['2026-01-01', '2026-01-02'], [{ type: 'row_count', min: 1 }]);
    expect(r.passed).to.equal(false);
    expect(r.message).to.contain('0 rows in raw/things [2026-01-01..2026-01-02]');
  });

  it('a data check with no bounds that could fail still fails over zero rows', async () => {
    await writeParquet('2026-01-01', 0);
    const out = await evaluateDataChecks(lake, asset, ['2026-01-01'], [{ type: 'unique', columns: ['id'] }, { type: 'not_null', columns: ['id'] }]);
    expect(out.map((o) => o.passed)).to.deep.equal([false, false]);
  });

  it('row_count counts an empty partition among full ones as 0 rows', async () => {
    await writeParquet('2026-01-01', 3);
    await writeParquet('2026-01-02', 0);
    const [r] = await evaluateDataChecks(lake, asset, ['2026-01-01', '2026-01-02'], [{ type: 'row_count', min: 1 }]);
    expect(r.passed).to.equal(false);
    expect(r.message).to.match(/dt=2026-01-02 has 0/);
  });
});

describe('steps downstream of an empty input window are skipped', () => {
  // No row_count check on raw/plain: only the engine stands between an empty window and the model.
  const plain = defineAsset({ key: 'raw/plain', deps: [items], partitions: DAILY, compute: { kind: 'test-file' } });
  const model = defineAsset({ key: 'out/model', deps: [plain], compute: { kind: 'test-file' } });
  const graph = defineGraph([items, plain, model], { kinds: TEST_KINDS });
  let home: string;
  let env: ReturnType<typeof testEnvironment>;
  beforeEach(() => {
    home = tempHome();
    env = testEnvironment(home);
  });
  afterEach(async () => {
    await env.close();
    removeTempHome(home);
  });

  it('skips the model when its upstream wrote 0 rows, with that reason, and does not run it', async () => {
    writeConfig(home, { empty: ['raw/plain'] });
    const r = await materialize({
      graph,
      keys: selectAssets(graph, '*'),
      selection: '*',
      request: { type: 'range', from: '2026-01-01', to: '2026-01-02' },
      command: 'backfill',
      env,
      nowMs: Date.UTC(2026, 0, 7),
    });
    const m = r.results.find((x) => x.key === 'out/model')!;
    expect(m.outcome).to.equal('skipped');
    expect(m.detail).to.match(/upstream raw\/plain \[2026-01-01\.\.2026-01-02\] wrote 0 rows/);
    expect(calls(home).some((c) => c.startsWith('out/model'))).to.equal(false);
  });
});
