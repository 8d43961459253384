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

describe('proposed schemas: the migration reader, statement by statement', () => {
  const apply = (sql: string) => applyMigration(base, sql, 'm.sql');
  const cols = (sql: string) => apply(sql).schema.tables.customers;
  const fails = (sql: string) => {
    try {
      apply(sql);
    } catch (e) {
      expect(e).to.be.instanceOf(ProposalError);
      return (e as Error).message;
    }
    throw new Error(`no error for ${sql}`);
  };

  it('lists every statement kind that cannot change a column as ignored, in its own words', () => {
    const words = ['create', 'insert', 'update', 'delete', 'select', 'with', 'grant', 'revoke', 'comment', 'begin', 'start', 'commit', 'end', 'rollback', 'savepoint', 'release', 'set', 'reset', 'analyze', 'vacuum', 'reindex', 'cluster', 'refresh', 'lock', 'do', 'call', 'copy', 'truncate', 'notify', 'listen', 'discard', 'explain', 'prepare', 'execute', 'deallocate', 'security'];
    for (const w of words) {
      const r = apply(`${w.toUpperCase()} something ( a ,b )`);
      expect(r.ignored, w).to.deep.equal([`${w.toUpperCase()} something (a, b)`]);
      expect(r.schema.tables.customers, w).to.deep.equal(base.tables.customers);
    }
  });

  it('ignores DROP and ALTER of anything but a table', () => {
    for (const w of ['index', 'view', 'materialized', 'sequence', 'function', 'procedure', 'trigger', 'type', 'schema', 'role', 'user', 'policy', 'extension', 'constraint', 'rule', 'domain', 'owned', 'aggregate', 'operator', 'publication', 'subscription', 'statistics']) {
      expect(apply(`drop ${w} customers`).ignored, w).to.deep.equal([`drop ${w} customers`]);
    }
    for (const w of ['index', 'view', 'materialized', 'sequence', 'function', 'procedure', 'trigger', 'type', 'schema', 'role', 'user', 'policy', 'extension', 'database', 'default', 'domain', 'publication', 'subscription', 'system', 'statistics']) {
      expect(apply(`alter ${w} customers rename to x`).ignored, w).to.deep.equal([`alter ${w} customers rename to x`]);
    }
    expect(fails('DROP DATABASE prod')).to.match(/^m\.sql:1, statement 1 \(DROP DATABASE prod\): unrecognised DROP 'DATABASE'/);
    expect(fails('ALTER FOREIGN TABLE customers DROP COLUMN city')).to.match(/unrecognised ALTER 'FOREIGN'/);
    expect(fails('"drop" index i')).to.match(/unrecognised statement '"drop"'\. The contract gate fails closed/);
    expect(fails('"create" index i')).to.match(/unrecognised statement '"create"'/);
  });

  it('ALTER TABLE actions that do not touch what a contract sees leave the columns as they were', () => {
    for (const w of ['owner', 'enable', 'disable', 'validate', 'cluster', 'set', 'reset', 'replica', 'inherit', 'no', 'force', 'attach', 'detach', 'of', 'not']) {
      const r = apply(`ALTER TABLE customers ${w} something (x, y), DROP COLUMN city`);
      expect(r.schema.tables.customers.map((c) => c.name), w).to.deep.equal(['customerNumber', 'creditLimit']);
      expect(r.ignored, w).to.deep.equal([]);
    }
    expect(fails('ALTER TABLE customers "owner" TO app')).to.match(/unrecognised ALTER TABLE action '"owner"'/);
    for (const action of ['SET DEFAULT 0', 'DROP DEFAULT', 'ADD GENERATED ALWAYS AS IDENTITY', 'RESET (n_distinct)', 'RESTART WITH 5', 'SET STATISTICS 100']) {
      expect(cols(`ALTER TABLE customers ALTER COLUMN city ${action}, DROP COLUMN "creditLimit"`), action).to.deep.equal(base.tables.customers.slice(0, 2));
    }
    expect(fails('ALTER TABLE customers ALTER COLUMN city "set" DEFAULT 0')).to.match(/unrecognised ALTER TABLE action 'ALTER'/);
    expect(fails('ALTER TABLE customers ALTER COLUMN city')).to.match(/unrecognised ALTER TABLE action 'ALTER'/);
    for (const c of ['PRIMARY KEY ("customerNumber")', 'UNIQUE (city)', 'FOREIGN KEY (city) REFERENCES cities (name)', 'CHECK ("creditLimit" > 0)', 'EXCLUDE USING gist (city WITH =)', 'CONSTRAINT u UNIQUE (city)']) {
      expect(cols(`ALTER TABLE customers ADD ${c}, DROP COLUMN city`), c).to.deep.equal([base.tables.customers[0], base.tables.customers[2]]);
    }
    expect(cols('ALTER TABLE customers DROP CONSTRAINT c CASCADE, DROP COLUMN city')).to.deep.equal([base.tables.customers[0], base.tables.customers[2]]);
  });

  it('column types: every constraint keyword ends the type, modifiers and arrays are part of it', () => {
    const added = (def: string) => cols(`ALTER TABLE customers ADD COLUMN x ${def}`)[3];
    expect(added('integer')).to.deep.equal({ name: 'x', type: 'int', nullable: true });
    expect(added('integer NULL')).to.deep.equal({ name: 'x', type: 'int', nullable: true });
    expect(added('integer NOT NULL')).to.deep.equal({ name: 'x', type: 'int', nullable: false });
    expect(added('integer PRIMARY KEY')).to.deep.equal({ name: 'x', type: 'int', nullable: false });
    expect(added("text DEFAULT 'not null'")).to.deep.equal({ name: 'x', type: 'string', nullable: true });
    expect(added('text UNIQUE')).to.deep.equal({ name: 'x', type: 'string', nullable: true });
    expect(added('integer CHECK (x > 0)')).to.deep.equal({ name: 'x', type: 'int', nullable: true });
    expect(added('integer REFERENCES other (id)')).to.deep.equal({ name: 'x', type: 'int', nullable: true });
    expect(added('integer CONSTRAINT nn NOT NULL')).to.deep.equal({ name: 'x', type: 'int', nullable: false });
    expect(added('text COLLATE "C"')).to.deep.equal({ name: 'x', type: 'string', nullable: true });
    expect(added('bigint GENERATED ALWAYS AS IDENTITY')).to.deep.equal({ name: 'x', type: 'bigint', nullable: true });
    expect(added('numeric(12, 3)')).to.deep.equal({ name: 'x', type: 'decimal(12,3)', nullable: true });
    expect(added('double precision')).to.deep.equal({ name: 'x', type: 'double', nullable: true });
    expect(added('timestamp with time zone NOT NULL')).to.deep.equal({ name: 'x', type: 'timestamp with time zone', nullable: false });
    expect(added('integer[]')).to.deep.equal({ name: 'x', type: 'array<int>', nullable: true });
    expect(added('varchar(10)[] NOT NULL')).to.deep.equal({ name: 'x', type: 'array<string>', nullable: false });
    expect(cols('ALTER TABLE customers ALTER COLUMN city TYPE integer USING city::integer')[1]).to.deep.equal({ name: 'city', type: 'int', nullable: false });
    expect(cols('ALTER TABLE customers ALTER city SET DATA TYPE numeric(8,1)')[1]).to.deep.equal({ name: 'city', type: 'decimal(8,1)', nullable: false });
    expect(cols('ALTER TABLE customers ALTER COLUMN "creditLimit" SET NOT NULL')[2]).to.deep.equal({ name: 'creditLimit', type: 'decimal(10,2)', nullable: false });
    expect(fails('ALTER TABLE customers ADD COLUMN x NOT NULL')).to.match(/: expected a type$/);
    expect(fails('ALTER TABLE customers ADD COLUMN x')).to.match(/: expected a type$/);
  });

  it('adds, drops and renames columns and tables as Postgres would, failing on names that are not there', () => {
    expect(cols('ALTER TABLE customers ADD COLUMN IF NOT EXISTS city text')).to.deep.equal(base.tables.customers);
    expect(fails('ALTER TABLE customers ADD city text')).to.match(/column 'city' already exists in customers$/);
    expect(cols('ALTER TABLE customers ADD tier text')[3]).to.deep.equal({ name: 'tier', type: 'string', nullable: true });
    expect(cols('ALTER TABLE customers DROP COLUMN IF EXISTS nope')).to.deep.equal(base.tables.customers);
    expect(cols('ALTER TABLE customers DROP IF EXISTS city CASCADE')).to.deep.equal([base.tables.customers[0], base.tables.customers[2]]);
    expect(cols('ALTER TABLE customers DROP city RESTRICT')).to.deep.equal([base.tables.customers[0], base.tables.customers[2]]);
    expect(fails('ALTER TABLE customers DROP COLUMN nope')).to.match(/column 'nope' does not exist in customers$/);
    expect(fails('ALTER TABLE customers RENAME nope TO other')).to.match(/column 'nope' does not exist in customers$/);
    expect(fails('ALTER TABLE customers ALTER COLUMN customernumber SET NOT NULL')).to.match(/column 'customernumber' does not exist in customers \(Postgres folds unquoted names to lower case: write "customerNumber"\)$/);
    expect(cols('ALTER TABLE customers RENAME city TO "Town"')[1]).to.deep.equal({ name: 'Town', type: 'string', nullable: false });
    expect(fails('ALTER TABLE customers RENAME COLUMN city AS town')).to.match(/expected TO but found 'AS'$/);
    expect(fails('ALTER TABLE customers RENAME COLUMN city')).to.match(/expected TO but found 'the end'$/);
    expect(fails('ALTER TABLE customers DROP COLUMN 1city')).to.match(/expected a column name but found '1city'$/);
    expect(fails('ALTER TABLE customers DROP COLUMN')).to.match(/expected a column name but found 'the end'$/);
    expect(fails('ALTER TABLE customers DROP COLUMN city town')).to.match(/unexpected 'town'$/);
    expect(apply('ALTER TABLE IF EXISTS ONLY public.customers RENAME TO clients').schema.tables).to.deep.equal({ clients: base.tables.customers });
    expect(apply('DROP TABLE IF EXISTS customers, public.other').schema.tables).to.deep.equal({});
    expect(fails('ALTER TABLE sales.customers DROP COLUMN city')).to.match(/table 'sales\.customers' does not exist in the schema the migration applies to \(customers\)$/);
    expect(fails('DROP TABLE customers; ALTER TABLE customers DROP COLUMN city')).to.match(/^m\.sql:1, statement 2 .*\(none\)$/);
  });

  it('reads quoted names and strings whole, skips both kinds of comment, and counts lines', () => {
    const sql = "/* a block\ncomment */ -- a line comment\nINSERT INTO t VALUES ('it''s; fine', \"we\"\"ird\");\n\n  ALTER TABLE customers\n  DRP city;";
    expect(() => apply(sql)).to.throw(ProposalError, /^m\.sql:6, statement 2 \(ALTER TABLE customers DRP city\): unrecognised ALTER TABLE action 'DRP'; did you mean DROP\?/);
    expect(apply(sql.replace('DRP', 'DROP')).ignored).to.deep.equal(["INSERT INTO t VALUES ('it''s; fine', \"we\"\"ird\")"]);
    expect(cols('ALTER TABLE customers RENAME city TO "a "" b"')[1].name).to.equal('a " b');
    expect(apply('SELECT 1 /* never closed; DROP TABLE customers').ignored).to.deep.equal(['SELECT 1']);
    expect(fails('ALTER TABLE customers\n\n  FROB')).to.match(/^m\.sql:3, statement 1 /);
    expect(fails('\n\nALTER TABLE customers')).to.match(/^m\.sql:3, statement 1 \(ALTER TABLE customers\): unrecognised ALTER TABLE action 'the end'\. /);
  });

  it('names the keyword a typo resembles, and none for a quoted or a far-off word', () => {
    expect(fails('ALTR TABLE customers')).to.contain("'ALTR'; did you mean ALTER?");
    expect(fails('ALTER TABL customers')).to.contain("'TABL'; did you mean TABLE?");
    expect(fails('ALTER TABLE customers COLUM city')).to.contain("'COLUM'; did you mean COLUMN?");
    expect(fails('ALTER TABLE customers AD COLUMN x int')).to.contain("'AD'; did you mean ADD?");
    expect(fails('ALTER TABLE customers RENAM COLUMN city TO town')).to.contain("'RENAM'; did you mean RENAME?");
    expect(fails('TYP x')).to.contain("'TYP'; did you mean TYPE?");
    expect(fails('T x')).to.contain("'T'; did you mean TO?");
    expect(fails('CONSTRANT x')).to.contain("'CONSTRANT'; did you mean CONSTRAINT?");
    expect(fails('UPDAT t SET a = 1')).to.contain("'UPDAT'; did you mean UPDATE?");
    expect(fails('ALTER TABLE customers FROBNICATE')).to.contain("'FROBNICATE'. The contract gate");
    expect(fails('"ALTR" TABLE customers')).to.contain("'\"ALTR\"'. The contract gate");
  });

  it('cuts a long statement to 120 characters in messages', () => {
    const long = `ALTER TABLE customers DROP COLUMN city, ${Array.from({ length: 20 }, (_, i) => `OWNER TO app${i}`).join(', ')}, FROB`;
    const msg = fails(long);
    expect(msg).to.contain(`statement 1 (${long.slice(0, 120)}): unrecognised ALTER TABLE action 'FROB'`);
  });

  it('fails on a schema dump that is not { tables: { name: [columns] } }', () => {
    for (const text of ['{}', '{"tables": null}', '{"tables": []}', '{"tables": "t"}', 'null']) {
      expect(() => parseSchemaDump(text, 'x.json'), text).to.throw(ProposalError, /^x\.json has no "tables" object; expected/);
    }
    expect(() => parseSchemaDump('{"tables": {"t": {}}}', 'x.json')).to.throw(ProposalError, /^x\.json: tables\.t must be an array of \{ name, type, nullable \}$/);
    for (const col of ['{"type": "int", "nullable": true}', '{"name": "a", "nullable": true}', '{"name": "a", "type": "int"}', '{"name": "a", "type": "int", "nullable": "no"}', 'null']) {
      expect(() => parseSchemaDump(`{"tables": {"t": [{"name": "ok", "type": "int", "nullable": true}, ${col}]}}`, 'x.json'), col).to.throw(ProposalError, /^x\.json: tables\.t\[1\] needs "name" \(string\), "type" \(string\) and "nullable" \(boolean\)$/);
    }
    expect(parseSchemaDump('{"tables": {"t": [{"name": "a", "type": "character varying", "nullable": true}], "u": []}}', 'x.json')).to.deep.equal({ tables: { t: [{ name: 'a', type: 'string', nullable: true }], u: [] } });
  });
});
