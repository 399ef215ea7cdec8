// Avro object container files (Avro spec "Object Container Files") for manifests and manifest
// lists. avsc encodes the records, with longs as BigInt (snapshot ids exceed 2^53); reading goes
// through lake/avro-decoder.ts, which is several times faster and exact above 2^53. The header's
// `avro.schema` is the raw schema JSON we were given, so Iceberg's `field-id` attributes survive
// (avsc would drop them if it re-serialised a parsed Type).
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { AvroCursor, compileDecoder, readLong } from './avro-decoder.js';

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

/** The container file header (Avro spec "Object Container Files"), written by avsc and read by avro-decoder. */
const HEADER_SCHEMA = {
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
};
const headerType = avro.Type.forSchema(HEADER_SCHEMA as avro.Schema);
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

export interface AvroReadOptions {
  /** Decode only the fields at these dotted paths' predicate (others are skipped, absent). */
  project?: (path: string) => boolean;
  /** Decode the long values of Iceberg int maps at these paths as bigint. */
  bigIntMapValues?: (path: string) => boolean;
}

const headerDecoder = compileDecoder(HEADER_SCHEMA);
const textDecoder = new TextDecoder('utf-8');

/**
 * Reads an Avro object container file. Records are decoded by lake/avro-decoder.ts: longs are
 * numbers when exact and bigint otherwise, bytes are Uint8Array, maps (Avro maps and Iceberg's
 * key/value arrays) are Map.
 */
export function readAvroFile<T = Record<string, unknown>>(buf: Uint8Array, what: string, opts: AvroReadOptions = {}): AvroFile<T> {
  if (buf.length < 4 || buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1] || buf[2] !== MAGIC[2] || buf[3] !== MAGIC[3]) throw new Error(`${what} is not an Avro object container file`);
  const c = new AvroCursor(buf);
  let header: { meta: Map<string, Uint8Array>; sync: Uint8Array };
  try {
    header = headerDecoder(c) as unknown as typeof header;
    c.check();
  } catch (e) {
    throw new Error(`${what}: truncated Avro header (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of header.meta) metadata[k] = textDecoder.decode(v);
  const schema = JSON.parse(metadata['avro.schema'] ?? 'null') as Record<string, unknown>;
  if (!schema) throw new Error(`${what}: Avro header has no avro.schema`);
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`${what}: unsupported Avro codec ${codec}`);
  const decode = compileDecoder(schema, { ...(opts.project ? { project: opts.project } : {}), ...(opts.bigIntMapValues ? { bigIntMapValues: opts.bigIntMapValues } : {}) });
  const sync = header.sync;
  const records: T[] = [];
  let pos = c.pos;
  while (pos < buf.length) {
    let count: number, size: number, start: number;
    try {
      c.pos = pos;
      count = Number(readLong(c));
      size = Number(readLong(c));
      c.check();
      start = c.pos;
    } catch (e) {
      throw new Error(`${what}: truncated Avro block at byte ${pos}`, { cause: e });
    }
    const end = start + size;
    if (end + 16 > buf.length) throw new Error(`${what}: truncated Avro block at byte ${pos}`);
    const raw = buf.subarray(start, end);
    const block = codec === 'deflate' ? inflateRawSync(raw) : raw;
    const bc = new AvroCursor(block);
    try {
      for (let i = 0; i < count; i++) {
        records.push(decode(bc) as T);
        bc.check();
      }
    } catch (e) {
      throw new Error(`${what}: bad Avro record in block at byte ${pos}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    for (let i = 0; i < 16; i++) {
      if (buf[end + i] !== sync[i]) throw new Error(`${what}: Avro sync marker mismatch at byte ${end}`);
    }
    pos = end + 16;
  }
  return { schema, metadata, records };
}
