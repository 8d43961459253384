/** Right to erasure on OpenSearch (mock connection, no live cluster): delete through the alias, expunge, drop old versions. */
import { expect } from 'chai';
import { OpenSearchVectorStore } from '../../jobs/vector-store/opensearch';
import { mockSearchClient, type SeenRequest } from './opensearch-mock';

/** A domain with two versions of `user_embeddings`: v2 behind the alias, v1 kept; both hold customer 103. */
function domain() {
  return mockSearchClient((req: SeenRequest) => {
    if (req.method === 'GET' && req.path === '/_alias/user_embeddings') return { body: { user_embeddings_v2: { aliases: { user_embeddings: {} } } } };
    if (req.method === 'GET' && req.path === '/user_embeddings_v*') return { body: { user_embeddings_v1: {}, user_embeddings_v2: {} } };
    if (req.path.endsWith('/_count')) return { body: { count: req.path.startsWith('/user_embeddings_v1') ? 1 : 0 } };
    if (req.path === '/user_embeddings/_search') return { body: { hits: { hits: [{ _index: 'user_embeddings_v2', _id: 'a1' }, { _index: 'user_embeddings_v2', _id: 'b2' }] } } };
    if (req.path === '/_bulk') return { body: { errors: false, items: [] } };
    return { body: { acknowledged: true } };
  });
}

describe('OpenSearchVectorStore erase (mock connection, no live cluster)', () => {
  it('on a domain: finds the documents by id field through the alias, deletes them by _id, expunges them, drops an older version holding one', async () => {
    const { client, seen } = domain();
    const store = new OpenSearchVectorStore(client, { serverless: false, idFields: { user_embeddings: 'customer_id' } });
    const r = await store.erase('user_embeddings', ['103', '112']);
    expect(r).to.deep.equal({ removed: 2, version: 'user_embeddings_v2', droppedVersions: ['user_embeddings_v1'] });
    expect(seen.find((s) => s.path === '/user_embeddings/_search')!.body).to.deep.include({ query: { terms: { customer_id: ['103', '112'] } } });
    expect(seen.find((s) => s.path === '/_bulk')!.body).to.deep.equal([{ delete: { _index: 'user_embeddings_v2', _id: 'a1' } }, { delete: { _index: 'user_embeddings_v2', _id: 'b2' } }]);
    const merge = seen.find((s) => s.path.startsWith('/user_embeddings_v2/_forcemerge'));
    expect(merge?.method).to.equal('POST');
    expect(merge?.query).to.equal('only_expunge_deletes=true');
    expect(seen.some((s) => s.method === 'DELETE' && s.path === '/user_embeddings_v1')).to.equal(true);
  });

  it('on Serverless: no _forcemerge (the collection merges on its own)', async () => {
    const { client, seen } = domain();
    await new OpenSearchVectorStore(client, { serverless: true }).erase('user_embeddings', ['103']);
    expect(seen.some((s) => s.path.includes('_forcemerge'))).to.equal(false);
    expect(seen.some((s) => s.path === '/_bulk')).to.equal(true);
  });
});
