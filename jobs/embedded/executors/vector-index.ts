/**
 * The embedded face of the `vector-index` kind: reads the embeddings Parquet that its dep, the
 * model, committed (the side the index declares, ids in the model's entity `field`) and loads it
 * into the vector store as a new version keyed by the declared `idField`, which the store then
 * swaps in behind the alias. Until that swap readers keep the previous version.
 */
import path from 'node:path';
import { computeSettings, type AssetDefinition, type AssetGraph } from '../../../assets/core';
import { indexedModel, type VectorIndexSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { embeddingsFileName } from '../../model/files';
import { readEmbeddingsParquet } from '../../model/lake-io';
import { EmbeddedVectorStore } from '../../vector-store/embedded';
import type { VectorStore } from '../../vector-store/port';
import { tableDir } from '../lake/layout';
import { localPaths } from '../paths';

export interface VectorIndexExecutorOptions {
  /** The lake root (`localPaths.lake()`). */
  readonly lakeRoot: string;
  /**
   * The store to load into. Default: an `EmbeddedVectorStore` under `localPaths.indexes()`
   * built with the asset's `m` and `efConstruction`.
   */
  readonly store?: VectorStore;
}

/** The embeddings file an index asset loads (in its model dep's committed folder) and the file's id column. */
export function embeddingsFile(lakeRoot: string, graph: AssetGraph, asset: AssetDefinition): { file: string; idColumn: string; modelKey: string } {
  const s = computeSettings<VectorIndexSettings>(asset);
  const found = indexedModel(asset, (key) => (graph.has(key) ? graph.get(key) : undefined));
  return { file: path.join(tableDir(lakeRoot, found.key), embeddingsFileName(s.entity)), idColumn: found.entity.field, modelKey: found.key };
}

/** The index loader as an executor for `vector-index` assets. */
export function createVectorIndexExecutor(options: VectorIndexExecutorOptions): Executor {
  return {
    kind: 'vector-index',
    async execute(ctx: StepContext): Promise<StepOutput> {
      const s = computeSettings<VectorIndexSettings>(ctx.asset);
      const { file, idColumn, modelKey } = embeddingsFile(options.lakeRoot, ctx.graph, ctx.asset);
      const started = performance.now();
      const { ids, vectors } = await readEmbeddingsParquet(file, idColumn, modelKey);
      // An empty load would swap the alias to an index that answers nothing: keep the previous one.
      if (ids.length === 0) throw new Error(`${file} holds no ${s.entity} embeddings; ${s.alias} still points to its previous version. Rematerialize the model with data first`);
      const bad = vectors.findIndex((v) => v.length !== s.dimension);
      if (bad >= 0) {
        throw new Error(
          `${file}: ${idColumn} ${ids[bad]} has ${vectors[bad].length} dimensions but ${ctx.asset.key} declares dimension ${s.dimension}; ` +
            `retrain ${modelKey} or fix the dimension in the asset declaration`,
        );
      }
      ctx.log(`read ${ids.length} ${s.entity} embeddings from ${file}`);
      if (ctx.signal.aborted) throw new Error(`cancelled before loading ${s.alias}; the alias still points to the previous version`);
      const store = options.store ?? new EmbeddedVectorStore(localPaths.indexes(), { m: s.m, efConstruction: s.efConstruction, efSearch: s.efSearch });
      const result = await store.load(
        s.alias,
        ids.map((id, i) => ({ id, vector: vectors[i] })),
        { dimension: s.dimension, idField: s.idField },
      );
      ctx.log(`loaded ${result.count} vectors into ${s.alias} version ${result.version}${result.previousVersion ? ` (was ${result.previousVersion})` : ''}`);
      return {
        metadata: {
          rows: result.count,
          alias: result.alias,
          version: result.version,
          previousVersion: result.previousVersion ?? null,
          dimension: s.dimension,
          idField: s.idField,
          loadMs: Math.round(performance.now() - started),
        },
      };
    },
  };
}
