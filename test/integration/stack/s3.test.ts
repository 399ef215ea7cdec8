import { describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../deploy/config.js';

describe('S3 (SeaweedFS)', () => {
  it('puts an object and reads back the exact bytes and size', async () => {
    const c = loadConfig();
    const s3 = new S3Client({ endpoint: c.s3.endpoint, region: c.s3.region, forcePathStyle: true, credentials: { accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey } });
    const key = `smoke/${randomUUID()}.bin`;
    const body = randomBytes(3 * 1024 * 1024 + 17);
    await s3.send(new PutObjectCommand({ Bucket: c.s3.bucket, Key: key, Body: body }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: c.s3.bucket, Key: key }));
    const got = await s3.send(new GetObjectCommand({ Bucket: c.s3.bucket, Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    await s3.send(new DeleteObjectCommand({ Bucket: c.s3.bucket, Key: key }));
    s3.destroy();
    expect(head.ContentLength).toBe(body.length);
    expect(bytes.equals(body)).toBe(true);
  });

  it('rejects wrong credentials', async () => {
    const c = loadConfig();
    const s3 = new S3Client({ endpoint: c.s3.endpoint, region: c.s3.region, forcePathStyle: true, credentials: { accessKeyId: c.s3.accessKeyId, secretAccessKey: 'not-the-secret' }, maxAttempts: 1 });
    await expect(s3.send(new PutObjectCommand({ Bucket: c.s3.bucket, Key: 'smoke/denied', Body: 'x' }))).rejects.toThrow();
    s3.destroy();
  });
});
