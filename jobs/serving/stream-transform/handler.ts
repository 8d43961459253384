/**
 * Lambda handler of `serving/recommendations`: the Firehose data transformation (see
 * ./transform.ts). The service is built on first use from environment variables
 * (../environment.ts), shared with the recommendation API.
 */
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { depsFromEnvironment } from '../environment';
import { createRecommenderService } from '../recommender';
import { createTransformHandler, type TransformHandler, type TransformResult } from './transform';
import { registerFilterFromEnvironment, type RegisterFilter } from '../../aws/erasure-register';

export { createTransformHandler } from './transform';

let transform: TransformHandler | undefined;
let register: RegisterFilter | undefined | null;

/** The Firehose transformation entry point; records of erased subjects (the stack's deletion register) come back `Dropped`. */
export async function handler(event: FirehoseTransformationEvent): Promise<TransformResult> {
  transform ??= createTransformHandler(createRecommenderService(depsFromEnvironment()));
  if (register === undefined) register = registerFilterFromEnvironment() ?? null;
  if (!register) return transform(event);
  const { kept, dropped } = await register(event.records);
  const out = await transform({ records: kept });
  return { records: [...out.records, ...dropped] };
}
