/**
 * The embedded vector store: an in-process HNSW index (hnswlib-node) per alias, on local disk.
 *
 * Layout under `rootDir`:
 *   <alias>/versions/<version>/index.hnsw   the HNSW graph (inner-product space)
 *   <alias>/versions/<version>/ids.json     label -> id (labels are the row numbers)
 *   <alias>/versions/<version>/vectors.f32  the raw vectors, row-major, for `get` and exact search
 *   <alias>/ALIAS                           `{ "version": ... }`, replaced atomically (temp + rename)
 *
 * A load writes a complete new version directory and only then renames the alias pointer over the
 * old one, so a reader sees either the old or the new version, never a half-written one. The
 * previous version stays on disk (readers that opened it keep working); older ones are pruned.
 * hnswlib-node was chosen over usearch (also installable here) because it lets each query set its own `ef` (the port's
 * `efSearch`), which usearch fixes when the index is created.
 *
 * Maximum inner product is not a metric and HNSW graphs built on it lose recall (0.88 at ef 100
 * on 100k x 33 in our benchmark). So the graph is built in L2 space on augmented vectors
 * (Bachrach et al. 2014): item x -> [x, sqrt(M^2 - |x|^2)] with M the largest norm, query
 * q -> [q, 0]. Then |q' - x'|^2 = |q|^2 + M^2 - 2 q.x, so the L2 ranking is the inner-product
 * ranking, and the score is recovered exactly as (|q|^2 + M^2 - d) / 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HierarchicalNSW } from 'hnswlib-node';
import { UserError } from '../../assets/core';
import type { ErasableVectorStore, EraseResult, LoadOptions, LoadResult, SearchOptions, VectorDocument, VectorHit, VectorIndexReader, VersionHolding } from './port';

/** HNSW build parameters; the defaults give recall@10 >= 0.95 at ef 100 on 100k x 33 embeddings. */
export interface EmbeddedIndexOptions {
  /** Graph degree (hnswlib `M`). Default 16. */
  readonly m?: number;
  /** Build beam (hnswlib `efConstruction`). Default 200. */
  readonly efConstruction?: number;
  /** Query beam when a search does not give one. Default 100. */
  readonly efSearch?: number;
  /** Versions kept on disk after a swap (the current one included). Default 2. */
  readonly keepVersions?: number;
  /** How often an open reader checks whether the alias moved, ms. Default 1000. */
  readonly refreshMs?: number;
}

interface AliasPointer {
  readonly version: string;
  readonly dimension: number;
  readonly count: number;
  readonly loadedAt: string;
}

const ALIAS_FILE = 'ALIAS';

/** Writes `data` to `file` so that readers see the old or the new content, never a partial one. */
function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * The alias pointer of the alias folder `aliasDir`, or undefined when it was never loaded; a
 * damaged pointer is an error naming the file and the way out.
 */
export function readAliasPointer(aliasDir: string): AliasPointer | undefined {
  const file = path.join(aliasDir, ALIAS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read the vector index alias ${file}: ${(e as Error).message}`);
  }
  let pointer: Partial<AliasPointer>;
  try {
    pointer = JSON.parse(text) as Partial<AliasPointer>;
  } catch {
    pointer = {};
  }
  if (typeof pointer?.version !== 'string' || !/^[\w.-]+$/.test(pointer.version) || typeof pointer.dimension !== 'number') {
    throw new UserError(`the vector index alias ${file} is damaged (expected {"version", "dimension", ...}); rebuild the index: assets materialize index/${path.basename(aliasDir)} --force`);
  }
  return pointer as AliasPointer;
}

/** A new version name that sorts by load time. */
function newVersion(): string {
  return `v${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** One opened, immutable version of an alias. */
class IndexVersion {
  private constructor(
    readonly version: string,
    readonly dimension: number,
    private readonly hnsw: HierarchicalNSW,
    private readonly ids: readonly string[],
    private readonly labels: ReadonlyMap<string, number>,
    private readonly vectors: Float32Array,
    private readonly maxNorm: number,
  ) {}

  static open(dir: string, version: string, dimension: number): IndexVersion {
    const ids = JSON.parse(fs.readFileSync(path.join(dir, 'ids.json'), 'utf8')) as string[];
    const raw = fs.readFileSync(path.join(dir, 'vectors.f32'));
    const vectors = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    if (vectors.length !== ids.length * dimension) {
      throw new Error(`vector index ${dir}: vectors.f32 holds ${vectors.length / dimension} rows but ids.json ${ids.length}; reload the index`);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { maxNorm: number };
    const hnsw = new HierarchicalNSW('l2', dimension + 1);
    if (ids.length > 0) hnsw.readIndexSync(path.join(dir, 'index.hnsw'));
    const labels = new Map(ids.map((id, i) => [id, i] as const));
    return new IndexVersion(version, dimension, hnsw, ids, labels, vectors, meta.maxNorm);
  }

  get size(): number {
    return this.ids.length;
  }

  search(vector: Float32Array, k: number, efSearch: number, exclude?: ReadonlySet<string>): VectorHit[] {
    if (vector.length !== this.dimension) throw new Error(`query has ${vector.length} dimensions, the index ${this.dimension}`);
    const n = Math.min(this.size, k + (exclude?.size ?? 0));
    if (n <= 0) return [];
    this.hnsw.setEf(Math.max(efSearch, n));
    const query = [...vector, 0];
    let qq = 0;
    for (const x of vector) qq += x * x;
    // Over-fetch and drop excluded ids here: hnswlib-node's filter callback crosses into JS for
    // every visited node, which costs more than the whole search.
    const res = this.hnsw.searchKnn(query, n);
    const m2 = this.maxNorm * this.maxNorm;
    const hits: VectorHit[] = [];
    for (let i = 0; i < res.neighbors.length && hits.length < k; i++) {
      const id = this.ids[res.neighbors[i]];
      if (!exclude?.has(id)) hits.push({ id, score: (qq + m2 - res.distances[i]) / 2 });
    }
    return hits;
  }

  get(id: string): Float32Array | undefined {
    const row = this.labels.get(id);
    if (row === undefined) return undefined;
    return this.vectors.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  /** Every vector, row-major (used for exact-search baselines). */
  allVectors(): { ids: readonly string[]; vectors: Float32Array } {
    return { ids: this.ids, vectors: this.vectors };
  }
}

/** A reader that follows its alias: it reopens the index when a load has swapped the alias. */
class FollowingReader implements VectorIndexReader {
  private checkedAt = 0;
  constructor(
    private readonly store: EmbeddedVectorStore,
    readonly alias: string,
    private current: IndexVersion,
    private readonly refreshMs: number,
    private readonly efSearch: number,
  ) {}

  get version(): string {
    return this.current.version;
  }
  get dimension(): number {
    return this.current.dimension;
  }
  get size(): number {
    return this.current.size;
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < this.refreshMs) return;
    this.checkedAt = now;
    const pointer = this.store.readAlias(this.alias);
    // Keep serving the version we have if the alias is unreadable or unchanged.
    if (pointer && pointer.version !== this.current.version) this.current = this.store.openVersion(this.alias, pointer);
  }

  async search(vector: Float32Array, k: number, options?: SearchOptions): Promise<VectorHit[]> {
    this.refresh();
    return this.current.search(vector, k, options?.efSearch ?? this.efSearch, options?.exclude);
  }

  async get(id: string): Promise<Float32Array | undefined> {
    this.refresh();
    return this.current.get(id);
  }

  /** Ids and vectors of the current version, for exact-search baselines (benchmarks, tests). */
  snapshot(): { ids: readonly string[]; vectors: Float32Array } {
    return this.current.allVectors();
  }
}

/** The embedded adapter of the vector-store port (see the file comment for the on-disk layout). */
export class EmbeddedVectorStore implements ErasableVectorStore {
  private readonly options: Required<EmbeddedIndexOptions>;

  constructor(
    readonly rootDir: string,
    options: EmbeddedIndexOptions = {},
  ) {
    this.options = { m: 16, efConstruction: 200, efSearch: 100, keepVersions: 2, refreshMs: 1000, ...options };
  }

  /** Builds a new version of `alias` from `documents`, then swaps the alias to it. */
  async load(alias: string, documents: AsyncIterable<VectorDocument> | Iterable<VectorDocument>, options: LoadOptions): Promise<LoadResult> {
    const { dimension } = options;
    if (!/^[a-z0-9_-]+$/i.test(alias)) throw new Error(`vector index alias '${alias}' must be letters, digits, '_' or '-'`);
    if (!Number.isInteger(dimension) || dimension <= 0) throw new Error(`vector index ${alias}: dimension must be a positive integer, got ${dimension}`);
    const ids: string[] = [];
    const seen = new Set<string>();
    const rows: Float32Array[] = [];
    for await (const doc of documents) {
      if (doc.vector.length !== dimension) {
        throw new Error(`vector index ${alias}: document '${doc.id}' has ${doc.vector.length} dimensions, expected ${dimension}`);
      }
      if (seen.has(doc.id)) throw new Error(`vector index ${alias}: duplicate id '${doc.id}'; ids must be unique`);
      seen.add(doc.id);
      ids.push(doc.id);
      rows.push(doc.vector);
    }
    const version = newVersion();
    const aliasDir = path.join(this.rootDir, alias);
    const versionDir = path.join(aliasDir, 'versions', version);
    const building = `${versionDir}.building`;
    fs.mkdirSync(building, { recursive: true });

    const vectors = new Float32Array(ids.length * dimension);
    rows.forEach((v, i) => vectors.set(v, i * dimension));
    const norms = rows.map((v) => v.reduce((s, x) => s + x * x, 0));
    const maxNorm = Math.sqrt(norms.reduce((m, x) => Math.max(m, x), 0));
    if (ids.length > 0) {
      const hnsw = new HierarchicalNSW('l2', dimension + 1);
      hnsw.initIndex(ids.length, this.options.m, this.options.efConstruction);
      for (let i = 0; i < rows.length; i++) hnsw.addPoint([...rows[i], Math.sqrt(Math.max(0, maxNorm * maxNorm - norms[i]))], i);
      hnsw.writeIndexSync(path.join(building, 'index.hnsw'));
    }
    fs.writeFileSync(path.join(building, 'meta.json'), JSON.stringify({ space: 'l2-augmented-mips', dimension, maxNorm, ...(options.idField ? { idField: options.idField } : {}) }));
    fs.writeFileSync(path.join(building, 'ids.json'), JSON.stringify(ids));
    fs.writeFileSync(path.join(building, 'vectors.f32'), new Uint8Array(vectors.buffer));
    fs.renameSync(building, versionDir);

    let previousVersion: string | undefined;
    try {
      previousVersion = this.readAlias(alias)?.version;
    } catch {
      // A damaged pointer is what this load replaces: the new version takes over.
    }
    const pointer: AliasPointer = { version, dimension, count: ids.length, loadedAt: new Date().toISOString() };
    writeAtomic(path.join(aliasDir, ALIAS_FILE), JSON.stringify(pointer));
    this.prune(alias, version);
    return { alias, version, count: ids.length, ...(previousVersion ? { previousVersion } : {}) };
  }

  /** Opens what the alias points to; the reader follows later swaps by itself. */
  async open(alias: string): Promise<VectorIndexReader & { snapshot(): { ids: readonly string[]; vectors: Float32Array } }> {
    const pointer = this.readAlias(alias);
    if (!pointer) {
      throw new Error(`vector index '${alias}' does not exist under ${this.rootDir}; materialize index/${alias} first (assets materialize index/${alias})`);
    }
    return new FollowingReader(this, alias, this.openVersion(alias, pointer), this.options.refreshMs, this.options.efSearch);
  }

  /** The alias pointer, or undefined when the alias was never loaded. */
  readAlias(alias: string): AliasPointer | undefined {
    return readAliasPointer(path.join(this.rootDir, alias));
  }

  /** Opens one version directory (internal to readers). */
  openVersion(alias: string, pointer: AliasPointer): IndexVersion {
    return IndexVersion.open(path.join(this.rootDir, alias, 'versions', pointer.version), pointer.version, pointer.dimension);
  }

  /**
   * The versions (and loads a killed process left `.building`) holding any of `ids`. Only
   * `ids.json` is read: the ids are what identify a person; vectors are found by their row.
   */
  async holding(alias: string, ids: readonly string[]): Promise<VersionHolding[]> {
    const dir = path.join(this.rootDir, alias, 'versions');
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return [];
    }
    const wanted = new Set(ids);
    const current = this.readAlias(alias)?.version;
    const out: VersionHolding[] = [];
    for (const version of names) {
      let stored: string[];
      try {
        stored = JSON.parse(fs.readFileSync(path.join(dir, version, 'ids.json'), 'utf8')) as string[];
      } catch {
        // A load killed before writing its ids: it can hold vectors of anyone, so it counts as holding.
        if (version.endsWith('.building')) out.push({ version, current: false, count: 1 });
        continue;
      }
      const count = stored.reduce((n, id) => n + (wanted.has(id) ? 1 : 0), 0);
      if (count > 0) out.push({ version, current: version === current, count });
    }
    return out;
  }

  /**
   * Loads a new version without the documents of `ids` (the alias swaps to it: readers never see
   * a half-erased index), then deletes every other version still holding one of them. Killed
   * half-way, a rerun finds what is left: the swap is atomic and the drops are idempotent.
   */
  async erase(alias: string, ids: readonly string[]): Promise<EraseResult> {
    const wanted = new Set(ids);
    let pointer = this.readAlias(alias);
    let removed = 0;
    if (pointer) {
      const current = this.openVersion(alias, pointer).allVectors();
      removed = current.ids.reduce((n, id) => n + (wanted.has(id) ? 1 : 0), 0);
      if (removed > 0) {
        const keep: VectorDocument[] = [];
        current.ids.forEach((id, i) => {
          if (!wanted.has(id)) keep.push({ id, vector: current.vectors.slice(i * pointer!.dimension, (i + 1) * pointer!.dimension) });
        });
        await this.load(alias, keep, { dimension: pointer.dimension });
        pointer = this.readAlias(alias);
      }
    }
    const droppedVersions: string[] = [];
    for (const h of await this.holding(alias, ids)) {
      if (h.current) continue;
      fs.rmSync(path.join(this.rootDir, alias, 'versions', h.version), { recursive: true, force: true });
      droppedVersions.push(h.version);
    }
    return { removed, version: pointer?.version ?? '', droppedVersions };
  }

  /** Removes versions beyond `keepVersions`, never the current one. */
  private prune(alias: string, current: string): void {
    const dir = path.join(this.rootDir, alias, 'versions');
    const versions = fs
      .readdirSync(dir)
      .filter((v) => !v.endsWith('.building'))
      .sort();
    const stale = versions.filter((v) => v !== current).slice(0, Math.max(0, versions.length - this.options.keepVersions));
    for (const v of stale) fs.rmSync(path.join(dir, v), { recursive: true, force: true });
  }
}
