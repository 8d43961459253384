/**
 * Reads an asset's Parquet files of a deployed stack's lake: lists each partition's folder under
 * the manifest's location and downloads its files (GetObject into a local folder, as the index
 * load does: DuckDB's httpfs would fetch an extension from the internet) for a local query.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { LakeLocation } from './manifest';
import { withRetry } from './retry';

/**
 * Downloads every `.parquet` object below `location.prefix + folder/` for each folder (`''` for an
 * unpartitioned table) into `dir`; files already downloaded with the same ETag are kept.
 * Returns the local paths.
 */
export async function downloadLakeFiles(s3: S3Client, location: LakeLocation, folders: readonly string[], dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const folder of folders) {
    const prefix = `${location.prefix}${folder ? `${folder}/` : ''}`;
    let token: string | undefined;
    do {
      const page = await withRetry(() => s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const o of page.Contents ?? []) {
        if (!o.Key?.endsWith('.parquet')) continue;
        // Only this folder's files: an unpartitioned table's prefix also holds nothing else by layout.
        if (o.Key.slice(prefix.length).includes('/') && folder) continue;
        const local = path.join(dir, `${o.Key.replace(/[^A-Za-z0-9._=-]+/g, '_')}-${(o.ETag ?? '').replace(/\W/g, '')}.parquet`);
        if (!fs.existsSync(local)) await download(s3, location.bucket, o.Key, local);
        files.push(local);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return files;
}

async function download(s3: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const res = await withRetry(() => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
  const body = res.Body as unknown;
  const tmp = `${file}.tmp-${process.pid}`;
  if (body instanceof Readable) await pipeline(body, fs.createWriteStream(tmp));
  else if (body && typeof (body as { transformToByteArray?: unknown }).transformToByteArray === 'function') {
    await fs.promises.writeFile(tmp, await (body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } else throw new Error(`reading s3://${bucket}/${key}: S3 returned no body`);
  fs.renameSync(tmp, file);
}
