/**
 * A fork's own data in the local source database: `assets source load TABLE FILE` (CSV, Parquet,
 * JSON Lines; `--create`; one transaction, checked against the graph's contract) and `source seed`,
 * which replaces only its data set's tables and keeps the fork's. The graph comes from `--graph`
 * or `HEADWATER_GRAPH` alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadSourceFile, pgTypeOfDuck, SourceLoadError } from '../../jobs/embedded/source/load';
import { openSourceDb } from '../../jobs/embedded/source';
import { withDuckDb } from '../../jobs/embedded/lake/duckdb';
import { runCli } from './run-cli';
import { withEnv } from '../setup/environment';

const FORK = path.join(__dirname, '..', 'fixtures', 'graphs', 'fork-source.ts');
const FORK_WITH_DATA = path.join(__dirname, '..', 'fixtures', 'graphs', 'fork-with-data.ts');

describe('assets source load / seed: a fork\'s own data', function () {
  this.timeout(120_000);
  let home: string;
  let files: string;
  let restoreEnv: () => void;
  const write = (name: string, text: string) => {
    const file = path.join(files, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const query = async <T>(sql: string): Promise<T[]> => {
    const db = await openSourceDb();
    try {
      return (await db.pg.query<T>(sql)).rows;
    } finally {
      await db.close();
    }
  };
  const fork = (...args: string[]) => runCli(['--graph', FORK, ...args]);

  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-source-load-'));
    files = path.join(home, 'files');
    fs.mkdirSync(files);
    restoreEnv = withEnv({ HEADWATER_HOME: path.join(home, 'state'), NO_COLOR: '1', HEADWATER_GRAPH: undefined });
  });
  after(() => {
    restoreEnv();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('creates a fork\'s table from its contract (the graph named by HEADWATER_GRAPH), into a database that did not exist', async () => {
    const csv = write('users.csv', 'user_id,age,occupation,signed_up\n1,24,technician,2026-11-01 10:00:00\n2,,writer,2026-11-02 11:30:00\n3,53,"other, retired",2026-11-03 00:00:00\n');
    const undo = withEnv({ HEADWATER_GRAPH: FORK });
    let r;
    try {
      r = await runCli(['source', 'load', 'users', csv, '--create']);
    } finally {
      undo();
    }
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/created 'users' \(user_id integer not null, age integer, occupation text not null, signed_up timestamp not null\) and loaded 3 rows/);
    expect(r.out).to.match(/checked against source\/users's contract/);
    const rows = await query<{ user_id: number; age: number | null; occupation: string }>('SELECT user_id, age, occupation FROM users ORDER BY user_id');
    expect(rows).to.deep.equal([
      { user_id: 1, age: 24, occupation: 'technician' },
      { user_id: 2, age: null, occupation: 'writer' },
      { user_id: 3, age: 53, occupation: 'other, retired' },
    ]);
    // The fork's contract now holds against the live table.
    const check = await fork('contracts', 'check');
    expect(check.code, check.out + check.err).to.equal(0);
  });

  it('refuses a file whose columns do not match, with a did-you-mean, and loads nothing', async () => {
    const csv = write('typo.csv', 'user_id,Age,ocupation,signed_up\n9,30,x,2026-11-01 00:00:00\n');
    const r = await fork('source', 'load', 'users', csv);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("the file's column 'Age' is not a column of 'users'; did you mean 'age'?");
    expect(r.err).to.contain("the file's column 'ocupation' is not a column of 'users'; did you mean 'occupation'?");
    expect(r.err).to.contain('nothing was loaded');
    expect(r.err).not.to.match(/\n\s+at /);
    const missing = await fork('source', 'load', 'users', write('short.csv', 'user_id,age\n9,30\n'));
    expect(missing.err).to.contain("'users' requires column 'occupation' (NOT NULL, no default), which the file does not have");
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n).to.equal(3);
  });

  it('names the table it does not know (did you mean, --create), an unreadable file and an unknown format', async () => {
    const csv = write('more.csv', 'user_id,occupation,signed_up\n4,x,2026-11-01 00:00:00\n');
    const cases: [string[], RegExp][] = [
      [['source', 'load', 'user', csv], /no table 'user' in the local source database; did you mean 'users'\? \(add --create/],
      [['source', 'load', 'users', csv, '--create'], /table 'users' already exists; drop --create to append to it, or add --replace/],
      [['source', 'load', 'users', path.join(files, 'nope.csv')], /nope\.csv: no such file/],
      [['source', 'load', 'users', write('users.xlsx', 'x')], /cannot load a '\.xlsx' file; give a \.csv \(with a header line\), \.parquet or \.jsonl/],
      [['source', 'load', 'users', write('bad.parquet', 'not parquet at all')], /bad\.parquet: not a readable PARQUET file: \S/],
      [['source', 'load', 'users', write('bad.jsonl', '{"user_id": 1}\n{"user_id": \n')], /bad\.jsonl: not a readable JSON Lines file: .*Malformed JSON/],
      [['--env', 'dev', 'source', 'load', 'users', csv], /source load fills the local source database; 'dev' reads its own RDS database/],
    ];
    for (const [args, message] of cases) {
      const r = await fork(...args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(message);
      expect(r.err).not.to.match(/LINE 1:|\n\s+at /);
    }
  });

  it('is all or nothing: a bad value in the last chunk leaves the table as it was', async () => {
    const lines = ['user_id,age,occupation,signed_up', ...Array.from({ length: 9 }, (_, i) => `${100 + i},${20 + i},job,2026-11-01 00:00:00`), '200,old,job,2026-11-01 00:00:00'];
    const file = write('chunks.csv', lines.join('\n') + '\n');
    let error: Error | undefined;
    await loadSourceFile({ table: 'users', file, chunkRows: 3 }).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(SourceLoadError);
    expect(error!.message).to.match(/does not fit table 'users': invalid input syntax for type integer: "old" \(data row 10, column age\); nothing was loaded/);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n).to.equal(3);
    // The same file without the bad row goes in whole, across chunks.
    const good = write('chunks-ok.csv', lines.slice(0, -1).join('\n') + '\n');
    const ok = await loadSourceFile({ table: 'users', file: good, chunkRows: 3 });
    expect(ok.rows).to.equal(9);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n).to.equal(12);
  });

  it('checks the loaded table against the contract before committing: NULLs the contract forbids roll it back', async () => {
    // A table made by hand with looser columns than the contract promises.
    const db = await openSourceDb();
    try {
      await db.pg.exec('CREATE TABLE users_loose (user_id integer, age integer, occupation text, signed_up timestamp)');
    } finally {
      await db.close();
    }
    const contract = { key: 'source/users', contract: { columns: [{ name: 'occupation', type: 'string', nullable: false }] } };
    let error: Error | undefined;
    await loadSourceFile({
      table: 'users_loose',
      file: write('loose.csv', 'user_id,occupation\n1,\n2,x\n'),
      contract: {
        ...contract,
        check: async (d) => {
          const n = (await d.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM users_loose WHERE occupation IS NULL')).rows[0].n;
          return { subject: 'source/users', against: 'live', tableFound: true, breaking: n > 0, changes: n ? [{ kind: 'nulls', column: 'occupation', expected: contract.contract.columns[0], count: n, breaking: true }] : [] };
        },
      },
    }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/loaded into 'users_loose', the table would break the contract of source\/users:\n.*occupation.*\nnothing was loaded/s);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM users_loose'))[0].n).to.equal(0);
  });

  it('reads Parquet and JSON Lines, infers a table from the file (NOT NULL where it holds none), and --replace replaces', async () => {
    const parquet = path.join(files, 'items.parquet');
    await withDuckDb(async (con) => {
      await con.run(`COPY (SELECT 'i' || range AS item_id, range * 1.5 AS price, range % 2 = 0 AS featured, CASE WHEN range = 3 THEN NULL ELSE 'rock' END AS genre FROM range(5)) TO '${parquet}' (FORMAT parquet)`);
    });
    const r = await fork('source', 'load', 'items', parquet, '--create', '--json');
    expect(r.code, r.err).to.equal(0);
    const result = JSON.parse(r.out) as { rows: number; created: { name: string; type: string; nullable: boolean }[] };
    expect(result.rows).to.equal(5);
    expect(result.created).to.deep.equal([
      { name: 'item_id', type: 'text', nullable: false },
      { name: 'price', type: 'numeric(21,1)', nullable: false },
      { name: 'featured', type: 'boolean', nullable: false },
      { name: 'genre', type: 'text', nullable: true },
    ]);
    const jsonl = write('plays.jsonl', '{"user_id": 1, "item_id": "i2", "at": "2026-11-01 10:00:00", "tags": ["a", "b"]}\n{"user_id": 2, "item_id": "i3", "at": "2026-11-01 11:00:00", "tags": []}\n');
    expect((await fork('source', 'load', 'plays', jsonl, '--create')).code).to.equal(0);
    expect(await query('SELECT user_id::int AS user_id, item_id, tags FROM plays ORDER BY user_id')).to.deep.equal([
      { user_id: 1, item_id: 'i2', tags: ['a', 'b'] },
      { user_id: 2, item_id: 'i3', tags: [] },
    ]);
    const replace = await fork('source', 'load', 'plays', write('plays2.jsonl', '{"user_id": 7, "item_id": "i9", "at": "2026-11-02 10:00:00", "tags": ["c"]}\n'), '--replace');
    expect(replace.out).to.match(/replaced the 2 rows of 'plays' with 1 rows/);
    expect(pgTypeOfDuck('STRUCT(a INTEGER)')).to.equal('jsonb');
    expect(pgTypeOfDuck('TIMESTAMP WITH TIME ZONE')).to.equal('timestamptz');
    expect(pgTypeOfDuck('DECIMAL(10,2)')).to.equal('numeric(10,2)');
  });

  it('source seed replaces only its data set\'s tables, says which, and keeps the fork\'s', async () => {
    const r = await runCli(['source', 'seed', '--customers', '40', '--products', '12', '--ratings', '200', '--orders', '50', '--days', '2']);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/customers\s+40\s+created/);
    expect(r.out, r.out).to.match(/kept as they were \(not the data set's\): items, plays, users, users_loose/);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n).to.equal(12);
    const again = await runCli(['source', 'seed', '--customers', '40', '--products', '12', '--ratings', '200', '--orders', '50', '--days', '2', '--json']);
    const seeded = JSON.parse(again.out) as { replaced: string[]; created: string[]; kept: string[] };
    expect(seeded.replaced).to.deep.equal(['customers', 'products', 'ratings', 'orders', 'orderdetails']);
    expect(seeded.created).to.deep.equal([]);
    expect(seeded.kept).to.deep.equal(['items', 'plays', 'users', 'users_loose']);
    // A fork's view on a data-set table is never dropped behind its back: the seed stops, naming it.
    expect((await runCli(['source', 'query', '--yes', 'CREATE VIEW user_customers AS SELECT * FROM customers'])).code).to.equal(0);
    const blocked = await runCli(['source', 'seed', '--customers', '40', '--products', '12', '--ratings', '200', '--orders', '50', '--days', '2']);
    expect(blocked.code).to.equal(2);
    expect(blocked.err).to.match(/cannot replace table 'customers': .*view user_customers depends on table customers.*drop or change those first/);
    expect((await query<{ n: number }>('SELECT count(*)::int AS n FROM user_customers'))[0].n).to.equal(40);
  });

  it('source seed of a graph without a data set says how to load its data; a misspelt size is named', async () => {
    const r = await fork('source', 'seed');
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/has no example data set to seed \(no `demoData.source` export\); load your tables with `assets source load TABLE FILE --create`/);
    const typo = await runCli(['source', 'seed', '--ratngs', '10']);
    expect(typo.err).to.match(/unknown option '--ratngs' for source seed; .*did you mean --ratings\?/);
  });

  it("source seed fills a fork's own data set, with its own sizes", async () => {
    const help = await runCli(['--graph', FORK_WITH_DATA, 'source', 'seed', '--help']);
    expect(help.out).to.match(/The graph's data set: tracks and their listens; it replaces the tables tracks, listens\.\nIts sizes:\n {2}--listens <n> +listens \(default 2,000\)/);
    const r = await runCli(['--graph', FORK_WITH_DATA, 'source', 'seed', '--listens', '300', '--days', '3', '--json']);
    expect(r.code, r.err).to.equal(0);
    const seeded = JSON.parse(r.out) as { rows: Record<string, number>; created: string[]; kept: string[] };
    expect(seeded.rows).to.deep.equal({ tracks: 30, listens: 300 });
    expect(seeded.created).to.deep.equal(['tracks', 'listens']);
    expect(seeded.kept).to.include.members(['customers', 'users', 'plays']);
    const wrong = await runCli(['--graph', FORK_WITH_DATA, 'source', 'seed', '--customers', '3']);
    expect(wrong.err).to.match(/unknown option '--customers' for source seed; the data set \(tracks and their listens\) takes --listens, --days, --seed, --until/);
  });
});
