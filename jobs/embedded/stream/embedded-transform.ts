/**
 * The stream transform as the embedded Firehose runs it: the same handler code as the Lambda,
 * built from the embedded environment (`HEADWATER_MODE=embedded`: the local lake and indexes),
 * quiet about each failed record (the poller writes the reason beside it). The one place the
 * session, the poller process and the transform workers build it.
 */
import { depsFromEnvironment } from '../../serving/environment';
import { createRecommenderService, type RecommenderDeps } from '../../serving/recommender';
import { createTransformHandler, type TransformHandler } from '../../serving/stream-transform/transform';

/** The transform over `deps` (tests inject theirs), or over the embedded environment's. */
export function embeddedTransform(deps?: RecommenderDeps): TransformHandler {
  return createTransformHandler(createRecommenderService(deps ?? depsFromEnvironment({ ...process.env, HEADWATER_MODE: 'embedded' })), { logFailures: false });
}
