/**
 * Deleting versions of objects on a versioned bucket, each by its VersionId: a plain DeleteObject
 * only adds a delete marker and keeps each earlier version, with the data, until the
 * noncurrent-version lifecycle expires it. An erasure deletes the earlier versions under each
 * holder's prefix, and every version of its own work folder (the request with ids in clear,
 * reports, staging copies).
 */
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { withRetry } from './retry';

/**
 * Deletes every noncurrent version and delete marker under `prefix` (the current objects stay);
 * returns how many. What an erasure does to a holder's prefix: an earlier version of any object
 * there (a rewritten one, or one a later materialization replaced under another name) may hold the
 * person, and telling which would mean reading each.
 */
export async function deleteNoncurrentUnder(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  return deleteVersions(s3, bucket, prefix, (v) => !v.IsLatest);
}

/** Deletes every version and delete marker of the objects under `prefix` (or of exactly `prefix` with `exact`); returns how many. */
export async function deleteAllVersions(s3: S3Client, bucket: string, prefix: string, options: { exact?: boolean } = {}): Promise<number> {
  return deleteVersions(s3, bucket, prefix, (v) => !options.exact || v.Key === prefix);
}

async function deleteVersions(s3: S3Client, bucket: string, prefix: string, select: (v: { Key?: string; IsLatest?: boolean }) => boolean): Promise<number> {
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await withRetry(() => s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker })));
    const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key && v.VersionId && select(v));
    for (let i = 0; i < versions.length; i += 1000) {
      const batch = versions.slice(i, i + 1000);
      const res = await withRetry(() => s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((v) => ({ Key: v.Key!, VersionId: v.VersionId! })), Quiet: true } })));
      if (res.Errors?.length) {
        const e = res.Errors[0];
        throw new Error(`deleting versions under s3://${bucket}/${prefix} failed for ${res.Errors.length} of them, first ${e.Key} ${e.VersionId}: ${e.Code} ${e.Message}; rerun the erasure (it is idempotent)`);
      }
      deleted += batch.length;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined);
  return deleted;
}
