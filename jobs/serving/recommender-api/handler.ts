/**
 * Lambda handler of a `lambda-api` serving asset (Function URL, payload v2). The service is built
 * on the first invocation from environment variables (see ../environment.ts: the serving config
 * and the model's and fallback's folders, named by `servingVariable`) and reused while the
 * execution environment lives. Routes and their validation are in ./routes.ts.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { servingFromEnvironment } from '../environment';
import { createRecommenderService } from '../recommender';
import { createApiHandler, FALLBACK_HEADER, type ApiHandler } from './routes';
import { FALLBACK_LOG_MESSAGE } from '../../aws/manifest';

export { createApiHandler } from './routes';

let api: ApiHandler | undefined;

/** The Function URL entry point. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  if (!api) {
    const { config, deps } = servingFromEnvironment();
    api = createApiHandler(createRecommenderService(deps), config);
  }
  const result = await api(event);
  // One JSON line per fallback answer: the stack's metric filter counts them (the answers are 200s).
  if (result.statusCode === 200 && result.headers?.[FALLBACK_HEADER] === 'true') {
    console.log(JSON.stringify({ msg: FALLBACK_LOG_MESSAGE, function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local', path: event.rawPath }));
  }
  return result;
}
