/**
 * Lambda handler of a `stream-delivery` serving asset: the Firehose data transformation (see
 * ./transform.ts). The service is built on first use from environment variables
 * (../environment.ts), as the recommendation API's is.
 */
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { servingFromEnvironment, type Env } from '../environment';
import { createRecommenderService } from '../recommender';
import { createTransformHandler, type TransformHandler, type TransformOptions, type TransformResult } from './transform';

export { createTransformHandler } from './transform';

/** The transformation built from an environment (the Lambda's, or the embedded stream's). */
export function transformFromEnvironment(env: Env = process.env, options: TransformOptions = {}): TransformHandler {
  const { config, deps } = servingFromEnvironment(env);
  return createTransformHandler(createRecommenderService(deps), config, options);
}

let transform: TransformHandler | undefined;

/** The Firehose transformation entry point. */
export async function handler(event: FirehoseTransformationEvent): Promise<TransformResult> {
  transform ??= transformFromEnvironment();
  return transform(event);
}
