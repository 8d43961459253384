/**
 * The index load of a deployed stack (`vector-index`): downloads the embeddings Parquet the model
 * step wrote to S3 (GetObject into a temp file), reads it in pure JavaScript (embeddings-parquet.ts:
 * no native module, so this runs in the index-load Lambda), and loads it through the OpenSearch
 * adapter into a new index version, which the adapter then swaps in behind the alias. Until that
 * swap, readers keep the previous version; a failure anywhere before it leaves the alias where it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import { OpenSearchVectorStore, createSigV4Client } from '../vector-store/opensearch';
import type { LoadResult, VectorStore } from '../vector-store/port';
import { readEmbeddingsFile } from './embeddings-parquet';
import type { VectorIndexManifest } from './manifest';
import { withRetry, type Clock } from './retry';

/** Builds the OpenSearch client of an index entry; tests pass one over a mock connection. */
export type SearchClientFactory = (entry: VectorIndexManifest, region: string) => Client;

export interface IndexLoadRequest {
  readonly entry: VectorIndexManifest;
  readonly stack: string;
  readonly region: string;
  readonly s3: S3Client;
  /** Default: a SigV4 client for the entry's endpoint and signing service. */
  readonly searchClient?: SearchClientFactory;
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Where the Parquet file is downloaded (default: the OS temp dir); removed afterwards. */
  readonly tmpDir?: string;
}

export interface IndexLoadResult extends LoadResult {
  readonly source: string;
  readonly bytes: number;
}

/** The default client: SigV4 with the SDK's credential chain (in the index-load Lambda, its role). */
export const sigV4SearchClient: SearchClientFactory = (entry, region) => createSigV4Client({ node: entry.endpoint, region, service: entry.signingService });

/** The OpenSearch store of an entry: serverless or domain, the entry's id field and HNSW settings. */
export function storeFor(entry: VectorIndexManifest, client: Client): VectorStore {
  return new OpenSearchVectorStore(client, {
    serverless: entry.flavour === 'serverless',
    idFields: { [entry.alias]: entry.idField },
    m: entry.m,
    efConstruction: entry.efConstruction,
    efSearch: entry.efSearch,
  });
}

const errorName = (e: unknown) => (e as { name?: string })?.name ?? '';

/** The command that retrains the index's model (its dep) and reloads the index. */
const rematerialize = (req: IndexLoadRequest) => `assets materialize '1+${req.entry.key}' --env ${req.stack}`;

/** Downloads `s3://bucket/key` to `file`, turning S3's errors into ones that say what to do. */
async function download(req: IndexLoadRequest, bucket: string, key: string, file: string): Promise<number> {
  const uri = `s3://${bucket}/${key}`;
  const keep = `the alias '${req.entry.alias}' still points to the previous version`;
  let res;
  try {
    res = await withRetry(() => req.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: req.signal }), { clock: req.clock, signal: req.signal });
  } catch (e) {
    if (errorName(e) === 'NoSuchKey' || errorName(e) === 'NotFound') {
      throw new Error(`no embeddings at ${uri}: materialize the model first (${rematerialize(req)}); ${keep}`);
    }
    if (errorName(e) === 'AccessDenied') {
      throw new Error(
        `reading ${uri} was denied (the object may also be missing: S3 answers 403 when listing is not allowed): ` +
          `check the model was materialized, and that the loader role ${req.entry.loaderRoleArn} may read the object (redeploy if the model's location changed); ${keep}`,
      );
    }
    throw new Error(`reading ${uri}: ${(e as Error).message}; ${keep}`);
  }
  const body = res.Body as unknown;
  if (body instanceof Readable) await pipeline(body, fs.createWriteStream(file));
  else if (body && typeof (body as { transformToByteArray?: unknown }).transformToByteArray === 'function') {
    await fs.promises.writeFile(file, await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } else throw new Error(`reading ${uri}: S3 returned no body; ${keep}`);
  return (await fs.promises.stat(file)).size;
}

/** Runs one index load (see the file comment). */
export async function runIndexLoad(req: IndexLoadRequest): Promise<IndexLoadResult> {
  const { entry } = req;
  const log = req.log ?? (() => undefined);
  const keep = `the alias '${entry.alias}' still points to the previous version`;
  const { bucket, key, idColumn } = entry.embeddings;
  if (!key || !idColumn) {
    throw new Error(`the manifest entry of ${entry.key} in stack '${req.stack}' names no embeddings object (an older manifest); redeploy with \`pulumi up --stack ${req.stack}\``);
  }
  const source = `s3://${bucket}/${key}`;
  const dir = await fs.promises.mkdtemp(path.join(req.tmpDir ?? os.tmpdir(), 'headwater-index-'));
  try {
    const file = path.join(dir, path.basename(key));
    const bytes = await download(req, bucket, key, file);
    let rows: { ids: string[]; vectors: Float32Array[] };
    try {
      rows = await readEmbeddingsFile(file, idColumn);
    } catch (e) {
      // The reader's message is about the object's content; name the object, not the temp file.
      const why = (e as Error).message.split('\n')[0].split(file).join('the downloaded file');
      throw new Error(`${source}: ${why}; retrain the model (${rematerialize(req)}); ${keep}`);
    }
    const { ids, vectors } = rows;
    if (ids.length === 0) throw new Error(`${source} holds no embeddings; retrain the model before loading ${entry.alias} (${rematerialize(req)}); ${keep}`);
    const bad = vectors.findIndex((v) => v.length !== entry.dimension);
    if (bad >= 0) {
      throw new Error(
        `${source}: ${idColumn} ${ids[bad]} has ${vectors[bad].length} dimensions but ${entry.key} is deployed with dimension ${entry.dimension}; ` +
          `retrain the model (${rematerialize(req)}) or fix the dimension in the asset declaration and redeploy; ${keep}`,
      );
    }
    log(`read ${ids.length} ${entry.entity} embeddings (${bytes} bytes) from ${source}`);
    if (req.signal?.aborted) throw new Error(`cancelled before loading ${entry.alias}; ${keep}`);
    const store = storeFor(entry, (req.searchClient ?? sigV4SearchClient)(entry, req.region));
    let result: LoadResult;
    try {
      result = await store.load(
        entry.alias,
        ids.map((id, i) => ({ id, vector: vectors[i] })),
        { dimension: entry.dimension, idField: entry.idField },
      );
    } catch (e) {
      const msg = (e as Error).message;
      // The adapter already says the alias did not move for bulk errors; other failures (index creation, auth) get it here.
      throw new Error(`loading ${entry.alias} at ${entry.endpoint}: ${msg}${/alias .* was not moved/.test(msg) ? '' : `; ${keep}`}`);
    }
    log(`loaded ${result.count} vectors into ${entry.alias} version ${result.version}${result.previousVersion ? ` (was ${result.previousVersion})` : ''}`);
    return { ...result, source, bytes };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
