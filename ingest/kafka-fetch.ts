// Kafka Fetch (v11) spoken directly: the request is a few dozen bytes, and the response's
// RecordBatches (v2) are walked here by their headers only: each data batch becomes a
// RecordBatchRef (where its records sit in the response, or in its decompressed copy), and
// records are decoded from it when needed. Ingestion's native path hands the refs to the Rust
// addon, which reads the records itself (no object per message); every other reader decodes them
// into KafkaMessages whose value and key (made when first read) are views of the response
// buffer (no copy). Measured against the client libraries on the local stack (`npm run bench
// ingest`, fetch only): see README. Decodes uncompressed, gzip, snappy, lz4 and zstd batches;
// skips control batches and, under read_committed, the records of aborted transactions, as the
// Java consumer does. Every batch's CRC-32C is checked, as Kafka's own clients do by default: a
// batch whose bytes changed anywhere between the producer and here fails the fetch. Each
// RecordBatchRef also keeps a checksum of the bytes its records are read from, so a reader can
// prove they did not change while it read them (batchUnchanged).
import * as zlib from 'node:zlib';
import { lz4Decompress, snappyDecompress } from '@platformatic/wasm-utils';
import { crc32c, zstdDecompress } from './kafka-codecs.js';
import type { KafkaMessage } from './kafka.js';
import { KAFKA_ERROR_NAMES } from './kafka-connection.js';

export const FETCH_API_KEY = 1;
export const FETCH_VERSION = 11;
const READ_COMMITTED = 1;

export class KafkaFetchError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly code: number) {
    super(`Kafka fetch of ${topic}[${partition}] failed: error ${code} ${KAFKA_ERROR_NAMES[code] ?? '(see the Kafka protocol error codes)'}`);
  }
}

export interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
}

/** The body of a Fetch v11 request for one topic (read_committed, no fetch session). */
export function encodeFetchRequest(topic: string, partitions: readonly FetchPartitionRequest[], o: { maxWaitMs: number; minBytes: number; maxBytes: number; partitionMaxBytes: number }): Buffer {
  const name = Buffer.from(topic, 'utf8');
  const b = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 4 + 4 + 2 + name.length + 4 + partitions.length * 28 + 4 + 2);
  let at = b.writeInt32BE(-1, 0); // replica_id: a consumer
  at = b.writeInt32BE(o.maxWaitMs, at);
  at = b.writeInt32BE(o.minBytes, at);
  at = b.writeInt32BE(o.maxBytes, at);
  at = b.writeInt8(READ_COMMITTED, at);
  at = b.writeInt32BE(0, at); // session_id: none
  at = b.writeInt32BE(-1, at); // session_epoch: full fetch, no session
  at = b.writeInt32BE(1, at); // one topic
  at = b.writeInt16BE(name.length, at);
  at += name.copy(b, at);
  at = b.writeInt32BE(partitions.length, at);
  for (const p of partitions) {
    at = b.writeInt32BE(p.partition, at);
    at = b.writeInt32BE(-1, at); // current_leader_epoch: unknown
    at = b.writeBigInt64BE(BigInt(p.fetchOffset), at);
    at = b.writeBigInt64BE(-1n, at); // log_start_offset: consumers send -1
    at = b.writeInt32BE(o.partitionMaxBytes, at);
  }
  at = b.writeInt32BE(0, at); // forgotten_topics_data
  b.writeInt16BE(0, at); // rack_id: ""
  return b;
}

/** One partition of a fetch response, decoded. */
export interface PartitionFetch {
  partition: number;
  errorCode: number;
  highWatermark: number;
  /** Data batches in offset order (control batches and aborted transactions left out). */
  batches: RecordBatchRef[];
  /** Data records already decoded (by a client library), in offset order, instead of batches. */
  messages?: KafkaMessage[];
  /** Records seen in complete batches, control and aborted ones included. */
  recordsSeen: number;
  /** The offset after the last complete batch returned, or -1 if none was. */
  endOffset: number;
}

interface Aborted {
  producerId: bigint;
  firstOffset: number;
}

/** Decodes a Fetch v11 response body (after the correlation id) for one topic. */
export function decodeFetchResponse(body: Buffer): PartitionFetch[] {
  let at = 4 + 2 + 4; // throttle_time_ms, error_code, session_id
  const topCode = body.readInt16BE(4);
  if (topCode !== 0) throw new Error(`Kafka fetch failed: error ${topCode} ${KAFKA_ERROR_NAMES[topCode] ?? ''}`.trim());
  const out: PartitionFetch[] = [];
  const topics = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    at += 2 + body.readInt16BE(at);
    const parts = body.readInt32BE(at);
    at += 4;
    for (let i = 0; i < parts; i++) {
      const partition = body.readInt32BE(at);
      const errorCode = body.readInt16BE(at + 4);
      const highWatermark = Number(body.readBigInt64BE(at + 6));
      at += 4 + 2 + 8 + 8 + 8; // partition, error, high watermark, last stable offset, log start offset
      const nAborted = body.readInt32BE(at);
      at += 4;
      const aborted: Aborted[] = [];
      for (let a = 0; a < nAborted; a++) {
        aborted.push({ producerId: body.readBigInt64BE(at), firstOffset: Number(body.readBigInt64BE(at + 8)) });
        at += 16;
      }
      at += 4; // preferred_read_replica
      const size = body.readInt32BE(at);
      at += 4;
      const pf: PartitionFetch = { partition, errorCode, highWatermark, batches: [], recordsSeen: 0, endOffset: -1 };
      if (size > 0) {
        decodeRecordBatches(body.subarray(at, at + size), pf, aborted.sort((x, y) => x.firstOffset - y.firstOffset));
        at += size;
      }
      out.push(pf);
    }
  }
  return out;
}

// Cursor of the varint readers below (one decode runs at a time: all of it is synchronous).
let pos = 0;

/** A zigzag varint of at most 32 bits. */
function varint(b: Uint8Array): number {
  let byte = b[pos++]!;
  let v = byte & 0x7f;
  if (byte & 0x80) {
    byte = b[pos++]!;
    v |= (byte & 0x7f) << 7;
    if (byte & 0x80) {
      byte = b[pos++]!;
      v |= (byte & 0x7f) << 14;
      if (byte & 0x80) {
        byte = b[pos++]!;
        v |= (byte & 0x7f) << 21;
        if (byte & 0x80) {
          byte = b[pos++]!;
          v |= byte << 28;
        }
      }
    }
  }
  return (v >>> 1) ^ -(v & 1);
}

/** A zigzag varlong, exact while |value| < 2^53. */
function varlong(b: Uint8Array): number {
  let result = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = b[pos++]!;
    result += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

/**
 * A decoded record: headers are views of the response; the key and the value become views on
 * first use (the key is read only for rejected messages, and the native ingestion path reads
 * values through `src`, `valueAt` and `valueLength` without a view). One view less per message:
 * 0.3-0.9 µs/msg less process CPU (allocation, GC) measured when a read keeps 400k messages
 * (bench/fetch-profile.ts).
 */
export class FetchedMessage implements KafkaMessage {
  readonly #keyAt: number;
  readonly #keyLen: number;
  #value: Buffer | null | undefined;

  constructor(
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    /** The buffer holding the record (the response, or a decompressed batch). */
    readonly src: Buffer,
    keyAt: number,
    keyLen: number,
    /** Where the value starts in `src`, and its length (-1: null). */
    readonly valueAt: number,
    readonly valueLength: number,
    readonly headers: KafkaMessage['headers'],
  ) {
    this.#keyAt = keyAt;
    this.#keyLen = keyLen;
  }

  /** The value bytes, a view of `src` (made once). */
  get value(): Buffer | null {
    if (this.#value === undefined) this.#value = this.valueLength < 0 ? null : this.src.subarray(this.valueAt, this.valueAt + this.valueLength);
    return this.#value;
  }

  /** A fresh view of the key bytes on each call (equal bytes, not the same object). */
  get key(): Buffer | null {
    return this.#keyLen < 0 ? null : this.src.subarray(this.#keyAt, this.#keyAt + this.#keyLen);
  }

  /** As a plain message would serialize (the key included). */
  toJSON(): KafkaMessage {
    return { partition: this.partition, offset: this.offset, timestamp: this.timestamp, key: this.key, value: this.value, headers: this.headers };
  }
}

const NO_HEADERS: KafkaMessage['headers'] = Object.freeze({}) as KafkaMessage['headers'];
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function decompress(codec: number, data: Buffer, where: string): Buffer {
  switch (codec) {
    case 1:
      return zlib.gunzipSync(data);
    case 2:
      return Buffer.from(snappyDecompress(data));
    case 3:
      return Buffer.from(lz4Decompress(data));
    case 4:
      return zstdDecompress(data);
    default:
      throw new Error(`${where}: unknown compression codec ${codec}`);
  }
}

/**
 * One Kafka record batch's records, still encoded: `src[at, end)` holds `count` records, the
 * first at offset `baseOffset` (offsets are baseOffset + each record's delta, ascending).
 */
export interface RecordBatchRef {
  readonly partition: number;
  /** The response, or the batch's decompressed records. */
  readonly src: Buffer;
  readonly at: number;
  readonly end: number;
  readonly count: number;
  readonly baseOffset: number;
  /** The batch's last offset (records may be missing before it: compaction). */
  readonly lastOffset: number;
  readonly baseTimestamp: number;
  /** Set when the broker stamps the batch (LogAppendTime): every record then has this timestamp. */
  readonly logAppendTime: number | undefined;
  /** CRC-32C of `src[checkFrom, end)` when the batch was decoded (see batchUnchanged). */
  readonly checkFrom: number;
  readonly checksum: number;
}

export class RecordBatchCorrupt extends Error {
  override readonly name = 'RecordBatchCorrupt';
}

/**
 * Throws unless the bytes `ref`'s records are read from still have the checksum they had when
 * the batch was decoded: a reader calls it after reading, so memory that changed under it (a
 * buffer reused too early, a stray write) fails the batch instead of storing changed values.
 */
export function batchUnchanged(ref: RecordBatchRef): void {
  const now = crc32c(ref.src, ref.checkFrom, ref.end);
  if (now !== ref.checksum) {
    throw new RecordBatchCorrupt(`partition ${ref.partition}: the memory of the record batch at offset ${ref.baseOffset} changed while it was read (CRC-32C 0x${hex(ref.checksum)} when fetched, 0x${hex(now)} after)`);
  }
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * Walks the RecordBatches of one partition's records into `pf` by their headers. A trailing
 * partial batch (the broker cuts responses at the byte limit) is ignored: the next fetch starts
 * there.
 */
export function decodeRecordBatches(records: Buffer, pf: PartitionFetch, aborted: readonly Aborted[]): void {
  const partition = pf.partition;
  const abortedProducers = new Set<bigint>();
  let nextAborted = 0;
  let at = 0;
  while (at + 61 <= records.length) {
    const baseOffset = Number(records.readBigInt64BE(at));
    const batchLength = records.readInt32BE(at + 8);
    const end = at + 12 + batchLength;
    if (end > records.length) break;
    const magic = records.readInt8(at + 16);
    if (magic !== 2) throw new Error(`partition ${partition}: record batch at offset ${baseOffset} has magic ${magic}, only v2 (Kafka >= 0.11) is read`);
    const attributes = records.readInt16BE(at + 21);
    const lastOffsetDelta = records.readInt32BE(at + 23);
    const producerId = records.readBigInt64BE(at + 43);
    const count = records.readInt32BE(at + 57);
    const lastOffset = baseOffset + lastOffsetDelta;
    const transactional = (attributes & 0x10) !== 0;
    const control = (attributes & 0x20) !== 0;
    const codec = attributes & 0x07;
    pf.recordsSeen += count;
    pf.endOffset = lastOffset + 1;
    if (transactional) {
      while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= lastOffset) abortedProducers.add(aborted[nextAborted++]!.producerId);
    }
    if (control) {
      // One control record; key = version (int16), type (int16: 0 abort, 1 commit). An abort
      // marker closes that producer's aborted transaction.
      if (transactional && abortedProducers.has(producerId)) abortedProducers.delete(producerId);
      at = end;
      continue;
    }
    if (transactional && abortedProducers.has(producerId)) {
      at = end;
      continue;
    }
    // The CRC covers the batch from its attributes to its end: checked before anything of it is read.
    const stored = records.readUInt32BE(at + 17);
    const crc = crc32c(records, at + 21, end);
    if (crc !== stored) {
      throw new RecordBatchCorrupt(`partition ${partition}: the record batch at offset ${baseOffset} fails its CRC-32C check (batch says 0x${hex(stored)}, its bytes give 0x${hex(crc)}): it changed after the producer wrote it`);
    }
    const baseTimestamp = Number(records.readBigInt64BE(at + 27));
    const logAppendTime = (attributes & 0x08) !== 0 ? Number(records.readBigInt64BE(at + 35)) : undefined;
    if (codec === 0) {
      pf.batches.push({ partition, src: records, at: at + 61, end, count, baseOffset, lastOffset, baseTimestamp, logAppendTime, checkFrom: at + 21, checksum: crc });
    } else {
      const src = decompress(codec, records.subarray(at + 61, end), `${CODECS[codec] ?? codec} batch of partition ${partition} at offset ${baseOffset}`);
      pf.batches.push({ partition, src, at: 0, end: src.length, count, baseOffset, lastOffset, baseTimestamp, logAppendTime, checkFrom: 0, checksum: crc32c(src, 0, src.length) });
    }
    at = end;
  }
}

/** The message of the record at `at` of `ref` (where the next record starts is then in lastRecordEnd). */
export function recordAt(ref: RecordBatchRef, at: number): FetchedMessage {
  const b = ref.src;
  pos = at;
  const length = varint(b);
  const recordEnd = pos + length;
  if (length < 0 || recordEnd > ref.end) throw new Error(`partition ${ref.partition}: a record of the batch at offset ${ref.baseOffset} runs past its batch`);
  pos++; // record attributes
  const tsDelta = varlong(b);
  const offsetDelta = varint(b);
  const keyLen = varint(b);
  const keyAt = pos;
  if (keyLen > 0) pos += keyLen;
  const valueLen = varint(b);
  const valueAt = pos;
  if (valueLen > 0) pos += valueLen;
  const nHeaders = varint(b);
  let headers = NO_HEADERS;
  if (nHeaders > 0) {
    headers = {};
    for (let h = 0; h < nHeaders; h++) {
      const kLen = varint(b);
      const k = b.toString('utf8', pos, (pos += kLen));
      const vLen = varint(b);
      const v = vLen < 0 ? undefined : b.subarray(pos, (pos += vLen));
      headers[k] = v; // a repeated header keeps its last value, as on the other fetch paths
    }
  }
  lastRecordEnd = recordEnd;
  return new FetchedMessage(ref.partition, ref.baseOffset + offsetDelta, ref.logAppendTime ?? ref.baseTimestamp + tsDelta, b, keyAt, keyLen, valueAt, valueLen, headers);
}

/** Where the record last decoded by recordAt ends: the next record's position. */
let lastRecordEnd = 0;

/** Appends the messages of `ref` whose offsets are in [lo, hi) to `out`. */
export function batchMessages(ref: RecordBatchRef, lo: number, hi: number, out: KafkaMessage[]): void {
  let at = ref.at;
  for (let r = 0; r < ref.count && at < ref.end; r++) {
    const m = recordAt(ref, at);
    at = lastRecordEnd;
    if (m.offset < lo) continue;
    if (m.offset >= hi) break;
    out.push(m);
  }
}

/** Every data message of a partition's fetch, in offset order. */
export function messagesOf(pf: PartitionFetch): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  for (const b of pf.batches) batchMessages(b, -Infinity, Infinity, out);
  return out;
}
