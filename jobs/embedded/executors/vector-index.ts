/**
 * The embedded face of the `vector-index` kind (index/item_embeddings, index/user_embeddings):
 * reads the embeddings Parquet the model step committed and loads it into the vector store as
 * a new version, which the store then swaps in behind the alias. Until that swap readers keep
 * the previous version.
 */
import path from 'node:path';
import { computeSettings } from '../../../assets/core';
import type { VectorIndexSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { LAKE_TABLES, readEmbeddingsParquet } from '../../model/lake-io';
import { EmbeddedVectorStore } from '../../vector-store/embedded';
import type { VectorStore } from '../../vector-store/port';
import { localPaths } from '../paths';
import { MODEL_FILES } from './emr-spark';

export interface VectorIndexExecutorOptions {
  /** The lake root (`localPaths.lake()`). */
  readonly lakeRoot: string;
  /**
   * The store to load into. Default: an `EmbeddedVectorStore` under `localPaths.indexes()`
   * built with the asset's `m` and `efConstruction`.
   */
  readonly store?: VectorStore;
}

/** The embeddings file of an entity in the committed model folder. */
export function embeddingsFile(lakeRoot: string, entity: 'item' | 'user'): { file: string; idColumn: string } {
  const dir = path.join(lakeRoot, LAKE_TABLES.model);
  return entity === 'item'
    ? { file: path.join(dir, MODEL_FILES.items), idColumn: 'product_code' }
    : { file: path.join(dir, MODEL_FILES.users), idColumn: 'customer_number' };
}

/** The index loader as an executor for `vector-index` assets. */
export function createVectorIndexExecutor(options: VectorIndexExecutorOptions): Executor {
  return {
    kind: 'vector-index',
    async execute(ctx: StepContext): Promise<StepOutput> {
      const s = computeSettings<VectorIndexSettings>(ctx.asset);
      const { file, idColumn } = embeddingsFile(options.lakeRoot, s.entity);
      const started = performance.now();
      const { ids, vectors } = await readEmbeddingsParquet(file, idColumn);
      // An empty load would swap the alias to an index that answers nothing: keep the previous one.
      if (ids.length === 0) throw new Error(`${file} holds no ${s.entity} embeddings; ${s.alias} still points to its previous version. Rematerialize the model with data first`);
      const bad = vectors.findIndex((v) => v.length !== s.dimension);
      if (bad >= 0) {
        throw new Error(
          `${file}: ${idColumn} ${ids[bad]} has ${vectors[bad].length} dimensions but ${ctx.asset.key} declares dimension ${s.dimension}; ` +
            'retrain model/recommender or fix the dimension in the asset declaration',
        );
      }
      ctx.log(`read ${ids.length} ${s.entity} embeddings from ${file}`);
      if (ctx.signal.aborted) throw new Error(`cancelled before loading ${s.alias}; the alias still points to the previous version`);
      const store = options.store ?? new EmbeddedVectorStore(localPaths.indexes(), { m: s.m, efConstruction: s.efConstruction, efSearch: s.efSearch });
      const result = await store.load(
        s.alias,
        ids.map((id, i) => ({ id, vector: vectors[i] })),
        { dimension: s.dimension },
      );
      ctx.log(`loaded ${result.count} vectors into ${s.alias} version ${result.version}${result.previousVersion ? ` (was ${result.previousVersion})` : ''}`);
      return {
        metadata: {
          rows: result.count,
          alias: result.alias,
          version: result.version,
          previousVersion: result.previousVersion ?? null,
          dimension: s.dimension,
          loadMs: Math.round(performance.now() - started),
        },
      };
    },
  };
}
