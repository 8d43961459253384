import type { KindDescriptorOf } from '../core/kinds';

/** A k-NN vector index loaded from an embeddings table (AWS: OpenSearch; embedded: HNSW). */
export interface VectorIndexSettings {
  readonly kind: 'vector-index';
  /** Which embeddings of the upstream model to load: `item` or `user`. */
  readonly entity: 'item' | 'user';
  /** Vector dimension (32 factors + 1 bias dimension). */
  readonly dimension: number;
  /** Similarity. `innerproduct` because the bias dimension makes ranking a pure inner product. */
  readonly space: 'innerproduct' | 'cosinesimil' | 'l2';
  /** Document field holding the entity id (Serverless vector collections reject custom `_id`s). */
  readonly idField: string;
  /** HNSW graph degree. Default 16. */
  readonly m: number;
  /** HNSW build beam. Default 128. */
  readonly efConstruction: number;
  /** HNSW query beam. Default 100. */
  readonly efSearch: number;
  /** Alias that readers use; each load writes `<alias>_v<N>` and swaps the alias. */
  readonly alias: string;
}

export const vectorIndex = (
  s: Pick<VectorIndexSettings, 'entity' | 'dimension' | 'idField' | 'alias'> & Partial<Omit<VectorIndexSettings, 'kind'>>,
): VectorIndexSettings => ({ kind: 'vector-index', space: 'innerproduct', m: 16, efConstruction: 128, efSearch: 100, ...s });

export const vectorIndexKind: KindDescriptorOf<VectorIndexSettings, 'batch'> = {
  name: 'vector-index',
  description: 'k-NN index (OpenSearch on AWS, HNSW embedded), versioned behind an alias',
  category: 'batch',
  // An index load replaces the whole index: one load per run.
  backfill: { type: 'per_partition' },
};
