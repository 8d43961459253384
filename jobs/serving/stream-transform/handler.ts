/**
 * Lambda handler of `serving/recommendations`: the Firehose data transformation (see
 * ./transform.ts). The service is built on first use from environment variables
 * (../environment.ts), shared with the recommendation API.
 */
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { depsFromEnvironment } from '../environment';
import { createRecommenderService } from '../recommender';
import { createTransformHandler, type TransformHandler, type TransformResult } from './transform';

export { createTransformHandler } from './transform';

let transform: TransformHandler | undefined;

/** The Firehose transformation entry point. */
export async function handler(event: FirehoseTransformationEvent): Promise<TransformResult> {
  transform ??= createTransformHandler(createRecommenderService(depsFromEnvironment()));
  return transform(event);
}
