import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSourceLive } from '../../jobs/contracts';
import { openSourceDb, seedSource, SeedOptionsError, SourceBusyError, SourceMissingError } from '../../jobs/embedded/source';
import { classicmodels } from '../../assets/reference/source-data';
import { referenceGraph, SMALL_SEED, testHome, type TestHome } from '../contracts/fixture';

const SOURCES = ['source/customers', 'source/products', 'source/ratings', 'source/orders', 'source/order_lines'];

async function fingerprint(dir: string): Promise<Record<string, string>> {
  const db = await openSourceDb({ dir });
  try {
    const out: Record<string, string> = {};
    for (const t of ['customers', 'products', 'ratings', 'orders', 'orderdetails']) {
      const r = await db.pg.query<{ h: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM ${t} t`);
      out[t] = r.rows[0].h;
    }
    return out;
  } finally {
    await db.close();
  }
}

describe('local source database (PGlite)', function () {
  this.timeout(180_000);
  let home: TestHome;
  before(async () => (home = await testHome()));
  after(async () => home?.close());

  it('matches every source contract exactly, with no NULLs where they are forbidden', async () => {
    await home.source.use(async (pg) => {
      for (const key of SOURCES) {
        const diff = await checkSourceLive(pg, referenceGraph.get(key));
        expect(diff.changes, `${key}: ${JSON.stringify(diff.changes)}`).to.deep.equal([]);
      }
    });
  });

  it('holds the requested rows, ratings 1-5 over the requested days, popular products first', async () => {
    await home.source.use(async (pg) => {
      const counts = (await pg.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM customers)::int AS c, (SELECT count(*) FROM products)::int AS p, (SELECT count(*) FROM ratings)::int AS r,
                (SELECT count(*) FROM orders)::int AS o, (SELECT min("productRating") FROM ratings) AS lo, (SELECT max("productRating") FROM ratings) AS hi,
                (SELECT min("ratedAt") FROM ratings)::text AS first, (SELECT max("orderDate") FROM orders)::text AS last`,
      )).rows[0];
      expect(counts).to.include({ c: 150, p: 40, r: 2500, o: 400, lo: 1, hi: 5 });
      expect(String(counts.first) >= '2026-03-01').to.equal(true);
      expect(String(counts.last) < '2026-03-04').to.equal(true);
      // Zipf popularity: the top quarter of products gets well over a quarter of the ratings.
      const top = (await pg.query<{ share: number }>(
        `SELECT (sum(n) FILTER (WHERE rk <= 10))::float / sum(n) AS share FROM (SELECT count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS rk FROM ratings GROUP BY "productCode") x`,
      )).rows[0];
      expect(top.share).to.be.greaterThan(0.33); // uniform would be 0.25
    });
  });

  it('is deterministic: the same options give the same rows', async () => {
    await home.source.close();
    const other = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hw-seed-')), 'source-db');
    try {
      await seedSource({ ...SMALL_SEED, dir: other });
      expect(await fingerprint(other)).to.deep.equal(await fingerprint(home.sourceDir));
    } finally {
      fs.rmSync(path.dirname(other), { recursive: true, force: true });
    }
  });

  it('a seed that fails half-way leaves the previous tables as they were (one transaction)', async () => {
    const before = await fingerprint(home.sourceDir);
    let loaded = 0;
    const failing = {
      ...classicmodels,
      generate: (o: Parameters<typeof classicmodels.generate>[0], sink: Parameters<typeof classicmodels.generate>[1]) =>
        classicmodels.generate(o, async (table, csv, n) => {
          if (++loaded === 3) throw new Error('disk full (simulated)');
          await sink(table, csv, n);
        }),
    };
    let error: Error | undefined;
    await seedSource({ ...SMALL_SEED, dataset: failing, seed: 99, dir: home.sourceDir }).catch((e: Error) => (error = e));
    expect(error?.message).to.equal('disk full (simulated)');
    expect(await fingerprint(home.sourceDir)).to.deep.equal(before);
  });

  it('says how to create a missing database, and refuses impossible seeds', async () => {
    let error: Error | undefined;
    await openSourceDb({ dir: path.join(home.root, 'nope') }).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(SourceMissingError);
    expect(error!.message).to.contain('assets -- source seed');
    let seedError: Error | undefined;
    await seedSource({ dataset: classicmodels, sizes: { customers: 10, products: 10, ratings: 60 }, dir: path.join(home.root, 'x') }).catch((e: Error) => (seedError = e));
    expect(seedError).to.be.instanceOf(SeedOptionsError);
    expect(seedError!.message).to.match(/raise --customers to at least 12/);
  });

  it('lets one opener at a time use the directory and names the holder', async () => {
    const db = await openSourceDb({ dir: home.sourceDir });
    try {
      let error: Error | undefined;
      await openSourceDb({ dir: home.sourceDir, waitMs: 300 }).catch((e: Error) => (error = e));
      expect(error).to.be.instanceOf(SourceBusyError);
      expect(error!.message).to.contain(`:${process.pid}`);
    } finally {
      await db.close();
    }
  });
});
