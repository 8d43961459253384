/**
 * Lambda handler of `serving/recommender_api` (Function URL, payload v2). The service is built on
 * the first invocation from environment variables (see ../environment.ts) and reused while the
 * execution environment lives. Routes and their validation are in ./routes.ts.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { depsFromEnvironment } from '../environment';
import { createRecommenderService } from '../recommender';
import { createApiHandler, type ApiHandler } from './routes';

export { createApiHandler } from './routes';

let api: ApiHandler | undefined;

/** The Function URL entry point. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  api ??= createApiHandler(createRecommenderService(depsFromEnvironment()));
  return api(event);
}
