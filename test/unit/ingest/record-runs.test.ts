// The native path over encoded record batches (RangeReader.streamRecords, what the direct fetch
// path gives): the addon reads the Kafka records itself and the TypeScript path decodes only the
// records it stops at. A batch read that way must write exactly what the message path writes:
// the same RAW files (names and Parquet bytes), the same DLQ rows (key, headers, timestamp), the
// same counts; whatever the batches' codecs, and with ranges that start and end inside a batch.
import { describe, expect, it } from 'vitest';
import { FakeReader } from './fake-reader.js';
import { CaptureLake } from './capture-lake.js';
import { nativeAddon, openRawIngest } from '../../../ingest/native.js';
import { runBatch } from '../../../ingest/batch.js';
import type { KafkaMessage, RangeReader, RecordRun } from '../../../ingest/kafka.js';
import { decodeRecordBatches, messagesOf, type PartitionFetch } from '../../../ingest/kafka-fetch.js';
import { MAX_EVENT_BYTES, validateTelemetry, type DeviceLookup } from '../../../models/telemetry.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { RecordBatchBuilder, type BatchCodec } from '../../../simulator/record-batch.js';
import type { OffsetRange } from '../../../models/offsets.js';
import { batchIdOf } from '../../../models/offsets.js';

const INGESTED_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const T0 = 1_735_725_000_000;

interface Rec {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

/** A partition's records as a broker holds them: record batches of 1 to 40 records, codecs in turn, base offsets from 0. */
function encodePartition(records: Rec[], seed: number): Buffer {
  const codecs: BatchCodec[] = ['none', 'lz4', 'none', 'snappy'];
  const out: Buffer[] = [];
  let offset = 0;
  for (let b = 0; offset < records.length; b++) {
    const size = Math.min(records.length - offset, 1 + ((b * 7 + seed * 13) % 40));
    const builder = new RecordBatchBuilder(codecs[(b + seed) % codecs.length], 256);
    for (const r of records.slice(offset, offset + size)) builder.append(r.key, r.value, r.headers);
    const batch = Buffer.from(builder.finish(T0 + b * 1000)!);
    batch.writeBigInt64BE(BigInt(offset), 0);
    out.push(batch);
    offset += size;
  }
  return Buffer.concat(out);
}

/** A topic whose partitions are encoded record batches: read as record runs (streamRecords) in small rounds. */
class RecordsReader implements RangeReader {
  constructor(readonly parts: Map<number, Buffer>) {}
  private fetch(partition: number): PartitionFetch {
    const pf: PartitionFetch = { partition, errorCode: 0, highWatermark: 0, batches: [], recordsSeen: 0, endOffset: -1 };
    decodeRecordBatches(this.parts.get(partition)!, pf, []);
    return pf;
  }
  async watermarks() {
    return [...this.parts.keys()].map((partition) => ({ partition, low: 0, high: this.fetch(partition).endOffset }));
  }
  async offsetsForTime(): Promise<Record<number, number>> {
    throw new Error('not used');
  }
  async readRanges(_topic: string, ranges: OffsetRange[]): Promise<KafkaMessage[]> {
    return ranges.flatMap((r) => messagesOf(this.fetch(r.partition)).filter((m) => m.offset >= r.from && m.offset < r.to));
  }
  async streamRecords(_topic: string, ranges: OffsetRange[], onChunk: (runs: RecordRun[]) => void | Promise<void>): Promise<void> {
    // Rounds of up to 5 batches per partition, partitions interleaved, as fetch rounds come.
    const queues = ranges.map((r) => this.fetch(r.partition).batches.flatMap((batch) => {
      const lo = Math.max(r.from, batch.baseOffset);
      const hi = Math.min(r.to, batch.lastOffset + 1);
      return lo < hi ? [{ batch, lo, hi }] : [];
    }));
    while (queues.some((q) => q.length > 0)) await onChunk(queues.flatMap((q) => q.splice(0, 5)));
  }
  async close() {}
}


describe.runIf(nativeAddon().addon)('native ingestion over encoded record batches (streamRecords)', () => {
  it('writes what the message path writes: RAW files, DLQ rows with keys, headers and timestamps, counts', async () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 30, buildings: 3, count: 1200, seed: 'record-runs', startMs: Date.UTC(2025, 0, 1, 9, 50), stepMs: 500 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const parts: Rec[][] = [[], [], []];
    let i = 0;
    for (let m = gen.next(); m; m = gen.next(), i++) parts[i % 3]!.push({ key: m.key, value: m.value, ...(i % 9 === 0 ? { headers: { trace: `t${i}`, 'ü': 'v' } } : {}) });
    // Records the addon stops at, among accepted ones: null, empty, oversized, not UTF-8, a BOM.
    const valid = parts[1]!.find((r) => validateTelemetry(r.value, registry).ok)!.value!;
    parts[1]!.splice(50, 0, { key: null, value: null }, { key: Buffer.from('k'), value: Buffer.alloc(0) }, { key: null, value: Buffer.alloc(MAX_EVENT_BYTES + 1, 0x20) }, { key: null, value: Buffer.from([0x7b, 0xff, 0x7d]) }, { key: null, value: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), valid]) });
    const encoded = new Map(parts.map((records, p) => [p, encodePartition(records, p)]));
    const reader = new RecordsReader(encoded);
    // Ranges that start and end inside record batches, and one whole partition.
    const ranges = [{ partition: 0, from: 3, to: parts[0]!.length - 2 }, { partition: 1, from: 0, to: parts[1]!.length }, { partition: 2, from: 11, to: 350 }];
    const input = { topic: 'iot', batchId: batchIdOf('iot', ranges), ranges, ingestedAt: INGESTED_MS };
    const messages = new Map(await Promise.all([0, 1, 2].map(async (p) => [p, await reader.readRanges('iot', [{ partition: p, from: 0, to: parts[p]!.length }])] as const)));
    const run = async (r: RangeReader, native: 'on' | 'off', nativeOffThread = true, lookup: DeviceLookup = registry) => {
      const lake = new CaptureLake();
      const logs: string[] = [];
      const res = await runBatch({ reader: r, lake, registry: lookup, validate: validateTelemetry, fileRows: 150, native, nativeOffThread, log: (msg, f) => logs.push(msg + JSON.stringify(f ?? {})) }, input);
      return { lake, res, logs };
    };
    const records = await run(reader, 'on');
    const viaMessages = await run(new FakeReader(messages), 'on');
    const typescript = await run(new FakeReader(messages), 'off');
    const onThisThread = await run(reader, 'on', false);
    // A registry that knows a device its listing leaves out: the addon rejects that device's
    // events, the TypeScript validator accepts them, and the batch is read again on this thread.
    const missing = [...registry][0]!;
    const stale = { has: (id: string) => registry.has(id), ids: () => [...registry].filter((id) => id !== missing), size: registry.size };
    const reread = await run(reader, 'on', true, stale);
    expect(records.logs.join()).not.toMatch(/disagrees/);
    expect(reread.logs.join()).toMatch(/native path disagrees with the contract; reading the batch again/);
    // Files are sealed as fetch rounds come (in another order here than with one message array): compared by name.
    const files = (r: typeof records) => [...r.lake.files].sort((a, b) => a.name.localeCompare(b.name));
    for (const other of [viaMessages, typescript, onThisThread, reread]) {
      expect(files(records).map((f) => f.name)).toEqual(files(other).map((f) => f.name));
      expect(files(records).map((f) => f.parquet)).toEqual(files(other).map((f) => f.parquet));
      // The Iceberg metrics too (a file of several partitions' rows merges theirs).
      expect(files(records).map((f) => f.metrics)).toEqual(files(other).map((f) => f.metrics));
      expect(records.lake.dlq).toEqual(other.lake.dlq);
      const counts = (r: typeof records.res) => ({ messages: r.messages, rows: r.rows, rejects: r.rejects, duplicates: r.duplicates, bytes: r.bytes, hours: r.hours, dataFiles: r.dataFiles });
      expect(counts(records.res)).toEqual(counts(other.res));
    }
    const inRanges = ranges.reduce((s, r) => s + r.to - r.from, 0);
    expect(records.res.messages).toBe(inRanges);
    expect(records.res.rows + records.res.rejects).toBe(inRanges);
    expect(records.res.rejects).toBeGreaterThan(5);
    expect(records.lake.files.length).toBeGreaterThan(5);
    // The DLQ rows carry what only the record's own decoding gives: keys, headers, batch timestamps.
    const dlq = records.lake.dlq.flat() as { key: unknown; headers: unknown; kafka_timestamp: unknown }[];
    expect(dlq.some((r) => r.key !== null)).toBe(true);
    expect(dlq.some((r) => r.headers !== null)).toBe(true);
    expect(new Set(dlq.map((r) => String(r.kafka_timestamp))).size).toBeGreaterThan(3);
  });

  it('words the rejects it details (first failing property, unregistered device) exactly as the validator does', async () => {
    const gen = new TelemetryGenerator({ scenario: 'valid', devices: 5, buildings: 1, count: 40, seed: 'details', startMs: Date.UTC(2025, 0, 1, 9, 50), stepMs: 500 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const base = JSON.parse(gen.next()!.value!.toString('utf8')) as Record<string, unknown>;
    const keys = Object.keys(base);
    const numeric = keys.find((k) => typeof base[k] === 'number')!;
    const text = (o: Record<string, unknown>) => JSON.stringify(o);
    const values: string[] = [
      // Each contract property in turn: absent, null, a wrong type, a long string, a number.
      ...keys.flatMap((k) => {
        const { [k]: _, ...without } = base;
        return [text(without), text({ ...base, [k]: null }), text({ ...base, [k]: 'x'.repeat(80) }), text({ ...base, [k]: -0 }), text({ ...base, [k]: 1e300 })];
      }),
      // Numbers written otherwise than JSON.stringify writes them; the last of duplicate keys wins.
      text(base).replace(`"${numeric}":${JSON.stringify(base[numeric])}`, `"${numeric}":1E5`),
      text(base).replace(`"${numeric}":${JSON.stringify(base[numeric])}`, `"${numeric}":-1.50e2`),
      text(base).replace(/^\{/, `{"${numeric}":"first",`),
      text(base).replace(/\}$/, `,"${numeric}":"last"}`),
      // Strings with escapes, booleans and objects: worded from the message itself.
      text({ ...base, [numeric]: 'a\u00e9\n"' }),
      text({ ...base, [numeric]: true }),
      text({ ...base, [numeric]: { v: 1 } }),
      // Unregistered devices: plain, escaped, long.
      text({ ...base, device_id: 'dev-unknown-1' }),
      text({ ...base, device_id: 'dév-ünknown' }),
      text({ ...base, device_id: 'd'.repeat(90) }),
      // Two properties failing: the first in contract order is reported.
      text({ ...base, [keys[0]!]: 5, [keys[keys.length - 1]!]: 5 }),
    ];
    const records: Rec[] = values.map((v) => ({ key: null, value: Buffer.from(v) }));
    const reader = new RecordsReader(new Map([[0, encodePartition(records, 0)]]));
    const ranges = [{ partition: 0, from: 0, to: records.length }];
    const input = { topic: 'iot', batchId: batchIdOf('iot', ranges), ranges, ingestedAt: INGESTED_MS };
    const run = async (r: RangeReader, native: 'on' | 'off') => {
      const lake = new CaptureLake();
      const logs: string[] = [];
      const res = await runBatch({ reader: r, lake, registry, validate: validateTelemetry, fileRows: 150, native, log: (msg) => logs.push(msg) }, input);
      return { lake, res, logs };
    };
    const detailed = await run(reader, 'on');
    const typescript = await run(new FakeReader(new Map([[0, await reader.readRanges('iot', ranges)]])), 'off');
    expect(detailed.logs.join()).not.toMatch(/disagrees/);
    // Most variants are rejected (some values, such as null in a nullable property, are not).
    expect(detailed.res.rejects).toBeGreaterThan(2 * keys.length);
    expect(detailed.lake.dlq).toEqual(typescript.lake.dlq);
    expect(detailed.res.rows).toBe(typescript.res.rows);
    // And those rejects were worded from the addon's details, not from the messages.
    const pf: PartitionFetch = { partition: 0, errorCode: 0, highWatermark: 0, batches: [], recordsSeen: 0, endOffset: -1 };
    decodeRecordBatches(encodePartition(records, 0), pf, []);
    const n = openRawIngest('on', registry, 'iot', INGESTED_MS, 150)!;
    const buffers = [...new Set(pf.batches.map((b) => b.src.buffer))].map((b) => new Uint8Array(b));
    const desc = new Float64Array(pf.batches.flatMap((b) => [buffers.findIndex((u) => u.buffer === b.src.buffer), b.src.byteOffset + b.at, b.src.byteOffset + b.end, b.baseOffset, 0, records.length, 0]));
    const events = await n.consumeRuns(buffers, desc, 0, -1);
    const details = n.takeRejectDetails();
    const withDetail = events.filter((_, k) => k % 3 === 0 && events[k] === 4).length;
    expect(withDetail).toBeGreaterThan(keys.length);
    expect(details.length).toBe(5 * withDetail);
    n.close();
  });

  it('no message stops a batch: a hostile corpus lands whole in RAW or the DLQ, each reject with its kind, on every path', async () => {
    const gen = new TelemetryGenerator({ scenario: 'valid', devices: 3, buildings: 1, count: 5, seed: 'hostile', startMs: Date.UTC(2025, 0, 1, 9, 50), stepMs: 500 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const good = gen.next()!.value!.toString('utf8');
    const withField = (k: string, raw: string) => `${good.slice(0, -1)},"${k}":${raw}}`;
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const corpus: [string, string | Buffer | null, string | null][] = [
      ['an array 5000 deep', deep(5000), 'wrong_type'],
      ['a reading 5000 arrays deep', withField('temperature', deep(5000)), 'wrong_type'],
      ['an object 2500 deep', '{"a":'.repeat(2500) + '1' + '}'.repeat(2500), 'missing_field'],
      ['an unknown field 5000 arrays deep (dropped, the event kept)', withField('extra', deep(5000)), null],
      ['a lone high surrogate', good.replace(/"zone":"[^"]*"/, '"zone":"a\\ud800b"'), 'unrepresentable_string'],
      ['a lone low surrogate', good.replace(/"building_id":"[^"]*"/, '"building_id":"\\udfff"'), 'unrepresentable_string'],
      ['a reading of 1e400', withField('temperature', '1e400'), 'number_out_of_range'],
      ['a reading of -1e999', withField('humidity', '-1e999'), 'number_out_of_range'],
      ['a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]), null],
      ['a null value', null, 'empty'],
      ['16 KB of brackets', '['.repeat(16_000), 'malformed_json'],
      ['the good event', good, null],
    ];
    const records: Rec[] = corpus.map(([, v]) => ({ key: null, value: v === null ? null : Buffer.from(v) }));
    const reader = new RecordsReader(new Map([[0, encodePartition(records, 1)]]));
    const ranges = [{ partition: 0, from: 0, to: records.length }];
    const input = { topic: 'iot', batchId: batchIdOf('iot', ranges), ranges, ingestedAt: INGESTED_MS };
    const messages = new Map([[0, await reader.readRanges('iot', ranges)]]);
    for (const [r, native] of [[reader, 'on'], [new FakeReader(messages), 'on'], [new FakeReader(messages), 'off']] as const) {
      const lake = new CaptureLake();
      const res = await runBatch({ reader: r, lake, registry, validate: validateTelemetry, fileRows: 150, native }, input);
      expect(res.outcome).toBe('committed');
      const dlq = (lake.dlq.flat() as { _kafka_offset: bigint; error_kind: string }[]).map((d) => [Number(d._kafka_offset), d.error_kind]);
      expect(dlq).toEqual(corpus.flatMap(([, , kind], i) => (kind ? [[i, kind]] : [])));
      expect(res.rows).toBe(corpus.filter(([, , kind]) => kind === null).length);
    }
  });

  it('names the partition and batch of a malformed record, and where it is', () => {
    const b = new RecordBatchBuilder('none', 256);
    b.append(null, '{"a":1}');
    b.append(null, '{"b":2}');
    const batch = Buffer.from(b.finish(T0)!);
    batch.writeBigInt64BE(500n, 0);
    const pf: PartitionFetch = { partition: 4, errorCode: 0, highWatermark: 0, batches: [], recordsSeen: 0, endOffset: -1 };
    decodeRecordBatches(batch, pf, []);
    const ref = pf.batches[0]!;
    // The second record's length now runs past the batch.
    const second = ref.at + 1 + batch[ref.at]! / 2;
    batch[second] = 0x7e;
    const n = openRawIngest('on', new Set<string>(), 'iot', INGESTED_MS, 100)!;
    const status = new Float64Array(3);
    const data = new Uint8Array(batch.buffer);
    const at = n.consumeRecords(data, batch.byteOffset + ref.at, batch.byteOffset + ref.end, ref.baseOffset, 0, 1e9, 4, status);
    expect(status[0]).toBe(1); // the first record: no known device, so the TypeScript path decides
    expect(n.records).toBe(1);
    expect(() => n.consumeRecords(data, at, batch.byteOffset + ref.end, ref.baseOffset, 0, 1e9, 4, status)).toThrow(/Kafka partition 4: malformed record at byte \d+ of the batch at offset 500: length past the batch/);
    n.close();
  });
});
