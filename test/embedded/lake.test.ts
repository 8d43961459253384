import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dailyPartitions, defineAsset, hourlyPartitions } from '../../assets/core';
import { glueSql } from '../../assets/kinds';
import {
  commitDirectory,
  committedPartitions,
  CorruptParquetError,
  dataDir,
  parquetFiles,
  partitionRelPath,
  recoverDirectory,
  withDuckDb,
} from '../../jobs/embedded/lake';
import { evaluateDataChecks } from '../../jobs/embedded/checks';
import { assertParquetReadable } from '../../jobs/embedded/lake/parquet';

const daily = defineAsset({ key: 'raw/things', partitions: dailyPartitions({ start: '2026-01-01' }), compute: glueSql({ sql: 'x.sql' }), checks: [{ type: 'row_count', min: 1 }] });
const hourly = defineAsset({ key: 'analytics/things', partitions: hourlyPartitions({ start: '2026-01-01T00:00' }), compute: glueSql({ sql: 'x.sql' }) });
const read = (dir: string) => fs.readFileSync(path.join(dir, 'part-00000.parquet'), 'utf8');
const write = (content: string) => async (tmp: string) => fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), content);

describe('lake layout and atomic commits', function () {
  this.timeout(60_000);
  let lake: string;
  beforeEach(() => (lake = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-lake-'))));
  afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

  it('uses Hive-style folders: dt= for days, dt=/hour= for hours', () => {
    expect(partitionRelPath(daily.partitions!, '2026-01-05')).to.equal('dt=2026-01-05');
    expect(partitionRelPath(hourly.partitions!, '2026-01-05T07:00')).to.equal('dt=2026-01-05/hour=07');
    expect(dataDir(lake, hourly, '2026-01-05T07:00')).to.equal(path.join(lake, 'analytics/things/dt=2026-01-05/hour=07'));
  });

  it('replaces a partition and lists only committed partitions', async () => {
    await commitDirectory(dataDir(lake, hourly, '2026-01-05T07:00'), write('v1'));
    await commitDirectory(dataDir(lake, hourly, '2026-01-05T08:00'), write('v1'));
    await commitDirectory(dataDir(lake, hourly, '2026-01-05T07:00'), write('v2'));
    expect(read(dataDir(lake, hourly, '2026-01-05T07:00'))).to.equal('v2');
    expect(committedPartitions(lake, hourly)).to.deep.equal(['2026-01-05T07:00', '2026-01-05T08:00']);
    expect(fs.readdirSync(path.join(lake, 'analytics/things/dt=2026-01-05'))).to.deep.equal(['hour=07', 'hour=08']);
  });

  it('keeps the previous version when the write fails', async () => {
    const dir = dataDir(lake, daily, '2026-01-02');
    await commitDirectory(dir, write('v1'));
    let failed = false;
    await commitDirectory(dir, async (tmp) => {
      fs.writeFileSync(path.join(tmp, 'part-00000.parquet'), 'partial');
      throw new Error('disk full');
    }).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(read(dir)).to.equal('v1');
    expect(fs.readdirSync(path.dirname(dir))).to.deep.equal(['dt=2026-01-02']);
  });

  it('restores the previous version when a crash hit between the two renames', async () => {
    const dir = dataDir(lake, daily, '2026-01-02');
    await commitDirectory(dir, write('v1'));
    // What a crash after "old -> .old-*" and before "tmp -> target" leaves behind (pid 999999: dead).
    fs.renameSync(dir, path.join(path.dirname(dir), '.dt=2026-01-02.old-999999-abcd1234'));
    fs.mkdirSync(path.join(path.dirname(dir), '.dt=2026-01-02.tmp-999999-abcd1234'));
    expect(committedPartitions(lake, daily)).to.deep.equal(['2026-01-02']);
    expect(read(dir)).to.equal('v1');
    expect(fs.readdirSync(path.dirname(dir))).to.deep.equal(['dt=2026-01-02']);
  });

  it('leaves the previous partition intact when the writer is killed mid-write (SIGKILL)', async () => {
    const dir = dataDir(lake, daily, '2026-01-03');
    await commitDirectory(dir, write('v1'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lake-commit-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('writing') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    child.removeAllListeners('exit');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(read(dir)).to.equal('v1');
    expect(committedPartitions(lake, daily)).to.deep.equal(['2026-01-03']);
    recoverDirectory(dir);
    expect(fs.readdirSync(path.dirname(dir))).to.deep.equal(['dt=2026-01-03']); // the dead writer's temp folder is gone
    await commitDirectory(dir, write('v2'));
    expect(read(dir)).to.equal('v2');
  });

  it('names a corrupt Parquet file in the error', async () => {
    const good = dataDir(lake, daily, '2026-01-01');
    const bad = dataDir(lake, daily, '2026-01-02');
    await withDuckDb(async (con) => {
      for (const dir of [good, bad]) {
        await commitDirectory(dir, async (tmp) => {
          await con.run(`COPY (SELECT range AS id FROM range(1000)) TO '${path.join(tmp, 'part-00000.parquet')}' (FORMAT parquet)`);
        });
      }
    });
    const badFile = path.join(bad, 'part-00000.parquet');
    fs.writeFileSync(badFile, fs.readFileSync(badFile).subarray(0, 100));
    const files = parquetFiles(lake, daily);
    expect(files).to.have.length(2);
    let error: Error | undefined;
    await withDuckDb((con) => assertParquetReadable(con, files, daily.key)).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(CorruptParquetError);
    expect(error!.message).to.contain(`corrupt Parquet file ${badFile}`).and.contain('rematerialize raw/things');
    const [outcome] = await evaluateDataChecks(lake, daily, ['2026-01-01', '2026-01-02'], daily.checks).catch((e: Error) => [{ passed: false, message: e.message }]);
    expect(outcome.passed).to.equal(false);
    expect(outcome.message).to.contain(badFile);
  });
});
