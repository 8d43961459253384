import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { formatColumnType, parseColumnType } from '../../assets/core';
import { trainingContract, popularProductsContract, salesHourlyContract } from '../../assets/reference/contracts';
import { createGlueExtractExecutor } from '../../jobs/embedded/executors/glue-extract';
import { createGlueSqlExecutor } from '../../jobs/embedded/executors/glue-sql';
import { parquetFiles, parquetSummary, queryRows, withDuckDb } from '../../jobs/embedded/lake';
import { evaluateDataChecks } from '../../jobs/embedded/checks';
import { parseFallbackList, type FallbackList } from '../../jobs/serving/fallback-list';
import { referenceGraph, SEEDED_DAYS, stepContext, testHome, treeDigest, type TestHome } from '../contracts/fixture';

const canon = (t: string) => formatColumnType(parseColumnType(t) as Exclude<ReturnType<typeof parseColumnType>, string>);
const HOURS = ['2026-03-03T22:00', '2026-03-03T23:00'];

describe('embedded transforms (PGlite -> Parquet -> DuckDB)', function () {
  this.timeout(180_000);
  let home: TestHome;

  before(async () => {
    home = await testHome();
    const extract = createGlueExtractExecutor({ lakeRoot: home.lake, source: home.source });
    await extract.execute(stepContext('raw/customers', null));
    await extract.execute(stepContext('raw/products', null));
    await extract.execute(stepContext('raw/ratings', SEEDED_DAYS));
  });
  after(async () => home?.close());

  it('extracts exactly the contract columns, one Parquet per day partition', async () => {
    const files = parquetFiles(home.lake, referenceGraph.get('raw/ratings'));
    expect(files.map((f) => path.relative(home.lake, f))).to.deep.equal(SEEDED_DAYS.map((d) => `raw/ratings/dt=${d}/part-00000.parquet`));
    const s = await withDuckDb((con) => parquetSummary(con, files[0]));
    expect(s.columns.map((c) => [c.name, c.type])).to.deep.equal([
      ['customerNumber', 'int'],
      ['productCode', 'string'],
      ['productRating', 'int'],
      ['ratedAt', 'timestamp'],
    ]);
    expect(s.rows).to.be.greaterThan(0);
  });

  it('builds the training set with exactly the 13 contract columns and types', async () => {
    const sql = createGlueSqlExecutor({ lakeRoot: home.lake, source: home.source });
    const out = await sql.execute(stepContext('training/ratings_ml_training', SEEDED_DAYS));
    expect(out.metadata.rows).to.equal(2500);
    const asset = referenceGraph.get('training/ratings_ml_training');
    const files = parquetFiles(home.lake, asset);
    expect(files).to.have.length(3);
    const s = await withDuckDb((con) => parquetSummary(con, files[0]));
    expect(s.columns).to.have.length(13);
    expect(s.columns.map((c) => [c.name, c.type])).to.deep.equal(trainingContract.columns.map((c) => [c.name, canon(c.type)]));
    const checks = await evaluateDataChecks(home.lake, asset, SEEDED_DAYS, asset.checks);
    expect(checks.every((c) => c.passed), JSON.stringify(checks)).to.equal(true);
  });

  it('computes hourly sales and popular products typed as their contracts, and latest.json', async () => {
    const sql = createGlueSqlExecutor({ lakeRoot: home.lake, source: home.source });
    await sql.execute(stepContext('analytics/sales_hourly', HOURS));
    await sql.execute(stepContext('analytics/popular_products', HOURS));
    for (const [key, contract] of [['analytics/sales_hourly', salesHourlyContract], ['analytics/popular_products', popularProductsContract]] as const) {
      const files = parquetFiles(home.lake, referenceGraph.get(key));
      expect(files.map((f) => path.relative(home.lake, f))).to.deep.equal([`${key}/dt=2026-03-03/hour=22/part-00000.parquet`, `${key}/dt=2026-03-03/hour=23/part-00000.parquet`]);
      const s = await withDuckDb((con) => parquetSummary(con, files[1]));
      expect(s.columns.map((c) => [c.name, c.type])).to.deep.equal(contract.columns.map((c) => [c.name, canon(c.type)]));
      expect(s.rows).to.be.greaterThan(0);
    }
    const latest = path.join(home.lake, 'analytics/popular_products/latest.json');
    const parsed = parseFallbackList(fs.readFileSync(latest, 'utf8'), latest);
    expect(parsed).to.not.have.property('problem');
    expect(parsed).to.include({ asset: 'analytics/popular_products', partition: '2026-03-03T23:00', asOf: '2026-03-04T00:00:00.000Z' });
    // The declared fallback: the newest hour's rows by score (ties by id), with the declared columns, as `rank` orders them.
    const { items } = parsed as FallbackList;
    const ranked = await withDuckDb((con) =>
      queryRows<{ productCode: string; score: number }>(con, `SELECT productCode, score FROM read_parquet('${parquetFiles(home.lake, referenceGraph.get('analytics/popular_products'))[1]}') ORDER BY rank LIMIT 100`),
    );
    expect(items.map((i) => i.id)).to.deep.equal(ranked.map((r) => r.productCode));
    expect(items.map((i) => i.score)).to.deep.equal(ranked.map((r) => r.score));
    expect(Object.keys(items[0])).to.deep.equal(['id', 'score', 'productName', 'productLine']);
    const asset = referenceGraph.get('analytics/popular_products');
    const checks = await evaluateDataChecks(home.lake, asset, HOURS, asset.checks);
    expect(checks.every((c) => c.passed), JSON.stringify(checks)).to.equal(true);
  });

  it('reports a failing data check with what was found', async () => {
    const asset = referenceGraph.get('raw/ratings');
    const [outcome] = await evaluateDataChecks(home.lake, asset, SEEDED_DAYS, [{ type: 'accepted_range', column: 'productRating', min: 1, max: 4 }]);
    expect(outcome.passed).to.equal(false);
    expect(outcome.message).to.match(/value\(s\) of productRating outside \[1, 4\] \(found 1\.\.5\)/);
  });

  describe('source contract violations fail the extract, naming the column, and write nothing', () => {
    const cases: [string, string, RegExp][] = [
      ['drop', 'ALTER TABLE customers DROP COLUMN "creditLimit"', /'creditLimit' was dropped/],
      ['rename', 'ALTER TABLE customers RENAME COLUMN city TO town', /'city' looks renamed to 'town'/],
      ['retype', 'ALTER TABLE customers ALTER COLUMN "customerNumber" TYPE bigint', /'customerNumber' changed type: expected int, found bigint/],
      ['nulls', `ALTER TABLE customers ALTER COLUMN country DROP NOT NULL; UPDATE customers SET country = NULL WHERE "customerNumber" < 106`, /'country' holds 3 NULLs/],
    ];
    for (const [name, ddl, message] of cases) {
      it(name, async () => {
        const before = treeDigest(home.lake);
        await home.source.use(async (pg) => {
          await pg.exec(`BEGIN; ${ddl}`);
        });
        try {
          const extract = createGlueExtractExecutor({ lakeRoot: home.lake, source: home.source });
          let error: Error | undefined;
          await extract.execute(stepContext('raw/customers', null)).catch((e: Error) => (error = e));
          expect(error, 'the extract must fail').to.be.instanceOf(Error);
          expect(error!.message).to.match(message).and.match(/nothing was written/);
          expect(treeDigest(home.lake)).to.deep.equal(before);
        } finally {
          await home.source.use((pg) => pg.exec('ROLLBACK'));
        }
      });
    }
  });
});
