import { describe, expect, it } from 'vitest';
import { ColumnBatchBuilder, columnBatchRows } from '../../../lake/column-batch.js';
import { buildColumns, writeColumnBatchAsync, writeParquet } from '../../../lake/parquet-writer.js';
import { schemaOf } from '../../../lake/schema.js';
import { SchemaMismatchError } from '../../../lake/errors.js';

const schema = schemaOf([
  { name: 'id', type: 'long', required: true },
  { name: 'name', type: 'string' },
  { name: 'ts', type: 'timestamptz', required: true },
  { name: 'day', type: 'date' },
  { name: 'n', type: 'int' },
  { name: 'x', type: 'double' },
  { name: 'f', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 'raw', type: 'binary' },
]);

/** Rows with every edge the writer handles: nulls, NaN, -0, unicode (also above U+FFFF), ids above 2^53, pre-1970 and sub-millisecond timestamps. */
function rows(n: number): Record<string, unknown>[] {
  const names = ['alpha', 'żółw', '𝄞 clef', '', 'zz', '\uFFFD', 'Ω'];
  return Array.from({ length: n }, (_, i) => ({
    id: i % 7 === 0 ? 2n ** 60n + BigInt(i) : i - 5,
    name: i % 5 === 0 ? null : names[i % names.length]!,
    ts: i % 3 === 0 ? new Date(Date.UTC(1969, 11, 31, 23, 0, i)) : i % 3 === 1 ? BigInt(Date.UTC(2026, 0, 1)) * 1000n + BigInt(i) : new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    day: i % 4 === 0 ? null : i - 3,
    n: i % 6 === 0 ? null : (i * 7919) % 1000 - 500,
    x: i % 9 === 0 ? NaN : i % 11 === 0 ? null : i % 2 ? -0 : i / 3,
    f: i % 8 === 0 ? null : i * 1.1,
    ok: i % 10 === 0 ? null : i % 3 === 0,
    raw: i % 4 === 1 ? null : Uint8Array.from([i & 255, 0, 255 - (i & 255)]),
  }));
}

const ctx = { table: 't', file: 'f.parquet' };

describe('ColumnBatchBuilder', () => {
  it('builds byte-for-byte the columns and metrics that the row writer builds', () => {
    const rs = rows(3000);
    const b = new ColumnBatchBuilder(schema, ctx);
    for (const r of rs) b.appendRow(r);
    const batch = b.build();
    const { job, metrics } = buildColumns(schema, rs, ctx);
    expect(batch.numRows).toBe(3000);
    expect(batch.metrics).toEqual(metrics);
    batch.columns.forEach((c, i) => {
      const want = job.columns[i]!;
      expect(c.nullCount, schema.fields[i]!.name).toBe(want.nullCount);
      expect(Buffer.from(c.values.buffer, c.values.byteOffset, c.values.byteLength).equals(Buffer.from(want.values.buffer, want.values.byteOffset, want.values.byteLength)), schema.fields[i]!.name).toBe(true);
      expect(c.offsets ? [...c.offsets] : undefined, schema.fields[i]!.name).toEqual(want.offsets ? [...want.offsets] : undefined);
      expect(c.validity ? [...c.validity] : undefined, schema.fields[i]!.name).toEqual(want.validity ? [...want.validity] : undefined);
    });
  });

  it('typed appends equal appendRow, and a reset builder builds the next file from reused buffers', async () => {
    const b = new ColumnBatchBuilder(schema, ctx);
    const id = b.longs('id'), name = b.strings('name'), ts = b.longs('ts'), day = b.ints('day'), n = b.ints('n');
    const x = b.doubles('x'), f = b.doubles('f'), ok = b.booleans('ok'), raw = b.binaries('raw');
    const typed = (rs: Record<string, unknown>[]) => {
      for (const r of rs) {
        id.push(r.id as bigint | number);
        name.push(r.name as string | null);
        if (r.ts instanceof Date) ts.pushMillis(r.ts.getTime());
        else ts.push(r.ts as bigint);
        day.push(r.day as number | null);
        n.push(r.n as number | null);
        x.push(r.x as number | null);
        f.push(r.f as number | null);
        ok.push(r.ok as boolean | null);
        raw.push(r.raw as Uint8Array | null);
      }
    };
    // First a bigger file, then reset and a smaller one: stale values must not leak through.
    typed(rows(5000).reverse());
    await writeColumnBatchAsync(b.build(), ctx);
    b.reset();
    const rs = rows(1200);
    typed(rs);
    const got = await writeColumnBatchAsync(b.build(), ctx);
    const want = writeParquet(schema, rs, ctx);
    expect(Buffer.from(got.bytes).equals(Buffer.from(want.bytes))).toBe(true);
    expect(got.metrics).toEqual(want.metrics);
    expect(got.recordCount).toBe(1200);
  });

  it('names the column and row of a value the column cannot hold, and refuses ragged batches', () => {
    const b = new ColumnBatchBuilder(schema, ctx);
    b.longs('id').push(1);
    expect(() => b.longs('id').push(null)).toThrow(SchemaMismatchError);
    expect(() => b.longs('id').push(null)).toThrow(/row 1: column "id" \(long\) is required/);
    expect(() => b.ints('n').push(2 ** 31)).toThrow(/row 0: column "n" \(int\) cannot hold number 2147483648/);
    expect(() => b.longs('id').push(2n ** 63n)).toThrow(/cannot hold/);
    expect(() => b.doubles('name')).toThrow(/"name" is string/);
    expect(() => b.strings('nope')).toThrow(/not in the table schema/);
    expect(() => b.build()).toThrow(/column "name" has 0 values, the batch 1 rows/);
  });
});

describe('binary bounds', () => {
  const s = schemaOf([{ name: 'raw', type: 'binary' }]);
  const bounds = (vals: Uint8Array[]) => {
    const r = writeParquet(s, vals.map((raw) => ({ raw })), ctx).metrics;
    return { lower: [...r.lowerBounds.get(1)!], upper: r.upperBounds.get(1) ? [...r.upperBounds.get(1)!] : undefined };
  };
  const bytes = (prefix: number, ...tail: number[]) => Uint8Array.from([...Array.from({ length: prefix }, () => 7), ...tail]);

  it('truncate to 16 bytes from values compared on their first 17 bytes only', () => {
    // A 30-byte common prefix: order beyond byte 17 does not change the truncated bounds.
    expect(bounds([bytes(30, 2), bytes(30, 1), bytes(30, 3)])).toEqual({ lower: Array(16).fill(7), upper: [...Array(15).fill(7), 8] });
    // Max exactly 16 bytes long: the upper bound is the value itself, not incremented.
    expect(bounds([bytes(16), bytes(3)])).toEqual({ lower: Array(3).fill(7), upper: Array(16).fill(7) });
    expect(bounds([bytes(16), bytes(16, 0)])).toEqual({ lower: Array(16).fill(7), upper: [...Array(15).fill(7), 8] });
    const b = new ColumnBatchBuilder(s, ctx);
    for (const v of [bytes(30, 2), bytes(30, 1), bytes(16)]) b.binaries('raw').push(v);
    const rowsPath = buildColumns(s, [bytes(30, 2), bytes(30, 1), bytes(16)].map((raw) => ({ raw })), ctx).metrics;
    expect(b.build().metrics).toEqual(rowsPath);
  });
});

describe('ColumnBatchBuilder.reserve', () => {
  it('keeps validity and boolean bitmaps whole when appends grow past an odd reserved capacity', () => {
    const rs = rows(2100);
    const b = new ColumnBatchBuilder(schema, ctx);
    b.reserve(1003);
    for (const r of rs) b.appendRow(r);
    const fresh = new ColumnBatchBuilder(schema, ctx);
    for (const r of rs) fresh.appendRow(r);
    expect(columnBatchRows(b.build())).toEqual(columnBatchRows(fresh.build()));
    expect(b.build().metrics).toEqual(buildColumns(schema, rs, ctx).metrics);
  });

  it('append() concatenates two builders: the same buffers and metrics as appending every row to one', () => {
    const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    // Split points on and off byte boundaries of the bitmaps, empty halves, and a third batch.
    for (const [n, cut, cut2] of [[3000, 1200, 2500], [1001, 3, 997], [50, 0, 50], [64, 64, 64], [517, 13, 14], [3001, 1200, 2500], [65, 64, 64], [51, 0, 51]] as const) {
      const rs = rows(n);
      const whole = new ColumnBatchBuilder(schema, ctx);
      for (const r of rs) whole.appendRow(r);
      const parts = [rs.slice(0, cut), rs.slice(cut, cut2), rs.slice(cut2)].map((part) => {
        const b = new ColumnBatchBuilder(schema, ctx);
        for (const r of part) b.appendRow(r);
        return b;
      });
      const joined = parts[0]!;
      // One at a time, and (for the second half of the cases) both at once with one reservation.
      if (n % 2 === 0) {
        joined.append(parts[1]!);
        joined.append(parts[2]!);
      } else joined.append(parts[1]!, parts[2]!);
      const got = joined.build();
      const want = whole.build();
      expect(got.numRows, `${n}/${cut}/${cut2}`).toBe(n);
      expect(got.metrics, `${n}/${cut}/${cut2}`).toEqual(want.metrics);
      got.columns.forEach((c, i) => {
        const w = want.columns[i]!;
        const what = `${schema.fields[i]!.name} ${n}/${cut}/${cut2}`;
        expect(c.nullCount, what).toBe(w.nullCount);
        expect(bytesOf(c.values).equals(bytesOf(w.values)), what).toBe(true);
        expect(c.offsets ? [...c.offsets] : undefined, what).toEqual(w.offsets ? [...w.offsets] : undefined);
        expect(c.validity ? [...c.validity] : undefined, what).toEqual(w.validity ? [...w.validity] : undefined);
      });
      // The appended builders are unchanged.
      expect(columnBatchRows(parts[1]!.build())).toEqual(columnBatchRows(whole.build()).slice(cut, cut2));
    }
  });

  it('append() refuses a builder of another schema', () => {
    const other = new ColumnBatchBuilder(schemaOf([{ name: 'id', type: 'long', required: true }]), ctx);
    expect(() => new ColumnBatchBuilder(schema, ctx).append(other)).toThrow(SchemaMismatchError);
  });
});
