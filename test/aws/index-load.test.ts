/**
 * The AWS index load (`vector-index`), as the index-load Lambda runs it (`loadIndex` of
 * jobs/aws/index-load-handler.ts): S3 GetObject (aws-sdk-client-mock) returning a real Parquet file
 * written with DuckDB, loaded through the OpenSearch adapter over a mock connection. How the CLI
 * invokes that Lambda: index-load-lambda.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import graph from '../../assets';
import type { StepContext } from '../../jobs/engine/environment';
import { loadIndex } from '../../jobs/aws/index-load-handler';
import { AwsEnvironment, type AwsClients } from '../../jobs/aws/environment';
import type { VectorIndexManifest } from '../../jobs/aws/manifest';
import { writeEmbeddingsParquet } from '../../jobs/model/lake-io';
import { awsError, fakeClock, itemIndexEntry, manifest, userIndexEntry } from './fixtures';
import { mockSearchClient, type SeenRequest } from '../vector-store/opensearch-mock';

// Stubs on client instances (passed in explicitly), not on the classes: no other file sees them.
const s3 = mockClient(new S3Client({}));
const cw = mockClient(new CloudWatchClient({}));
const DIM = 33;

/** Row-major vectors where entity e has value (e + 1) / 10 + j / 1000 in dimension j. */
function vectors(n: number, dim = DIM): Float32Array {
  const out = new Float32Array(n * dim);
  for (let e = 0; e < n; e++) for (let j = 0; j < dim; j++) out[e * dim + j] = (e + 1) / 10 + j / 1000;
  return out;
}

/** A cluster that has `item_embeddings_v1` behind the alias and answers bulk requests with `bulk`. */
function cluster(alias: string, bulk: (req: SeenRequest) => { status?: number; body: unknown } = () => ({ body: { errors: false, items: [] } })) {
  return mockSearchClient((r) => {
    if (r.method === 'GET' && r.path === `/_alias/${alias}`) return { body: { [`${alias}_v1`]: { aliases: { [alias]: {} } } } };
    if (r.method === 'POST' && r.path === '/_bulk') return bulk(r);
    if (r.method === 'GET' && r.path === `/${alias}_v*`) return { body: { [`${alias}_v1`]: {} } };
    return { body: { acknowledged: true } };
  });
}

describe('AWS index load (vector-index)', () => {
  let dir: string;
  let tmp: string;
  let itemsFile: string;
  let usersFile: string;
  const items = ['S10_1678', 'S10_1949', 'S12_1099'];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-index-load-'));
    itemsFile = path.join(dir, 'item_embeddings.parquet');
    usersFile = path.join(dir, 'user_embeddings.parquet');
    await writeEmbeddingsParquet(itemsFile, 'product_code', 'string', items, vectors(3), DIM);
    await writeEmbeddingsParquet(usersFile, 'customer_number', 'integer', ['103', '112'], vectors(2), DIM);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    s3.reset();
    cw.reset();
    cw.on(PutMetricDataCommand).resolves({});
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-index-tmp-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const serve = (entry: VectorIndexManifest, file: string) =>
    s3.on(GetObjectCommand, { Bucket: entry.embeddings.bucket, Key: entry.embeddings.key }).callsFake(() => ({ Body: fs.createReadStream(file) }));

  const env = () => new AwsEnvironment(manifest, { s3, cloudwatch: cw } as unknown as AwsClients, { clock: fakeClock() });

  /** One invocation of the index-load function of `key`, with the stack's entry and mocked clients. */
  const load = async (search: ReturnType<typeof mockSearchClient>, key: string, logs: string[] = []) => {
    const entry = manifest.assets[key] as VectorIndexManifest;
    const out = await loadIndex({ key, runId: 'run-1' }, { entry, stack: 'dev', region: 'eu-west-1', s3: s3 as unknown as S3Client, searchClient: () => search.client, clock: fakeClock(), log: (m) => logs.push(m), tmpDir: tmp });
    return { metadata: out };
  };

  const ctx = (key: string, logs: string[] = []): StepContext => ({
    graph,
    asset: graph.get(key),
    runId: 'run-1',
    partitions: null,
    inputs: [{ key: 'model/recommender', source: false, partitions: null }],
    log: (m) => logs.push(m),
    signal: new AbortController().signal,
  });

  it('downloads the embeddings, bulk-loads a new version with the id as a field, then swaps the alias', async () => {
    serve(itemIndexEntry, itemsFile);
    const search = cluster('item_embeddings');
    const logs: string[] = [];
    const out = await load(search, 'index/item_embeddings', logs);

    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).to.deep.equal([{ Bucket: 'lake-model', Key: 'recommender/item_embeddings.parquet' }]);
    const calls = search.seen.map((r) => `${r.method} ${r.path}`);
    const version = calls[0].replace('PUT /', '');
    expect(version).to.match(/^item_embeddings_v\d+$/);
    expect(calls).to.deep.equal(['PUT /' + version, 'POST /_bulk', 'GET /_alias/item_embeddings', 'POST /_aliases', 'GET /item_embeddings_v*']);
    const mapping = search.seen[0].body as { mappings: { properties: Record<string, { type: string; dimension?: number }> } };
    expect(mapping.mappings.properties.product_code).to.deep.equal({ type: 'keyword' });
    expect(mapping.mappings.properties.embedding).to.deep.include({ type: 'knn_vector', dimension: DIM });

    // Serverless: no custom _id, the product code is a keyword field; every vector arrives whole.
    const bulk = search.seen[1].body as Record<string, unknown>[];
    expect(bulk).to.have.length(6);
    const expected = vectors(3);
    items.forEach((id, e) => {
      expect(bulk[2 * e]).to.deep.equal({ index: { _index: version } });
      const doc = bulk[2 * e + 1] as { product_code: string; embedding: number[] };
      expect(doc.product_code).to.equal(id);
      expect(doc.embedding).to.have.length(DIM);
      expect(doc.embedding).to.deep.equal(Array.from(expected.subarray(e * DIM, (e + 1) * DIM)));
    });
    expect(search.seen[3].body).to.deep.equal({ actions: [{ remove: { index: 'item_embeddings_v1', alias: 'item_embeddings' } }, { add: { index: version, alias: 'item_embeddings' } }] });

    expect(out.metadata).to.deep.include({ rows: 3, alias: 'item_embeddings', version, previousVersion: 'item_embeddings_v1', dimension: DIM, source: 's3://lake-model/recommender/item_embeddings.parquet' });
    expect(out.metadata.bytes).to.equal(fs.statSync(itemsFile).size);
    expect(logs.join('\n')).to.contain('read 3 item embeddings').and.to.contain(`loaded 3 vectors into item_embeddings version ${version} (was item_embeddings_v1)`);
    expect(fs.readdirSync(tmp), 'the download is removed').to.deep.equal([]);
  });

  it('loads user embeddings into a domain with document ids, refresh, and customer numbers as strings', async () => {
    serve(userIndexEntry, usersFile);
    const search = cluster('user_embeddings');
    const out = await load(search, 'index/user_embeddings');
    const calls = search.seen.map((r) => `${r.method} ${r.path}`);
    const version = calls[0].replace('PUT /', '');
    expect(calls).to.include(`GET /${version}/_refresh`);
    const bulk = search.seen[1].body as Record<string, unknown>[];
    expect(bulk[0]).to.deep.equal({ index: { _index: version, _id: '103' } });
    expect((bulk[1] as { customer_number: string }).customer_number).to.equal('103');
    expect((bulk[3] as { customer_number: string }).customer_number).to.equal('112');
    expect(out.metadata.rows).to.equal(2);
  });

  it('evaluates row_count of an index load from the count it loaded; other checks are left unevaluated', async () => {
    const e = env();
    const c = ctx('index/item_embeddings');
    const [ok] = await e.evaluateChecks(c, { metadata: { rows: 3 } }, [{ type: 'row_count', min: 1 }]);
    expect(ok).to.deep.include({ passed: true, message: '3 rows loaded, expected >= 1' });
    const [empty] = await e.evaluateChecks(c, { metadata: { rows: 0 } }, [{ type: 'row_count', min: 1 }]);
    expect(empty.passed).to.equal(false);
    expect(await e.evaluateChecks(ctx('analytics/sales_hourly'), { metadata: { rows: 3 } }, [{ type: 'row_count', min: 1 }])).to.deep.equal([]);
  });

  it('a missing object says to materialize the model, and never touches the index', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    const search = cluster('item_embeddings');
    const err = await load(search, 'index/item_embeddings').catch((e: Error) => e.message);
    expect(err).to.equal(
      "no embeddings at s3://lake-model/recommender/item_embeddings.parquet: materialize the model first (assets materialize '1+index/item_embeddings' --env dev); the alias 'item_embeddings' still points to the previous version",
    );
    expect(search.seen).to.deep.equal([]);
    expect(fs.readdirSync(tmp)).to.deep.equal([]);
  });

  it('access denied names the loader role that must read the object', async () => {
    s3.on(GetObjectCommand).rejects(awsError('AccessDenied', 'Access Denied'));
    const err = await load(cluster('item_embeddings'), 'index/item_embeddings').catch((e: Error) => e.message);
    expect(err).to.contain('arn:aws:iam::123456789012:role/index-item-embeddings-loader').and.to.contain("the alias 'item_embeddings' still points to the previous version");
  });

  it('bulk errors fail the load with the first reason and leave the alias where it was', async () => {
    serve(itemIndexEntry, itemsFile);
    const search = cluster('item_embeddings', () => ({ body: { errors: true, items: [{ index: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [embedding]' } } }] } }));
    const err = await load(search, 'index/item_embeddings').catch((e: Error) => e.message);
    expect(err).to.match(/^loading item_embeddings at https:\/\/abc123\.eu-west-1\.aoss\.amazonaws\.com: bulk load of item_embeddings_v\d+ failed: failed to parse field \[embedding\]; the alias 'item_embeddings' was not moved$/);
    expect(search.seen.map((r) => r.path)).to.not.include('/_aliases');
    expect(fs.readdirSync(tmp)).to.deep.equal([]);
  });

  it('a file whose vectors do not match the deployed dimension is refused before any index is created', async () => {
    const narrow = path.join(dir, 'narrow.parquet');
    await writeEmbeddingsParquet(narrow, 'product_code', 'string', ['S10_1678'], vectors(1, 8), 8);
    serve(itemIndexEntry, narrow);
    const search = cluster('item_embeddings');
    const err = await load(search, 'index/item_embeddings').catch((e: Error) => e.message);
    expect(err).to.contain('product_code S10_1678 has 8 dimensions but index/item_embeddings is deployed with dimension 33');
    expect(search.seen).to.deep.equal([]);
  });

  it('a corrupt object names the S3 URI, not the temp file', async () => {
    const junk = path.join(dir, 'junk.parquet');
    fs.writeFileSync(junk, 'not parquet');
    serve(itemIndexEntry, junk);
    const search = cluster('item_embeddings');
    const err = await load(search, 'index/item_embeddings').catch((e: Error) => e.message);
    expect(err).to.match(/^s3:\/\/lake-model\/recommender\/item_embeddings\.parquet: /).and.to.contain("retrain the model (assets materialize '1+index/item_embeddings' --env dev)");
    expect(err).to.contain('not a Parquet file').and.to.not.contain(tmp);
    expect(search.seen).to.deep.equal([]);
  });
});
