/** Shared fixtures for serving tests: a small synthetic catalog on disk and Function URL events. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { installSyntheticCatalog, type InstalledCatalog } from '../../scripts/bench/serve-catalog';
import { localLakeReader, lakeArtifacts } from '../../jobs/serving/environment';
import type { RecommenderDeps } from '../../jobs/serving/recommender';
import { EmbeddedVectorStore } from '../../jobs/vector-store/embedded';

export interface Fixture extends InstalledCatalog {
  readonly root: string;
  readonly lake: string;
  readonly indexes: string;
  deps(overrides?: Partial<RecommenderDeps>): RecommenderDeps;
  cleanup(): void;
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
      ...lakeArtifacts(localLakeReader(lake), lake),
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
