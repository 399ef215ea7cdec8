// Avro object container files (Avro spec "Object Container Files") for manifests and manifest
// lists. avsc encodes the records, with longs as BigInt (snapshot ids exceed 2^53). The header's
// `avro.schema` is the raw schema JSON we were given, so Iceberg's `field-id` attributes survive
// (avsc would drop them if it re-serialised a parsed Type).
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avro from 'avsc';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

const bigLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (x: unknown) => BigInt(x as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const headerType = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const plainLong = avro.Type.forSchema('long');

export function avroType(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { registry: { long: bigLong }, wrapUnions: false });
}

export interface AvroWriteOptions {
  /** Extra header metadata (Iceberg: schema, partition-spec, partition-spec-id, format-version, content). */
  metadata?: Record<string, string>;
  codec?: 'null' | 'deflate';
}

export function writeAvroFile(schema: object, records: readonly unknown[], opts: AvroWriteOptions = {}): Buffer {
  const type = avroType(schema);
  const codec = opts.codec ?? 'deflate';
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema)), 'avro.codec': Buffer.from(codec) };
  for (const [k, v] of Object.entries(opts.metadata ?? {})) meta[k] = Buffer.from(v);
  const sync = randomBytes(16);
  const parts: Buffer[] = [headerType.toBuffer({ magic: MAGIC, meta, sync })];
  const blockSize = 1000;
  for (let start = 0; start < records.length; start += blockSize) {
    const chunk = records.slice(start, start + blockSize);
    const raw = Buffer.concat(chunk.map((r) => type.toBuffer(r)));
    const data = codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(plainLong.toBuffer(chunk.length), plainLong.toBuffer(data.length), data, sync);
  }
  return Buffer.concat(parts);
}

export interface AvroFile<T> {
  schema: Record<string, unknown>;
  metadata: Record<string, string>;
  records: T[];
}

export function readAvroFile<T = Record<string, unknown>>(buf: Buffer, what: string): AvroFile<T> {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw new Error(`${what} is not an Avro object container file`);
  const h = headerType.decode(buf, 0);
  if (h.offset < 0) throw new Error(`${what}: truncated Avro header`);
  const header = h.value as { meta: Record<string, Buffer>; sync: Buffer };
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(header.meta)) metadata[k] = v.toString('utf8');
  const schema = JSON.parse(metadata['avro.schema'] ?? 'null') as Record<string, unknown>;
  if (!schema) throw new Error(`${what}: Avro header has no avro.schema`);
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`${what}: unsupported Avro codec ${codec}`);
  const type = avroType(schema);
  const records: T[] = [];
  let pos = h.offset;
  while (pos < buf.length) {
    const count = plainLong.decode(buf, pos);
    const size = plainLong.decode(buf, count.offset);
    if (count.offset < 0 || size.offset < 0) throw new Error(`${what}: truncated Avro block at byte ${pos}`);
    const start = size.offset;
    const end = start + (size.value as number);
    const block = codec === 'deflate' ? inflateRawSync(buf.subarray(start, end)) : buf.subarray(start, end);
    let p = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const r = type.decode(block, p);
      if (r.offset < 0) throw new Error(`${what}: truncated Avro record in block at byte ${pos}`);
      records.push(r.value as T);
      p = r.offset;
    }
    if (!buf.subarray(end, end + 16).equals(header.sync)) throw new Error(`${what}: Avro sync marker mismatch at byte ${end}`);
    pos = end + 16;
  }
  return { schema, metadata, records };
}
