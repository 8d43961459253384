/**
 * The OpenSearch adapter of the vector-store port (AWS): a `knn_vector` index per version
 * (inner product, HNSW on faiss) behind an alias. A load creates `<alias>_<version>`, bulk-loads
 * it, then moves the alias in one `_aliases` call and deletes versions older than the previous one.
 *
 * OpenSearch Serverless vector collections reject custom document ids, so the entity id is kept
 * as a keyword field (the index asset's `idField`) and looked up with a `term` query.
 * Tested against a mock connection only (see test/vector-store/opensearch.test.ts): no live
 * cluster or collection was used.
 */
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { ErasableVectorStore, EraseResult, LoadOptions, LoadResult, SearchOptions, VectorDocument, VectorHit, VectorIndexReader, VersionHolding } from './port';

export interface OpenSearchStoreOptions {
  /** Serverless (`aoss`): no custom `_id`, no `_refresh`. Default true. */
  readonly serverless?: boolean;
  /** Id field per alias: each index asset's `idField`, which readers and loads must agree on. Default `id`. */
  readonly idFields?: Readonly<Record<string, string>>;
  /** The vector field. Default `embedding`. */
  readonly vectorField?: string;
  /** HNSW graph degree. Default 16. */
  readonly m?: number;
  /** HNSW build beam. Default 128. */
  readonly efConstruction?: number;
  /** Query beam when a search does not give one. Default 100. */
  readonly efSearch?: number;
  /** Documents per bulk request. Default 500. */
  readonly bulkSize?: number;
  /** Version suffix (tests pin it). Default: the load time. */
  readonly newVersion?: () => string;
}

/** OpenSearch's faiss inner-product score back to the inner product (it maps ip to a positive score). */
export function innerProductFromScore(score: number): number {
  return score >= 1 ? score - 1 : 1 - 1 / score;
}

/** A client that signs requests with SigV4 for `es` (domain) or `aoss` (Serverless). */
export function createSigV4Client(o: { node: string; region: string; service: 'es' | 'aoss' }): Client {
  const credentials = defaultProvider();
  return new Client({ ...AwsSigv4Signer({ region: o.region, service: o.service, getCredentials: () => credentials() }), node: o.node });
}

/** The OpenSearch adapter (see the file comment). */
export class OpenSearchVectorStore implements ErasableVectorStore {
  private readonly o: Required<Omit<OpenSearchStoreOptions, 'idFields'>> & { idFields: Readonly<Record<string, string>> };

  constructor(
    private readonly client: Client,
    options: OpenSearchStoreOptions = {},
  ) {
    this.o = {
      serverless: true,
      vectorField: 'embedding',
      m: 16,
      efConstruction: 128,
      efSearch: 100,
      bulkSize: 500,
      newVersion: () => `v${new Date().toISOString().replace(/[-:.TZ]/g, '').toLowerCase()}`,
      ...options,
      idFields: options.idFields ?? {},
    };
  }

  /** The id field of an alias. */
  idField(alias: string): string {
    return this.o.idFields[alias] ?? 'id';
  }

  /** The index body of a version: settings and the knn_vector mapping. */
  indexBody(alias: string, dimension: number, idField = this.idField(alias)): Record<string, unknown> {
    return {
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          [idField]: { type: 'keyword' },
          [this.o.vectorField]: {
            type: 'knn_vector',
            dimension,
            method: { name: 'hnsw', space_type: 'innerproduct', engine: 'faiss', parameters: { m: this.o.m, ef_construction: this.o.efConstruction } },
          },
        },
      },
    };
  }

  private async aliasIndexes(alias: string): Promise<string[]> {
    try {
      const res = await this.client.indices.getAlias({ name: alias });
      return Object.keys(res.body ?? {});
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return [];
      throw e;
    }
  }

  /** Creates a new version index, bulk-loads it, then swaps the alias atomically. */
  async load(alias: string, documents: AsyncIterable<VectorDocument> | Iterable<VectorDocument>, options: LoadOptions): Promise<LoadResult> {
    const index = `${alias}_${this.o.newVersion()}`;
    const idField = options.idField ?? this.idField(alias);
    await this.client.indices.create({ index, body: this.indexBody(alias, options.dimension, idField) as never });
    let count = 0;
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const res = await this.client.bulk({ body: batch as never });
      const body = res.body as { errors?: boolean; items?: Record<string, { error?: { reason?: string } }>[] };
      if (body.errors) {
        const first = body.items?.map((i) => Object.values(i)[0]?.error).find(Boolean);
        throw new Error(`bulk load of ${index} failed: ${first?.reason ?? 'see the bulk response'}; the alias '${alias}' was not moved`);
      }
      batch = [];
    };
    for await (const doc of documents) {
      if (doc.vector.length !== options.dimension) throw new Error(`document '${doc.id}' has ${doc.vector.length} dimensions, expected ${options.dimension}`);
      batch.push({ index: this.o.serverless ? { _index: index } : { _index: index, _id: doc.id } }, { [idField]: doc.id, [this.o.vectorField]: Array.from(doc.vector) });
      count++;
      if (batch.length >= this.o.bulkSize * 2) await flush();
    }
    await flush();
    // Serverless has no refresh API: documents become searchable on their own within seconds.
    if (!this.o.serverless) await this.client.indices.refresh({ index });
    const previous = await this.aliasIndexes(alias);
    const actions = [...previous.map((p) => ({ remove: { index: p, alias } })), { add: { index, alias } }];
    await this.client.indices.updateAliases({ body: { actions } as never });
    const previousVersion = previous.sort().at(-1);
    // Keep the previous version (readers that resolved it keep working); drop older ones.
    const all = Object.keys((await this.client.indices.get({ index: `${alias}_v*` })).body ?? {}).sort();
    const stale = all.filter((i) => i !== index && i !== previousVersion);
    if (stale.length > 0) await this.client.indices.delete({ index: stale.join(',') });
    return { alias, version: index, count, ...(previousVersion ? { previousVersion } : {}) };
  }

  /** Opens the alias: resolves its version, dimension and size once. */
  async open(alias: string): Promise<VectorIndexReader> {
    const indexes = await this.aliasIndexes(alias);
    if (indexes.length === 0) throw new Error(`OpenSearch alias '${alias}' does not exist; load index/${alias} first`);
    const version = indexes.sort().at(-1)!;
    const mapping = (await this.client.indices.getMapping({ index: version })).body as Record<string, { mappings?: { properties?: Record<string, { dimension?: number }> } }>;
    const dimension = mapping[version]?.mappings?.properties?.[this.o.vectorField]?.dimension ?? 0;
    const size = Number((await this.client.count({ index: alias })).body?.count ?? 0);
    const idField = this.idField(alias);
    const vectorField = this.o.vectorField;
    const client = this.client;
    const efDefault = this.o.efSearch;
    type Hit = { _score: number; _source: Record<string, unknown> };
    return {
      alias,
      version,
      dimension,
      size,
      async search(vector: Float32Array, k: number, options?: SearchOptions): Promise<VectorHit[]> {
        const exclude = options?.exclude ?? new Set<string>();
        const n = k + exclude.size;
        const res = await client.search({
          index: alias,
          body: {
            size: n,
            _source: [idField],
            query: { knn: { [vectorField]: { vector: Array.from(vector), k: n, method_parameters: { ef_search: options?.efSearch ?? efDefault } } } },
          } as never,
        });
        const hits = ((res.body as { hits?: { hits?: Hit[] } }).hits?.hits ?? []).map((h) => ({ id: String(h._source[idField]), score: innerProductFromScore(h._score) }));
        return hits.filter((h) => !exclude.has(h.id)).slice(0, k);
      },
      async get(id: string): Promise<Float32Array | undefined> {
        const res = await client.search({ index: alias, body: { size: 1, _source: [idField, vectorField], query: { term: { [idField]: id } } } as never });
        const hit = (res.body as { hits?: { hits?: Hit[] } }).hits?.hits?.[0];
        const v = hit?._source[vectorField];
        return Array.isArray(v) ? Float32Array.from(v as number[]) : undefined;
      },
    };
  }

  /** Every version index of `alias` (`<alias>_v*`), sorted. */
  private async versionIndexes(alias: string): Promise<string[]> {
    try {
      return Object.keys((await this.client.indices.get({ index: `${alias}_v*` })).body ?? {}).sort();
    } catch (e) {
      if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return [];
      throw e;
    }
  }

  /** Counts of `ids` per version index (a `terms` query on the id field). */
  async holding(alias: string, ids: readonly string[]): Promise<VersionHolding[]> {
    const current = new Set(await this.aliasIndexes(alias));
    const out: VersionHolding[] = [];
    for (const index of await this.versionIndexes(alias)) {
      const res = await this.client.count({ index, body: { query: { terms: { [this.idField(alias)]: [...ids] } } } as never });
      const count = Number(res.body?.count ?? 0);
      if (count > 0) out.push({ version: index, current: current.has(index), count });
    }
    return out;
  }

  /**
   * Deletes the documents of `ids` through the alias (found by id field, deleted by `_id`: Serverless
   * has no delete-by-query), expunges them from the segments on a domain (`_forcemerge` with
   * `only_expunge_deletes`; Serverless merges on its own), and deletes older versions holding any.
   */
  async erase(alias: string, ids: readonly string[]): Promise<EraseResult> {
    const idField = this.idField(alias);
    const current = (await this.aliasIndexes(alias)).sort().at(-1) ?? '';
    let removed = 0;
    if (current) {
      const res = await this.client.search({ index: alias, body: { size: 10_000, _source: false, query: { terms: { [idField]: [...ids] } } } as never });
      const hits = (res.body as { hits?: { hits?: { _index: string; _id: string }[] } }).hits?.hits ?? [];
      if (hits.length > 0) {
        const bulk = await this.client.bulk({ body: hits.map((h) => ({ delete: { _index: h._index, _id: h._id } })) as never });
        if ((bulk.body as { errors?: boolean }).errors) throw new Error(`deleting ${hits.length} document(s) from ${alias} failed; rerun the erasure`);
        removed = hits.length;
        if (!this.o.serverless) {
          await this.client.indices.refresh({ index: current });
          await this.client.indices.forcemerge({ index: current, only_expunge_deletes: true });
        }
      }
    }
    const dropped = (await this.holding(alias, ids)).filter((h) => !h.current).map((h) => h.version);
    if (dropped.length > 0) await this.client.indices.delete({ index: dropped.join(',') });
    return { removed, version: current, droppedVersions: dropped };
  }
}
