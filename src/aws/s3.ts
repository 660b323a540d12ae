/**
 * BucketsPort over S3: empties a (versioned or not) bucket before its stack is destroyed,
 * because CloudFormation cannot delete a bucket that holds objects. ListObjectVersions
 * follows KeyMarker/VersionIdMarker while IsTruncated (at most 1,000 versions and delete
 * markers a page); each page is deleted with one DeleteObjects call (it takes at most 1,000
 * keys) in quiet mode, which answers only the keys it could not delete. Those are collected
 * and reported together after every page was tried. NoSuchBucket means nothing to empty.
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type DeleteObjectsOutput,
  type ListObjectVersionsOutput,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import type { BucketsPort, StackLocation } from '../core/env/ports.js';
import { EstateError } from '../errors.js';
import type { AwsClients } from './clients.js';
import { mapAwsError } from './errors.js';
import { errorName } from './paginate.js';
import { perLocation, type SendLike } from './send.js';

export const DELETE_OBJECTS_BATCH = 1000;
const MAX_PAGES = 1_000_000;

export class AwsBuckets implements BucketsPort {
  private readonly client: (at: StackLocation) => SendLike;

  constructor(clientFor: (at: StackLocation) => SendLike) {
    this.client = perLocation(clientFor);
  }

  async emptyBucket(at: StackLocation, bucket: string): Promise<number> {
    const client = this.client(at);
    const refused: { key: string; versionId?: string; reason: string }[] = [];
    let deleted = 0;
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let page = 0; page < MAX_PAGES; page++) {
      let out: ListObjectVersionsOutput;
      try {
        out = (await client.send(
          new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: DELETE_OBJECTS_BATCH, ...marker }),
        )) as ListObjectVersionsOutput;
      } catch (error) {
        if (errorName(error) === 'NoSuchBucket') return deleted;
        throw this.failed(error, at, 'ListObjectVersions', bucket, 's3:ListBucketVersions');
      }
      const objects: ObjectIdentifier[] = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]
        .filter((o) => o.Key !== undefined)
        .map((o) => ({ Key: o.Key!, ...(o.VersionId ? { VersionId: o.VersionId } : {}) }));
      for (let i = 0; i < objects.length; i += DELETE_OBJECTS_BATCH) {
        const batch = objects.slice(i, i + DELETE_OBJECTS_BATCH);
        let result: DeleteObjectsOutput;
        try {
          result = (await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
          )) as DeleteObjectsOutput;
        } catch (error) {
          if (errorName(error) === 'NoSuchBucket') return deleted;
          throw this.failed(error, at, 'DeleteObjects', bucket, 's3:DeleteObjectVersion');
        }
        const errors = result.Errors ?? [];
        for (const e of errors)
          refused.push({
            key: e.Key ?? '?',
            ...(e.VersionId ? { versionId: e.VersionId } : {}),
            reason: [e.Code, e.Message].filter(Boolean).join(': '),
          });
        deleted += batch.length - errors.length;
      }
      if (!out.IsTruncated) break;
      marker = {
        ...(out.NextKeyMarker ? { KeyMarker: out.NextKeyMarker } : {}),
        ...(out.NextVersionIdMarker ? { VersionIdMarker: out.NextVersionIdMarker } : {}),
      };
    }
    if (refused.length > 0) {
      const shown = refused
        .slice(0, 5)
        .map((r) => `${r.key}${r.versionId ? ` (version ${r.versionId})` : ''}: ${r.reason}`);
      throw new EstateError(
        `could not empty bucket ${bucket} in ${at.accountId}/${at.region}: ${refused.length} object version${refused.length === 1 ? '' : 's'} not deleted (${deleted} deleted): ${shown.join('; ')}${refused.length > shown.length ? '; …' : ''}`,
        {
          code: 'BucketNotEmptied',
          source: 'aws',
          details: { bucket, deleted, refused },
          suggestions: [
            'AccessDenied: the role needs s3:DeleteObject and s3:DeleteObjectVersion on the bucket (check its bucket policy and Object Lock)',
            'run the destroy again: objects already deleted stay deleted',
          ],
        },
      );
    }
    return deleted;
  }

  private failed(error: unknown, at: StackLocation, action: string, bucket: string, permission: string) {
    return mapAwsError(error, {
      action,
      service: 's3',
      account: at.accountId,
      target: `bucket ${bucket} in ${at.region}`,
      permission,
    });
  }
}

export function bucketsPort(clients: AwsClients): AwsBuckets {
  return new AwsBuckets((at) => clients.client(S3Client, 'S3', { account: at.accountId, region: at.region }));
}
