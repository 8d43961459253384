/** Erasure on S3 (aws-sdk-client-mock): earlier versions of rewritten objects are deleted by VersionId, the current one stays. */
import { expect } from 'chai';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { purgeNoncurrentVersions } from '../../jobs/aws/noncurrent-versions';

describe('purgeNoncurrentVersions (aws-sdk-client-mock)', () => {
  const client = new S3Client({ region: 'eu-west-1' });
  const s3 = mockClient(client);
  afterEach(() => s3.reset());
  after(() => s3.restore());

  it('lists every page of versions, keeps the current one and other keys, deletes the rest by VersionId', async () => {
    const key = 'raw/ratings/dt=2026-11-21/part-00000.parquet';
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: key,
        NextVersionIdMarker: 'v2',
        Versions: [
          { Key: key, VersionId: 'v3', IsLatest: true },
          { Key: key, VersionId: 'v2', IsLatest: false },
          { Key: `${key}.bak`, VersionId: 'x1', IsLatest: false },
        ],
      })
      .on(ListObjectVersionsCommand, { KeyMarker: key, VersionIdMarker: 'v2' })
      .resolves({ IsTruncated: false, Versions: [{ Key: key, VersionId: 'v1', IsLatest: false }], DeleteMarkers: [{ Key: key, VersionId: 'd1', IsLatest: false }] });
    s3.on(DeleteObjectsCommand).resolves({});
    const r = await purgeNoncurrentVersions(client, 'lake', [key]);
    expect(r).to.deep.equal([{ key, versionIds: ['v2', 'v1', 'd1'] }]);
    const del = s3.commandCalls(DeleteObjectsCommand);
    expect(del).to.have.length(1);
    expect(del[0].args[0].input).to.deep.equal({ Bucket: 'lake', Delete: { Objects: [{ Key: key, VersionId: 'v2' }, { Key: key, VersionId: 'v1' }, { Key: key, VersionId: 'd1' }], Quiet: true } });
  });

  it('fails naming the object and the version when S3 refuses a delete', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'k', VersionId: 'v1', IsLatest: false }] });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'k', VersionId: 'v1', Code: 'AccessDenied', Message: 'no' }] });
    let err: Error | undefined;
    await purgeNoncurrentVersions(client, 'lake', ['k']).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/s3:\/\/lake\/k failed for 1 version\(s\), first v1: AccessDenied no; rerun/);
  });
});
