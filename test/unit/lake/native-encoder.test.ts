// The addon's Parquet encoder (native/src/parquet_encode.rs) against parquet-wasm: the same
// parquet crate version and settings, so every job must give byte-identical files and the same
// column sizes, whatever the types, nulls, compression, row groups or statistics settings.
import { describe, expect, it } from 'vitest';
import { ColumnBatchBuilder } from '../../../lake/column-batch.js';
import { EncoderPool } from '../../../lake/encoder-pool.js';
import { encodeParquetWasm, nativeEncoder, PARQUET_CREATED_BY, type EncodeJob, type ParquetCompression } from '../../../lake/parquet-encoder.js';
import { borrowingBatch, encodeJobOf, writeColumnBatchAsync } from '../../../lake/parquet-writer.js';
import type { Schema } from '../../../lake/schema.js';

const schema: Schema = {
  schemaId: 0,
  fields: [
    { id: 1, name: 'b', type: 'boolean', required: false },
    { id: 2, name: 'i', type: 'int', required: true },
    { id: 3, name: 'l', type: 'long', required: false },
    { id: 4, name: 'f', type: 'float', required: false },
    { id: 5, name: 'd', type: 'double', required: false },
    { id: 6, name: 'dt', type: 'date', required: false },
    { id: 7, name: 'ts', type: 'timestamp', required: false },
    { id: 8, name: 'tz', type: 'timestamptz', required: true },
    { id: 9, name: 's', type: 'string', required: false },
    { id: 10, name: 'bin', type: 'binary', required: false },
  ],
};

function job(rows: number, opts: { compression?: ParquetCompression; rowGroupSize?: number; stringStatistics?: boolean } = {}): EncodeJob {
  const b = new ColumnBatchBuilder(schema);
  for (let k = 0; k < rows; k++) {
    const gap = k % 7 === 3;
    b.appendRow({
      b: gap ? null : k % 2 === 0,
      i: k - 50,
      l: gap ? null : BigInt(k) * 10_000_000_019n - 2n ** 62n,
      f: gap ? null : k === 5 ? NaN : k / 3,
      d: gap ? null : k === 6 ? -0 : k === 8 ? Infinity : Math.sin(k) * 1e6,
      dt: gap ? null : k - 100_000,
      ts: gap ? null : BigInt(k) * 1_000_001n - 86_400_000_000n * 365n * 60n,
      tz: BigInt(k) * 3_600_000_000n,
      s: gap ? null : k % 5 === 0 ? '' : `dev-${k % 13} Zürich ☃ 😀`.slice(0, 1 + (k % 20)),
      bin: gap ? null : Uint8Array.from({ length: k % 9 }, (_, j) => (j * 31 + k) & 0xff),
    });
  }
  return encodeJobOf(b.build(), opts);
}

const native = nativeEncoder();

describe('native Parquet encoder', () => {
  it('is built, and writes the created_by parquet-wasm writes', () => {
    expect(native).toBeDefined();
    expect(native!.parquetCreatedBy()).toBe(PARQUET_CREATED_BY);
  });

  it.each([
    ['zstd, one row group', { compression: 'zstd' as const }],
    ['snappy', { compression: 'snappy' as const }],
    ['lz4', { compression: 'lz4' as const }],
    ['uncompressed', { compression: 'none' as const }],
    ['row groups of 333 rows', { compression: 'zstd' as const, rowGroupSize: 333 }],
    ['string statistics', { compression: 'zstd' as const, stringStatistics: true }],
  ])('gives parquet-wasm\'s bytes and column sizes: %s', async (_name, opts) => {
    for (const rows of [0, 1, 2_000]) {
      const j = job(rows, opts);
      const wasm = encodeParquetWasm(j);
      const sync = native!.encodeParquetSync(j);
      const pooled = await native!.encodeParquet(j);
      expect(wasm.ok && sync.ok && pooled.ok).toBe(true);
      if (!wasm.ok || !sync.ok || !pooled.ok) return;
      expect(Buffer.from(sync.bytes).equals(Buffer.from(wasm.bytes)), `${rows} rows`).toBe(true);
      expect(Buffer.from(pooled.bytes).equals(Buffer.from(wasm.bytes))).toBe(true);
      expect(sync.columnSizes).toEqual(wasm.columnSizes);
      expect(pooled.columnSizes).toEqual(wasm.columnSizes);
    }
  });

  it('copies the job before it returns: the caller may reuse the buffers at once', async () => {
    const j = job(1_000);
    const expected = encodeParquetWasm(j);
    const pending = native!.encodeParquet(j);
    for (const c of j.columns) new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength).fill(0);
    const r = await pending;
    expect(r.ok && expected.ok && Buffer.from(r.bytes).equals(Buffer.from(expected.bytes))).toBe(true);
  });

  it('borrows the buffers when asked (no copy): the same bytes, read once the encoding runs', async () => {
    for (const rows of [0, 7, 5_000]) {
      const j = job(rows, { rowGroupSize: 1_000 });
      const wasm = encodeParquetWasm(j);
      const borrowed = await native!.encodeParquetBorrowed(j);
      expect(wasm.ok && borrowed.ok && Buffer.from(borrowed.bytes).equals(Buffer.from(wasm.bytes))).toBe(true);
      if (wasm.ok && borrowed.ok) expect(borrowed.columnSizes).toEqual(wasm.columnSizes);
    }
    // Through the lake: a borrowing batch encodes itself, to the bytes of the copying path.
    const b = new ColumnBatchBuilder(schema);
    for (let k = 0; k < 500; k++) b.appendRow({ i: k, tz: BigInt(k), s: `x${k}`, bin: Uint8Array.of(k & 0xff) });
    const plain = await writeColumnBatchAsync(b.build(), { table: 't', file: 'f' }, { offThread: true });
    const viaBorrow = await writeColumnBatchAsync(borrowingBatch(b.build()), { table: 't', file: 'f' }, { offThread: true });
    expect(Buffer.from(viaBorrow.bytes).equals(Buffer.from(plain.bytes))).toBe(true);
    expect(viaBorrow.metrics).toEqual(plain.metrics);
  });

  it('reports a bad job as an error naming the column, not a crash', async () => {
    const j = job(10);
    const bad = { ...j, columns: j.columns.map((c, i) => (i === 8 ? { ...c, offsets: Int32Array.of(0, 5, 2) } : c)) };
    await expect(native!.encodeParquet(bad)).rejects.toThrow(/column s/);
    const pool = new EncoderPool(1);
    const r = await pool.encode(bad, { offThread: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/column s/);
  });

  it('the pool encodes with the addon, and with parquet-wasm workers when told not to, to the same bytes', async () => {
    const j = job(3_000);
    const withAddon = new EncoderPool(1);
    const withWorkers = new EncoderPool(1, { native: false });
    const a = await withAddon.encode(j, { offThread: true });
    const b = await withWorkers.encode(j, { offThread: true });
    expect(withAddon.stats).toMatchObject({ native: 1, worker: 0 });
    expect(withWorkers.stats).toMatchObject({ native: 0, worker: 1 });
    expect(a.ok && b.ok && Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });
});
