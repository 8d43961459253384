/**
 * Builds the recommender's dependencies from environment variables, for the exported handlers.
 *
 *   HEADWATER_MODE            `embedded` or `aws`. Default `aws` on Lambda (AWS_LAMBDA_FUNCTION_NAME
 *                             is set), `embedded` elsewhere.
 *   HEADWATER_HOME            embedded: root of the local state (default .headwater/local).
 *   HEADWATER_LAKE_MODEL__RECOMMENDER
 *                             aws: `s3://` folder of model/recommender (model.json is read there).
 *   HEADWATER_LAKE_ANALYTICS__POPULAR_PRODUCTS
 *                             aws: `s3://` folder of analytics/popular_products (latest.json).
 *                             The stack sets one `HEADWATER_LAKE_<KEY>` per lake dep of the
 *                             function (infra/components/lambda-function.ts): a bucket per zone.
 *   HEADWATER_LAKE_BUCKET     aws, only when the two above are unset: one bucket holding the
 *   HEADWATER_LAKE_PREFIX     embedded lake's layout (model/recommender/model.json, ...) under
 *                             an optional key prefix, for a lake copied into a single bucket.
 *   OPENSEARCH_ENDPOINT       aws: endpoint of the collection or domain (https:// is added if absent).
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

/** The assets serving reads from the lake, and the file it reads in each one's folder. */
export const MODEL_ASSET = 'model/recommender';
export const POPULAR_ASSET = 'analytics/popular_products';
export const MODEL_FILE = 'model.json';
export const POPULAR_FILE = 'latest.json';
/** Lake-relative keys (the embedded layout). */
export const MODEL_KEY = `${MODEL_ASSET}/${MODEL_FILE}`;

/** The Lambda variable the stack sets to a lake dep's `s3://` folder: `HEADWATER_LAKE_MODEL__RECOMMENDER`. */
export const lakeVariable = (assetKey: string): string => `HEADWATER_LAKE_${assetKey.replace(/\//g, '__').toUpperCase()}`;

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

/** Splits `s3://bucket/key` into its parts, or undefined when `uri` is not one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

/** Reads `s3://` objects as text, undefined when missing; one S3 client, loaded on first use. */
export function s3TextReader(): (uri: string) => Promise<string | undefined> {
  let client: Promise<(bucket: string, key: string) => Promise<string | undefined>> | undefined;
  const connect = async () => {
    const { S3Client, GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({});
    return async (bucket: string, key: string) => {
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await res.Body?.transformToString('utf8');
      } catch (e) {
        if (e instanceof NoSuchKey || (e as { name?: string }).name === 'NoSuchKey') return undefined;
        throw e;
      }
    };
  };
  return async (uri) => {
    const at = parseS3Uri(uri);
    if (!at || !at.key) throw new Error(`'${uri}' is not an s3://bucket/key URI`);
    return (await (client ??= connect()))(at.bucket, at.key);
  };
}

/** A lake reader over one S3 bucket holding the embedded layout under `prefix`. */
export function s3LakeReader(bucket: string, prefix = ''): LakeReader {
  const read = s3TextReader();
  return (key) => read(`s3://${bucket}/${prefix ? `${prefix.replace(/\/$/, '')}/` : ''}${key}`);
}

/** Reads one file: its text (undefined when missing) and where it is, for messages. */
interface ArtifactSource {
  readonly read: () => Promise<string | undefined>;
  readonly where: string;
}

/** Model and popular-products loaders over one source each. */
function artifacts(model: ArtifactSource, popular: ArtifactSource): Pick<RecommenderDeps, 'model' | 'popular'> {
  return {
    async model(): Promise<ModelArtifact | undefined> {
      const text = await model.read();
      if (text === undefined) return undefined;
      const m: unknown = JSON.parse(text);
      const problem = modelProblem(m);
      if (problem) throw new Error(`${model.where}: ${problem}; retrain with assets materialize ${MODEL_ASSET}`);
      return m as ModelArtifact;
    },
    async popular(): Promise<PopularProducts | undefined> {
      const text = await popular.read();
      if (text === undefined) return undefined;
      const p = parsePopular(text, popular.where);
      if ('problem' in p) throw new Error(p.problem);
      return p;
    },
  };
}

/** Model and popular-products loaders over a lake reader (the embedded layout under one root). */
export function lakeArtifacts(read: LakeReader, where: string): Pick<RecommenderDeps, 'model' | 'popular'> {
  return artifacts({ read: () => read(MODEL_KEY), where: `${where}/${MODEL_KEY}` }, { read: () => read(POPULAR_KEY), where: `${where}/${POPULAR_KEY}` });
}

/** What the AWS mode reads, resolved from the function's environment. */
export interface AwsServingLocations {
  /** `s3://.../model.json` */
  readonly model: string;
  /** `s3://.../latest.json` */
  readonly popular: string;
  /** `https://` endpoint of the collection or domain. */
  readonly endpoint: string;
  readonly service: 'aoss' | 'es';
  readonly region: string;
  readonly itemAlias: string;
  readonly userAlias: string;
}

/** The `s3://` URI of `file` in the folder of the lake dep `assetKey`, from the stack's variables (or the single-bucket fallback). */
function lakeFileUri(env: Env, assetKey: string, file: string): string {
  const name = lakeVariable(assetKey);
  const folder = env[name];
  if (folder) {
    if (!parseS3Uri(folder)) throw new Error(`${name} must be an s3:// folder, got '${folder}'; the stack sets it from the function's deps`);
    return `${folder.replace(/\/?$/, '/')}${file}`;
  }
  const bucket = env.HEADWATER_LAKE_BUCKET;
  if (bucket) {
    const prefix = env.HEADWATER_LAKE_PREFIX ? `${env.HEADWATER_LAKE_PREFIX.replace(/\/$/, '')}/` : '';
    return `s3://${bucket}/${prefix}${assetKey}/${file}`;
  }
  throw new Error(
    `${name} is not set: the stack sets it to the s3:// folder of ${assetKey} on functions that depend on it; ` +
      `add ${assetKey} to the asset's deps and redeploy (or set HEADWATER_LAKE_BUCKET for a single-bucket lake)`,
  );
}

/** Resolves every location the AWS mode reads; throws naming the variable when one is missing. */
export function awsServingLocations(env: Env = process.env): AwsServingLocations {
  const endpoint = env.OPENSEARCH_ENDPOINT;
  if (!endpoint) throw new Error('OPENSEARCH_ENDPOINT is not set: the stack sets it to the collection endpoint on the function');
  return {
    model: lakeFileUri(env, MODEL_ASSET, MODEL_FILE),
    popular: lakeFileUri(env, POPULAR_ASSET, POPULAR_FILE),
    endpoint: /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`,
    service: env.OPENSEARCH_SERVICE === 'es' ? 'es' : 'aoss',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    itemAlias: env.ITEM_INDEX_ALIAS || 'item_embeddings',
    userAlias: env.USER_INDEX_ALIAS || 'user_embeddings',
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
  const at = awsServingLocations(env);
  let store: Promise<VectorStore> | undefined;
  const openSearch = async () => {
    const { OpenSearchVectorStore, createSigV4Client } = await import('../vector-store/opensearch');
    return new OpenSearchVectorStore(createSigV4Client({ node: at.endpoint, region: at.region, service: at.service }), { serverless: at.service === 'aoss' });
  };
  const open = async (alias: string): Promise<VectorIndexReader> => (await (store ??= openSearch())).open(alias);
  const read = s3TextReader();
  return {
    ...artifacts({ read: () => read(at.model), where: at.model }, { read: () => read(at.popular), where: at.popular }),
    itemIndex: () => open(at.itemAlias),
    userIndex: () => open(at.userAlias),
    budgetMs,
    efSearch,
  };
}
