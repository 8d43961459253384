/**
 * The vector-store port: what serving and index loads need from a k-NN index, whatever backs it
 * (the embedded HNSW index, or OpenSearch). Indexes are versioned behind an alias: a load writes a
 * new version and then swaps the alias, so readers never see a half-loaded index.
 */

export interface VectorHit {
  readonly id: string;
  /** Inner product (higher is closer). */
  readonly score: number;
}

export interface VectorDocument {
  readonly id: string;
  readonly vector: Float32Array;
}

export interface SearchOptions {
  /** HNSW query beam (OpenSearch `method_parameters.ef_search`). */
  readonly efSearch?: number;
  /** Ids to leave out of the results (e.g. the item being viewed). */
  readonly exclude?: ReadonlySet<string>;
}

/** A readable index version. */
export interface VectorIndexReader {
  readonly alias: string;
  readonly version: string;
  readonly dimension: number;
  readonly size: number;
  search(vector: Float32Array, k: number, options?: SearchOptions): Promise<VectorHit[]>;
  /** The stored vector of `id`, or undefined when unknown. */
  get(id: string): Promise<Float32Array | undefined>;
}

export interface LoadResult {
  readonly alias: string;
  readonly version: string;
  readonly count: number;
  readonly previousVersion?: string;
}

/** How many of some ids one version of an alias holds. */
export interface VersionHolding {
  readonly version: string;
  /** The version the alias points to; the others are kept for safety or were left by a killed load. */
  readonly current: boolean;
  readonly count: number;
}

export interface EraseResult {
  /** Documents deleted from the current version. */
  readonly removed: number;
  /** The version the alias points to afterwards. */
  readonly version: string;
  /** Other versions deleted because they still held some of the ids. */
  readonly droppedVersions: readonly string[];
}

/** How a load writes its version. */
export interface LoadOptions {
  readonly dimension: number;
  /** The document field holding the entity id (the index asset's `idField`); the store's default when absent. */
  readonly idField?: string;
}

export interface VectorStore {
  /** Writes `documents` into a new version of `alias`, then points the alias at it. */
  load(alias: string, documents: AsyncIterable<VectorDocument> | Iterable<VectorDocument>, options: LoadOptions): Promise<LoadResult>;
  /** Opens the version the alias points to now. */
  open(alias: string): Promise<VectorIndexReader>;
}

/** A store that can forget documents (right to erasure): both adapters implement it. */
export interface ErasableVectorStore extends VectorStore {
  /** Right to erasure: the versions of `alias` holding any of `ids` (documents by id field), with counts. */
  holding(alias: string, ids: readonly string[]): Promise<VersionHolding[]>;
  /** Deletes the documents of `ids` from the current version and drops every other version still holding one. */
  erase(alias: string, ids: readonly string[]): Promise<EraseResult>;
}
