// Writes one Parquet data file from rows: builds Arrow columns directly (typed arrays, no
// per-value Arrow builders), writes them with parquet-wasm (arrow-rs, zstd) carrying the Iceberg
// field id of every column as Parquet field_id, then reads the footer back with an independent
// reader (hyparquet) to prove the ids are there and to take exact column sizes.
import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import * as pw from 'parquet-wasm/node';
import { LakeError, SchemaMismatchError } from './errors.js';
import { ColumnMetricsBuilder, fileMetrics, type ColumnMetrics, type FileMetrics } from './metrics.js';
import type { NestedField, PrimitiveType, Schema } from './schema.js';
import { normalize, show, ValueError, type Value } from './values.js';

export type Row = Readonly<Record<string, unknown>>;

export interface ParquetFileResult {
  bytes: Uint8Array;
  recordCount: number;
  metrics: FileMetrics;
}

export interface WriteContext {
  table: string;
  file: string;
}

const FIELD_ID_KEY = 'PARQUET:field_id';

export function arrowType(t: PrimitiveType): arrow.DataType {
  switch (t) {
    case 'boolean': return new arrow.Bool();
    case 'int': return new arrow.Int32();
    case 'long': return new arrow.Int64();
    case 'float': return new arrow.Float32();
    case 'double': return new arrow.Float64();
    case 'date': return new arrow.DateDay();
    case 'timestamp': return new arrow.TimestampMicrosecond(null);
    case 'timestamptz': return new arrow.TimestampMicrosecond('UTC');
    case 'string': return new arrow.Utf8();
    case 'binary': return new arrow.Binary();
  }
}

export function arrowSchema(schema: Schema): arrow.Schema {
  return new arrow.Schema(schema.fields.map((f) => new arrow.Field(f.name, arrowType(f.type), !f.required, new Map([[FIELD_ID_KEY, String(f.id)]]))));
}

interface BuiltColumn {
  data: arrow.Data;
  metrics: ColumnMetrics;
}

const utf8 = new TextEncoder();

function buildColumn(field: NestedField, rows: readonly Row[], ctx: WriteContext): BuiltColumn {
  const n = rows.length;
  const validity = new Uint8Array((n + 7) >> 3);
  const m = new ColumnMetricsBuilder(field);
  let nulls = 0;
  const type = arrowType(field.type);
  const get = (i: number): Value | null => {
    const raw = rows[i]![field.name];
    if (raw === null || raw === undefined) {
      if (field.required) {
        throw new SchemaMismatchError(`row ${i}: required column ${JSON.stringify(field.name)} is ${raw === null ? 'null' : 'missing'}`, ctx);
      }
      nulls++;
      m.add(null);
      return null;
    }
    let v: Value;
    try {
      v = normalize(field.type, raw);
    } catch (e) {
      if (e instanceof ValueError) throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(field.name)} ${e.message}`, ctx);
      throw e;
    }
    validity[i >> 3]! |= 1 << (i & 7);
    m.add(v);
    return v;
  };
  let data: arrow.Data;
  switch (field.type) {
    case 'boolean': {
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (get(i) === true) bits[i >> 3]! |= 1 << (i & 7);
      data = arrow.makeData({ type: type as arrow.Bool, length: n, nullCount: nulls, nullBitmap: validity, data: bits });
      break;
    }
    case 'int':
    case 'date': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = (get(i) as number | null) ?? 0;
      data = arrow.makeData({ type: type as arrow.Int32, length: n, nullCount: nulls, nullBitmap: validity, data: a });
      break;
    }
    case 'long':
    case 'timestamp':
    case 'timestamptz': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = (get(i) as bigint | null) ?? 0n;
      data = arrow.makeData({ type: type as arrow.Int64, length: n, nullCount: nulls, nullBitmap: validity, data: a });
      break;
    }
    case 'float': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = (get(i) as number | null) ?? 0;
      data = arrow.makeData({ type: type as arrow.Float32, length: n, nullCount: nulls, nullBitmap: validity, data: a });
      break;
    }
    case 'double': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = (get(i) as number | null) ?? 0;
      data = arrow.makeData({ type: type as arrow.Float64, length: n, nullCount: nulls, nullBitmap: validity, data: a });
      break;
    }
    case 'string':
    case 'binary': {
      const offsets = new Int32Array(n + 1);
      let buf = new Uint8Array(Math.max(1024, n * 16));
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const v = get(i) as string | Uint8Array | null;
        if (v !== null) {
          const need = typeof v === 'string' ? v.length * 3 : v.length;
          if (pos + need > buf.length) {
            const bigger = new Uint8Array(Math.max(buf.length * 2, pos + need));
            bigger.set(buf.subarray(0, pos));
            buf = bigger;
          }
          if (typeof v === 'string') pos += utf8.encodeInto(v, buf.subarray(pos)).written;
          else {
            buf.set(v, pos);
            pos += v.length;
          }
        }
        offsets[i + 1] = pos;
      }
      if (pos > 0x7fffffff) throw new LakeError(`column ${field.name} holds more than 2 GiB of text; write smaller files`, ctx);
      data = arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount: nulls, nullBitmap: validity, valueOffsets: offsets, data: buf.subarray(0, pos) });
      break;
    }
  }
  return { data, metrics: m.build() };
}

function checkColumnNames(schema: Schema, rows: readonly Row[], ctx: WriteContext): void {
  const known = new Set(schema.fields.map((f) => f.name));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (const k in row) {
      if (!known.has(k)) throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(k)} is not in the table schema (value ${show(row[k])})`, ctx);
    }
  }
}

export interface ParquetWriteOptions {
  /** Rows per row group; arrow-rs' default (1Mi) when omitted. */
  rowGroupSize?: number;
}

/** Encodes rows as one Parquet file with Iceberg field ids and exact metrics. */
export function writeParquet(schema: Schema, rows: readonly Row[], ctx: WriteContext, opts: ParquetWriteOptions = {}): ParquetFileResult {
  checkColumnNames(schema, rows, ctx);
  const built = schema.fields.map((f) => buildColumn(f, rows, ctx));
  const aSchema = arrowSchema(schema);
  const struct = arrow.makeData({ type: new arrow.Struct(aSchema.fields), length: rows.length, nullCount: 0, children: built.map((b) => b.data) });
  const table = new arrow.Table([new arrow.RecordBatch(aSchema, struct)]);
  let bytes: Uint8Array;
  try {
    let props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setStatisticsEnabled(pw.EnabledStatistics.Chunk).setCreatedBy('floe lake (parquet-wasm)');
    if (opts.rowGroupSize) props = props.setMaxRowGroupSize(opts.rowGroupSize);
    const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
    bytes = pw.writeParquet(wasmTable, props.build());
  } catch (e) {
    throw new LakeError(`Parquet encoding failed: ${e instanceof Error ? e.message : String(e)}`, ctx, { cause: e });
  }
  const columnSizes = verifyFooter(schema, bytes, rows.length, ctx);
  return { bytes, recordCount: rows.length, metrics: fileMetrics(schema.fields, built.map((b) => b.metrics), columnSizes) };
}

/**
 * Reads the footer back and checks that every column carries its Iceberg field id (Trino
 * silently reads NULLs otherwise) and the row count is right. Returns compressed column sizes.
 */
export function verifyFooter(schema: Schema, bytes: Uint8Array, expectedRows: number, ctx: WriteContext): Map<number, bigint> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(ab);
  if (Number(meta.num_rows) !== expectedRows) {
    throw new LakeError(`Parquet footer says ${meta.num_rows} rows, expected ${expectedRows}`, ctx);
  }
  const idByName = new Map<string, number | undefined>();
  for (const el of meta.schema.slice(1)) idByName.set(el.name, el.field_id);
  for (const f of schema.fields) {
    const id = idByName.get(f.name);
    if (id !== f.id) throw new LakeError(`Parquet column ${JSON.stringify(f.name)} has field_id ${String(id)}, expected ${f.id}`, ctx);
  }
  const sizes = new Map<number, bigint>();
  const idOf = new Map(schema.fields.map((f) => [f.name, f.id]));
  for (const rg of meta.row_groups) {
    for (const col of rg.columns) {
      const md = col.meta_data;
      if (!md) continue;
      const id = idOf.get(md.path_in_schema[0]!);
      if (id !== undefined) sizes.set(id, (sizes.get(id) ?? 0n) + BigInt(md.total_compressed_size));
    }
  }
  return sizes;
}
