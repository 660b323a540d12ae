/**
 * S3 as cdk-assets and toolkit-lib use it, served path-style (REST, XML) by the emulator:
 * buckets (globally named, owned by an account, in a region), objects with ETag (MD5) and
 * content type, ListObjectsV2 (1,000 keys a page, continuation tokens), ListObjectVersions
 * (one "null" version per object), DeleteObjects, object tagging, GetBucketLocation,
 * GetBucketEncryption, multipart uploads (lib-storage uses them past 5 MiB) and aws-chunked
 * request bodies (the SDK's streaming checksums). A bucket owned by another account answers
 * 403 AccessDenied (no bucket policies are evaluated). CloudFormation's fake creates and
 * deletes buckets through `createBucket`/`deleteBucket` and reads TemplateURLs with `object`.
 */
import { createHash } from 'node:crypto';
import type { RestRequest, RestResponse, RestService } from './server.js';
import { cloneState, refill } from './state.js';

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  tags: Record<string, string>;
}

export interface StoredBucket {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly created: Date;
  readonly objects: Map<string, StoredObject>;
  encryption?: string;
}

interface StoredUpload {
  bucket: string;
  key: string;
  parts: Map<number, Buffer>;
  contentType: string;
}

/** Buckets with their objects (bytes), multipart uploads not yet completed, the upload id counter. */
export interface S3State {
  readonly buckets: Map<string, StoredBucket>;
  readonly uploads: Map<string, StoredUpload>;
  readonly seq: number;
}

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const xmlEscape = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** S3 bucket naming rules (the general-purpose ones that matter here). */
export function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !/\.\./.test(name) &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name)
  );
}

export class S3Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** An aws-chunked body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailers>`) decoded. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export class FakeS3 implements RestService {
  readonly signingName = 's3';
  readonly buckets = new Map<string, StoredBucket>();
  private readonly uploads = new Map<string, StoredUpload>();
  private seq = 0;
  /** Keys a ListObjectsV2 page holds at most. @default 1000 */
  constructor(readonly options: { readonly pageSize?: number } = {}) {}

  snapshot(): S3State {
    return cloneState({ buckets: this.buckets, uploads: this.uploads, seq: this.seq });
  }

  restore(state: S3State): void {
    const s = cloneState(state);
    refill(this.buckets, s.buckets);
    refill(this.uploads, s.uploads);
    this.seq = s.seq;
  }

  createBucket(account: string, region: string, name: string): StoredBucket {
    if (!validBucketName(name))
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
    const existing = this.buckets.get(name);
    if (existing && existing.account === account)
      throw new S3Error(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        { BucketName: name },
      );
    if (existing)
      throw new S3Error(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        409,
        { BucketName: name },
      );
    const bucket: StoredBucket = { name, account, region, created: new Date(), objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  deleteBucket(account: string, name: string): void {
    const bucket = this.bucketFor(account, name);
    if (bucket.objects.size > 0)
      throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
        BucketName: name,
      });
    this.buckets.delete(name);
  }

  /** The object, or undefined (no access check: CloudFormation reads with the caller's rights). */
  object(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  putObject(
    account: string,
    bucket: string,
    key: string,
    body: Buffer | string,
    contentType = 'binary/octet-stream',
  ): StoredObject {
    const b = this.bucketFor(account, bucket);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    const stored: StoredObject = {
      body: data,
      etag: `"${md5(data)}"`,
      lastModified: new Date(),
      contentType,
      tags: {},
    };
    b.objects.set(key, stored);
    return stored;
  }

  private bucketFor(account: string, name: string): StoredBucket {
    const bucket = this.buckets.get(name);
    if (!bucket)
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
    if (bucket.account !== account) throw new S3Error('AccessDenied', 'Access Denied', 403);
    return bucket;
  }

  async handle(request: RestRequest): Promise<RestResponse> {
    try {
      return this.route(request);
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      if (request.method === 'HEAD')
        return { status: error.status, headers: { 'x-amz-error-code': error.code } };
      const extra = Object.entries(error.extra)
        .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
        .join('');
      return {
        status: error.status,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message>${extra}<RequestId>emulator</RequestId></Error>`,
      };
    }
  }

  private route(request: RestRequest): RestResponse {
    const [, bucketName = '', ...rest] = request.path.split('/');
    const key = rest.join('/');
    const q = request.query;
    const { method, account } = request;
    const xml = (body: string, status = 200): RestResponse => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
    });
    if (!bucketName) {
      if (method === 'GET') {
        const mine = [...this.buckets.values()].filter((b) => b.account === account);
        return xml(
          `<ListAllMyBucketsResult xmlns="${NS}"><Buckets>${mine
            .map(
              (b) =>
                `<Bucket><Name>${b.name}</Name><CreationDate>${b.created.toISOString()}</CreationDate><BucketRegion>${b.region}</BucketRegion></Bucket>`,
            )
            .join('')}</Buckets></ListAllMyBucketsResult>`,
        );
      }
      throw new S3Error(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        405,
      );
    }
    if (!key) return this.bucketLevel(request, bucketName, xml);

    const bucket = this.bucketFor(account, bucketName);
    const body = this.payload(request);
    if (q.has('uploads') && method === 'POST') {
      const uploadId = `upload-${++this.seq}`;
      this.uploads.set(uploadId, {
        bucket: bucketName,
        key,
        parts: new Map(),
        contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
      });
      return xml(
        `<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${bucketName}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (q.has('uploadId')) {
      const upload = this.uploads.get(q.get('uploadId')!);
      if (!upload || upload.bucket !== bucketName || upload.key !== key)
        throw new S3Error(
          'NoSuchUpload',
          'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
          404,
        );
      if (method === 'PUT') {
        const partNumber = Number(q.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000)
          throw new S3Error(
            'InvalidArgument',
            'Part number must be an integer between 1 and 10000, inclusive',
            400,
          );
        upload.parts.set(partNumber, body);
        return { status: 200, headers: { etag: `"${md5(body)}"` } };
      }
      if (method === 'DELETE') {
        this.uploads.delete(q.get('uploadId')!);
        return { status: 204 };
      }
      if (method === 'POST') {
        const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) =>
          Number(m[1]),
        );
        const missing = numbers.find((n) => !upload.parts.has(n));
        if (missing !== undefined || numbers.length === 0)
          throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.', 400);
        const data = Buffer.concat(numbers.map((n) => upload.parts.get(n)!));
        const stored = this.putObject(account, bucketName, key, data, upload.contentType);
        this.uploads.delete(q.get('uploadId')!);
        return xml(
          `<CompleteMultipartUploadResult xmlns="${NS}"><Bucket>${bucketName}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(stored.etag)}</ETag></CompleteMultipartUploadResult>`,
        );
      }
    }
    if (q.has('tagging')) {
      const object = bucket.objects.get(key);
      if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
      if (method === 'GET')
        return xml(
          `<Tagging xmlns="${NS}"><TagSet>${Object.entries(object.tags)
            .map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`)
            .join('')}</TagSet></Tagging>`,
        );
      if (method === 'PUT') {
        const tags: Record<string, string> = {};
        for (const m of body
          .toString('utf8')
          .matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g))
          tags[m[1]!] = m[2]!;
        object.tags = tags;
        return { status: 200 };
      }
      if (method === 'DELETE') {
        object.tags = {};
        return { status: 204 };
      }
    }
    switch (method) {
      case 'PUT': {
        const stored = this.putObject(
          account,
          bucketName,
          key,
          body,
          String(request.headers['content-type'] ?? 'binary/octet-stream'),
        );
        return { status: 200, headers: { etag: stored.etag } };
      }
      case 'GET':
      case 'HEAD': {
        const object = bucket.objects.get(key);
        if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
        return {
          status: 200,
          headers: {
            etag: object.etag,
            'content-type': object.contentType,
            'content-length': String(object.body.length),
            'last-modified': object.lastModified.toUTCString(),
          },
          ...(method === 'GET' ? { body: object.body } : {}),
        };
      }
      case 'DELETE':
        bucket.objects.delete(key);
        return { status: 204 };
      default:
        throw new S3Error(
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
          405,
        );
    }
  }

  /** The request body, aws-chunked encoding removed. */
  private payload(request: RestRequest): Buffer {
    const sha = String(request.headers['x-amz-content-sha256'] ?? '');
    const encoding = String(request.headers['content-encoding'] ?? '');
    if (sha.startsWith('STREAMING-') || encoding.includes('aws-chunked'))
      return decodeAwsChunked(request.body);
    return request.body;
  }

  private bucketLevel(
    request: RestRequest,
    name: string,
    xml: (body: string, status?: number) => RestResponse,
  ): RestResponse {
    const { method, account, query: q } = request;
    if (method === 'PUT' && [...q.keys()].length === 0) {
      const constraint = /<LocationConstraint>([^<]+)<\/LocationConstraint>/.exec(
        request.body.toString('utf8'),
      )?.[1];
      this.createBucket(account, constraint ?? 'us-east-1', name);
      return { status: 200, headers: { location: `/${name}` } };
    }
    const bucket = this.bucketFor(account, name);
    if (method === 'HEAD') return { status: 200, headers: { 'x-amz-bucket-region': bucket.region } };
    if (method === 'DELETE' && [...q.keys()].length === 0) {
      this.deleteBucket(account, name);
      return { status: 204 };
    }
    if (method === 'GET' && q.has('location'))
      return xml(
        `<LocationConstraint xmlns="${NS}">${bucket.region === 'us-east-1' ? '' : bucket.region}</LocationConstraint>`,
      );
    if (method === 'GET' && q.has('encryption')) {
      if (!bucket.encryption)
        throw new S3Error(
          'ServerSideEncryptionConfigurationNotFoundError',
          'The server side encryption configuration was not found',
          404,
          { BucketName: name },
        );
      return xml(
        `<ServerSideEncryptionConfiguration xmlns="${NS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${bucket.encryption}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
      );
    }
    if (method === 'POST' && q.has('delete')) {
      const text = this.payload(request).toString('utf8');
      const quiet = /<Quiet>true<\/Quiet>/.test(text);
      const keys = [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
      if (keys.length > 1000)
        throw new S3Error(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
          400,
        );
      for (const k of keys) bucket.objects.delete(k);
      return xml(
        `<DeleteResult xmlns="${NS}">${quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
      );
    }
    if (method === 'GET' && q.has('versions')) {
      const prefix = q.get('prefix') ?? '';
      const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      return xml(
        `<ListVersionsResult xmlns="${NS}"><Name>${name}</Name><Prefix>${xmlEscape(prefix)}</Prefix><IsTruncated>false</IsTruncated>${keys
          .map((k) => {
            const o = bucket.objects.get(k)!;
            return `<Version><Key>${xmlEscape(k)}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`;
          })
          .join('')}</ListVersionsResult>`,
      );
    }
    if (method === 'GET' && q.get('list-type') === '2') {
      const prefix = q.get('prefix') ?? '';
      const max = Math.min(Number(q.get('max-keys') ?? 1000), this.options.pageSize ?? 1000);
      const token = q.get('continuation-token');
      const after = token ? Buffer.from(token, 'base64').toString('utf8') : (q.get('start-after') ?? '');
      const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      return xml(
        `<ListBucketResult xmlns="${NS}"><Name>${name}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
          (truncated
            ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64')}</NextContinuationToken>`
            : '') +
          page
            .map((k) => {
              const o = bucket.objects.get(k)!;
              return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
            })
            .join('') +
          `</ListBucketResult>`,
      );
    }
    throw new S3Error('NotImplemented', `${method} ${request.path}?${q.toString()} is not emulated`, 501);
  }
}

function unescapeXml(v: string): string {
  return v
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
