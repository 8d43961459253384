/**
 * Lambda handler of a `stream-delivery` serving asset: the Firehose data transformation (see
 * ./transform.ts). The service is built on first use from environment variables
 * (../environment.ts), as the recommendation API's is.
 */
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { servingFromEnvironment, servingMode, type Env } from '../environment';
import { createRecommenderService } from '../recommender';
import { createTransformHandler, type TransformHandler, type TransformOptions, type TransformResult } from './transform';
import { registerFilterFromEnvironment, type RegisterFilter } from '../../aws/erasure-register';

export { createTransformHandler } from './transform';

/** The transformation built from an environment (the Lambda's, or the embedded stream's). */
export function transformFromEnvironment(env: Env = process.env, options: TransformOptions = {}): TransformHandler {
  const { config, deps } = servingFromEnvironment(env);
  return createTransformHandler(createRecommenderService(deps), config, options);
}

let transform: TransformHandler | undefined;
let register: RegisterFilter | undefined | null;

/** The Firehose transformation entry point; records of erased subjects (the stack's deletion register) come back `Dropped`. */
export async function handler(event: FirehoseTransformationEvent): Promise<TransformResult> {
  // Failures are logged to CloudWatch on Lambda; on one machine the error prefix holds them with their reason.
  transform ??= transformFromEnvironment(process.env, { logFailures: servingMode() === 'aws' });
  if (register === undefined) register = registerFilterFromEnvironment() ?? null;
  if (!register) return transform(event);
  const { kept, dropped } = await register(event.records);
  const out = await transform({ records: kept });
  return { records: [...out.records, ...dropped] };
}
