/**
 * The erase job's script (jobs/glue/erase_rows.py) on a real local Spark 3.5, unchanged, over a
 * local lake laid out as the stack's (Hive partition folders of Parquet part files, a model folder
 * with its declared embeddings file): a scan counts and changes nothing; an erasure rewrites only
 * the objects holding a requested id, keeps rows whose subject field is NULL, and reports each
 * place by the id's position in the request with the SHA-256 of what it wrote; a second run finds
 * nothing left. Needs `npm run spark:setup`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { queryRows, withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { DeletionRegister, sparkRegisterArguments } from '../../jobs/erasure/register';
import { LocalSpark } from '../../jobs/spark-local/local-spark';
import { defineAsset } from '../../assets/core';
import { glueExtract } from '../../assets/kinds';

interface Report {
  format: string;
  erasureId: string;
  mode: string;
  places: { key: string; what: string; location: string; rows: number; byIndex: Record<string, Record<string, number>>; rowsBefore?: number; rowsAfter?: number; written?: { location: string; bytes: number; sha256: string } }[];
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('erase_rows.py on local Spark', function () {
  this.timeout(600_000);
  let spark: LocalSpark | undefined;
  let dir: string;
  const file = (...p: string[]) => path.join(dir, ...p);
  const holders = () =>
    JSON.stringify([
      { key: 'raw/people', uri: `file://${file('lake', 'people')}/`, fields: [{ subject: 'person', field: 'person_id' }] },
      { key: 'model/m', uri: `file://${file('lake', 'm')}/`, file: 'people_embeddings.parquet', fields: [{ subject: 'person', field: 'person_number' }] },
    ]);
  const run = async (mode: 'scan' | 'erase', id: string): Promise<Report> => {
    fs.writeFileSync(file(`${id}.json`), JSON.stringify({ format: 'headwater-erasure-request/v1', erasureId: id, mode, subjects: { person: ['7', '9', '404'] } }));
    await spark!.run('glue/erase_rows.py', [
      '--JOB_NAME', 'erase',
      '--request_uri', file(`${id}.json`),
      '--report_uri', file(`${id}-report.json`),
      '--staging_uri', file('work', id, 'staging'),
      '--mode', mode,
      '--holders', holders(),
    ]);
    return JSON.parse(fs.readFileSync(file(`${id}-report.json`), 'utf8')) as Report;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-erase-rows-'));
    for (const d of ['dt=2026-11-01', 'dt=2026-11-02']) fs.mkdirSync(file('lake', 'people', d), { recursive: true });
    fs.mkdirSync(file('lake', 'm'), { recursive: true });
    await withDuckDb(async (con) => {
      const write = (sql: string, to: string) => con.run(`COPY (${sql}) TO '${to}' (FORMAT parquet)`);
      // Day 1 holds persons 7 (twice), 9 and a NULL; day 2 holds nobody requested.
      await write("SELECT * FROM (VALUES (7, 'a'), (7, 'b'), (9, 'c'), (NULL, 'd'), (1, 'e')) t(person_id, v)", file('lake', 'people', 'dt=2026-11-01', 'part-00000.parquet'));
      await write("SELECT * FROM (VALUES (2, 'f'), (3, 'g')) t(person_id, v)", file('lake', 'people', 'dt=2026-11-02', 'part-00000.parquet'));
      await write("SELECT * FROM (VALUES ('7', [0.1, 0.2]), ('8', [0.3, 0.4])) t(person_number, embedding)", file('lake', 'm', 'people_embeddings.parquet'));
    });
    fs.writeFileSync(file('lake', 'people', '_SUCCESS'), '');
    spark = await LocalSpark.start({ log: () => undefined });
  });

  after(async () => {
    await spark?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scans: counts each id by its position in the request, changes nothing', async () => {
    const before = sha(file('lake', 'people', 'dt=2026-11-01', 'part-00000.parquet'));
    const r = await run('scan', 'erase-scan');
    expect(r).to.deep.include({ format: 'headwater-erasure-lake-report/v1', erasureId: 'erase-scan', mode: 'scan' });
    expect(r.places.map((p) => ({ key: p.key, what: p.what, rows: p.rows, byIndex: p.byIndex, location: p.location.replace(`file://${dir}`, '') }))).to.deep.equal([
      { key: 'raw/people', what: 'partition', rows: 3, byIndex: { person: { '0': 2, '1': 1 } }, location: '/lake/people/dt=2026-11-01/part-00000.parquet' },
      { key: 'model/m', what: 'file', rows: 1, byIndex: { person: { '0': 1 } }, location: '/lake/m/people_embeddings.parquet' },
    ]);
    expect(sha(file('lake', 'people', 'dt=2026-11-01', 'part-00000.parquet'))).to.equal(before);
  });

  it('erases: rewrites only the objects holding an id, keeps NULLs, reports what it wrote; a rerun finds nothing', async () => {
    const untouched = file('lake', 'people', 'dt=2026-11-02', 'part-00000.parquet');
    const mtime = fs.statSync(untouched).mtimeMs;
    const r = await run('erase', 'erase-1');
    expect(r.places.map((p) => [p.key, p.rowsBefore, p.rowsAfter])).to.deep.equal([
      ['raw/people', 5, 2],
      ['model/m', 2, 1],
    ]);
    for (const p of r.places) {
      const local = p.written!.location.replace('file://', '');
      expect(p.written!.location).to.equal(p.location);
      expect(p.written!.sha256).to.equal(sha(local));
      expect(p.written!.bytes).to.equal(fs.statSync(local).size);
    }
    const rows = await withDuckDb((con) =>
      queryRows<{ person_id: number | null; v: string }>(con, `SELECT person_id, v FROM read_parquet('${file('lake', 'people', '*', '*.parquet')}') ORDER BY v`),
    );
    expect(rows.map((x) => `${x.person_id}:${x.v}`)).to.deep.equal(['null:d', '1:e', '2:f', '3:g']);
    const model = await withDuckDb((con) => queryRows<{ person_number: string }>(con, `SELECT person_number FROM read_parquet('${file('lake', 'm', 'people_embeddings.parquet')}')`));
    expect(model.map((x) => x.person_number)).to.deep.equal(['8']);
    expect(fs.statSync(untouched).mtimeMs).to.equal(mtime);
    expect((await run('erase', 'erase-2')).places).to.deep.equal([]);
  });

  it('deletion_register.py (what jdbc_extract.py runs before writing): leaves registered subjects out by salted hash, keeps NULLs and the others', async () => {
    const registerDir = file('erasure');
    const register = DeletionRegister.open(registerDir);
    const at = new Date().toISOString();
    register.upsert(['7', '9'].map((id) => ({ subject: 'person', hash: register.hash('person', id), erasureId: 'erase-x', erasedAt: at, pendingSources: [], checkedAt: at })));
    const asset = defineAsset({
      key: 'raw/people',
      compute: glueExtract({ from: 'source/people' }),
      storage: { kind: 'lake', zone: 'raw', format: 'parquet' },
      contract: { columns: [{ name: 'person_id', type: 'int', nullable: true, subject: 'person' }, { name: 'v', type: 'string', nullable: true }] },
    });
    const args = sparkRegisterArguments(asset, registerDir);
    expect(args).to.deep.equal({ '--deletion_register': path.join(registerDir, 'register.json'), '--erasure_salt': path.join(registerDir, 'salt'), '--subject_columns': '{"person_id":"person"}' });
    const input = file('register-input.parquet');
    await withDuckDb((con) => con.run(`COPY (SELECT * FROM (VALUES (7, 'a'), (9, 'b'), (NULL, 'c'), (8, 'd')) t(person_id, v)) TO '${input}' (FORMAT parquet)`));
    const output = file('register-output.json');
    const argv = Object.entries({ '--input': input, '--output': output, ...args }).flat();
    await spark!.run(path.join(__dirname, 'fixtures', 'exclude_registered_probe.py'), argv);
    expect((JSON.parse(fs.readFileSync(output, 'utf8')) as { person_id: number | null; v: string }[]).map((r) => `${r.person_id}:${r.v}`).sort()).to.deep.equal(['8:d', 'null:c']);
  });
});
