// Writes one Parquet data file from rows or from a column batch. Rows are appended column by
// column into the same appenders a column batch uses (lake/column-batch.ts: typed arrays, the
// Iceberg metrics kept on append), so both paths make the same bytes; lake/parquet-encoder.ts
// then encodes them with parquet-wasm (inline, or in a worker thread for large files) carrying
// every column's Iceberg field id as its Parquet field_id.
import { BinaryAppender, ColumnBatchBuilder, DoubleAppender, IntAppender, LONG_MAX, LONG_MIN, LongAppender, StringAppender, type AnyAppender, type ColumnBatch } from './column-batch.js';
import { encoderPool } from './encoder-pool.js';
import { LakeError, SchemaMismatchError } from './errors.js';
import { fileMetrics, type ColumnMetrics, type FileMetrics } from './metrics.js';
import { arrowType, encodeParquet, nativeEncoder, type EncodeJob, type EncodeResult, type ParquetCompression } from './parquet-encoder.js';
import type { NestedField, Schema } from './schema.js';
import { normalize, show, ValueError, type Value } from './values.js';

export type Row = Readonly<Record<string, unknown>>;
export { arrowType };
export type { ParquetCompression };

export interface ParquetFileResult {
  bytes: Uint8Array;
  recordCount: number;
  metrics: FileMetrics;
}

export interface WriteContext {
  table: string;
  file: string;
}

/**
 * Builders reused from file to file, one per schema (by field ids, names and types). With a
 * million caller rows alive every full GC is expensive, and V8 starts one for roughly each
 * 64 MiB of new ArrayBuffer memory: fresh column buffers per file cost 2-3 full GCs per 1M-row
 * write (measured, 1-2 s each under load). A job's buffers must be consumed (encoded inline or
 * copied to a worker by postMessage) before the next buildColumns call, which writeParquet and
 * writeParquetAsync do synchronously.
 */
const builders = new Map<string, { builder: ColumnBatchBuilder; ctx: WriteContext }>();
const MAX_BUILDERS = 4;
/** Builders that grew beyond this many rows (~35 MiB of telemetry at 250k) are not kept. */
const MAX_RETAINED_ROWS = 300_000;

function builderFor(schema: Schema, ctx: WriteContext): { builder: ColumnBatchBuilder; ctx: WriteContext } {
  const key = schema.fields.map((f) => `${f.id}:${f.name}:${f.type}:${f.required ? 1 : 0}`).join(',');
  let entry = builders.get(key);
  if (entry) {
    builders.delete(key);
    entry.builder.reset();
  } else {
    // The appenders keep this object: it names the table and file of the current write.
    const shared = { ...ctx };
    entry = { builder: new ColumnBatchBuilder(schema, shared), ctx: shared };
  }
  Object.assign(entry.ctx, ctx);
  builders.set(key, entry);
  if (builders.size > MAX_BUILDERS) builders.delete(builders.keys().next().value!);
  return entry;
}

function mismatch(field: NestedField, i: number, raw: unknown, ctx: WriteContext): never {
  if (raw === null || raw === undefined) {
    throw new SchemaMismatchError(`row ${i}: required column ${JSON.stringify(field.name)} is ${raw === null ? 'null' : 'missing'}`, ctx);
  }
  try {
    normalize(field.type, raw);
  } catch (e) {
    if (e instanceof ValueError) throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(field.name)} ${e.message}`, ctx);
    throw e;
  }
  throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(field.name)} has an unsupported value ${show(raw)}`, ctx);
}

/** The value normalised for the column (ISO strings, Dates, …), or the row's SchemaMismatchError. */
function normalized(field: NestedField, i: number, raw: unknown, ctx: WriteContext): Value {
  try {
    return normalize(field.type, raw);
  } catch {
    mismatch(field, i, raw, ctx);
  }
}

/**
 * Appends one column of the rows. One loop per kind of column keeps each push call site
 * monomorphic; the common JavaScript forms are pushed as they are, anything else goes through
 * normalize (long, date, timestamps) or is a mismatch.
 */
function appendColumn(a: AnyAppender, field: NestedField, rows: readonly Row[], ctx: WriteContext): void {
  const n = rows.length;
  const name = field.name;
  const required = field.required;
  if (a instanceof LongAppender) {
    const isLong = field.type === 'long';
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (isLong && typeof raw === 'number' && Number.isSafeInteger(raw)) a.push(raw);
      else if (!isLong && raw instanceof Date && raw.getTime() === raw.getTime()) a.pushMillis(raw.getTime());
      else if (typeof raw === 'bigint' && raw >= LONG_MIN && raw <= LONG_MAX) a.push(raw);
      else a.push(normalized(field, i, raw, ctx) as bigint);
    }
  } else if (a instanceof IntAppender) {
    const isDate = field.type === 'date';
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (typeof raw === 'number' && (raw | 0) === raw) a.push(raw);
      else if (isDate) a.push(normalized(field, i, raw, ctx) as number);
      else mismatch(field, i, raw, ctx);
    }
  } else if (a instanceof DoubleAppender) {
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (typeof raw === 'number') a.push(raw);
      else mismatch(field, i, raw, ctx);
    }
  } else if (a instanceof StringAppender) {
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (typeof raw === 'string') a.push(raw);
      else mismatch(field, i, raw, ctx);
    }
  } else if (a instanceof BinaryAppender) {
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (raw instanceof Uint8Array) a.push(raw);
      else mismatch(field, i, raw, ctx);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const raw = rows[i]![name];
      if (raw === null || raw === undefined) {
        if (required) mismatch(field, i, raw, ctx);
        a.pushNull();
      } else if (typeof raw === 'boolean') a.push(raw);
      else mismatch(field, i, raw, ctx);
    }
  }
}

function checkColumnNames(schema: Schema, rows: readonly Row[], ctx: WriteContext): void {
  const known = new Set(schema.fields.map((f) => f.name));
  // Rows usually share one key order: compare against the last row that passed before falling
  // back to set lookups.
  let lastOk: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let j = 0;
    let same = true;
    for (const k in row) {
      if (same && lastOk[j] === k) {
        j++;
        continue;
      }
      same = false;
      if (!known.has(k)) throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(k)} is not in the table schema (value ${show(row[k])})`, ctx);
      j++;
    }
    if (!same || j !== lastOk.length) lastOk = Object.keys(row);
  }
}

export interface ParquetWriteOptions {
  /** Rows per row group; arrow-rs' default (1Mi) when omitted. */
  rowGroupSize?: number;
  /** Page compression; zstd (smallest files, measured fast enough) by default. */
  compression?: ParquetCompression;
  /** Parquet row-group statistics for string and binary columns (for files sorted by one); off by default. */
  stringStatistics?: boolean;
  /**
   * Encode in a worker thread even when the file is small (by default small files are encoded
   * on the calling thread, which saves the round trip). For callers whose own thread is the
   * bottleneck, such as ingestion.
   */
  offThread?: boolean;
}

/** Builds the column buffers and metrics of one file (validates every value against the schema). */
export function buildColumns(schema: Schema, rows: readonly Row[], ctx: WriteContext, opts: ParquetWriteOptions = {}): { job: EncodeJob; metrics: ColumnMetrics[] } {
  checkColumnNames(schema, rows, ctx);
  const { builder } = builderFor(schema, ctx);
  builder.reserve(rows.length);
  builder.columns.forEach((a, c) => appendColumn(a, schema.fields[c]!, rows, ctx));
  const batch = builder.build();
  if (rows.length > MAX_RETAINED_ROWS) builders.clear();
  return { job: encodeJobOf(batch, opts), metrics: batch.metrics };
}

/**
 * The batch, encoded (when the addon is there) straight from its buffers on libuv's pool,
 * without the copy writeColumnBatchAsync makes otherwise: the caller must leave the builder
 * unchanged (no reset, no append) until the write has settled. For large batches whose builder
 * can wait, such as ingestion's dead letters (whole payloads, half of a mixed batch's bytes).
 */
export function borrowingBatch(batch: ColumnBatch): ColumnBatch {
  const native = nativeEncoder();
  if (!native || batch.encode) return batch;
  return { ...batch, encode: (o) => native.encodeParquetBorrowed(encodeJobOf(batch, o)).catch((e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) })) };
}

export function encodeJobOf(batch: ColumnBatch, opts: ParquetWriteOptions): EncodeJob {
  return {
    fields: batch.schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })),
    numRows: batch.numRows,
    columns: batch.columns,
    compression: opts.compression ?? 'zstd',
    ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}),
    ...(opts.stringStatistics ? { stringStatistics: true } : {}),
  };
}

function finish(schema: Schema, rows: number, metrics: ColumnMetrics[], r: EncodeResult, ctx: WriteContext): ParquetFileResult {
  if (!r.ok) throw new LakeError(`Parquet encoding failed: ${r.message}`, ctx);
  const sizes = new Map(r.columnSizes.map(([id, size]) => [id, BigInt(size)]));
  return { bytes: r.bytes, recordCount: rows, metrics: fileMetrics(schema.fields, metrics, sizes) };
}

/** Encodes rows as one Parquet file with Iceberg field ids and exact metrics, on this thread. */
export function writeParquet(schema: Schema, rows: readonly Row[], ctx: WriteContext, opts: ParquetWriteOptions = {}): ParquetFileResult {
  const { job, metrics } = buildColumns(schema, rows, ctx, opts);
  return finish(schema, rows.length, metrics, encodeParquet(job), ctx);
}

/**
 * Like writeParquet, but large files are encoded in a worker thread: the caller can build the
 * next file's columns (or upload the previous one) meanwhile. Validation errors still throw
 * synchronously-early, before anything is handed to a worker.
 */
export function writeParquetAsync(schema: Schema, rows: readonly Row[], ctx: WriteContext, opts: ParquetWriteOptions = {}): Promise<ParquetFileResult> {
  const { job, metrics } = buildColumns(schema, rows, ctx, opts);
  return encoderPool().encode(job).then((r) => {
    // The job's buffers were reused by later files meanwhile: build them again, here.
    if (!r.ok && r.workerFailed) return writeParquet(schema, rows, ctx, opts);
    return finish(schema, rows.length, metrics, r, ctx);
  });
}

/**
 * Encodes a column batch (lake/column-batch.ts) as one Parquet file, in a worker thread when
 * large. The batch's buffers are consumed before this returns (copied to the worker, or encoded
 * here), so the builder may be reset at once. A worker that dies mid-job fails the write (the
 * batch cannot be rebuilt here): retry it.
 */
export function writeColumnBatchAsync(batch: ColumnBatch, ctx: WriteContext, opts: ParquetWriteOptions = {}): Promise<ParquetFileResult> {
  if (batch.encode) {
    // The same settings encodeJobOf gives (without reading the batch's columns).
    const settings = { compression: opts.compression ?? 'zstd', ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}), ...(opts.stringStatistics ? { stringStatistics: true } : {}) };
    return batch.encode(settings).then((r) => finish(batch.schema, batch.numRows, batch.metrics, r, ctx));
  }
  return encoderPool().encode(encodeJobOf(batch, opts), { offThread: opts.offThread }).then((r) => finish(batch.schema, batch.numRows, batch.metrics, r, ctx));
}
