/**
 * The domain paths granted to a writer of an alias (identity policy and domain access policy
 * alike) against the requests the product's own OpenSearch code makes: an index load and an
 * erasure on a managed domain, recorded by a mock connection. A path outside the grant is a 403 on
 * a real domain, which no Pulumi mock would show.
 */
import { expect } from 'chai';
import { domainLoaderPaths } from '../../infra/components/search-backend';
import { OpenSearchVectorStore } from '../../jobs/vector-store/opensearch';
import { mockSearchClient } from '../vector-store/opensearch-mock';

/** IAM's resource match: `*` any run of characters (slashes and commas included), the rest literal. */
const granted = (patterns: readonly string[], path: string) =>
  patterns.some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(path));

describe('search grants: the paths a writer of an alias may call', () => {
  it('cover every request of an index load and an erasure through the alias, and no other alias', async () => {
    const alias = 'user_embeddings';
    const indexes = new Map<string, string[]>([
      ['user_embeddings_v1', ['7']],
      ['user_embeddings_v2', ['7', '8']],
    ]);
    let current = 'user_embeddings_v2';
    const { client, seen } = mockSearchClient((r) => {
      if (r.method === 'GET' && r.path === `/_alias/${alias}`) return { body: { [current]: { aliases: { [alias]: {} } } } };
      if (r.method === 'GET' && r.path === `/${alias}_v*`) return { body: Object.fromEntries([...indexes.keys()].map((k) => [k, {}])) };
      if (r.path === '/_bulk') return { body: { errors: false, items: [] } };
      if (r.path.endsWith('/_count')) return { body: { count: 1 } };
      if (r.path === `/${alias}/_search`) return { body: { hits: { hits: [{ _index: current, _id: '7' }] } } };
      if (r.path === '/_aliases') current = 'user_embeddings_v3';
      return { body: { acknowledged: true } };
    });
    const store = new OpenSearchVectorStore(client, { serverless: false, newVersion: () => 'v3', idFields: { [alias]: 'customer_number' } });
    await store.load(alias, [{ id: '7', vector: Float32Array.from([1, 0]) }], { dimension: 2 });
    current = 'user_embeddings_v2';
    await store.erase(alias, ['7']);

    const paths = [...new Set(seen.map((s) => s.path.replace(/^\//, '').split('?')[0]))];
    // The erasure searches through the alias and merges the current version; the grant must hold both.
    expect(paths).to.include.members([`${alias}/_search`, 'user_embeddings_v2/_forcemerge']);
    const grant = domainLoaderPaths(alias);
    expect(paths.filter((p) => !granted(grant, p))).to.deep.equal([]);
    // Another alias's versions and documents stay out of reach.
    for (const other of ['item_embeddings_v1', 'item_embeddings/_search', 'item_embeddings/_doc/1']) expect(granted(grant, other), other).to.equal(false);
  });
});
