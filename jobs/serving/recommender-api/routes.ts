/**
 * The recommendation API's routes over Lambda Function URL events (payload v2). The local HTTP
 * server of `assets serve` turns each request into the same event, so both run this code.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { NotFoundError, UnavailableError, type RecommendationResult, type RecommenderService } from '../recommender';
import { LIMITS, parseCustomerNumber, parseEmbedding, parseFeatures, parseLimit, parseProductCode, type Parsed } from '../validation';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const badRequest = (error: string) => json(400, { error });

/** The shape every list answers with. */
const listBody = (r: RecommendationResult) => ({
  items: r.items,
  fallback: r.fallback,
  ...(r.reason ? { reason: r.reason } : {}),
  ...(r.coldStart ? { cold_start: true } : {}),
});

function readBody(event: APIGatewayProxyEventV2): Parsed<Record<string, unknown>> {
  if (!event.body) return { ok: false, error: 'a JSON body is required' };
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > LIMITS.maxBodyBytes) return { ok: false, error: `the body is larger than ${LIMITS.maxBodyBytes} bytes` };
  try {
    const x: unknown = JSON.parse(text);
    if (!x || typeof x !== 'object' || Array.isArray(x)) return { ok: false, error: 'the body must be a JSON object' };
    return { ok: true, value: x as Record<string, unknown> };
  } catch (e) {
    return { ok: false, error: `the body is not valid JSON: ${(e as Error).message}` };
  }
}

/** Builds the API handler over a service. */
export function createApiHandler(service: RecommenderService): ApiHandler {
  async function recommendations(q: Record<string, string | undefined>): Promise<APIGatewayProxyStructuredResultV2> {
    const k = parseLimit(q.k, 'k');
    if (!k.ok) return badRequest(k.error);
    const features = parseFeatures(q);
    if (!features.ok) return badRequest(features.error);
    let customer: number | undefined;
    if (q.customer_number !== undefined) {
      const c = parseCustomerNumber(q.customer_number);
      if (!c.ok) return badRequest(c.error);
      customer = c.value;
    }
    let product: string | undefined;
    if (q.product_code !== undefined) {
      const p = parseProductCode(q.product_code);
      if (!p.ok) return badRequest(p.error);
      product = p.value;
    }
    if (customer === undefined && product === undefined) {
      return badRequest('give customer_number (and optionally city, country, credit_limit for new customers) and/or product_code');
    }
    const exclude = product ? new Set([product]) : undefined;
    const [profile, viewed] = await Promise.all([
      customer !== undefined || Object.keys(features.value).length > 0 ? service.forCustomer(customer, features.value, k.value, exclude) : undefined,
      product ? service.similarTo(product, k.value, { fallbackOnUnknown: true }) : undefined,
    ]);
    const lists = [profile, viewed].filter((x): x is RecommendationResult => x !== undefined);
    const reasons = lists.map((l) => l.reason).filter((r): r is string => !!r);
    return json(200, {
      ...(customer !== undefined ? { customer_number: customer } : {}),
      ...(product ? { product_code: product } : {}),
      ...(profile ? { based_on_profile: listBody(profile) } : {}),
      ...(viewed ? { because_you_viewed: listBody(viewed) } : {}),
      fallback: lists.some((l) => l.fallback),
      ...(reasons.length ? { reason: reasons.join('; ') } : {}),
    });
  }

  async function userEmbeddings(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const body = readBody(event);
    if (!body.ok) return badRequest(body.error);
    const features = parseFeatures(body.value);
    if (!features.ok) return badRequest(features.error);
    let customer: number | undefined;
    if (body.value.customer_number !== undefined) {
      const c = parseCustomerNumber(body.value.customer_number);
      if (!c.ok) return badRequest(c.error);
      customer = c.value;
    }
    if (customer === undefined && Object.keys(features.value).length === 0) {
      return badRequest('give customer features: city, country, credit_limit (and customer_number when known)');
    }
    const r = await service.userEmbedding(customer, features.value);
    return json(200, {
      ...(customer !== undefined ? { customer_number: customer } : {}),
      embedding: Array.from(r.embedding, (x) => Math.round(x * 1e6) / 1e6),
      dimension: r.embedding.length,
      known: r.known,
    });
  }

  async function itemsFromUser(event: APIGatewayProxyEventV2, q: Record<string, string | undefined>): Promise<APIGatewayProxyStructuredResultV2> {
    const limit = parseLimit(q.limit, 'limit');
    if (!limit.ok) return badRequest(limit.error);
    const body = readBody(event);
    if (!body.ok) return badRequest(body.error);
    const dimension = await service.dimension();
    const v = parseEmbedding(body.value.embedding, dimension);
    if (!v.ok) return badRequest(v.error);
    return json(200, listBody(await service.forEmbedding(v.value, limit.value)));
  }

  async function itemsFromItem(q: Record<string, string | undefined>): Promise<APIGatewayProxyStructuredResultV2> {
    const limit = parseLimit(q.limit, 'limit');
    if (!limit.ok) return badRequest(limit.error);
    const id = parseProductCode(q.item_id, 'item_id');
    if (!id.ok) return badRequest(id.error);
    return json(200, { item_id: id.value, ...listBody(await service.similarTo(id.value, limit.value)) });
  }

  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = (event.rawPath ?? '/').replace(/\/+$/, '') || '/';
    const q = event.queryStringParameters ?? {};
    try {
      const route = `${method} ${path}`;
      switch (route) {
        case 'GET /recommendations':
          return await recommendations(q);
        case 'POST /user_embeddings':
          return await userEmbeddings(event);
        case 'POST /items_from_user':
          return await itemsFromUser(event, q);
        case 'GET /items_from_item':
          return await itemsFromItem(q);
        case 'GET /health':
          return json(200, { ok: true });
        default: {
          const known = ['/recommendations', '/user_embeddings', '/items_from_user', '/items_from_item'];
          if (known.includes(path)) return json(405, { error: `${method} is not allowed on ${path}` });
          return json(404, { error: `no route ${method} ${path}; routes: GET /recommendations, POST /user_embeddings, POST /items_from_user, GET /items_from_item` });
        }
      }
    } catch (e) {
      if (e instanceof NotFoundError) return json(404, { error: e.message });
      if (e instanceof UnavailableError) return json(503, { error: e.message });
      console.error(JSON.stringify({ level: 'error', msg: 'recommender-api failed', path, error: (e as Error).stack ?? String(e) }));
      return json(500, { error: 'internal error; see the function logs' });
    }
  };
}
