/** Shared fixtures for serving tests: a small synthetic catalog on disk and Function URL events. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import referenceGraph from '../../assets';
import { servingConfig, type ServingConfig } from '../../assets/kinds';
import { installSyntheticCatalog, MODEL_KEY, POPULAR_KEY, type InstalledCatalog } from '../../scripts/bench/serve-catalog';
import { artifactLoaders, embeddedServingEnvironment } from '../../jobs/serving/environment';
import type { RecommenderDeps } from '../../jobs/serving/recommender';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';

export interface Fixture extends InstalledCatalog {
  readonly root: string;
  readonly lake: string;
  readonly indexes: string;
  deps(overrides?: Partial<RecommenderDeps>): RecommenderDeps;
  cleanup(): void;
}

/** The reference API's and stream transform's serving configs (from their declarations and deps). */
export const API_CONFIG: ServingConfig = servingConfig(referenceGraph, 'serving/recommender_api');
export const STREAM_CONFIG: ServingConfig = servingConfig(referenceGraph, 'serving/recommendations');

/**
 * Sets the variables the stack sets on the serving function of `key` (the serving config and the
 * folders of its deps in `lake`), as `assets serve` and the embedded stream do; returns the undo.
 */
export function setServingEnvironment(key: string, lake: string): () => void {
  const vars = embeddedServingEnvironment(referenceGraph, key, lake);
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** A temp dir with a model, popular products and both indexes (`products` items, 50 customers); deps with a budget no test machine hits. */
export async function catalogFixture(products = 300, options: { popular?: boolean } = {}): Promise<Fixture> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hw-serving-'));
  const lake = path.join(root, 'lake');
  const indexes = path.join(root, 'indexes');
  const cat = await installSyntheticCatalog({ lake, indexes }, { products, customers: 50, popular: options.popular });
  const store = new EmbeddedVectorStore(indexes);
  return {
    ...cat,
    root,
    lake,
    indexes,
    deps: (overrides = {}) => ({
      ...artifactLoaders(path.join(lake, MODEL_KEY), path.join(lake, POPULAR_KEY)),
      labels: { model: API_CONFIG.model, fallback: API_CONFIG.fallback?.asset, user: API_CONFIG.user.field, features: API_CONFIG.user.features.map((f) => f.field) },
      itemIndex: () => store.open('item_embeddings'),
      userIndex: () => store.open('user_embeddings'),
      // The production default (200 ms) is a wall-clock bound: on a loaded machine, or under the
      // mutation run's instrumentation, opening the local index can take longer and the answer
      // turns into a fallback. Tests of the budget set their own.
      budgetMs: 60_000,
      ...overrides,
    }),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** A Function URL (payload v2) event. */
export function urlEvent(method: string, rawPath: string, query: Record<string, string> = {}, body?: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json' },
    queryStringParameters: Object.keys(query).length ? query : undefined,
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } as APIGatewayProxyEventV2['requestContext'],
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
}
