// S3 file IO for s3:// URIs: put/get with exact sizes, multipart upload for large or streamed
// files, retries with exponential backoff (the SDK's standard retry strategy).
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { NotFoundError, StorageError } from './errors.js';

export interface S3Config {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  maxAttempts?: number;
}

export interface FileIO {
  write(uri: string, bytes: Uint8Array): Promise<number>;
  writeStream(uri: string, body: Readable): Promise<number>;
  read(uri: string): Promise<Buffer>;
  size(uri: string): Promise<number | undefined>;
  list(prefixUri: string): Promise<string[]>;
  deleteMany(uris: readonly string[]): Promise<void>;
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!m) throw new StorageError(`not an s3:// URI: ${JSON.stringify(uri)}`, { file: uri });
  return { bucket: m[1]!, key: m[2]! };
}

const MULTIPART_THRESHOLD = 16 * 1024 * 1024;

function describe(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return `${o.name ?? 'Error'}${o.$metadata?.httpStatusCode ? ` (HTTP ${o.$metadata.httpStatusCode})` : ''}: ${o.message ?? ''}`;
  }
  return String(e);
}

export class S3FileIO implements FileIO {
  readonly client: S3Client;

  constructor(cfg: S3Config) {
    this.client = new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region,
      forcePathStyle: true,
      credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
      maxAttempts: cfg.maxAttempts ?? 4,
      retryMode: 'standard',
    });
  }

  async write(uri: string, bytes: Uint8Array): Promise<number> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      if (bytes.length >= MULTIPART_THRESHOLD) {
        await new Upload({ client: this.client, params: { Bucket: bucket, Key: key, Body: bytes }, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
      } else {
        await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
      }
    } catch (e) {
      throw new StorageError(`S3 write failed: ${describe(e)}`, { file: uri }, { cause: e });
    }
    return bytes.length;
  }

  async writeStream(uri: string, body: Readable): Promise<number> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      await new Upload({ client: this.client, params: { Bucket: bucket, Key: key, Body: body }, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
    } catch (e) {
      throw new StorageError(`S3 streaming write failed: ${describe(e)}`, { file: uri }, { cause: e });
    }
    const size = await this.size(uri);
    if (size === undefined) throw new StorageError('S3 object missing right after upload', { file: uri });
    return size;
  }

  async read(uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') throw new NotFoundError('S3 object not found', { file: uri }, { cause: e });
      throw new StorageError(`S3 read failed: ${describe(e)}`, { file: uri }, { cause: e });
    }
  }

  async size(uri: string): Promise<number | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return r.ContentLength;
    } catch (e) {
      const o = e as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (o.name === 'NotFound' || o.$metadata?.httpStatusCode === 404) return undefined;
      throw new StorageError(`S3 head failed: ${describe(e)}`, { file: uri }, { cause: e });
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const { bucket, key } = parseS3Uri(prefixUri);
    const out: string[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) out.push(`s3://${bucket}/${o.Key}`);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw new StorageError(`S3 list failed: ${describe(e)}`, { file: prefixUri }, { cause: e });
    }
    return out;
  }

  async deleteMany(uris: readonly string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const u of uris) {
      const { bucket, key } = parseS3Uri(u);
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
    }
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) {
        try {
          await this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
        } catch (e) {
          throw new StorageError(`S3 delete failed: ${describe(e)}`, { file: `s3://${bucket}/${keys[i]}` }, { cause: e });
        }
      }
    }
  }
}
