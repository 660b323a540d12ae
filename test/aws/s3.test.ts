import { DeleteObjectsCommand, ListObjectVersionsCommand, NoSuchBucket, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsBuckets } from '../../src/aws/s3.js';
import { EstateError } from '../../src/errors.js';

const mock = mockClient(S3Client);
const at = { accountId: '222222222222', region: 'eu-west-2' };
const adapter = () =>
  new AwsBuckets(
    (where) =>
      new S3Client({ region: where.region, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
  );
const versions = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, VersionId: `v${i}` }));

beforeEach(() => mock.reset());

describe('AwsBuckets', () => {
  it('Given two pages of versions and delete markers, When emptied, Then markers are followed and each page deleted in quiet batches of at most 1,000', async () => {
    mock
      .on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: versions('a', 700),
        DeleteMarkers: versions('m', 300),
        IsTruncated: true,
        NextKeyMarker: 'a699',
        NextVersionIdMarker: 'v699',
      })
      .resolvesOnce({ Versions: [{ Key: 'plain' }], IsTruncated: false });
    mock.on(DeleteObjectsCommand).resolves({});

    expect(await adapter().emptyBucket(at, 'dev-site')).toBe(1001);

    expect(mock.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'dev-site', MaxKeys: 1000 },
      { Bucket: 'dev-site', MaxKeys: 1000, KeyMarker: 'a699', VersionIdMarker: 'v699' },
    ]);
    const deletes = mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
    expect(deletes.map((d) => d.Delete!.Objects!.length)).toEqual([1000, 1]);
    expect(deletes[0]!.Delete!.Quiet).toBe(true);
    expect(deletes[0]!.Delete!.Objects![0]).toEqual({ Key: 'a0', VersionId: 'v0' });
    expect(deletes[0]!.Delete!.Objects![999]).toEqual({ Key: 'm299', VersionId: 'v299' });
    expect(deletes[1]!.Delete!.Objects).toEqual([{ Key: 'plain' }]);
  });

  it('Given keys S3 refuses, When emptied, Then every page is still tried and the refusals are reported per key', async () => {
    mock
      .on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: versions('a', 3), IsTruncated: true, NextKeyMarker: 'a2' })
      .resolvesOnce({ Versions: versions('b', 2) });
    mock
      .on(DeleteObjectsCommand)
      .resolvesOnce({
        Errors: [{ Key: 'a1', VersionId: 'v1', Code: 'AccessDenied', Message: 'Access Denied' }],
      })
      .resolvesOnce({});

    const error = (await adapter()
      .emptyBucket(at, 'locked')
      .catch((e: unknown) => e)) as EstateError;

    expect(error).toBeInstanceOf(EstateError);
    expect(error.message).toMatch(
      /could not empty bucket locked in 222222222222\/eu-west-2: 1 object version not deleted \(4 deleted\)/,
    );
    expect(error.message).toMatch(/a1 \(version v1\): AccessDenied: Access Denied/);
    expect(mock.commandCalls(DeleteObjectsCommand)).toHaveLength(2);
  });

  it('Given a bucket that is already gone, When emptied, Then nothing is deleted', async () => {
    mock.on(ListObjectVersionsCommand).rejects(new NoSuchBucket({ message: 'gone', $metadata: {} }));
    expect(await adapter().emptyBucket(at, 'gone')).toBe(0);
    expect(mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });
});
