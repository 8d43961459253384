/**
 * The recommendation API's routes over Lambda Function URL events (payload v2). The local HTTP
 * server of `assets serve` turns each request into the same event, so both run this code.
 *
 * Field names come from the serving config (the model's id fields and user features); a request
 * carrying any other field is refused with 400 naming it, with a did-you-mean. When the API
 * declares a lab surface, the same service also answers under its base path in the seed lab's
 * shapes (list bodies, `[{id, score}]`, `[{id, distance}]`) with its field aliases.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ServingConfig } from '../../../assets/kinds/serving-bindings';
import type { FeatureValues } from '../../model/artifact';
import { NotFoundError, UnavailableError, type RecommendationResult, type RecommendedItem, type RecommenderService } from '../recommender';
import { LIMITS, parseEmbedding, parseFeatures, parseId, parseLimit, typedId, unknownField, type Parsed } from '../validation';

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Set on every answer that came (in part) from the fallback list: the handler logs those for the fallback-rate alarm. */
export const FALLBACK_HEADER = 'x-headwater-fallback';

const json = (statusCode: number, body: unknown, fallback = false): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...(fallback ? { [FALLBACK_HEADER]: 'true' } : {}) },
  body: JSON.stringify(body),
});

const badRequest = (error: string) => json(400, { error });

type Query = Record<string, string | undefined>;

/** The body as JSON (any JSON value; each route says what it expects). */
function readJson(event: APIGatewayProxyEventV2): Parsed<unknown> {
  if (!event.body) return { ok: false, error: 'a JSON body is required' };
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > LIMITS.maxBodyBytes) return { ok: false, error: `the body is larger than ${LIMITS.maxBodyBytes} bytes` };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `the body is not valid JSON: ${(e as Error).message}` };
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

function readObject(event: APIGatewayProxyEventV2): Parsed<Record<string, unknown>> {
  const body = readJson(event);
  if (!body.ok) return body;
  return isObject(body.value) ? { ok: true, value: body.value } : { ok: false, error: 'the body must be a JSON object' };
}

/** Builds the API handler over a service, with the field names of `config`. */
export function createApiHandler(service: RecommenderService, config: ServingConfig): ApiHandler {
  const { user, item } = config;
  const featureFields = user.features.map((f) => f.field);
  const userFields = [user.field, ...featureFields];
  /** An item as the Headwater surface answers it: the item id field, the score, the fallback list's columns. */
  const itemBody = (i: RecommendedItem) => ({ [item.field]: typedId(i.id, item), score: i.score, ...i.columns });
  const listBody = (r: RecommendationResult) => ({
    items: r.items.map(itemBody),
    fallback: r.fallback,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.coldStart ? { cold_start: true } : {}),
  });
  const refuseUnknown = (x: Record<string, unknown>, known: readonly string[]) => {
    const problem = unknownField(x, known);
    return problem ? badRequest(problem) : undefined;
  };
  const optionalId = (raw: unknown, id: typeof user | typeof item): Parsed<string | undefined> => (raw === undefined ? { ok: true, value: undefined } : parseId(raw, id));

  async function recommendations(q: Query): Promise<APIGatewayProxyStructuredResultV2> {
    const refused = refuseUnknown(q, [...userFields, item.field, 'k']);
    if (refused) return refused;
    const k = parseLimit(q.k, 'k');
    if (!k.ok) return badRequest(k.error);
    const features = parseFeatures(q, user.features);
    if (!features.ok) return badRequest(features.error);
    const userId = optionalId(q[user.field], user);
    if (!userId.ok) return badRequest(userId.error);
    const itemId = optionalId(q[item.field], item);
    if (!itemId.ok) return badRequest(itemId.error);
    const hasFeatures = Object.keys(features.value).length > 0;
    if (userId.value === undefined && itemId.value === undefined && !hasFeatures) {
      return badRequest(`give ${user.field}${featureFields.length ? ` (and optionally ${featureFields.join(', ')} for new users)` : ''} and/or ${item.field}`);
    }
    const exclude = itemId.value !== undefined ? new Set([itemId.value]) : undefined;
    const [profile, viewed] = await Promise.all([
      userId.value !== undefined || hasFeatures ? service.forUser(userId.value, features.value, k.value, exclude) : undefined,
      itemId.value !== undefined ? service.similarTo(itemId.value, k.value, { fallbackOnUnknown: true }) : undefined,
    ]);
    const lists = [profile, viewed].filter((x): x is RecommendationResult => x !== undefined);
    const reasons = lists.map((l) => l.reason).filter((r): r is string => !!r);
    const fallback = lists.some((l) => l.fallback);
    return json(
      200,
      {
        ...(userId.value !== undefined ? { [user.field]: typedId(userId.value, user) } : {}),
        ...(itemId.value !== undefined ? { [item.field]: typedId(itemId.value, item) } : {}),
        ...(profile ? { based_on_profile: listBody(profile) } : {}),
        ...(viewed ? { because_you_viewed: listBody(viewed) } : {}),
        fallback,
        ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      },
      fallback,
    );
  }

  /** One user object of a body: its id (optional) and features, after renaming `aliases`. */
  function userOf(x: Record<string, unknown>, aliases: Readonly<Record<string, string>>, where: string): Parsed<{ id?: string; features: FeatureValues }> {
    const renamed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) renamed[aliases[k] ?? k] = v;
    const problem = unknownField(renamed, [...userFields, ...Object.keys(aliases)]);
    if (problem) return { ok: false, error: `${where}${problem}` };
    const features = parseFeatures(renamed, user.features);
    if (!features.ok) return { ok: false, error: `${where}${features.error}` };
    const id = optionalId(renamed[user.field], user);
    if (!id.ok) return { ok: false, error: `${where}${id.error}` };
    if (id.value === undefined && Object.keys(features.value).length === 0) {
      return { ok: false, error: `${where}give user features${featureFields.length ? `: ${featureFields.join(', ')}` : ''} (and ${user.field} when known)` };
    }
    return { ok: true, value: { ...(id.value !== undefined ? { id: id.value } : {}), features: features.value } };
  }

  async function userEmbeddings(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const body = readObject(event);
    if (!body.ok) return badRequest(body.error);
    const u = userOf(body.value, {}, '');
    if (!u.ok) return badRequest(u.error);
    const r = await service.userEmbedding(u.value.id, u.value.features);
    return json(200, {
      ...(u.value.id !== undefined ? { [user.field]: typedId(u.value.id, user) } : {}),
      embedding: rounded(r.embedding),
      dimension: r.embedding.length,
      known: r.known,
    });
  }

  async function itemsFromUser(event: APIGatewayProxyEventV2, q: Query): Promise<APIGatewayProxyStructuredResultV2> {
    const refused = refuseUnknown(q, ['limit']);
    if (refused) return refused;
    const limit = parseLimit(q.limit, 'limit');
    if (!limit.ok) return badRequest(limit.error);
    const body = readObject(event);
    if (!body.ok) return badRequest(body.error);
    const refusedBody = refuseUnknown(body.value, ['embedding']);
    if (refusedBody) return refusedBody;
    const v = parseEmbedding(body.value.embedding, await service.dimension());
    if (!v.ok) return badRequest(v.error);
    const r = await service.forEmbedding(v.value, limit.value);
    return json(200, listBody(r), r.fallback);
  }

  /** Items similar to `item_id` (both surfaces' items_from_item), answered in `shape`. */
  async function similarItems(q: Query, shape: (id: string, r: RecommendationResult) => unknown): Promise<APIGatewayProxyStructuredResultV2> {
    const refused = refuseUnknown(q, ['item_id', 'limit']);
    if (refused) return refused;
    const limit = parseLimit(q.limit, 'limit');
    if (!limit.ok) return badRequest(limit.error);
    const id = parseId(q.item_id, item, 'item_id');
    if (!id.ok) return badRequest(id.error);
    const r = await service.similarTo(id.value, limit.value);
    return json(200, shape(id.value, r), r.fallback);
  }

  // The lab surface: bodies and answers are bare lists, as the seed lab's clients send and read them.
  const lab = config.lab;
  const labItem = (i: RecommendedItem) => ({ id: typedId(i.id, item), score: i.score });
  // Distance as pgvector's `<#>` gives it for inner-product search: the negated score, smallest first.
  const labNeighbour = (i: RecommendedItem) => ({ id: typedId(i.id, item), distance: -i.score });

  async function labUserEmbeddings(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const body = readJson(event);
    if (!body.ok) return badRequest(body.error);
    if (!Array.isArray(body.value) || body.value.length === 0 || body.value.length > LIMITS.maxK) {
      return badRequest(`the body must be a JSON array of 1 to ${LIMITS.maxK} user objects such as [{${featureFields.map((f) => `"${f}": ...`).join(', ')}}]`);
    }
    const users = [];
    for (const [i, x] of body.value.entries()) {
      if (!isObject(x)) return badRequest(`[${i}] must be a JSON object`);
      const u = userOf(x, lab?.aliases ?? {}, `[${i}]: `);
      if (!u.ok) return badRequest(u.error);
      users.push(u.value);
    }
    const embeddings = await Promise.all(users.map((u) => service.userEmbedding(u.id, u.features)));
    return json(200, embeddings.map((e) => rounded(e.embedding)));
  }

  async function labItemsFromUser(event: APIGatewayProxyEventV2, q: Query): Promise<APIGatewayProxyStructuredResultV2> {
    const refused = refuseUnknown(q, ['limit']);
    if (refused) return refused;
    const limit = parseLimit(q.limit, 'limit');
    if (!limit.ok) return badRequest(limit.error);
    const body = readJson(event);
    if (!body.ok) return badRequest(body.error);
    // The element user_embeddings answered, unchanged: the embedding itself.
    const v = parseEmbedding(body.value, await service.dimension());
    if (!v.ok) return badRequest(`the body must be one element of what user_embeddings answered: ${v.error}`);
    const r = await service.forEmbedding(v.value, limit.value);
    return json(200, r.items.map(labItem), r.fallback);
  }

  const ROUTES = ['GET /recommendations', 'POST /user_embeddings', 'POST /items_from_user', 'GET /items_from_item'];
  const LAB_ROUTES = ['POST /user_embeddings', 'POST /items_from_user', 'GET /items_from_item'];

  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = (event.rawPath ?? '/').replace(/\/+$/, '') || '/';
    const q = event.queryStringParameters ?? {};
    try {
      if (lab && path.startsWith(`${lab.basePath}/`)) {
        const sub = path.slice(lab.basePath.length);
        switch (`${method} ${sub}`) {
          case 'POST /user_embeddings':
            return await labUserEmbeddings(event);
          case 'POST /items_from_user':
            return await labItemsFromUser(event, q);
          case 'GET /items_from_item':
            return await similarItems(q, (_id, r) => r.items.map(labNeighbour));
          default:
            return noRoute(method, path, sub, LAB_ROUTES, lab.basePath);
        }
      }
      switch (`${method} ${path}`) {
        case 'GET /recommendations':
          return await recommendations(q);
        case 'POST /user_embeddings':
          return await userEmbeddings(event);
        case 'POST /items_from_user':
          return await itemsFromUser(event, q);
        case 'GET /items_from_item':
          return await similarItems(q, (id, r) => ({ item_id: typedId(id, item), ...listBody(r) }));
        case 'GET /health':
          return json(200, { ok: true });
        default:
          return noRoute(method, path, path, ROUTES, '', lab ? ` (the lab surface: ${LAB_ROUTES.map((r) => r.replace(' ', ` ${lab.basePath}`)).join(', ')})` : '');
      }
    } catch (e) {
      if (e instanceof NotFoundError) return json(404, { error: e.message });
      if (e instanceof UnavailableError) return json(503, { error: e.message });
      console.error(JSON.stringify({ level: 'error', msg: 'recommender-api failed', path, error: (e as Error).stack ?? String(e) }));
      return json(500, { error: 'internal error; see the function logs' });
    }
  };
}

/** 405 when the path exists with another method, else 404 listing the routes. */
function noRoute(method: string, path: string, sub: string, routes: readonly string[], base: string, more = ''): APIGatewayProxyStructuredResultV2 {
  if (routes.some((r) => r.endsWith(` ${sub}`))) return json(405, { error: `${method} is not allowed on ${path}` });
  return json(404, { error: `no route ${method} ${path}; routes: ${routes.map((r) => r.replace(' ', ` ${base}`)).join(', ')}${more}` });
}

/** An embedding as JSON numbers, to 6 decimals. */
const rounded = (v: Float32Array): number[] => Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
