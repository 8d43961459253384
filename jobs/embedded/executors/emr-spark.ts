/**
 * The embedded face of the `emr-spark` kind for an asset declaring a model: instead of an EMR
 * Serverless job, the TypeScript trainer runs in-process on the local lake. It reads what the
 * declaration names (interactions, entity snapshots), trains, and commits the asset's own folder
 * (model.json, item_embeddings.parquet, user_embeddings.parquet) in one swap, so readers see
 * the previous model or the new one, never a mix, and a failed run leaves the previous intact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { computeSettings } from '../../../assets/core';
import type { EmrSparkSettings } from '../../../assets/kinds';
import type { Executor, StepContext, StepOutput } from '../../engine/environment';
import { MODEL_FILES } from '../../model/files';
import { readTrainingData, writeEmbeddingsParquet } from '../../model/lake-io';
import { recommenderParams, trainRecommender } from '../../model/trainer';
import { tableDir } from '../lake/layout';

export { MODEL_FILES };

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
      const declaration = settings.model;
      if (!declaration) {
        throw new Error(
          `${ctx.asset.key}: the embedded engine trains emr-spark assets that declare a model (model: recommenderModel({...})) and ${ctx.asset.key} declares none; ` +
            `run its script on local Spark instead (--engine spark)`,
        );
      }
      const params = recommenderParams(settings.params);
      const target = tableDir(options.lakeRoot, ctx.asset.key);
      recoverInterruptedSwap(target);

      const readStarted = performance.now();
      const data = await readTrainingData(declaration, (key) => tableDir(options.lakeRoot, key));
      const readMs = Math.round(performance.now() - readStarted);
      ctx.log(`read ${data.ratings.length} interactions, ${data.users.ids.length} users, ${data.items.ids.length} items in ${readMs} ms`);
      if (ctx.signal.aborted) throw new Error('cancelled before training; the previous model is unchanged');

      const trained = trainRecommender(data, declaration, params);
      const m = trained.metrics;
      const figure = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(4));
      ctx.log(
        `trained in ${m.trainMs} ms: recall@10 ${figure(m.recallAt10)} (popularity ${figure(m.baselineRecallAt10)}), ` +
          `NDCG@10 ${figure(m.ndcgAt10)} (popularity ${figure(m.baselineNdcgAt10)}) on ${m.evalUsers} hold-out users; ` +
          `known ${m.evalUsersKnown}: recall@10 ${figure(m.recallAt10Known)} (popularity ${figure(m.baselineRecallAt10Known)}), ` +
          `new ${m.evalUsersNew}: recall@10 ${figure(m.recallAt10New)} (popularity ${figure(m.baselineRecallAt10New)})`,
      );
      if (ctx.signal.aborted) throw new Error('cancelled after training; the previous model is unchanged');

      const writeStarted = performance.now();
      const staged = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      fs.mkdirSync(staged, { recursive: true });
      try {
        const { model } = trained;
        fs.writeFileSync(path.join(staged, MODEL_FILES.model), JSON.stringify(model));
        const { users, items } = declaration;
        await writeEmbeddingsParquet(path.join(staged, MODEL_FILES.items), items.field, items.idType, data.items.ids, trained.itemEmbeddings, model.dimension);
        await writeEmbeddingsParquet(path.join(staged, MODEL_FILES.users), users.field, users.idType, data.users.ids, trained.userEmbeddings, model.dimension);
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
