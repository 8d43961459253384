/**
 * `emr-spark` on AWS: an EMR Serverless job run of the asset's PySpark script (emr-launcher.ts).
 * A job that writes a model.json in its output folder (the trainer does) reports its metrics, so
 * the model-vs-popularity checks run as they do embedded.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Executor } from '../engine/environment';
import { runEmrJob } from './emr-launcher';
import { deployedEntry, jobRunOptions, publishMaterialized, type AwsExecutorDeps } from './executor-deps';
import type { EmrSparkManifest } from './manifest';
import { withRetry } from './retry';

/** The file a model-training Spark job writes next to its outputs (format and metrics: jobs/model/artifact.ts). */
const MODEL_FILE = 'model.json';

/** The AWS executor of `emr-spark`. */
export function createEmrSparkExecutor(deps: AwsExecutorDeps): Executor {
  return {
    kind: 'emr-spark',
    async execute(ctx) {
      const entry = deployedEntry(deps, ctx.asset.key, ['emr-spark'] as const);
      const r = await runEmrJob(deps.clients.emr, { entry, ...jobRunOptions(deps, ctx) });
      const metrics = await outputMetrics(deps, entry, ctx.log);
      await publishMaterialized(deps, ctx.asset.key);
      return { metadata: { ...metrics, emrJobRunId: r.jobRunId, consoleUrl: r.consoleUrl, ...(r.billedVcpuHours !== undefined ? { billedVcpuHours: r.billedVcpuHours } : {}) } };
    },
  };
}

/**
 * The numeric `metrics` of the `model.json` a Spark job wrote in its output folder (the trainer
 * does), as the embedded executor reports them: metric checks (model vs popularity) read them
 * from the step's metadata. None when the job writes no model.json.
 */
async function outputMetrics(deps: AwsExecutorDeps, entry: EmrSparkManifest, log: (m: string) => void): Promise<Record<string, number>> {
  if (!entry.location) return {};
  const key = `${entry.location.prefix}${MODEL_FILE}`;
  let text: string | undefined;
  try {
    const res = await withRetry(() => deps.clients.s3.send(new GetObjectCommand({ Bucket: entry.location!.bucket, Key: key })), { clock: deps.clock });
    text = await res.Body?.transformToString('utf8');
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey') return {};
    throw new Error(`reading the metrics of ${entry.key} at s3://${entry.location.bucket}/${key}: ${(e as Error).message}`);
  }
  let metrics: unknown;
  try {
    metrics = (JSON.parse(text ?? 'null') as { metrics?: unknown } | null)?.metrics;
  } catch (e) {
    throw new Error(`s3://${entry.location.bucket}/${key} is not valid JSON (${(e as Error).message}); rerun ${entry.key}`);
  }
  const out = Object.fromEntries(Object.entries(metrics && typeof metrics === 'object' ? metrics : {}).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
  if (Object.keys(out).length) log(`metrics from s3://${entry.location.bucket}/${key}: ${Object.entries(out).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(', ')}`);
  return out;
}
