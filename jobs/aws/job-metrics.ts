/**
 * The metrics a Spark job reports through S3: a model-training job (the trainer) writes
 * `model.json` last in its output folder, with numeric `metrics` (recall@10, its popularity
 * baseline, ...). Read by the CLI's EMR executor after its job run and by the state machines'
 * recorder after the `.sync` task, so metric checks (model vs popularity) judge the same figures
 * wherever the job was started.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { withRetry, type Clock } from './retry';
import type { LakeLocation } from './manifest';

/** The file a model-training Spark job writes next to its outputs (format and metrics: jobs/model/artifact.ts). */
export const MODEL_FILE = 'model.json';

/** An S3 object holding a job's reported metrics. */
export interface MetricsObject {
  readonly bucket: string;
  readonly key: string;
}

/** Where a job writing into `location` reports its metrics. */
export const metricsObjectOf = (location: Pick<LakeLocation, 'bucket' | 'prefix'>): MetricsObject => ({ bucket: location.bucket, key: `${location.prefix}${MODEL_FILE}` });

/**
 * The numeric `metrics` of the object (none when it does not exist: the job reports none).
 * Anything else that goes wrong (access, bad JSON) is an error naming the object.
 */
export async function readJobMetrics(s3: S3Client, object: MetricsObject, options: { clock?: Clock; log?: (m: string) => void; owner: string }): Promise<Record<string, number>> {
  const uri = `s3://${object.bucket}/${object.key}`;
  let text: string | undefined;
  try {
    const res = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key })), { clock: options.clock });
    text = await res.Body?.transformToString('utf8');
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey') return {};
    throw new Error(`reading the metrics of ${options.owner} at ${uri}: ${(e as Error).message}`);
  }
  let metrics: unknown;
  try {
    metrics = (JSON.parse(text ?? 'null') as { metrics?: unknown } | null)?.metrics;
  } catch (e) {
    throw new Error(`${uri} is not valid JSON (${(e as Error).message}); rerun ${options.owner}`);
  }
  const out = Object.fromEntries(Object.entries(metrics && typeof metrics === 'object' ? metrics : {}).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
  if (Object.keys(out).length) options.log?.(`metrics from ${uri}: ${Object.entries(out).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(', ')}`);
  return out;
}
