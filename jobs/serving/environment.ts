/**
 * Builds a serving handler's dependencies from environment variables, for the exported handlers.
 * The variables are named by `servingVariable` (assets/kinds/serving-bindings.ts), the one
 * function the stack (infra/components/lambda-function.ts), `assets serve` and the embedded stream
 * also use, so what the stack sets is what the handler reads whatever the fork's keys:
 *
 *   HEADWATER_SERVING         the serving config (JSON of `servingConfig`): the model's and the
 *                             fallback's keys, id fields and types, user features, index aliases,
 *                             budget, lab surface, event shape.
 *   HEADWATER_SERVING_MODEL   folder of the model's asset (model.json is read there): `s3://` on
 *                             AWS, a local folder embedded (default: its folder in the local lake).
 *   HEADWATER_SERVING_FALLBACK
 *                             folder of the fallback's asset (latest.json), likewise.
 *   HEADWATER_MODE            `embedded` or `aws`. Default `aws` on Lambda (AWS_LAMBDA_FUNCTION_NAME
 *                             is set), `embedded` elsewhere.
 *   HEADWATER_HOME            embedded: root of the local state (default .headwater/local).
 *   HEADWATER_LAKE_BUCKET     aws, only when a folder above is unset: one bucket holding the
 *   HEADWATER_LAKE_PREFIX     embedded lake's layout (<zone>/<name>/model.json, ...) under an
 *                             optional key prefix, for a lake copied into a single bucket.
 *   OPENSEARCH_ENDPOINT       aws: endpoint of the collection or domain (https:// is added if absent).
 *   OPENSEARCH_SERVICE        aws: `aoss` (Serverless, default) or `es` (managed domain).
 *   AWS_REGION                aws: region for SigV4 (Lambda sets it).
 *   RECOMMENDER_BUDGET_MS     index time budget before the fallback (default: the config's, else 200).
 *   RECOMMENDER_EF_SEARCH     HNSW query beam (default 100).
 *
 * The embedded adapter loads a native module (hnswlib-node), so it is required through a computed
 * path only in embedded mode: esbuild leaves it out of the Lambda bundle and Lambda never loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FALLBACK_FILE } from '../../assets/kinds/glue-sql';
import { servingEnvironment, servingVariable, type DeclarationLookup, type ServingConfig } from '../../assets/kinds/serving-bindings';
import { modelProblem, type ModelArtifact } from '../model/artifact';
import { localPaths } from '../embedded/paths';
import type { VectorIndexReader, VectorStore } from '../vector-store/port';
import type * as EmbeddedModule from '../vector-store/embedded';
import { parseFallbackList, type FallbackList } from './fallback-list';
import type { RecommenderDeps } from './recommender';

/** The file the model's folder holds. */
export const MODEL_FILE = 'model.json';

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads one file as text, or undefined when it does not exist. */
export type TextReader = (location: string) => Promise<string | undefined>;

/** Reads local files as text, undefined when missing. */
export const localTextReader: TextReader = async (file) => {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

/** Splits `s3://bucket/key` into its parts, or undefined when `uri` is not one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1], key: m[2] } : undefined;
}

/** Reads `s3://` objects as text, undefined when missing; one S3 client, loaded on first use. */
export function s3TextReader(): TextReader {
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

/** `s3://` locations through S3, anything else as a local path. */
function textReader(): TextReader {
  let s3: TextReader | undefined;
  return (location) => (location.startsWith('s3://') ? (s3 ??= s3TextReader())(location) : localTextReader(location));
}

/** The serving config the stack (or `assets serve`, or the embedded stream) put in the environment. */
export function servingConfigFrom(env: Env): ServingConfig {
  const name = servingVariable('config');
  const text = env[name];
  if (!text) {
    throw new Error(
      `${name} is not set: the stack sets it on the functions of serving assets that depend on a model (an emr-spark asset declaring 'model', or its vector indexes), ` +
        'from their declaration and deps; embedded, `assets serve` and `assets stream start` set it (run the handler through them)',
    );
  }
  let config: Partial<ServingConfig>;
  try {
    config = JSON.parse(text) as Partial<ServingConfig>;
  } catch (e) {
    throw new Error(`${name} is not valid JSON (${(e as Error).message}); redeploy the stack`);
  }
  if (!config || typeof config.model !== 'string' || !config.user?.field || !config.item?.field || !Array.isArray(config.user.features)) {
    throw new Error(`${name} lacks the model, user or item fields; it was set by another version of Headwater: redeploy the stack`);
  }
  return config as ServingConfig;
}

/** Where one role's folder is: its variable, else a single-bucket lake, else (embedded) the local lake. */
function folderOf(env: Env, role: 'model' | 'fallback', key: string, mode: 'embedded' | 'aws'): string {
  const name = servingVariable(role);
  const folder = env[name];
  if (folder) return folder.replace(/\/?$/, '/');
  const bucket = env.HEADWATER_LAKE_BUCKET;
  if (bucket) {
    const prefix = env.HEADWATER_LAKE_PREFIX ? `${env.HEADWATER_LAKE_PREFIX.replace(/\/$/, '')}/` : '';
    return `s3://${bucket}/${prefix}${key}/`;
  }
  if (mode === 'embedded') return `${path.join(localPaths.lake(), ...key.split('/'))}/`;
  throw new Error(`${name} is not set: the stack sets it to the s3:// folder of ${key} on functions that depend on it; redeploy the stack (or set HEADWATER_LAKE_BUCKET for a single-bucket lake)`);
}

/** What the AWS mode reads, resolved from the function's environment. */
export interface ServingLocations {
  /** `s3://.../model.json` (or a local path embedded). */
  readonly model: string;
  /** `.../latest.json`, when a fallback is declared. */
  readonly fallback?: string;
  readonly userAlias?: string;
  readonly itemAlias?: string;
}

/** The files and indexes a serving function reads, from its environment. */
export function servingLocations(env: Env = process.env, mode = servingMode(env)): ServingLocations {
  const config = servingConfigFrom(env);
  return {
    model: `${folderOf(env, 'model', config.model, mode)}${MODEL_FILE}`,
    ...(config.fallback ? { fallback: `${folderOf(env, 'fallback', config.fallback.asset, mode)}${FALLBACK_FILE}` } : {}),
    ...(config.indexes.user ? { userAlias: config.indexes.user } : {}),
    ...(config.indexes.item ? { itemAlias: config.indexes.item } : {}),
  };
}

/** The OpenSearch endpoint, signing service and region of the AWS mode. */
export function searchEndpoint(env: Env = process.env): { endpoint: string; service: 'aoss' | 'es'; region: string } {
  const endpoint = env.OPENSEARCH_ENDPOINT;
  if (!endpoint) throw new Error('OPENSEARCH_ENDPOINT is not set: the stack sets it to the collection endpoint on functions that read an index');
  return {
    endpoint: /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`,
    service: env.OPENSEARCH_SERVICE === 'es' ? 'es' : 'aoss',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

/** `embedded` or `aws`, from HEADWATER_MODE or whether we run on Lambda. */
export function servingMode(env: Env = process.env): 'embedded' | 'aws' {
  const m = env.HEADWATER_MODE ?? (env.AWS_LAMBDA_FUNCTION_NAME ? 'aws' : 'embedded');
  if (m !== 'embedded' && m !== 'aws') throw new Error(`HEADWATER_MODE must be 'embedded' or 'aws', got '${m}'`);
  return m;
}

/** The embedded environment of serving asset `key`: its config and its deps' folders in the local lake. */
export function embeddedServingEnvironment(graph: DeclarationLookup, key: string, lakeRoot = localPaths.lake()): Record<string, string> {
  return servingEnvironment(graph, key, (dep) => `${path.join(lakeRoot, ...dep.split('/'))}/`);
}

/** Model and fallback loaders over files (local paths or `s3://` URIs). */
export function artifactLoaders(model: string, fallback: string | undefined, read: TextReader = textReader()): Pick<RecommenderDeps, 'model' | 'fallback'> {
  return {
    async model(): Promise<ModelArtifact | undefined> {
      const text = await read(model);
      if (text === undefined) return undefined;
      const m: unknown = JSON.parse(text);
      const problem = modelProblem(m);
      if (problem) throw new Error(`${model}: ${problem}; retrain the model (assets materialize its asset)`);
      return m as ModelArtifact;
    },
    async fallback(): Promise<FallbackList | undefined> {
      if (fallback === undefined) return undefined;
      const text = await read(fallback);
      if (text === undefined) return undefined;
      const p = parseFallbackList(text, fallback);
      if ('problem' in p) throw new Error(p.problem);
      return p;
    },
  };
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

/** A serving handler's dependencies and its config, for the current environment. */
export interface ServingSetup {
  readonly config: ServingConfig;
  readonly deps: RecommenderDeps;
}

/** The service's dependencies and the serving config for the current environment. */
export function servingFromEnvironment(env: Env = process.env): ServingSetup {
  const mode = servingMode(env);
  const config = servingConfigFrom(env);
  const at = servingLocations(env, mode);
  const budgetMs = positiveNumber(env, 'RECOMMENDER_BUDGET_MS', config.budgetMs ?? 200);
  const efSearch = positiveNumber(env, 'RECOMMENDER_EF_SEARCH', 100);
  let store: Promise<VectorStore> | undefined;
  const connect = async (): Promise<VectorStore> => {
    if (mode === 'embedded') return embeddedStore(localPaths.indexes());
    const search = searchEndpoint(env);
    const { OpenSearchVectorStore, createSigV4Client } = await import('../vector-store/opensearch');
    return new OpenSearchVectorStore(createSigV4Client({ node: search.endpoint, region: search.region, service: search.service }), { serverless: search.service === 'aoss' });
  };
  const open = async (alias: string | undefined, entity: 'user' | 'item'): Promise<VectorIndexReader> => {
    if (!alias) throw new Error(`${config.asset} has no ${entity} index among its deps (a vector-index of entity '${entity}')`);
    return (await (store ??= connect())).open(alias);
  };
  if (mode === 'aws' && (at.userAlias || at.itemAlias)) searchEndpoint(env); // fail at start, naming the variable, rather than on the first request
  return {
    config,
    deps: {
      ...artifactLoaders(at.model, at.fallback),
      itemIndex: () => open(at.itemAlias, 'item'),
      userIndex: () => open(at.userAlias, 'user'),
      budgetMs,
      efSearch,
      labels: { model: config.model, ...(config.fallback ? { fallback: config.fallback.asset } : {}), user: config.user.field, features: config.user.features.map((f) => f.field) },
    },
  };
}

/** The service's dependencies for the current environment (the config: `servingFromEnvironment`). */
export const depsFromEnvironment = (env: Env = process.env): RecommenderDeps => servingFromEnvironment(env).deps;
