/** `source query` asks before DDL or DML unless --yes (issue 8: it ran DROP TABLE without a word). */
import { expect } from 'chai';
import { changingStatements } from '../../scripts/cli/commands/source';
import { runCli } from '../cli/run-cli';
import { testHome, type TestHome } from '../contracts/fixture';

describe('source query asks before changing the database', function () {
  this.timeout(120_000);
  let home: TestHome;
  before(async () => (home = await testHome()));
  after(async () => home?.close());

  it('tells reads from changes', () => {
    expect(changingStatements('SELECT 1; -- DROP TABLE x\n EXPLAIN SELECT 2')).to.deep.equal([]);
    expect(changingStatements('select 1; drop table products; WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d')).to.deep.equal(['drop table products', 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d']);
  });

  it('refuses DROP TABLE without a terminal or --yes, and leaves the table', async () => {
    const r = await runCli(['source', 'query', 'DROP TABLE products']);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('DROP TABLE products').and.contain('--yes');
    const still = await runCli(['source', 'query', 'SELECT count(*)::int AS n FROM products', '--json']);
    expect(still.code, still.err).to.equal(0);
    expect(JSON.parse(still.out)[0].n).to.be.greaterThan(0);
  });

  it('runs it with --yes', async () => {
    const r = await runCli(['source', 'query', 'CREATE TABLE scratch (a int); DROP TABLE scratch', '--yes']);
    expect(r.code, r.err).to.equal(0);
  });
});
