/**
 * `emr-spark` on AWS: an EMR Serverless job run of the asset's PySpark script (emr-launcher.ts).
 * A job that writes a model.json in its output folder (the trainer does) reports its metrics, so
 * the model-vs-popularity checks run as they do embedded.
 */
import type { Executor } from '../engine/environment';
import { runEmrJob } from './emr-launcher';
import { deployedEntry, jobRunOptions, publishMaterialized, type AwsExecutorDeps } from './executor-deps';
import { metricsObjectOf, readJobMetrics } from './job-metrics';

/** The AWS executor of `emr-spark`. */
export function createEmrSparkExecutor(deps: AwsExecutorDeps): Executor {
  return {
    kind: 'emr-spark',
    async execute(ctx) {
      const entry = deployedEntry(deps, ctx.asset.key, ['emr-spark'] as const);
      const r = await runEmrJob(deps.clients.emr, { entry, ...jobRunOptions(deps, ctx) });
      // The trainer's model.json reports its metrics: metric checks (model vs popularity) read them from the step's metadata.
      const metrics = entry.location ? await readJobMetrics(deps.clients.s3, metricsObjectOf(entry.location), { clock: deps.clock, log: ctx.log, owner: entry.key }) : {};
      await publishMaterialized(deps, ctx.asset.key);
      return { metadata: { ...metrics, emrJobRunId: r.jobRunId, consoleUrl: r.consoleUrl, ...(r.billedVcpuHours !== undefined ? { billedVcpuHours: r.billedVcpuHours } : {}) } };
    },
  };
}
