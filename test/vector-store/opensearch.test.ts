import { expect } from 'chai';
import { innerProductFromScore, OpenSearchVectorStore, type OpenSearchStoreOptions } from '../../jobs/vector-store/opensearch';
import { mockSearchClient } from './opensearch-mock';

describe('OpenSearchVectorStore (mock connection, no live cluster)', () => {
  it('load: knn_vector mapping, bulk with the id as a field (no _id on Serverless), atomic alias swap', async () => {
    const { client, seen } = mockSearchClient((r) => {
      if (r.method === 'GET' && r.path === '/_alias/item_embeddings') return { body: { item_embeddings_v1: { aliases: { item_embeddings: {} } } } };
      if (r.method === 'POST' && r.path === '/_bulk') return { body: { errors: false, items: [] } };
      if (r.method === 'GET' && r.path === '/item_embeddings_v*') return { body: { item_embeddings_v0: {}, item_embeddings_v1: {}, item_embeddings_v2: {} } };
      return { body: { acknowledged: true } };
    });
    const store = new OpenSearchVectorStore(client, { serverless: true, newVersion: () => 'v2', bulkSize: 2, idFields: { item_embeddings: 'product_code' } });
    const docs = [
      { id: 'S10_1678', vector: Float32Array.from([0.5, 1]) },
      { id: 'S10_1949', vector: Float32Array.from([1, 0]) },
      { id: 'S12_1099', vector: Float32Array.from([0, 0.25]) },
    ];
    const res = await store.load('item_embeddings', docs, { dimension: 2 });
    expect(res).to.deep.equal({ alias: 'item_embeddings', version: 'item_embeddings_v2', count: 3, previousVersion: 'item_embeddings_v1' });
    expect(seen.map((s) => `${s.method} ${s.path}`)).to.deep.equal([
      'PUT /item_embeddings_v2',
      'POST /_bulk',
      'POST /_bulk',
      'GET /_alias/item_embeddings',
      'POST /_aliases',
      'GET /item_embeddings_v*',
      'DELETE /item_embeddings_v0',
    ]);
    expect(seen[0].body).to.deep.equal({
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          product_code: { type: 'keyword' },
          embedding: { type: 'knn_vector', dimension: 2, method: { name: 'hnsw', space_type: 'innerproduct', engine: 'faiss', parameters: { m: 16, ef_construction: 128 } } },
        },
      },
    });
    expect(seen[1].body).to.deep.equal([
      { index: { _index: 'item_embeddings_v2' } },
      { product_code: 'S10_1678', embedding: [0.5, 1] },
      { index: { _index: 'item_embeddings_v2' } },
      { product_code: 'S10_1949', embedding: [1, 0] },
    ]);
    expect(seen[2].body).to.deep.equal([{ index: { _index: 'item_embeddings_v2' } }, { product_code: 'S12_1099', embedding: [0, 0.25] }]);
    expect(seen[4].body).to.deep.equal({ actions: [{ remove: { index: 'item_embeddings_v1', alias: 'item_embeddings' } }, { add: { index: 'item_embeddings_v2', alias: 'item_embeddings' } }] });
  });

  it('a managed domain (es) gets _id and a refresh; a bulk error stops the load before the alias moves', async () => {
    const { client, seen } = mockSearchClient((r) => {
      if (r.path === '/_bulk') return { body: { errors: true, items: [{ index: { error: { reason: 'mapper_parsing_exception: wrong dimension' } } }] } };
      return { body: { acknowledged: true } };
    });
    const store = new OpenSearchVectorStore(client, { serverless: false, newVersion: () => 'v9', idFields: { user_embeddings: 'customer_number' } });
    let message = '';
    await store.load('user_embeddings', [{ id: '103', vector: Float32Array.from([1, 2]) }], { dimension: 2 }).catch((e: Error) => (message = e.message));
    expect(message).to.match(/bulk load of user_embeddings_v9 failed: mapper_parsing_exception.*alias 'user_embeddings' was not moved/);
    expect(seen[1].body).to.deep.equal([{ index: { _index: 'user_embeddings_v9', _id: '103' } }, { customer_number: '103', embedding: [1, 2] }]);
    expect(seen.some((s) => s.path === '/_aliases')).to.equal(false);
  });

  it('search: knn query with k and method_parameters.ef_search; scores mapped back to inner products; get by term', async () => {
    const { client, seen } = mockSearchClient((r) => {
      if (r.path === '/_alias/item_embeddings') return { body: { item_embeddings_v2: { aliases: { item_embeddings: {} } } } };
      if (r.path === '/item_embeddings_v2/_mapping') return { body: { item_embeddings_v2: { mappings: { properties: { embedding: { type: 'knn_vector', dimension: 2 } } } } } };
      if (r.path === '/item_embeddings/_count') return { body: { count: 3 } };
      const q = (r.body as { query: Record<string, unknown> }).query;
      if ('term' in q) return { body: { hits: { hits: [{ _score: 1, _source: { product_code: 'S10_1678', embedding: [0.5, 1] } }] } } };
      return {
        body: {
          hits: {
            hits: [
              { _score: 2.5, _source: { product_code: 'S10_1678' } },
              { _score: 1.2, _source: { product_code: 'S10_1949' } },
              { _score: 0.5, _source: { product_code: 'S12_1099' } },
            ],
          },
        },
      };
    });
    const store = new OpenSearchVectorStore(client, { idFields: { item_embeddings: 'product_code' } });
    const reader = await store.open('item_embeddings');
    expect(reader).to.include({ alias: 'item_embeddings', version: 'item_embeddings_v2', dimension: 2, size: 3 });
    const hits = await reader.search(Float32Array.from([1, 0.5]), 2, { efSearch: 64, exclude: new Set(['S10_1678']) });
    const searchReq = seen.find((s) => s.path === '/item_embeddings/_search')!;
    expect(searchReq.body).to.deep.equal({
      size: 3,
      _source: ['product_code'],
      query: { knn: { embedding: { vector: [1, 0.5], k: 3, method_parameters: { ef_search: 64 } } } },
    });
    expect(hits.map((h) => h.id)).to.deep.equal(['S10_1949', 'S12_1099']);
    expect(hits[0].score).to.be.closeTo(0.2, 1e-9);
    expect(hits[1].score).to.be.closeTo(-1, 1e-9);
    expect(Array.from((await reader.get('S10_1678'))!)).to.deep.equal([0.5, 1]);
    expect(seen.at(-1)!.body).to.deep.equal({ size: 1, _source: ['product_code', 'embedding'], query: { term: { product_code: 'S10_1678' } } });
  });

  it('innerProductFromScore inverts the faiss inner-product score', () => {
    expect(innerProductFromScore(3)).to.equal(2);
    expect(innerProductFromScore(0.25)).to.equal(-3);
  });
});

describe('OpenSearchVectorStore id field', () => {
  it("keys documents by the load's idField (the index asset's), else the configured one, else 'id'", async () => {
    const fields = async (options: OpenSearchStoreOptions, idField?: string) => {
      const { client, seen } = mockSearchClient((r) => (r.path === '/_bulk' ? { body: { errors: false, items: [] } } : r.path.startsWith('/_alias') ? { body: {} } : { body: { acknowledged: true } }));
      await new OpenSearchVectorStore(client, { newVersion: () => 'v1', ...options }).load('tracks', [{ id: 't1', vector: Float32Array.from([1, 0]) }], { dimension: 2, ...(idField ? { idField } : {}) });
      const mapping = (seen[0].body as { mappings: { properties: Record<string, unknown> } }).mappings.properties;
      const doc = (seen.find((s) => s.path === '/_bulk')!.body as Record<string, unknown>[])[1];
      return { mapped: Object.keys(mapping).filter((k) => k !== 'embedding'), doc: Object.keys(doc).filter((k) => k !== 'embedding') };
    };
    expect(await fields({}, 'track_ref')).to.deep.equal({ mapped: ['track_ref'], doc: ['track_ref'] });
    expect(await fields({ idFields: { tracks: 'track' } })).to.deep.equal({ mapped: ['track'], doc: ['track'] });
    expect(await fields({})).to.deep.equal({ mapped: ['id'], doc: ['id'] });
  });
});
