/**
 * The pure-JS embeddings read of the AWS index load, against files DuckDB writes the way the
 * embedded trainer does (jobs/model/lake-io.ts) and a few it must refuse, compared with DuckDB's
 * own read of the same files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { readEmbeddings, readEmbeddingsFile } from '../../jobs/aws/embeddings-parquet';
import { readEmbeddingsParquet, withDuckDb, writeEmbeddingsParquet } from '../../jobs/model/lake-io';

const vectors = (n: number, dim: number) => Float32Array.from({ length: n * dim }, (_, k) => Math.fround(Math.sin(k) * 3.5 + k / 7));

describe('embeddings Parquet, pure JS (hyparquet)', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const sql = (statement: string) => withDuckDb((c) => c.run(statement).then(() => undefined));

  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-emb-parquet-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads string ids and FLOAT[n] vectors exactly as DuckDB reads them', async () => {
    const ids = ['S10_1678', 'S10_1949', 'S12_1099', "O'Brien"];
    await writeEmbeddingsParquet(file('items.parquet'), 'product_code', 'string', ids, vectors(4, 32), 32);
    const got = await readEmbeddingsFile(file('items.parquet'), 'product_code');
    const duck = await readEmbeddingsParquet(file('items.parquet'), 'product_code', 'model/m');
    expect(got.ids).to.deep.equal(ids);
    expect(got.ids).to.deep.equal(duck.ids);
    expect(got.vectors.map((v) => [...v])).to.deep.equal(duck.vectors.map((v) => [...v]));
    expect(got.vectors[3][31]).to.equal(vectors(4, 32)[3 * 32 + 31]);
  });

  it('reads integer ids (INTEGER and BIGINT) as decimal strings', async () => {
    await writeEmbeddingsParquet(file('users.parquet'), 'customer_number', 'integer', ['103', '112', '2147483647'], vectors(3, 8), 8);
    const got = await readEmbeddingsFile(file('users.parquet'), 'customer_number');
    expect(got.ids).to.deep.equal(['103', '112', '2147483647']);
    expect(got.vectors).to.have.length(3);
    expect([...got.vectors[1]]).to.deep.equal([...vectors(3, 8).subarray(8, 16)]);

    // Spark writes ids as LongType and vectors as array<float>: a variable-length list.
    await sql(`COPY (SELECT CAST(9007199254740993 AS BIGINT) AS uid, [1.5, -2.25]::FLOAT[] AS embedding) TO '${file('long.parquet')}' (FORMAT parquet)`);
    const long = await readEmbeddingsFile(file('long.parquet'), 'uid');
    expect(long.ids).to.deep.equal(['9007199254740993']);
    expect([...long.vectors[0]]).to.deep.equal([1.5, -2.25]);
  });

  it('reads every row group, in order', async () => {
    await sql(
      `COPY (SELECT 'e' || i AS id, [i::FLOAT, (i * 2)::FLOAT]::FLOAT[2] AS embedding FROM range(5000) t(i) ORDER BY i) TO '${file('groups.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
    );
    const got = await readEmbeddingsFile(file('groups.parquet'), 'id');
    expect(got.ids).to.have.length(5000);
    expect(got.ids[4999]).to.equal('e4999');
    expect([...got.vectors[4321]]).to.deep.equal([4321, 8642]);
  });

  it('reads an empty file as no rows (the loader refuses it with its own message)', async () => {
    await writeEmbeddingsParquet(file('empty.parquet'), 'product_code', 'string', [], new Float32Array(0), 4);
    expect(await readEmbeddingsFile(file('empty.parquet'), 'product_code')).to.deep.equal({ ids: [], vectors: [] });
  });

  it('names a missing column with the columns the file has', async () => {
    await writeEmbeddingsParquet(file('wrong-id.parquet'), 'product_code', 'string', ['a'], vectors(1, 2), 2);
    let err: Error | undefined;
    await readEmbeddingsFile(file('wrong-id.parquet'), 'customer_number').catch((e: Error) => (err = e));
    expect(err?.message).to.equal("has no column 'customer_number' (columns: product_code, embedding); an embeddings file holds 'customer_number' and 'embedding'");
  });

  it('refuses null ids and null vector elements, naming the row or id', async () => {
    await sql(`COPY (SELECT NULL::VARCHAR AS id, [1.0]::FLOAT[] AS embedding) TO '${file('null-id.parquet')}' (FORMAT parquet)`);
    await readEmbeddingsFile(file('null-id.parquet'), 'id').then(
      () => expect.fail('read a null id'),
      (e: Error) => expect(e.message).to.equal('row 0: id is null, expected a string or an integer id'),
    );
    await sql(`COPY (SELECT 'x' AS id, [1.0, NULL]::FLOAT[] AS embedding) TO '${file('null-elem.parquet')}' (FORMAT parquet)`);
    await readEmbeddingsFile(file('null-elem.parquet'), 'id').then(
      () => expect.fail('read a null element'),
      (e: Error) => expect(e.message).to.equal('id x: embedding[1] is null, expected a float'),
    );
  });

  it('refuses a codec it cannot read, and bytes that are not Parquet', async () => {
    await sql(`COPY (SELECT 'x' AS id, [1.0]::FLOAT[] AS embedding) TO '${file('zstd.parquet')}' (FORMAT parquet, COMPRESSION zstd)`);
    await readEmbeddingsFile(file('zstd.parquet'), 'id').then(
      () => expect.fail('read zstd'),
      (e: Error) => expect(e.message).to.equal('is compressed with ZSTD; the index load reads SNAPPY or UNCOMPRESSED Parquet (the writers\' default)'),
    );
    await readEmbeddings(new TextEncoder().encode('{"not": "parquet"}').buffer as ArrayBuffer, 'id').then(
      () => expect.fail('read JSON'),
      (e: Error) => expect(e.message).to.match(/^not a Parquet file \(/),
    );
  });
});
