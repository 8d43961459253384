import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { applyMigration, ProposalError, type SchemaSnapshot } from '../../jobs/contracts';
import { runCli } from '../cli/run-cli';
import { testHome, type TestHome } from './fixture';

const base: SchemaSnapshot = {
  tables: {
    customers: [
      { name: 'customerNumber', type: 'int', nullable: false },
      { name: 'creditLimit', type: 'decimal(10,2)', nullable: true },
    ],
  },
};

describe('the contract gate fails closed', () => {
  it('rejects a misspelt ALTER TABLE action, naming the line and the keyword it resembles', () => {
    const sql = '-- a migration\nCREATE INDEX i ON customers (city);\nALTER TABLE customers DRP COLUMN "creditLimit";';
    expect(() => applyMigration(base, sql, 'm.sql')).to.throw(ProposalError, /m\.sql:3, statement 2 .*'DRP'; did you mean DROP\?.*--allow-unknown/);
  });

  it('rejects a file that is not SQL and a misspelt statement keyword', () => {
    expect(() => applyMigration(base, 'hello world, this is not a migration', 'notes.txt')).to.throw(ProposalError, /notes\.txt:1, statement 1 .*unrecognised statement 'hello'/);
    expect(() => applyMigration(base, 'ALTR TABLE customers DROP COLUMN "creditLimit"', 'm.sql')).to.throw(ProposalError, /'ALTR'; did you mean ALTER\?/);
    expect(() => applyMigration(base, 'ALTER TABLE customers ALTER COLUMN "creditLimit" FROB', 'm.sql')).to.throw(ProposalError, /unrecognised ALTER TABLE action/);
  });

  it('lists unknown statements as unread (not as harmless) with allowUnknown, and still applies the rest', () => {
    const r = applyMigration(base, 'FROBNICATE customers;\nALTER TABLE customers DROP COLUMN "creditLimit";', 'm.sql', { allowUnknown: true });
    expect(r.unread).to.deep.equal(['FROBNICATE customers']);
    expect(r.ignored).to.deep.equal([]);
    expect(r.schema.tables.customers.map((c) => c.name)).to.deep.equal(['customerNumber']);
  });

  it('still lists statements that cannot change a column as ignored', () => {
    const sql = 'BEGIN; GRANT SELECT ON customers TO reader; DROP INDEX i; ALTER TABLE customers ADD CONSTRAINT p PRIMARY KEY ("customerNumber"), OWNER TO app; COMMIT;';
    const r = applyMigration(base, sql, 'm.sql');
    expect(r.ignored).to.have.length(4);
    expect(r.unread).to.deep.equal([]);
    expect(r.schema.tables.customers).to.have.length(2);
  });

  it('rejects an empty migration, or one of comments only: it would pass every contract unread', () => {
    for (const sql of ['', '  \n', '-- nothing here\n/* nor here */\n']) expect(() => applyMigration(base, sql, 'm.sql')).to.throw(ProposalError, /m\.sql holds no SQL statement/);
  });

  describe('assets contracts check --against', function () {
    this.timeout(180_000);
    let home: TestHome;
    before(async () => (home = await testHome()));
    after(async () => home?.close());
    const file = (name: string, text: string) => {
      const p = path.join(home.root, name);
      fs.writeFileSync(p, text);
      return p;
    };

    it('exits 2 on a typo instead of reporting that every contract holds', async () => {
      const r = await runCli(['contracts', 'check', '--against', file('typo.sql', 'ALTER TABLE customers DRP COLUMN "creditLimit";')]);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('typo.sql:1').and.contain('did you mean DROP?');
      expect(r.out).not.to.contain('hold');
      expect(r.err).not.to.match(/\n\s+at /);
    });

    it('exits 2 on a file of non-SQL, and lists it as ignored under --allow-unknown', async () => {
      const notes = file('notes.sql', 'this file is prose, not a migration');
      expect((await runCli(['contracts', 'check', '--against', notes])).code).to.equal(2);
      const r = await runCli(['contracts', 'check', '--against', notes, '--allow-unknown']);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.match(/not read \(--allow-unknown\): 1 statement\(s\)[^\n]*\n\s+this file is prose/);
      expect(r.out).not.to.contain('cannot change a contract');
    });

    it('exits 2 on an empty migration file instead of reporting that every contract holds', async () => {
      const r = await runCli(['contracts', 'check', '--against', file('empty.sql', '-- to be written\n')]);
      expect(r.code).to.equal(2);
      expect(r.err).to.contain('empty.sql holds no SQL statement');
      expect(r.out).not.to.contain('hold');
    });
  });
});
