/**
 * Writes a synthetic data set into a local lake the way the pipeline lays it out: the training
 * set partitioned by day (`dt=YYYY-MM-DD/`), and raw/customers + raw/products snapshots.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TrainingData } from '../../jobs/model/dataset';
import { withDuckDb } from '../../jobs/model/lake-io';

const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);

async function copyOut(c: DuckDBConnection, table: string, dir: string, partitionBy?: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const target = partitionBy ? dir : path.join(dir, 'part-0.parquet');
  await c.run(`COPY ${table} TO '${target}' (FORMAT parquet${partitionBy ? `, PARTITION_BY (${partitionBy}), OVERWRITE_OR_IGNORE` : ''})`);
}

/** Writes `data` under `lakeRoot`; customers and products also appear in the raw snapshots when unrated. */
export async function writeSyntheticLake(lakeRoot: string, data: TrainingData): Promise<void> {
  await withDuckDb(async (c) => {
    await c.run('CREATE TABLE customers (customerNumber INTEGER, customerName VARCHAR, city VARCHAR, state VARCHAR, postalCode VARCHAR, country VARCHAR, creditLimit DECIMAL(10,2))');
    await c.run(
      'CREATE TABLE products (productCode VARCHAR, productName VARCHAR, productLine VARCHAR, productScale VARCHAR, productVendor VARCHAR, productDescription VARCHAR, quantityInStock SMALLINT, buyPrice DECIMAL(10,2), MSRP DECIMAL(10,2))',
    );
    await c.run(
      'CREATE TABLE training (customerNumber INTEGER, city VARCHAR, state VARCHAR, postalCode VARCHAR, country VARCHAR, creditLimit DOUBLE, productCode VARCHAR, productLine VARCHAR, productScale VARCHAR, quantityInStock INTEGER, buyPrice DOUBLE, MSRP DOUBLE, productRating INTEGER, dt VARCHAR)',
    );
    const cust = await c.createAppender('customers');
    data.users.ids.forEach((id, u) => {
      const f = data.users.features[u];
      cust.appendInteger(Number(id));
      cust.appendVarchar(`Customer ${id}`);
      cust.appendVarchar(String(f.city));
      cust.appendNull();
      cust.appendNull();
      cust.appendVarchar(String(f.country));
      if (f.creditLimit === null || f.creditLimit === undefined) cust.appendNull();
      else cust.appendDouble(Number(f.creditLimit));
      cust.endRow();
    });
    cust.closeSync();
    const prod = await c.createAppender('products');
    data.items.ids.forEach((id, i) => {
      const f = data.items.features[i];
      prod.appendVarchar(id);
      prod.appendVarchar(`Model ${id}`);
      prod.appendVarchar(String(f.productLine));
      prod.appendVarchar(String(f.productScale));
      prod.appendVarchar(String(f.productVendor));
      prod.appendVarchar('a model');
      prod.appendSmallInt(Math.min(32_000, Number(f.quantityInStock)));
      prod.appendDouble(Number(f.buyPrice));
      prod.appendDouble(Number(f.MSRP));
      prod.endRow();
    });
    prod.closeSync();
    const tr = await c.createAppender('training');
    const { ratings } = data;
    for (let r = 0; r < ratings.length; r++) {
      const u = data.users.features[ratings.user[r]];
      const i = data.items.features[ratings.item[r]];
      tr.appendInteger(Number(data.users.ids[ratings.user[r]]));
      tr.appendVarchar(String(u.city));
      tr.appendNull();
      tr.appendNull();
      tr.appendVarchar(String(u.country));
      if (u.creditLimit === null || u.creditLimit === undefined) tr.appendNull();
      else tr.appendDouble(Number(u.creditLimit));
      tr.appendVarchar(data.items.ids[ratings.item[r]]);
      tr.appendVarchar(String(i.productLine));
      tr.appendVarchar(String(i.productScale));
      tr.appendInteger(Number(i.quantityInStock));
      tr.appendDouble(Number(i.buyPrice));
      tr.appendDouble(Number(i.MSRP));
      tr.appendInteger(ratings.rating[r]);
      tr.appendVarchar(day(ratings.day[r]));
      tr.endRow();
    }
    tr.closeSync();
    await copyOut(c, 'customers', path.join(lakeRoot, 'raw', 'customers'));
    await copyOut(c, 'products', path.join(lakeRoot, 'raw', 'products'));
    await copyOut(c, 'training', path.join(lakeRoot, 'training', 'ratings_ml_training'), 'dt');
  });
}
