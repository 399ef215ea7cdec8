import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { fromBytes } from '../../../lake/conversions.js';
import { writeColumnBatchAsync, writeParquet, writeParquetAsync } from '../../../lake/parquet-writer.js';
import { ColumnBatchBuilder } from '../../../lake/column-batch.js';
import { schemaOf } from '../../../lake/schema.js';
import { SchemaMismatchError } from '../../../lake/errors.js';
import { encoderPool } from '../../../lake/encoder-pool.js';

const schema = schemaOf([
  { name: 'id', type: 'long', required: true },
  { name: 'ts', type: 'timestamptz' },
  { name: 'name', type: 'string' },
  { name: 'v', type: 'double' },
  { name: 'f', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 'd', type: 'date' },
  { name: 'n', type: 'int' },
]);
const ctx = { table: 'ns.t', file: 's3://b/t/data/x.parquet' };
const rows = [
  { id: 2n ** 60n + 1n, ts: '1969-12-31T23:30:00Z', name: 'zebra 😀', v: NaN, f: 1.5, ok: true, d: '1969-07-20', n: -5 },
  { id: -3, ts: new Date('2024-05-01T10:00:00Z'), name: null, v: -2.5, f: null, ok: false, d: 3, n: 7 },
  { id: 7n, ts: null, name: 'apple', v: 10, f: -1, ok: null, d: null, n: null },
];

describe('Parquet writer', () => {
  const out = writeParquet(schema, rows, ctx);
  const ab = out.bytes.buffer.slice(out.bytes.byteOffset, out.bytes.byteOffset + out.bytes.byteLength) as ArrayBuffer;

  it('writes a field id on every column (read back by an independent reader)', () => {
    const meta = parquetMetadata(ab);
    expect(meta.schema.slice(1).map((e) => [e.name, e.field_id])).toEqual(schema.fields.map((f) => [f.name, f.id]));
    expect(Number(meta.num_rows)).toBe(3);
  });

  it('stores values that read back equal, including pre-1970 and ids above 2^53', () => {
    const back = arrow.tableFromIPC(pw.readParquet(out.bytes).intoIPCStream()).toArray().map((r) => r.toJSON());
    expect(back[0]!.id).toBe(2n ** 60n + 1n);
    expect(back[1]!.name).toBeNull();
    expect(back[0]!.name).toBe('zebra 😀');
    expect(Number.isNaN(back[0]!.v)).toBe(true);
    expect(back[0]!.ts).toBe(-1_800_000);
    expect(back[0]!.d).toBe(-165 * 86_400_000);
  });

  it('computes exact metrics', () => {
    const m = out.metrics;
    expect(m.valueCounts.get(1)).toBe(3n);
    expect(m.nullValueCounts.get(3)).toBe(1n);
    expect(m.nanValueCounts.get(4)).toBe(1n);
    expect(m.nanValueCounts.has(1)).toBe(false);
    expect(fromBytes('long', m.lowerBounds.get(1)!)).toBe(-3n);
    expect(fromBytes('long', m.upperBounds.get(1)!)).toBe(2n ** 60n + 1n);
    expect(fromBytes('timestamptz', m.lowerBounds.get(2)!)).toBe(-1_800_000_000n);
    expect(fromBytes('string', m.lowerBounds.get(3)!)).toBe('apple');
    expect(fromBytes('string', m.upperBounds.get(3)!)).toBe('zebra 😀');
    expect(fromBytes('double', m.lowerBounds.get(4)!)).toBe(-2.5);
    expect(fromBytes('double', m.upperBounds.get(4)!)).toBe(10);
    expect(fromBytes('date', m.lowerBounds.get(7)!)).toBe(-165);
    expect(m.lowerBounds.has(6)).toBe(true);
    expect([...m.columnSizes.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const size of m.columnSizes.values()) expect(size).toBeGreaterThan(0n);
  });

  it('rejects rows that do not match the schema, naming table, file, row and column', () => {
    const bad = (r: Record<string, unknown>) => () => writeParquet(schema, [rows[0]!, r], ctx);
    expect(bad({ id: null })).toThrow(SchemaMismatchError);
    expect(bad({ id: null })).toThrow(/row 1: required column "id" is null \[table ns.t, file s3:\/\/b\/t\/data\/x.parquet\]/);
    expect(bad({ id: 1, n: 2 ** 40 })).toThrow(/row 1: column "n" expected a 32-bit integer/);
    expect(bad({ id: 1, ts: 'yesterday' })).toThrow(/column "ts" expected an ISO-8601 timestamp/);
    expect(bad({ id: 1, colour: 'red' })).toThrow(/column "colour" is not in the table schema/);
  });
});

describe('Parquet writer: fast column paths', () => {
  const s = schemaOf([
    { name: 'id', type: 'long' },
    { name: 'ts', type: 'timestamptz' },
    { name: 'txt', type: 'string' },
    { name: 'n', type: 'int' },
  ]);
  const read = (bytes: Uint8Array) => arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream()).toArray().map((r) => r.toJSON());

  it('writes 64-bit values from numbers, Dates, bigint and strings exactly, including beyond 2^53 and before 1970', () => {
    const rows = [
      { id: 2 ** 53 - 1, ts: new Date(-1) },
      { id: -(2 ** 53 - 1), ts: new Date(8.64e15) }, // Date's maximum: micros beyond 2^53
      { id: 2n ** 63n - 1n, ts: -(2n ** 62n) },
      { id: -(2n ** 63n), ts: '1900-01-01T00:00:00.000001Z' },
      { id: -1, ts: new Date(-8.64e15) },
      { id: 4294967296, ts: new Date(4294967296) },
      { id: null, ts: null },
    ];
    const out = writeParquet(s, rows, ctx);
    const back = read(out.bytes);
    expect(back.map((r) => r.id)).toEqual([2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 63n - 1n, -(2n ** 63n), -1n, 4294967296n, null]);
    const micros = pw.readParquet(out.bytes);
    const ts = arrow.tableFromIPC(micros.intoIPCStream()).getChild('ts')!;
    // Arrow JS exposes timestamps as ms numbers; check the raw int64 words instead.
    const raw = ts.data[0]!.values as BigInt64Array;
    expect([...raw.slice(0, 6)]).toEqual([-1000n, 8_640_000_000_000_000_000n, -(2n ** 62n), -2_208_988_799_999_999n, -8_640_000_000_000_000_000n, 4_294_967_296_000n]);
    expect(fromBytes('long', out.metrics.lowerBounds.get(1)!)).toBe(-(2n ** 63n));
    expect(fromBytes('long', out.metrics.upperBounds.get(1)!)).toBe(2n ** 63n - 1n);
    expect(fromBytes('timestamptz', out.metrics.lowerBounds.get(2)!)).toBe(-8_640_000_000_000_000_000n);
    expect(fromBytes('timestamptz', out.metrics.upperBounds.get(2)!)).toBe(8_640_000_000_000_000_000n);
    expect(out.metrics.nullValueCounts.get(1)).toBe(1n);
  });

  it('rejects longs outside 64 bits and unsafe numbers', () => {
    expect(() => writeParquet(s, [{ id: 2n ** 63n }], ctx)).toThrow(/row 0: column "id" expected a 64-bit integer/);
    expect(() => writeParquet(s, [{ id: 2 ** 53 }], ctx)).toThrow(/row 0: column "id" expected a 64-bit integer/);
    expect(() => writeParquet(s, [{ ts: new Date(NaN) }], ctx)).toThrow(/row 0: column "ts" expected timestamptz/);
  });

  it('encodes multi-byte strings with empty strings and nulls, and bounds in code point order', () => {
    const txt = ['b', '', null, 'Ünï', '\uffff', '😀', 'a', '', 'z'];
    const out = writeParquet(s, txt.map((t) => ({ txt: t })), ctx);
    expect(read(out.bytes).map((r) => r.txt)).toEqual(txt);
    expect(fromBytes('string', out.metrics.lowerBounds.get(3)!)).toBe('');
    // U+1F600 sorts after U+FFFF by code point (not by UTF-16 code unit).
    expect(fromBytes('string', out.metrics.upperBounds.get(3)!)).toBe('😀');
    const ascii = writeParquet(s, ['m', '', 'zz', null, 'a'].map((t) => ({ txt: t })), ctx);
    expect(read(ascii.bytes).map((r) => r.txt)).toEqual(['m', '', 'zz', null, 'a']);
    expect(fromBytes('string', ascii.metrics.lowerBounds.get(3)!)).toBe('');
    expect(fromBytes('string', ascii.metrics.upperBounds.get(3)!)).toBe('zz');
  });

  it('encodes large files off the calling thread (the addon on libuv\'s pool) to the same bytes and metrics as inline', async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => ({ id: BigInt(i) * 3n, ts: new Date(1714557600000 + i), txt: `dev-${i % 77}`, n: i % 5 === 0 ? null : i }));
    const inline = writeParquet(s, rows, ctx);
    const before = { ...encoderPool().stats };
    const pooled = await writeParquetAsync(s, rows, ctx);
    // With the addon built (CI builds it); lake/encoder-pool's parquet-wasm workers are compared with it in native-encoder.test.ts.
    expect(encoderPool().stats.native).toBe(before.native + 1);
    expect(encoderPool().stats.workerFailures).toBe(0);
    expect(Buffer.from(pooled.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
    expect(pooled.metrics).toEqual(inline.metrics);
    expect(pooled.recordCount).toBe(60_000);
  });

  it('encodes a small column batch inline by default and off the calling thread with offThread, to the same bytes', async () => {
    const b = new ColumnBatchBuilder(s, ctx);
    for (let i = 0; i < 40; i++) b.appendRow({ id: BigInt(i), ts: new Date(1714557600000 + i), txt: `dev-${i % 3}`, n: i % 4 === 0 ? null : i });
    const before = { ...encoderPool().stats };
    const inline = await writeColumnBatchAsync(b.build(), ctx);
    expect(encoderPool().stats).toMatchObject({ inline: before.inline + 1, native: before.native });
    const off = await writeColumnBatchAsync(b.build(), ctx, { offThread: true });
    expect(encoderPool().stats).toMatchObject({ inline: before.inline + 1, native: before.native + 1 });
    expect(Buffer.from(off.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
    expect(off.metrics).toEqual(inline.metrics);
  });

  it('builds the next file while earlier ones are still encoding without mixing their columns up', async () => {
    const make = (seed: number) => Array.from({ length: 60_000 }, (_, i) => ({ id: BigInt(i * seed), ts: new Date(seed * 1e9 + i), txt: `s${seed}-${i % 91}`, n: (i * seed) % 1000 }));
    const batches = [make(1), make(7), make(13)];
    const pending = batches.map((rows) => writeParquetAsync(s, rows, ctx)); // built back to back, not awaited
    const results = await Promise.all(pending);
    results.forEach((r, k) => {
      const inline = writeParquet(s, batches[k]!, ctx);
      expect(Buffer.from(r.bytes).equals(Buffer.from(inline.bytes))).toBe(true);
      expect(r.metrics).toEqual(inline.metrics);
    });
  });
});

describe('Parquet statistics', () => {
  const s = schemaOf([
    { name: 'device_id', type: 'string', required: true },
    { name: 'temperature', type: 'double' },
  ]);
  const rows = [{ device_id: 'b', temperature: 2.5 }, { device_id: 'a', temperature: -1 }];
  const stats = (bytes: Uint8Array) => {
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    return Object.fromEntries(meta.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!.statistics]));
  };

  it('are written for fixed-width columns, and for strings only when asked (sorted files)', () => {
    const plain = stats(writeParquet(s, rows, { table: 't', file: 'f' }).bytes);
    expect(plain.temperature?.min_value).toBe(-1);
    expect(plain.temperature?.max_value).toBe(2.5);
    expect(plain.device_id?.min_value).toBeUndefined();
    const sorted = stats(writeParquet(s, rows, { table: 't', file: 'f' }, { stringStatistics: true }).bytes);
    expect(sorted.device_id?.min_value).toBe('a');
    expect(sorted.device_id?.max_value).toBe('b');
  });
});
