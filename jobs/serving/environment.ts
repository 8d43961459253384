/**
 * Builds the recommender's dependencies from environment variables, for the exported handlers.
 *
 *   HEADWATER_MODE            `embedded` or `aws`. Default `aws` on Lambda (AWS_LAMBDA_FUNCTION_NAME
 *                             is set), `embedded` elsewhere.
 *   HEADWATER_HOME            embedded: root of the local state (default .headwater/local).
 *   HEADWATER_LAKE_BUCKET     aws: the lake bucket holding model/recommender/model.json and
 *                             analytics/popular_products/latest.json.
 *   HEADWATER_LAKE_PREFIX     aws: key prefix inside the bucket (default none).
 *   OPENSEARCH_ENDPOINT       aws: https endpoint of the collection or domain.
 *   OPENSEARCH_SERVICE        aws: `aoss` (Serverless, default) or `es` (managed domain).
 *   AWS_REGION                aws: region for SigV4 (Lambda sets it).
 *   ITEM_INDEX_ALIAS          default `item_embeddings`.
 *   USER_INDEX_ALIAS          default `user_embeddings`.
 *   RECOMMENDER_BUDGET_MS     index time budget before the popular-products fallback (default 200).
 *   RECOMMENDER_EF_SEARCH     HNSW query beam (default 100).
 *
 * The embedded adapter loads a native module (hnswlib-node), so it is required through a computed
 * path only in embedded mode: esbuild leaves it out of the Lambda bundle and Lambda never loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { modelProblem, type ModelArtifact } from '../model/artifact';
import { localPaths } from '../embedded/paths';
import type { VectorIndexReader, VectorStore } from '../vector-store/port';
import type * as EmbeddedModule from '../vector-store/embedded';
import { parsePopular, POPULAR_KEY, type PopularProducts } from './popular';
import type { RecommenderDeps } from './recommender';

export const MODEL_KEY = 'model/recommender/model.json';

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads one lake object as text, or undefined when it does not exist. */
export type LakeReader = (key: string) => Promise<string | undefined>;

/** A lake reader over a local directory. */
export function localLakeReader(lakeDir: string): LakeReader {
  return async (key) => {
    try {
      return await fs.promises.readFile(path.join(lakeDir, key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
}

/** A lake reader over S3 (the client is loaded on first use). */
export function s3LakeReader(bucket: string, prefix = ''): LakeReader {
  let client: Promise<{ read(key: string): Promise<string | undefined> }> | undefined;
  const connect = async () => {
    const { S3Client, GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({});
    return {
      async read(key: string) {
        try {
          const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: prefix ? `${prefix.replace(/\/$/, '')}/${key}` : key }));
          return await res.Body?.transformToString('utf8');
        } catch (e) {
          if (e instanceof NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') return undefined;
          throw e;
        }
      },
    };
  };
  return async (key) => (await (client ??= connect())).read(key);
}

/** Model and popular-products loaders over a lake reader. */
export function lakeArtifacts(read: LakeReader, where: string): Pick<RecommenderDeps, 'model' | 'popular'> {
  return {
    async model(): Promise<ModelArtifact | undefined> {
      const text = await read(MODEL_KEY);
      if (text === undefined) return undefined;
      const m: unknown = JSON.parse(text);
      const problem = modelProblem(m);
      if (problem) throw new Error(`${where}/${MODEL_KEY}: ${problem}; retrain with assets materialize model/recommender`);
      return m as ModelArtifact;
    },
    async popular(): Promise<PopularProducts | undefined> {
      const text = await read(POPULAR_KEY);
      if (text === undefined) return undefined;
      const p = parsePopular(text, `${where}/${POPULAR_KEY}`);
      if ('problem' in p) throw new Error(p.problem);
      return p;
    },
  };
}

/** `embedded` or `aws`, from HEADWATER_MODE or whether we run on Lambda. */
export function servingMode(env: Env = process.env): 'embedded' | 'aws' {
  const m = env.HEADWATER_MODE ?? (env.AWS_LAMBDA_FUNCTION_NAME ? 'aws' : 'embedded');
  if (m !== 'embedded' && m !== 'aws') throw new Error(`HEADWATER_MODE must be 'embedded' or 'aws', got '${m}'`);
  return m;
}

/** Opens the embedded store without letting bundlers see the native dependency. */
function embeddedStore(rootDir: string): VectorStore {
  const modulePath = ['..', 'vector-store', 'embedded'].join('/');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EmbeddedVectorStore } = require(modulePath) as typeof EmbeddedModule;
  return new EmbeddedVectorStore(rootDir);
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return n;
}

/** The service's dependencies for the current environment. */
export function depsFromEnvironment(env: Env = process.env): RecommenderDeps {
  const itemAlias = env.ITEM_INDEX_ALIAS || 'item_embeddings';
  const userAlias = env.USER_INDEX_ALIAS || 'user_embeddings';
  const budgetMs = positiveNumber(env, 'RECOMMENDER_BUDGET_MS', 200);
  const efSearch = positiveNumber(env, 'RECOMMENDER_EF_SEARCH', 100);
  if (servingMode(env) === 'embedded') {
    const store = embeddedStore(localPaths.indexes());
    const lake = localPaths.lake();
    return {
      ...lakeArtifacts(localLakeReader(lake), lake),
      itemIndex: () => store.open(itemAlias),
      userIndex: () => store.open(userAlias),
      budgetMs,
      efSearch,
    };
  }
  const bucket = env.HEADWATER_LAKE_BUCKET;
  const endpoint = env.OPENSEARCH_ENDPOINT;
  if (!bucket) throw new Error('HEADWATER_LAKE_BUCKET is not set: the stack sets it to the lake bucket on the function');
  if (!endpoint) throw new Error('OPENSEARCH_ENDPOINT is not set: the stack sets it to the collection endpoint on the function');
  const service = env.OPENSEARCH_SERVICE === 'es' ? 'es' : 'aoss';
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let store: Promise<VectorStore> | undefined;
  const openSearch = async () => {
    const { OpenSearchVectorStore, createSigV4Client } = await import('../vector-store/opensearch');
    return new OpenSearchVectorStore(createSigV4Client({ node: endpoint, region, service }), { serverless: service === 'aoss' });
  };
  const open = async (alias: string): Promise<VectorIndexReader> => (await (store ??= openSearch())).open(alias);
  return {
    ...lakeArtifacts(s3LakeReader(bucket, env.HEADWATER_LAKE_PREFIX), `s3://${bucket}`),
    itemIndex: () => open(itemAlias),
    userIndex: () => open(userAlias),
    budgetMs,
    efSearch,
  };
}
