/**
 * The embedded face of the `emr-spark` kind (model/recommender): instead of an EMR Serverless
 * job, the TypeScript trainer runs in-process on the local lake. It reads the training set and
 * the raw customer/product snapshots, trains, and commits `<lake>/model/recommender/`
 * (model.json, item_embeddings.parquet, user_embeddings.parquet) in one swap, so readers see
 * the previous model or the new one, never a mix, and a failed run leaves the previous intact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { computeSettings } from '../../../assets/core';
import type { EmrSparkSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { LAKE_TABLES, readTrainingData, writeEmbeddingsParquet } from '../../model/lake-io';
import { embedEntities, recommenderParams, trainRecommender } from '../../model/trainer';

/** Files of a committed model folder. */
export const MODEL_FILES = { model: 'model.json', items: 'item_embeddings.parquet', users: 'user_embeddings.parquet' } as const;

export interface EmrSparkExecutorOptions {
  /** The lake root (`localPaths.lake()`). */
  readonly lakeRoot: string;
}

/** Where a swap parks the old folder: hidden, so no reader mistakes it for the model. */
const previousOf = (target: string) => path.join(path.dirname(target), `.${path.basename(target)}.previous`);

/**
 * Replaces `target` by the complete folder `staged`: the old folder is renamed aside, the new
 * one renamed in, the old one removed. A crash between the two renames leaves the old folder
 * at `.<name>.previous`, which `recoverInterruptedSwap` puts back on the next run.
 */
export function swapFolder(staged: string, target: string): void {
  const previous = previousOf(target);
  fs.rmSync(previous, { recursive: true, force: true });
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, previous);
  try {
    fs.renameSync(staged, target);
  } catch (e) {
    if (hadTarget) fs.renameSync(previous, target);
    throw e;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

/** Restores `.<name>.previous` when a swap was interrupted after moving the old folder aside. */
export function recoverInterruptedSwap(target: string): void {
  const previous = previousOf(target);
  if (!fs.existsSync(target) && fs.existsSync(previous)) fs.renameSync(previous, target);
}

/** The embedded trainer as an executor for `emr-spark` assets. */
export function createEmrSparkExecutor(options: EmrSparkExecutorOptions): Executor {
  return {
    kind: 'emr-spark',
    async execute(ctx: StepContext): Promise<StepOutput> {
      const settings = computeSettings<EmrSparkSettings>(ctx.asset);
      const params = recommenderParams(settings.params);
      const target = path.join(options.lakeRoot, LAKE_TABLES.model);
      recoverInterruptedSwap(target);

      const readStarted = performance.now();
      const data = await readTrainingData(options.lakeRoot);
      const readMs = Math.round(performance.now() - readStarted);
      ctx.log(`read ${data.ratings.length} ratings, ${data.users.ids.length} customers, ${data.items.ids.length} products in ${readMs} ms`);
      if (ctx.signal.aborted) throw new Error('cancelled before training; the previous model is unchanged');

      const trained = trainRecommender(data, params);
      const m = trained.metrics;
      ctx.log(
        `trained in ${m.trainMs} ms: recall@10 ${m.recallAt10.toFixed(4)} (popularity ${m.baselineRecallAt10.toFixed(4)}), ` +
          `NDCG@10 ${m.ndcgAt10.toFixed(4)} (popularity ${m.baselineNdcgAt10.toFixed(4)}) on ${m.evalUsers} hold-out customers`,
      );
      if (ctx.signal.aborted) throw new Error('cancelled after training; the previous model is unchanged');

      const writeStarted = performance.now();
      const staged = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      fs.mkdirSync(staged, { recursive: true });
      try {
        const { model } = trained;
        fs.writeFileSync(path.join(staged, MODEL_FILES.model), JSON.stringify(model));
        const items = embedEntities(model, 'item', data.items.features);
        await writeEmbeddingsParquet(path.join(staged, MODEL_FILES.items), 'product_code', data.items.ids, items, model.dimension);
        const users = embedEntities(model, 'user', data.users.features);
        await writeEmbeddingsParquet(path.join(staged, MODEL_FILES.users), 'customer_number', data.users.ids, users, model.dimension);
        if (ctx.signal.aborted) throw new Error('cancelled before commit; the previous model is unchanged');
        swapFolder(staged, target);
      } catch (e) {
        fs.rmSync(staged, { recursive: true, force: true });
        throw e;
      }
      return {
        metadata: {
          ...m,
          rows: m.rows,
          holdoutFrom: trained.holdoutFrom,
          dimension: trained.model.dimension,
          readMs,
          writeMs: Math.round(performance.now() - writeStarted),
          path: target,
        },
      };
    },
  };
}
