// The direct client's RecordBatch encoding, decoded here independently (a bitwise CRC-32C, the
// layout from the Kafka protocol guide) — the real broker's acceptance is the integration test.
import { describe, it, expect } from 'vitest';
import { lz4Decompress, snappyDecompress } from '@platformatic/wasm-utils';
import { RecordBatchBuilder, BATCH_HEADER_BYTES, type BatchCodec } from '../../../simulator/record-batch.js';
import { checkProduceResponse, KafkaProduceError } from '../../../simulator/direct-producer.js';

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit: slow, and independent of the code under test. */
function crc32c(b: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function readVarint(b: Buffer, at: number): [number, number] {
  let z = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++]!;
    z += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return [z % 2 === 0 ? z / 2 : -(z + 1) / 2, at];
}

function decode(batch: Buffer) {
  expect(batch.readBigInt64BE(0)).toBe(0n);
  expect(batch.readInt32BE(8)).toBe(batch.length - 12);
  expect(batch.readInt8(16)).toBe(2);
  expect(batch.readUInt32BE(17)).toBe(crc32c(batch.subarray(21)) >>> 0);
  const attributes = batch.readInt16BE(21);
  const lastOffsetDelta = batch.readInt32BE(23);
  const ts = Number(batch.readBigInt64BE(27));
  expect(Number(batch.readBigInt64BE(35))).toBe(ts);
  expect(batch.readBigInt64BE(43)).toBe(-1n);
  const count = batch.readInt32BE(57);
  expect(lastOffsetDelta).toBe(count - 1);
  const body = batch.subarray(BATCH_HEADER_BYTES);
  const codec = attributes & 7;
  const records = codec === 0 ? body : codec === 3 ? lz4Decompress(body) : codec === 2 ? snappyDecompress(body) : undefined;
  if (!records) throw new Error(`codec ${codec}`);
  const out: { key: string | null; value: string | null; headers?: Record<string, string> }[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    let len: number, n: number;
    [len, at] = readVarint(records, at);
    const end = at + len;
    expect(records[at]).toBe(0);
    [n, at] = readVarint(records, at + 1);
    expect(n).toBe(0);
    [n, at] = readVarint(records, at);
    expect(n).toBe(i);
    let kl: number, vl: number;
    [kl, at] = readVarint(records, at);
    const key = kl < 0 ? null : records.toString('utf8', at, (at += kl));
    [vl, at] = readVarint(records, at);
    const value = vl < 0 ? null : records.toString('latin1', at, (at += vl));
    let hn: number;
    [hn, at] = readVarint(records, at);
    const headers: Record<string, string> = {};
    for (let h = 0; h < hn; h++) {
      [n, at] = readVarint(records, at);
      const name = records.toString('utf8', at, (at += n));
      [n, at] = readVarint(records, at);
      headers[name] = records.toString('utf8', at, (at += n));
    }
    expect(at).toBe(end);
    out.push(hn ? { key, value, headers } : { key, value });
  }
  expect(at).toBe(records.length);
  return { codec, ts, records: out };
}

describe('RecordBatchBuilder', () => {
  it.each(['none', 'lz4', 'snappy'] as BatchCodec[])('encodes records that decode back exactly (%s)', (codec) => {
    const b = new RecordBatchBuilder(codec, 64);
    const long = 'x'.repeat(20_000);
    const inputs: [Buffer | null, Buffer | string | null, Record<string, string>?][] = [
      [Buffer.from('dev-000009'), '{"h":1}', { 'content-type': 'application/json', 'x-ü': 'ö' }],
      [Buffer.from('dev-000001'), '{"a":1}'],
      [Buffer.from('dev-000002'), Buffer.from([0x5a, 0xf6, 0x6e, 0x65])],
      [Buffer.from('k'), Buffer.alloc(0)],
      [Buffer.from('dev-000003'), null],
      [null, 'no key'],
      [Buffer.from('dev-000004'), long],
      [Buffer.from('dev-000005'), 'zürich ✓'],
    ];
    for (let i = 0; i < 200; i++) inputs.push([Buffer.from(`dev-${i}`), `{"n":${i}}`]);
    for (const [k, v, h] of inputs) b.append(k, v, h);
    expect(b.count).toBe(inputs.length);
    const batch = b.finish(1_740_000_000_123)!;
    const d = decode(batch);
    expect(d.codec).toBe({ none: 0, snappy: 2, lz4: 3 }[codec]);
    expect(d.ts).toBe(1_740_000_000_123);
    expect(d.records).toEqual(
      inputs.map(([k, v, h]) => ({ key: k?.toString('utf8') ?? null, value: v === null ? null : (typeof v === 'string' ? Buffer.from(v) : v).toString('latin1'), ...(h ? { headers: h } : {}) })),
    );
    // Finishing starts a fresh, empty batch; the finished one is left intact.
    expect(b.count).toBe(0);
    expect(b.finish(0)).toBeUndefined();
    b.append(Buffer.from('z'), 'next');
    expect(decode(b.finish(5)!).records).toEqual([{ key: 'z', value: 'next' }]);
    expect(decode(batch).records).toHaveLength(inputs.length);
  });
});

describe('checkProduceResponse', () => {
  const response = (codes: number[]) => {
    const topic = Buffer.from('t1');
    const b = Buffer.alloc(4 + 2 + topic.length + 4 + codes.length * 30 + 4);
    let at = b.writeInt32BE(1, 0);
    at = b.writeInt16BE(topic.length, at);
    at += topic.copy(b, at);
    at = b.writeInt32BE(codes.length, at);
    codes.forEach((c, i) => {
      at = b.writeInt32BE(i, at);
      at = b.writeInt16BE(c, at);
      at += 24;
    });
    return b;
  };
  it('accepts a response without errors', () => {
    expect(() => checkProduceResponse(response([0, 0, 0]))).not.toThrow();
  });
  it('names the topic, partition and error code of a rejected batch', () => {
    expect(() => checkProduceResponse(response([0, 0, 10]))).toThrow(KafkaProduceError);
    expect(() => checkProduceResponse(response([0, 0, 10]))).toThrow('Kafka rejected the batch for t1[2]: error 10 MESSAGE_TOO_LARGE');
  });
});
