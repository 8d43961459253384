/**
 * `vector-index` on AWS: downloads the model's embeddings Parquet from S3 and loads it into
 * OpenSearch as a new index version, then swaps the alias (index-loader.ts).
 */
import type { Executor } from '../engine/environment';
import { deployedEntry, publishMaterialized, type AwsExecutorDeps } from './executor-deps';
import { runIndexLoad } from './index-loader';

/** The AWS executor of `vector-index`. */
export function createVectorIndexExecutor(deps: AwsExecutorDeps): Executor {
  return {
    kind: 'vector-index',
    async execute(ctx) {
      const entry = deployedEntry(deps, ctx.asset.key, ['vector-index'] as const);
      const started = deps.clock.now();
      const r = await runIndexLoad({
        entry,
        stack: deps.manifest.stack,
        region: deps.manifest.region,
        s3: deps.clients.s3,
        searchClient: deps.options.searchClient,
        log: ctx.log,
        signal: ctx.signal,
        clock: deps.clock,
        tmpDir: deps.options.tmpDir,
      });
      await publishMaterialized(deps, ctx.asset.key);
      return {
        metadata: {
          rows: r.count,
          alias: r.alias,
          version: r.version,
          previousVersion: r.previousVersion ?? null,
          dimension: entry.dimension,
          source: r.source,
          bytes: r.bytes,
          loadMs: deps.clock.now() - started,
        },
      };
    },
  };
}
