import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { fromBytes } from '../../../lake/conversions.js';
import { writeParquet } from '../../../lake/parquet-writer.js';
import { schemaOf } from '../../../lake/schema.js';
import { SchemaMismatchError } from '../../../lake/errors.js';

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
