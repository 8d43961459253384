import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../../scripts/cli/main';
import { testHome, type TestHome } from './fixture';

/** Runs the CLI in-process, capturing stdout/stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  const log = console.log;
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  console.log = (...a: unknown[]) => out.push(a.join(' ') + '\n');
  try {
    const code = await run(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
    console.log = log;
    process.exitCode = undefined;
  }
}

describe('assets contracts check (the CI gate)', function () {
  this.timeout(180_000);
  let home: TestHome;
  const file = (name: string, text: string) => {
    const p = path.join(home.root, name);
    fs.writeFileSync(p, text);
    return p;
  };
  before(async () => (home = await testHome()));
  after(async () => home?.close());

  it('passes on the live schema (exit 0)', async () => {
    const r = await cli(['contracts', 'check']);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('all 5 source contract(s) hold');
  });

  it('fails a breaking migration with a diff naming the column (exit 1)', async () => {
    const r = await cli(['contracts', 'check', '--against', file('break.sql', 'ALTER TABLE customers RENAME COLUMN city TO town;\nALTER TABLE ratings ALTER COLUMN "productRating" TYPE numeric(3,1);')]);
    expect(r.code).to.equal(1);
    expect(r.out).to.contain("column 'city' looks renamed to 'town'").and.contain("column 'productRating' changed type: expected int, found decimal(3,1)");
  });

  it('passes an additive migration (exit 0)', async () => {
    const r = await cli(['contracts', 'check', '--against', file('add.sql', 'ALTER TABLE customers ADD COLUMN "loyaltyTier" varchar(10);\nCREATE INDEX c_country ON customers (country);')]);
    expect(r.code, r.err + r.out).to.equal(0);
    expect(r.out).to.contain("column 'loyaltyTier' was added");
  });

  it('reads a JSON dump, including its own `contracts dump` output', async () => {
    const dump = path.join(home.root, 'schema.json');
    expect((await cli(['contracts', 'dump', '--out', dump])).code).to.equal(0);
    expect((await cli(['contracts', 'check', '--against', dump])).code).to.equal(0);
    const doc = JSON.parse(fs.readFileSync(dump, 'utf8'));
    doc.tables.products = doc.tables.products.filter((c: { name: string }) => c.name !== 'MSRP');
    const r = await cli(['contracts', 'check', '--against', file('proposed.json', JSON.stringify(doc))]);
    expect(r.code).to.equal(1);
    expect(r.out).to.contain("column 'MSRP' was dropped");
  });

  it('exits 2 on unreadable input', async () => {
    expect((await cli(['contracts', 'check', '--against', path.join(home.root, 'missing.sql')])).code).to.equal(2);
    expect((await cli(['contracts', 'check', '--against', file('bad.json', '{ nope')])).code).to.equal(2);
    const r = await cli(['contracts', 'check', '--against', file('bad.sql', 'ALTER TABLE nosuch DROP COLUMN x;')]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain("table 'nosuch' does not exist");
  });

  it('source query runs SQL and reports rows', async () => {
    const r = await cli(['source', 'query', 'SELECT count(*)::int AS n FROM products', '--json']);
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal([{ n: 40 }]);
  });
});
