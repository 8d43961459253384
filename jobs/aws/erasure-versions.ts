/**
 * Deleting every version of objects on a versioned bucket, each by its VersionId: what an erasure
 * does to an object that no longer holds anything (a JSON-lines file emptied of its records) and
 * to its own work folder (the request with ids in clear, staging copies). A plain DeleteObject
 * would only add a delete marker and keep each earlier version, with the data, until the
 * noncurrent-version lifecycle expires it. Earlier versions of a rewritten object are
 * noncurrent-versions.ts's business (the current version stays).
 */
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { withRetry } from './retry';

/** Deletes every version and delete marker of the objects under `prefix` (or of exactly `prefix` with `exact`); returns how many. */
export async function deleteAllVersions(s3: S3Client, bucket: string, prefix: string, options: { exact?: boolean } = {}): Promise<number> {
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await withRetry(() => s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker })));
    const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key && v.VersionId && (!options.exact || v.Key === prefix));
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
