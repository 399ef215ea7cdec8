// Encodes prepared column buffers as one Parquet file with parquet-wasm (arrow-rs) and reads
// the footer back with an independent reader (hyparquet) to prove every column carries its
// Iceberg field id and to take exact column sizes. Runs on the calling thread or, for large
// writes, in a worker thread (lake/encoder-pool.ts): its input and output are plain typed
// arrays, so they cross threads by transfer, without copying.
import { parentPort, workerData } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import * as pw from 'parquet-wasm/node';
import { loadNativeAddon } from '../native/addon.js';
import type { PrimitiveType } from './schema.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'lz4' | 'none';

/** One column as Arrow buffers: values (or UTF-8 bytes plus offsets), and validity when nullable. */
export interface ColumnBuffers {
  nullCount: number;
  /** Arrow validity bitmap (bit set = value present); absent when there are no nulls. */
  validity?: Uint8Array;
  values: Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array;
  /** For string and binary: n + 1 offsets into `values`. */
  offsets?: Int32Array;
}

export interface EncodeField {
  id: number;
  name: string;
  type: PrimitiveType;
  required: boolean;
}

export interface EncodeJob {
  fields: EncodeField[];
  numRows: number;
  columns: ColumnBuffers[];
  rowGroupSize?: number;
  compression: ParquetCompression;
  /** Parquet min/max statistics for string and binary columns too (off by default, see encodeParquet). */
  stringStatistics?: boolean;
}

export type EncodeResult =
  | { ok: true; bytes: Uint8Array; columnSizes: [number, number][] }
  | { ok: false; message: string; /** The worker died before answering: the job was not encoded. */ workerFailed?: true };

const FIELD_ID_KEY = 'PARQUET:field_id';
/**
 * Written as created_by by both encoders: parquet-wasm 0.8.0 and floe's addon (native/) embed the
 * same parquet crate (59.3.0) and zstd (1.5.7), so the same job gives the same bytes either way
 * (test/unit/lake/native-encoder.test.ts).
 */
export const PARQUET_CREATED_BY = 'floe lake (parquet 59.3.0)';

export interface NativeEncoder {
  encodeParquet(job: EncodeJob): Promise<EncodeResult>;
  /** encodeParquet without the copy: the job's buffers must stay unchanged until the promise settles. */
  encodeParquetBorrowed(job: EncodeJob): Promise<EncodeResult>;
  encodeParquetSync(job: EncodeJob): EncodeResult;
  parquetCreatedBy(): string;
}

/** The addon's encoder (FLOE_NATIVE_ENCODE=off leaves it unused), or undefined. */
export function nativeEncoder(): NativeEncoder | undefined {
  if (process.env.FLOE_NATIVE_ENCODE === 'off') return undefined;
  return loadNativeAddon<NativeEncoder>().addon;
}

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

export function arrowSchemaOf(fields: readonly EncodeField[]): arrow.Schema {
  return new arrow.Schema(fields.map((f) => new arrow.Field(f.name, arrowType(f.type), !f.required, new Map([[FIELD_ID_KEY, String(f.id)]]))));
}

function compressionOf(c: ParquetCompression): pw.Compression {
  switch (c) {
    case 'zstd': return pw.Compression.ZSTD;
    case 'snappy': return pw.Compression.SNAPPY;
    case 'lz4': return pw.Compression.LZ4_RAW;
    case 'none': return pw.Compression.UNCOMPRESSED;
  }
}

function columnData(f: EncodeField, n: number, c: ColumnBuffers): arrow.Data {
  const type = arrowType(f.type);
  const common = { type, length: n, nullCount: c.nullCount, ...(c.validity ? { nullBitmap: c.validity } : {}) };
  if (f.type === 'string' || f.type === 'binary') {
    return arrow.makeData({ ...common, type: type as arrow.Utf8, valueOffsets: c.offsets!, data: c.values as Uint8Array });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one makeData call for every fixed-width type
  return arrow.makeData({ ...common, data: c.values } as any);
}

/**
 * Encodes the columns on this thread, natively when the addon is there (see nativeEncoder);
 * never throws (errors come back as `{ ok: false }`, also across threads).
 */
export function encodeParquet(job: EncodeJob): EncodeResult {
  const native = nativeEncoder();
  if (!native) return encodeParquetWasm(job);
  try {
    return native.encodeParquetSync(job);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** encodeParquet with parquet-wasm (through an Arrow IPC stream), whether or not the addon is there. */
export function encodeParquetWasm(job: EncodeJob): EncodeResult {
  try {
    const schema = arrowSchemaOf(job.fields);
    const children = job.fields.map((f, i) => columnData(f, job.numRows, job.columns[i]!));
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: job.numRows, nullCount: 0, children });
    const table = new arrow.Table([new arrow.RecordBatch(schema, struct)]);
    // Dictionary encoding off: measured on telemetry, zstd alone gives smaller files (3.1 vs
    // 3.7 MiB per 250k rows) in two thirds of the time.
    let props = new pw.WriterPropertiesBuilder()
      .setCompression(compressionOf(job.compression))
      .setDictionaryEnabled(false)
      .setStatisticsEnabled(pw.EnabledStatistics.Chunk)
      .setCreatedBy(PARQUET_CREATED_BY);
    if (job.rowGroupSize) props = props.setMaxRowGroupSize(job.rowGroupSize);
    // Row-group min/max of string and binary columns cost a fifth of the encoding time (measured
    // on telemetry) and prune nothing in unsorted files; the Iceberg metrics in the manifest
    // still carry their (truncated) bounds for file pruning. Sorted writes can ask for them.
    if (!job.stringStatistics) {
      for (const f of job.fields) if (f.type === 'string' || f.type === 'binary') props = props.setColumnStatisticsEnabled(f.name, pw.EnabledStatistics.None);
    }
    const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
    const bytes = pw.writeParquet(wasmTable, props.build());
    const sizes = footerColumnSizes(job.fields, bytes, job.numRows);
    return { ok: true, bytes, columnSizes: [...sizes] };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Reads the footer back and checks that every column carries its Iceberg field id (Trino
 * silently reads NULLs otherwise) and the row count is right. Returns compressed column sizes.
 */
export function footerColumnSizes(fields: readonly EncodeField[], bytes: Uint8Array, expectedRows: number): Map<number, number> {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(ab);
  if (Number(meta.num_rows) !== expectedRows) throw new Error(`Parquet footer says ${meta.num_rows} rows, expected ${expectedRows}`);
  const idByName = new Map<string, number | undefined>();
  for (const el of meta.schema.slice(1)) idByName.set(el.name, el.field_id);
  for (const f of fields) {
    const id = idByName.get(f.name);
    if (id !== f.id) throw new Error(`Parquet column ${JSON.stringify(f.name)} has field_id ${String(id)}, expected ${f.id}`);
  }
  const sizes = new Map<number, number>();
  const idOf = new Map(fields.map((f) => [f.name, f.id]));
  for (const rg of meta.row_groups) {
    for (const col of rg.columns) {
      const md = col.meta_data;
      if (!md) continue;
      const id = idOf.get(md.path_in_schema[0]!);
      if (id !== undefined) sizes.set(id, (sizes.get(id) ?? 0) + Number(md.total_compressed_size));
    }
  }
  return sizes;
}

/** Marker in workerData that makes this module serve encode jobs (see encoder-pool.ts). */
export const ENCODER_WORKER_MARKER = 'floe-lake-parquet-encoder';

if (parentPort && (workerData as { role?: string } | undefined)?.role === ENCODER_WORKER_MARKER) {
  const port = parentPort;
  port.on('message', (msg: { id: number; job: EncodeJob }) => {
    // Worker threads are the WebAssembly path (the addon's encoder runs on libuv's pool instead).
    const result = encodeParquetWasm(msg.job);
    port.postMessage({ id: msg.id, result }, result.ok ? [result.bytes.buffer as ArrayBuffer] : []);
  });
}
