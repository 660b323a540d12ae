/** FakeS3 and FakeSsm through the real SDK clients over the emulator (path-style REST and awsJson). */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatedEstate, type EmulatedEstate } from '../_helpers/estate-emulator.js';

const REGION = 'eu-west-2';
let estate: EmulatedEstate | undefined;
afterEach(async () => {
  await estate?.close();
  estate = undefined;
});

async function clients(accessKeyId = 'AKIDEMULATOR') {
  estate ??= await emulatedEstate({}, '111111111111');
  const config = {
    region: REGION,
    endpoint: estate.emulator.url,
    credentials: { accessKeyId, secretAccessKey: 'emulator' },
    maxAttempts: 1,
  };
  return { s3: new S3Client({ ...config, forcePathStyle: true }), ssm: new SSMClient(config) };
}

describe('FakeS3', () => {
  it('creates buckets, stores objects (streamed bodies too), lists in pages, deletes in bulk', async () => {
    const { s3 } = await clients();
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'assets',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'assets' }))).LocationConstraint).toBe(
      REGION,
    );
    const again = await s3.send(new CreateBucketCommand({ Bucket: 'assets' })).catch((e: Error) => e);
    expect(again).toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    await s3.send(new PutObjectCommand({ Bucket: 'assets', Key: 'a/one.txt', Body: 'one' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'assets',
        Key: 'a/two.txt',
        Body: Readable.from([Buffer.from('two')]),
        ContentLength: 3,
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'assets', Key: 'a/two.txt' }));
    expect(await got.Body?.transformToString()).toBe('two');
    const missing = await s3
      .send(new HeadObjectCommand({ Bucket: 'assets', Key: 'nope' }))
      .catch((e: Error) => e);
    expect(missing).toMatchObject({ name: 'NotFound' });
    const page = await s3.send(new ListObjectsV2Command({ Bucket: 'assets', Prefix: 'a/', MaxKeys: 1 }));
    expect(page.Contents?.map((c) => c.Key)).toEqual(['a/one.txt']);
    const rest = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'assets',
        Prefix: 'a/',
        ContinuationToken: page.NextContinuationToken,
      }),
    );
    expect(rest.Contents?.map((c) => c.Key)).toEqual(['a/two.txt']);
    const notEmpty = await s3.send(new DeleteBucketCommand({ Bucket: 'assets' })).catch((e: Error) => e);
    expect(notEmpty).toMatchObject({
      name: 'BucketNotEmpty',
      message: 'The bucket you tried to delete is not empty',
    });
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'assets',
        Delete: { Objects: [{ Key: 'a/one.txt' }, { Key: 'a/two.txt' }] },
      }),
    );
    await s3.send(new DeleteBucketCommand({ Bucket: 'assets' }));
    expect(estate!.s3.buckets.has('assets')).toBe(false);
  });

  it('assembles a multipart upload in part order (what lib-storage does past 5 MiB)', async () => {
    const { s3 } = await clients();
    estate!.s3.createBucket('111111111111', REGION, 'big');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: 'blob' }));
    const parts = [];
    for (const [n, text] of [
      [2, 'world'],
      [1, 'hello '],
    ] as const) {
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: 'big', Key: 'blob', UploadId, PartNumber: n, Body: text }),
      );
      parts.push({ ETag, PartNumber: n });
    }
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'big',
        Key: 'blob',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    expect(estate!.s3.object('big', 'blob')?.body.toString()).toBe('hello world');
  });

  it("answers AccessDenied for another account's bucket", async () => {
    const { s3 } = await clients('ASIAE222222222222000');
    estate!.s3.createBucket('111111111111', REGION, 'mine');
    const denied = await s3
      .send(new PutObjectCommand({ Bucket: 'mine', Key: 'k', Body: 'x' }))
      .catch((e: Error) => e);
    expect(denied).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('FakeSsm', () => {
  it('stores parameters per account, versions them, and answers ParameterNotFound and ParameterAlreadyExists', async () => {
    const { ssm } = await clients();
    const missing = await ssm.send(new GetParameterCommand({ Name: '/x' })).catch((e: Error) => e);
    expect(missing).toMatchObject({ name: 'ParameterNotFound' });
    expect(
      (await ssm.send(new PutParameterCommand({ Name: '/x', Value: '1', Type: 'String' }))).Version,
    ).toBe(1);
    const again = await ssm
      .send(new PutParameterCommand({ Name: '/x', Value: '2', Type: 'String' }))
      .catch((e: Error) => e);
    expect(again).toMatchObject({ name: 'ParameterAlreadyExists' });
    expect(
      (await ssm.send(new PutParameterCommand({ Name: '/x', Value: '2', Overwrite: true }))).Version,
    ).toBe(2);
    const many = await ssm.send(new GetParametersCommand({ Names: ['/x', '/y'] }));
    expect(many.Parameters?.map((p) => p.Value)).toEqual(['2']);
    expect(many.InvalidParameters).toEqual(['/y']);
    const other = await clients('ASIAE222222222222000');
    const elsewhere = await other.ssm.send(new GetParameterCommand({ Name: '/x' })).catch((e: Error) => e);
    expect(elsewhere).toMatchObject({ name: 'ParameterNotFound' });
  });
});
