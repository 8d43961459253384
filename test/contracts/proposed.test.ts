import { expect } from 'chai';
import { applyMigration, parseSchemaDump, ProposalError, type SchemaSnapshot } from '../../jobs/contracts';

const base: SchemaSnapshot = {
  tables: {
    customers: [
      { name: 'customerNumber', type: 'int', nullable: false },
      { name: 'city', type: 'string', nullable: false },
      { name: 'creditLimit', type: 'decimal(10,2)', nullable: true },
    ],
  },
};

describe('proposed schemas', () => {
  it('applies DROP / RENAME / TYPE / NOT NULL / ADD on top of a schema', () => {
    const sql = `
      -- comments are ignored
      ALTER TABLE public.customers RENAME COLUMN city TO town;
      ALTER TABLE customers ALTER COLUMN "customerNumber" TYPE bigint, ALTER COLUMN town DROP NOT NULL;
      ALTER TABLE customers DROP COLUMN "creditLimit", ADD COLUMN "tier" varchar(10) NOT NULL DEFAULT 'a';
      CREATE INDEX x ON customers (town);`;
    const r = applyMigration(base, sql, 'm.sql');
    expect(r.schema.tables.customers).to.deep.equal([
      { name: 'customerNumber', type: 'bigint', nullable: false },
      { name: 'town', type: 'string', nullable: true },
      { name: 'tier', type: 'string', nullable: false },
    ]);
    expect(r.ignored).to.have.length(1);
    expect(base.tables.customers[1].name).to.equal('city'); // the base is not mutated
  });

  it('explains an unquoted camelCase name that Postgres would fold', () => {
    expect(() => applyMigration(base, 'ALTER TABLE customers DROP COLUMN creditLimit', 'm.sql')).to.throw(ProposalError, /write "creditLimit"/);
  });

  it('reads a schema dump with contract or Postgres type names', () => {
    const s = parseSchemaDump(JSON.stringify({ tables: { t: [{ name: 'a', type: 'integer', nullable: false }, { name: 'b', type: 'decimal(10,2)', nullable: true }] } }), 'x.json');
    expect(s.tables.t.map((c) => c.type)).to.deep.equal(['int', 'decimal(10,2)']);
    expect(() => parseSchemaDump('{"tables": {"t": [{"name": 1}]}}', 'x.json')).to.throw(ProposalError, /tables.t\[0\]/);
    expect(() => parseSchemaDump('not json', 'x.json')).to.throw(ProposalError, /not valid JSON/);
  });
});
