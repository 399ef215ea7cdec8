import { describe, expect, it } from 'vitest';
import { batchUnchanged, decodeFetchResponse, decodeRecordBatches, encodeFetchRequest, messagesOf, RecordBatchCorrupt, type PartitionFetch } from '../../../ingest/kafka-fetch.js';
import { crc32c } from '../../../ingest/kafka-codecs.js';
import { RecordBatchBuilder, type BatchCodec } from '../../../simulator/record-batch.js';

/** A RecordBatch as a broker returns it: base offset set, optionally transactional or a control batch. */
function batch(base: number, codec: BatchCodec, records: { key: string | null; value: string | null; headers?: Record<string, string> }[], opts: { producerId?: bigint; transactional?: boolean; control?: boolean } = {}): Buffer {
  const b = new RecordBatchBuilder(codec, 1024);
  for (const r of records) b.append(r.key === null ? null : Buffer.from(r.key), r.value, r.headers);
  const out = b.finish(1_700_000_000_000)!;
  out.writeBigInt64BE(BigInt(base), 0);
  let attributes = out.readInt16BE(21);
  if (opts.transactional) attributes |= 0x10;
  if (opts.control) attributes |= 0x20;
  out.writeInt16BE(attributes, 21);
  if (opts.producerId !== undefined) out.writeBigInt64BE(opts.producerId, 43);
  out.writeUInt32BE(crc32c(out, 21, out.length), 17);
  return out;
}

const fresh = (partition = 0): PartitionFetch => ({ partition, errorCode: 0, highWatermark: 0, batches: [], recordsSeen: 0, endOffset: -1 });

describe('Kafka fetch decoding', () => {
  it.each(['none', 'snappy', 'lz4'] as BatchCodec[])('decodes %s batches: offsets, keys, values, headers, timestamps; ignores a trailing partial batch', (codec) => {
    const vals = Array.from({ length: 300 }, (_, i) => ({ key: i % 7 ? `k${i}` : null, value: i % 11 ? `{"n":${i},"pad":"${'x'.repeat(i)}"}` : null, headers: i % 5 ? undefined : { trace: `t${i}`, 'ü': 'v' } }));
    const one = batch(1000, codec, vals.slice(0, 200));
    const two = batch(1200, codec, vals.slice(200));
    const pf = fresh(3);
    decodeRecordBatches(Buffer.concat([one, two, two.subarray(0, 70)]), pf, []);
    expect(pf.recordsSeen).toBe(300);
    expect(pf.endOffset).toBe(1300);
    expect(messagesOf(pf).map((m) => m.offset)).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
    messagesOf(pf).forEach((m, i) => {
      expect(m.partition).toBe(3);
      expect(m.key === null ? null : m.key.toString()).toBe(vals[i]!.key);
      expect(m.value === null ? null : m.value.toString()).toBe(vals[i]!.value);
      expect(m.timestamp).toBe(1_700_000_000_000);
      expect(Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, String(v)]))).toEqual(vals[i]!.headers ?? {});
    });
  });

  it('fails a batch whose bytes changed after it was written (CRC-32C), naming partition and offset', () => {
    const b = batch(500, 'none', [{ key: 'k', value: '{"device_type":"environmental_sensor"}' }]);
    const at = b.indexOf('environmental');
    b[at + 2] = 0x77; // 'v' -> 'w': one bit
    expect(() => decodeRecordBatches(b, fresh(2), [])).toThrow(RecordBatchCorrupt);
    expect(() => decodeRecordBatches(b, fresh(2), [])).toThrow(/partition 2: the record batch at offset 500 fails its CRC-32C check/);
  });

  it.each(['none', 'lz4'] as BatchCodec[])('notices %s batch memory that changed while it was read (batchUnchanged)', (codec) => {
    const pf = fresh();
    decodeRecordBatches(batch(0, codec, [{ key: 'k', value: '{"device_type":"environmental_sensor"}' }]), pf, []);
    const ref = pf.batches[0]!;
    expect(() => batchUnchanged(ref)).not.toThrow();
    const at = ref.src.indexOf('environmental', ref.at);
    ref.src[at + 2]! |= 1;
    expect(() => batchUnchanged(ref)).toThrow(/memory of the record batch at offset 0 changed while it was read/);
  });

  it('skips control batches and the records of aborted transactions, and moves past them', () => {
    const records = Buffer.concat([
      batch(0, 'none', [{ key: 'a', value: 'aborted-1' }, { key: 'a', value: 'aborted-2' }], { producerId: 7n, transactional: true }),
      batch(2, 'none', [{ key: 'b', value: 'committed-by-8' }], { producerId: 8n, transactional: true }),
      batch(3, 'none', [{ key: null, value: null }], { producerId: 7n, transactional: true, control: true }),
      batch(4, 'none', [{ key: null, value: null }], { producerId: 8n, transactional: true, control: true }),
      batch(5, 'lz4', [{ key: 'c', value: 'plain-1' }, { key: 'c', value: 'plain-2' }]),
      batch(7, 'none', [{ key: null, value: null }], { producerId: 9n, transactional: true, control: true }),
    ]);
    const pf = fresh();
    decodeRecordBatches(records, pf, [{ producerId: 7n, firstOffset: 0 }]);
    expect(messagesOf(pf).map((m) => [m.offset, m.value!.toString()])).toEqual([[2, 'committed-by-8'], [5, 'plain-1'], [6, 'plain-2']]);
    expect(pf.recordsSeen).toBe(8);
    expect(pf.endOffset).toBe(8);
  });

  it('makes a key view only when the key is read: null, empty and present keys; serializes like a plain message', () => {
    const pf = fresh(1);
    decodeRecordBatches(batch(40, 'none', [{ key: null, value: null }, { key: '', value: 'e' }, { key: 'dev-7', value: 'v' }]), pf, []);
    const [none, empty, some] = messagesOf(pf);
    expect(none!.key).toBeNull();
    expect(none!.value).toBeNull();
    expect(empty!.key).toEqual(Buffer.alloc(0));
    expect(some!.key!.toString()).toBe('dev-7');
    expect(some!.key).not.toBe(some!.key); // a fresh view each time, same bytes
    expect(some!.key!.equals(some!.key!)).toBe(true);
    expect(JSON.parse(JSON.stringify(some))).toEqual({ partition: 1, offset: 42, timestamp: 1_700_000_000_000, key: { type: 'Buffer', data: [...Buffer.from('dev-7')] }, value: { type: 'Buffer', data: [...Buffer.from('v')] }, headers: {} });
  });

  it('encodes a Fetch v11 request and decodes a response with partition errors and aborted transactions', () => {
    const req = encodeFetchRequest('iot', [{ partition: 2, fetchOffset: 2 ** 40 }], { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 4096 });
    expect(req.readInt32BE(0)).toBe(-1);
    expect(req.readInt8(16)).toBe(1); // read_committed
    expect(req.toString('utf8', 31, 34)).toBe('iot');
    expect(req.readBigInt64BE(34 + 4 + 8)).toBe(2n ** 40n);
    expect(req.length).toBe(34 + 4 + 28 + 4 + 2);

    const records = batch(10, 'none', [{ key: 'k', value: 'v' }]);
    const parts = [
      { partition: 0, error: 0, hw: 11, aborted: [] as [bigint, bigint][], records },
      { partition: 1, error: 6, hw: -1, aborted: [[5n, 3n]] as [bigint, bigint][], records: null },
    ];
    const chunks: Buffer[] = [];
    const head = Buffer.alloc(4 + 2 + 4 + 4 + 2 + 3 + 4);
    head.writeInt32BE(1, 10);
    head.writeInt16BE(3, 14);
    head.write('iot', 16);
    head.writeInt32BE(parts.length, 19);
    chunks.push(head);
    for (const p of parts) {
      const b = Buffer.alloc(4 + 2 + 24 + 4 + 16 * p.aborted.length + 4 + 4);
      let at = b.writeInt32BE(p.partition, 0);
      at = b.writeInt16BE(p.error, at);
      at = b.writeBigInt64BE(BigInt(p.hw), at);
      at = b.writeBigInt64BE(BigInt(p.hw), at);
      at = b.writeBigInt64BE(0n, at);
      at = b.writeInt32BE(p.aborted.length, at);
      for (const [pid, first] of p.aborted) {
        at = b.writeBigInt64BE(pid, at);
        at = b.writeBigInt64BE(first, at);
      }
      at = b.writeInt32BE(-1, at);
      b.writeInt32BE(p.records ? p.records.length : -1, at);
      chunks.push(b);
      if (p.records) chunks.push(p.records);
    }
    const [ok, failed] = decodeFetchResponse(Buffer.concat(chunks));
    expect(ok).toMatchObject({ partition: 0, errorCode: 0, highWatermark: 11, recordsSeen: 1, endOffset: 11 });
    expect(messagesOf(ok!).map((m) => [m.offset, m.key!.toString(), m.value!.toString()])).toEqual([[10, 'k', 'v']]);
    expect(failed).toMatchObject({ partition: 1, errorCode: 6, batches: [], endOffset: -1 });
  });
});
