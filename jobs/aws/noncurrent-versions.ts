/**
 * Right to erasure on a versioned S3 lake: rewriting an object keeps the old content as a
 * noncurrent version (versioning is on, for safety), so after an erasure rewrites a partition the
 * earlier versions of its objects still hold the person's data. This deletes them, each by its
 * `VersionId` (a plain delete would only add a delete marker), and only for the keys rewritten.
 */
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';

export interface PurgedVersions {
  readonly key: string;
  readonly versionIds: readonly string[];
}

/** Deletes every noncurrent version (and delete marker) of each of `keys` in `bucket`; the current version stays. */
export async function purgeNoncurrentVersions(s3: S3Client, bucket: string, keys: readonly string[]): Promise<PurgedVersions[]> {
  const out: PurgedVersions[] = [];
  for (const key of keys) {
    const old: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      // Prefix matches longer keys too (`part-0` and `part-00`): keep the exact key only.
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) if (v.Key === key && !v.IsLatest && v.VersionId) old.push(v.VersionId);
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    for (let i = 0; i < old.length; i += 1000) {
      const batch = old.slice(i, i + 1000);
      const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((VersionId) => ({ Key: key, VersionId })), Quiet: true } }));
      if (res.Errors?.length) {
        const e = res.Errors[0];
        throw new Error(`deleting earlier versions of s3://${bucket}/${key} failed for ${res.Errors.length} version(s), first ${e.VersionId}: ${e.Code} ${e.Message}; rerun the erasure (it is idempotent)`);
      }
    }
    if (old.length) out.push({ key, versionIds: old });
  }
  return out;
}
