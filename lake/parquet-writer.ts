// Writes one Parquet data file from rows. Columns are built straight into Arrow buffers (typed
// arrays; timestamps and longs from numbers written as two int32 words, no BigInt per value)
// with the Iceberg metrics of each column computed in the same pass; lake/parquet-encoder.ts
// then encodes them with parquet-wasm (inline, or in a worker thread for large files) carrying
// every column's Iceberg field id as its Parquet field_id.
import { LONG_MAX, LONG_MIN, LongRange, MAX_EXACT_MS, TWO_32, type ColumnBatch } from './column-batch.js';
import { encoderPool } from './encoder-pool.js';
import { LakeError, SchemaMismatchError } from './errors.js';
import { binaryBoundKey, fileMetrics, type ColumnMetrics, type FileMetrics } from './metrics.js';
import { arrowType, encodeParquet, type ColumnBuffers, type EncodeJob, type EncodeResult, type ParquetCompression } from './parquet-encoder.js';
import type { NestedField, Schema } from './schema.js';
import { compareBytes, compareStrings, normalize, show, ValueError } from './values.js';

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

interface BuiltColumn {
  buffers: ColumnBuffers;
  metrics: ColumnMetrics;
}


const utf8 = new TextEncoder();

/**
 * Reusable column buffers. With a million caller rows alive, every full GC is expensive, and
 * V8 starts one for roughly each 64 MiB of new ArrayBuffer memory: building each file's columns
 * in fresh typed arrays cost 2-3 full GCs per 1M-row write (measured, 1-2 s each under load).
 * Buffers are handed out in order after reset() and reused by the next file: a job's buffers
 * must be consumed (encoded inline or copied to a worker by postMessage) before the next
 * buildColumns call, which writeParquet and writeParquetAsync do synchronously.
 */
class ColumnArena {
  private readonly buffers: (ArrayBuffer | undefined)[] = [];
  private next = 0;
  private retained = 0;
  /** Kept between writes at most this much (a 250k-row telemetry file needs ~35 MiB). */
  private static readonly MAX_RETAINED_BYTES = 256 * 2 ** 20;

  reset(): void {
    this.next = 0;
  }

  /** A zeroed buffer of at least `bytes` bytes. */
  private take(bytes: number): ArrayBuffer {
    const slot = this.next++;
    const have = this.buffers[slot];
    if (have && have.byteLength >= bytes) {
      new Uint8Array(have, 0, bytes).fill(0);
      return have;
    }
    const fresh = new ArrayBuffer(Math.max(bytes, 1024));
    const retainedAfter = this.retained - (have?.byteLength ?? 0) + fresh.byteLength;
    if (retainedAfter <= ColumnArena.MAX_RETAINED_BYTES) {
      this.buffers[slot] = fresh;
      this.retained = retainedAfter;
    }
    return fresh;
  }

  u8(n: number): Uint8Array { return new Uint8Array(this.take(n), 0, n); }
  i32(n: number): Int32Array { return new Int32Array(this.take(4 * n), 0, n); }
  i64(n: number): BigInt64Array { return new BigInt64Array(this.take(8 * n), 0, n); }
  f32(n: number): Float32Array { return new Float32Array(this.take(4 * n), 0, n); }
  f64(n: number): Float64Array { return new Float64Array(this.take(8 * n), 0, n); }

  /** UTF-8 bytes of `s`: into a reused buffer when ASCII (the common case), else a fresh one. */
  utf8(s: string): Uint8Array {
    const buf = this.take(s.length);
    const r = utf8.encodeInto(s, new Uint8Array(buf, 0, s.length));
    if (r.read === s.length && r.written === s.length) return new Uint8Array(buf, 0, s.length);
    return utf8.encode(s);
  }
}

const sharedArena = new ColumnArena();

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

function buildColumn(field: NestedField, rows: readonly Row[], ctx: WriteContext, arena: ColumnArena): BuiltColumn {
  const n = rows.length;
  const name = field.name;
  const required = field.required;
  let validity: Uint8Array | undefined = required ? undefined : arena.u8((n + 7) >> 3);
  let nulls = 0;
  let values: ColumnBuffers['values'];
  let offsets: Int32Array | undefined;
  let lower: ColumnMetrics['lower'];
  let upper: ColumnMetrics['upper'];
  let nanCount: number | undefined;

  switch (field.type) {
    case 'boolean': {
      const bits = arena.u8((n + 7) >> 3);
      let seenTrue = false, seenFalse = false;
      for (let i = 0; i < n; i++) {
        const raw = rows[i]![name];
        if (raw === null || raw === undefined) {
          if (required) mismatch(field, i, raw, ctx);
          nulls++;
          continue;
        }
        if (typeof raw !== 'boolean') mismatch(field, i, raw, ctx);
        if (validity) validity[i >> 3]! |= 1 << (i & 7);
        if (raw) {
          bits[i >> 3]! |= 1 << (i & 7);
          seenTrue = true;
        } else seenFalse = true;
      }
      if (seenTrue || seenFalse) {
        lower = !seenFalse;
        upper = seenTrue;
      }
      values = bits;
      break;
    }
    case 'int':
    case 'date': {
      const a = arena.i32(n);
      let lo = Infinity, hi = -Infinity;
      const isDate = field.type === 'date';
      for (let i = 0; i < n; i++) {
        const raw = rows[i]![name];
        if (raw === null || raw === undefined) {
          if (required) mismatch(field, i, raw, ctx);
          nulls++;
          continue;
        }
        let v: number;
        if (typeof raw === 'number' && (isDate ? Number.isInteger(raw) : (raw | 0) === raw)) v = raw;
        else if (isDate) {
          try {
            v = normalize('date', raw) as number;
          } catch {
            mismatch(field, i, raw, ctx);
          }
        } else mismatch(field, i, raw, ctx);
        if (validity) validity[i >> 3]! |= 1 << (i & 7);
        a[i] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (lo !== Infinity) {
        lower = lo;
        upper = hi;
      }
      values = a;
      break;
    }
    case 'long':
    case 'timestamp':
    case 'timestamptz': {
      const a = arena.i64(n);
      const words = new Int32Array(a.buffer, a.byteOffset, 2 * n);
      const r = new LongRange();
      const isLong = field.type === 'long';
      for (let i = 0; i < n; i++) {
        const raw = rows[i]![name];
        if (raw === null || raw === undefined) {
          if (required) mismatch(field, i, raw, ctx);
          nulls++;
          continue;
        }
        let num: number | undefined;
        if (!isLong && raw instanceof Date) {
          const ms = raw.getTime();
          if (ms >= -MAX_EXACT_MS && ms <= MAX_EXACT_MS) num = ms * 1000;
          else if (Number.isNaN(ms)) mismatch(field, i, raw, ctx);
          else {
            const b = BigInt(ms) * 1000n;
            a[i] = b;
            r.big(b);
          }
        } else if (typeof raw === 'bigint') {
          if (raw < LONG_MIN || raw > LONG_MAX) mismatch(field, i, raw, ctx);
          a[i] = raw;
          r.big(raw);
        } else if (isLong && typeof raw === 'number' && Number.isSafeInteger(raw)) {
          num = raw;
        } else {
          let b: bigint;
          try {
            b = normalize(field.type, raw) as bigint;
          } catch {
            mismatch(field, i, raw, ctx);
          }
          a[i] = b;
          r.big(b);
        }
        if (num !== undefined) {
          // Exact 64-bit two's complement from a safe integer, little-endian words, no BigInt.
          const hiWord = Math.floor(num / TWO_32);
          words[2 * i] = num - hiWord * TWO_32;
          words[2 * i + 1] = hiWord;
          if (num < r.loN) r.loN = num;
          if (num > r.hiN) r.hiN = num;
        }
        if (validity) validity[i >> 3]! |= 1 << (i & 7);
      }
      ({ lower, upper } = r.bounds());
      values = a;
      break;
    }
    case 'float':
    case 'double': {
      const isFloat = field.type === 'float';
      const a = isFloat ? arena.f32(n) : arena.f64(n);
      let lo = Infinity, hi = -Infinity, nans = 0, seen = false;
      for (let i = 0; i < n; i++) {
        const raw = rows[i]![name];
        if (raw === null || raw === undefined) {
          if (required) mismatch(field, i, raw, ctx);
          nulls++;
          continue;
        }
        if (typeof raw !== 'number') mismatch(field, i, raw, ctx);
        if (validity) validity[i >> 3]! |= 1 << (i & 7);
        const v = isFloat ? Math.fround(raw) : raw;
        a[i] = v;
        if (v !== v) {
          nans++;
          continue;
        }
        if (!seen) {
          lo = hi = v;
          seen = true;
        } else if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      nanCount = nans;
      if (seen) {
        lower = lo;
        upper = hi;
      }
      values = a;
      break;
    }
    case 'string': {
      ({ values, offsets, lower, upper, nulls } = buildStrings(field, rows, validity, ctx, arena));
      break;
    }
    case 'binary': {
      offsets = new Int32Array(n + 1);
      let buf: Uint8Array = new Uint8Array(Math.max(1024, n * 16));
      let pos = 0;
      let lo: Uint8Array | undefined;
      let hi: Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const raw = rows[i]![name];
        if (raw === null || raw === undefined) {
          if (required) mismatch(field, i, raw, ctx);
          nulls++;
          offsets[i + 1] = pos;
          continue;
        }
        if (!(raw instanceof Uint8Array)) mismatch(field, i, raw, ctx);
        if (pos + raw.length > buf.length) buf = grow(buf, pos, raw.length);
        buf.set(raw, pos);
        pos += raw.length;
        const key = binaryBoundKey(raw);
        if (lo === undefined) lo = hi = key;
        else if (compareBytes(key, lo) < 0) lo = key;
        else if (compareBytes(key, hi!) > 0) hi = key;
        if (validity) validity[i >> 3]! |= 1 << (i & 7);
        offsets[i + 1] = pos;
      }
      if (pos > 0x7fffffff) throw new LakeError(`column ${field.name} holds more than 2 GiB of binary data; write smaller files`, ctx);
      if (lo !== undefined) {
        // Copies: the caller may reuse the buffers the bounds point into.
        lower = lo.slice();
        upper = hi!.slice();
      }
      values = buf.subarray(0, pos);
      break;
    }
  }
  if (nulls === 0) validity = undefined;
  return {
    buffers: { nullCount: nulls, values, ...(validity ? { validity } : {}), ...(offsets ? { offsets } : {}) },
    metrics: {
      valueCount: n,
      nullCount: nulls,
      ...(nanCount !== undefined ? { nanCount } : {}),
      ...(lower !== undefined ? { lower, upper: upper! } : {}),
    },
  };
}

/** Surrogates and U+E000..U+FFFF: the only code units where UTF-16 order differs from code point order. */
const NON_BMP_ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

/**
 * A string column: the values are joined and UTF-8 encoded in one call (per-value encoding
 * cost more than everything else in a telemetry row), offsets come from lengths (exact for
 * ASCII, recomputed per value otherwise), and bounds use the engine's string comparison, exact
 * for Iceberg's code point order unless a value holds U+D800..U+FFFF (then recomputed).
 */
function buildStrings(field: NestedField, rows: readonly Row[], validity: Uint8Array | undefined, ctx: WriteContext, arena: ColumnArena) {
  const n = rows.length;
  const name = field.name;
  const required = field.required;
  const offsets = arena.i32(n + 1);
  const parts: string[] = [];
  let nulls = 0;
  let pos = 0;
  let lo: string | undefined;
  let hi: string | undefined;
  for (let i = 0; i < n; i++) {
    const raw = rows[i]![name];
    if (raw === null || raw === undefined) {
      if (required) mismatch(field, i, raw, ctx);
      nulls++;
      offsets[i + 1] = pos;
      continue;
    }
    if (typeof raw !== 'string') mismatch(field, i, raw, ctx);
    parts.push(raw);
    pos += raw.length;
    offsets[i + 1] = pos;
    if (validity) validity[i >> 3]! |= 1 << (i & 7);
    if (lo === undefined) lo = hi = raw;
    else if (raw < lo) lo = raw;
    else if (raw > hi!) hi = raw;
  }
  const joined = parts.join('');
  const values = arena.utf8(joined);
  if (values.length > 0x7fffffff) throw new LakeError(`column ${field.name} holds more than 2 GiB of text; write smaller files`, ctx);
  if (values.length !== joined.length) {
    // Multi-byte characters: offsets in UTF-8 bytes, value by value.
    let p = 0;
    let k = 0;
    let prevUnits = 0;
    for (let i = 0; i < n; i++) {
      const units = offsets[i + 1]!;
      if (units !== prevUnits) p += Buffer.byteLength(parts[k++]!, 'utf8');
      else if (validity ? validity[i >> 3]! & (1 << (i & 7)) : true) k++; // an empty string
      prevUnits = units;
      offsets[i + 1] = p;
    }
    if (NON_BMP_ORDER_SENSITIVE.test(joined)) {
      lo = hi = parts[0];
      for (const v of parts) {
        if (compareStrings(v, lo!) < 0) lo = v;
        else if (compareStrings(v, hi!) > 0) hi = v;
      }
    }
  }
  return { values, offsets, nulls, lower: lo, upper: hi };
}

function grow(buf: Uint8Array, used: number, need: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(buf.length * 2, used + need));
  bigger.set(buf.subarray(0, used));
  return bigger;
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
}

/** Builds the column buffers and metrics of one file (validates every value against the schema). */
export function buildColumns(schema: Schema, rows: readonly Row[], ctx: WriteContext, opts: ParquetWriteOptions = {}): { job: EncodeJob; metrics: ColumnMetrics[] } {
  checkColumnNames(schema, rows, ctx);
  sharedArena.reset();
  const built = schema.fields.map((f) => buildColumn(f, rows, ctx, sharedArena));
  return {
    job: {
      fields: schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })),
      numRows: rows.length,
      columns: built.map((b) => b.buffers),
      compression: opts.compression ?? 'zstd',
      ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}),
      ...(opts.stringStatistics ? { stringStatistics: true } : {}),
    },
    metrics: built.map((b) => b.metrics),
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
  const job: EncodeJob = {
    fields: batch.schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })),
    numRows: batch.numRows,
    columns: batch.columns,
    compression: opts.compression ?? 'zstd',
    ...(opts.rowGroupSize ? { rowGroupSize: opts.rowGroupSize } : {}),
    ...(opts.stringStatistics ? { stringStatistics: true } : {}),
  };
  return encoderPool().encode(job).then((r) => finish(batch.schema, batch.numRows, batch.metrics, r, ctx));
}
