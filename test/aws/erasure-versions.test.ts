/** Earlier versions on a versioned lake (aws-sdk-client-mock): deleted by VersionId, every page, the current objects kept; a refused delete named. */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { deleteAllVersions, deleteNoncurrentUnder } from '../../jobs/aws/erasure-versions';

describe('erasure versions (aws-sdk-client-mock)', () => {
  const client = new S3Client({ region: 'eu-west-1' });
  const s3 = mockClient(client);
  afterEach(() => s3.reset());
  after(() => s3.restore());
  const key = 'ratings/dt=2026-11-21/part-00000.parquet';

  it('deleteNoncurrentUnder: every page of versions under the prefix, the current ones kept, the rest (delete markers too) by VersionId', async () => {
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({ IsTruncated: true, NextKeyMarker: key, NextVersionIdMarker: 'v2', Versions: [{ Key: key, VersionId: 'v3', IsLatest: true }, { Key: key, VersionId: 'v2', IsLatest: false }] })
      .on(ListObjectVersionsCommand, { KeyMarker: key, VersionIdMarker: 'v2' })
      .resolves({ IsTruncated: false, Versions: [{ Key: 'ratings/old.parquet', VersionId: 'o1', IsLatest: false }], DeleteMarkers: [{ Key: 'ratings/old.parquet', VersionId: 'd1', IsLatest: true }, { Key: key, VersionId: 'd0', IsLatest: false }] });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await deleteNoncurrentUnder(client, 'lake', 'ratings/')).to.equal(3);
    const deleted = s3.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete!.Objects!.map((o) => `${o.Key}@${o.VersionId}`));
    expect(deleted).to.deep.equal([`${key}@v2`, 'ratings/old.parquet@o1', `${key}@d0`]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[0].args[0].input).to.deep.include({ Bucket: 'lake', Prefix: 'ratings/' });
  });

  it('deleteAllVersions exact: only that key, current version included; a refused delete names the object and version', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'k', VersionId: 'v1', IsLatest: true }, { Key: 'k2', VersionId: 'x', IsLatest: true }] });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await deleteAllVersions(client, 'lake', 'k', { exact: true })).to.equal(1);
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'k', VersionId: 'v1', Code: 'AccessDenied', Message: 'no' }] });
    let err: Error | undefined;
    await deleteAllVersions(client, 'lake', 'k', { exact: true }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/s3:\/\/lake\/k failed for 1 of them, first k v1: AccessDenied no; rerun the erasure/);
  });
});
