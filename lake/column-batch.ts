// Column batches: rows appended column by column into growable typed arrays, with each column's
// Iceberg metrics (nulls, NaNs, lower and upper bounds) kept up to date on append. A writer that
// already knows its values' types (ingestion, compaction) fills one straight from its input and
// hands it to Lake.writeColumnBatch: no row object per record, no second pass over rows to build
// columns. A batch is one data file, so it holds the rows of one partition.
//
//   const b = new ColumnBatchBuilder(schema);
//   const id = b.strings('device_id'), ts = b.longs('event_ts'), t = b.doubles('temperature');
//   id.push('dev-1'); ts.pushMillis(Date.parse(iso)); t.push(21.5);   // one row
//   const files = await lake.writeColumnBatch(table, b.build(), { fileName });
//   b.reset();  // reuse the buffers for the next file
import { LakeError, SchemaMismatchError, type LakeErrorContext } from './errors.js';
import { binaryBoundKey, type ColumnMetrics } from './metrics.js';
import type { ColumnBuffers, EncodeResult, ParquetCompression } from './parquet-encoder.js';
import type { NestedField, PrimitiveType, Schema } from './schema.js';
import { compareBytes, show } from './values.js';

export interface ColumnBatch {
  schema: Schema;
  numRows: number;
  /** In schema field order; views into the builder's buffers until it is reset. */
  columns: ColumnBuffers[];
  metrics: ColumnMetrics[];
  /**
   * A batch whose buffers live elsewhere (the addon's RAW batches, ingest/native.ts) encodes
   * itself, consuming the batch: the same file as encodeParquet(encodeJobOf(batch, opts)).
   */
  encode?(opts: { compression: ParquetCompression; rowGroupSize?: number; stringStatistics?: boolean }): Promise<EncodeResult>;
}

export const TWO_32 = 4294967296;
/** |ms| up to this converts to microseconds exactly in a double (ms * 1000 <= 2^53). */
export const MAX_EXACT_MS = 9_007_199_254_740;
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;
const INITIAL_CAPACITY = 1024;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
/** Surrogates and U+E000..U+FFFF: the only code units where UTF-16 order differs from code point order. */
const NON_BMP_ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

/** Tracks lower/upper of 64-bit values that arrive as exact numbers or as bigint (no BigInt per number). */
export class LongRange {
  loN = Infinity;
  hiN = -Infinity;
  loB: bigint | undefined;
  hiB: bigint | undefined;

  big(v: bigint): void {
    if (this.loB === undefined || v < this.loB) this.loB = v;
    if (this.hiB === undefined || v > this.hiB) this.hiB = v;
  }

  bounds(): { lower?: bigint; upper?: bigint } {
    let lo = this.loB;
    let hi = this.hiB;
    if (this.loN !== Infinity) {
      const ln = BigInt(this.loN);
      const hn = BigInt(this.hiN);
      if (lo === undefined || ln < lo) lo = ln;
      if (hi === undefined || hn > hi) hi = hn;
    }
    return lo === undefined ? {} : { lower: lo, upper: hi! };
  }
}

abstract class ColumnAppender {
  /** Values appended (nulls included). */
  length = 0;
  nulls = 0;
  protected capacity = INITIAL_CAPACITY;
  /** Arrow validity bitmap, bit set = value present; kept for optional columns only. */
  protected validity: Uint8Array | undefined;

  constructor(
    readonly field: NestedField,
    protected readonly ctx: LakeErrorContext,
  ) {
    if (!field.required) this.validity = new Uint8Array(INITIAL_CAPACITY >> 3);
  }

  /** Room for one more value (doubles every buffer when full). */
  protected ensure(): void {
    if (this.length < this.capacity) return;
    this.capacity *= 2;
    if (this.validity) this.validity = grown(this.validity, (this.capacity + 7) >> 3);
    this.growValues(this.capacity);
  }

  protected abstract growValues(capacity: number): void;

  /** Room for `n` values in all, allocated at once (appending a known number of rows). */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = n;
    if (this.validity) this.validity = grown(this.validity, (n + 7) >> 3);
    this.growValues(n);
  }

  /** Appends a null (a SchemaMismatchError on a required column). */
  pushNull(): void {
    if (this.field.required) this.fail(null);
    this.ensure();
    this.nulls++;
    this.length++;
  }

  protected present(i: number): void {
    if (this.validity) this.validity[i >> 3]! |= 1 << (i & 7);
  }

  protected fail(v: unknown): never {
    const what = v === null || v === undefined ? `is required, got ${v === null ? 'null' : 'nothing'}` : `cannot hold ${show(v)}`;
    throw new SchemaMismatchError(`row ${this.length}: column ${JSON.stringify(this.field.name)} (${this.field.type}) ${what}`, this.ctx);
  }

  reset(): void {
    if (this.validity) this.validity.fill(0, 0, (this.length + 7) >> 3);
    this.length = 0;
    this.nulls = 0;
    this.resetValues();
  }

  protected abstract resetValues(): void;

  abstract finish(n: number): { buffers: ColumnBuffers; metrics: ColumnMetrics };

  /** Room for `n` more values and, for optional columns, `other`'s validity bits copied after ours. */
  protected takeValidity(other: ColumnAppender): void {
    const at = this.length;
    const n = other.length;
    if (at + n > this.capacity) this.reserve(Math.max(at + n, 2 * this.capacity));
    if (this.validity && other.validity) {
      const src = other.validity;
      if ((at & 7) === 0) this.validity.set(src.subarray(0, (n + 7) >> 3), at >> 3);
      else for (let i = 0; i < n; i++) if (src[i >> 3]! & (1 << (i & 7))) this.present(at + i);
    } else if (this.validity) for (let i = 0; i < n; i++) this.present(at + i);
    this.nulls += other.nulls;
  }

  protected validityOut(): Pick<ColumnBuffers, 'validity'> {
    return this.nulls > 0 && this.validity ? { validity: this.validity.subarray(0, (this.length + 7) >> 3) } : {};
  }
}

function grown<T extends Uint8Array | Int32Array | Float32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/** double and float columns. */
export class DoubleAppender extends ColumnAppender {
  private values: Float64Array | Float32Array;
  private lo = Infinity;
  private hi = -Infinity;
  private seen = false;
  private nans = 0;
  private readonly isFloat: boolean;

  constructor(field: NestedField, ctx: LakeErrorContext) {
    super(field, ctx);
    this.isFloat = field.type === 'float';
    this.values = this.isFloat ? new Float32Array(INITIAL_CAPACITY) : new Float64Array(INITIAL_CAPACITY);
  }

  protected growValues(c: number): void {
    this.values = grown(this.values, c);
  }

  protected resetValues(): void {
    this.lo = Infinity;
    this.hi = -Infinity;
    this.seen = false;
    this.nans = 0;
  }

  /** Appends a number, or a null for null/undefined. */
  push(v: number | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (typeof v !== 'number') this.fail(v);
    this.ensure();
    const i = this.length++;
    const x = this.isFloat ? Math.fround(v) : v;
    this.values[i] = x;
    this.present(i);
    if (x !== x) this.nans++;
    else if (!this.seen) {
      this.lo = this.hi = x;
      this.seen = true;
    } else if (x < this.lo) this.lo = x;
    else if (x > this.hi) this.hi = x;
  }

  override pushNull(): void {
    super.pushNull();
    this.values[this.length - 1] = 0;
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: DoubleAppender): void {
    this.takeValidity(other);
    this.values.set(other.values.subarray(0, other.length), this.length);
    this.length += other.length;
    this.nans += other.nans;
    if (other.seen) {
      if (!this.seen) {
        this.lo = other.lo;
        this.hi = other.hi;
        this.seen = true;
      } else {
        // Bounds compare as the appends do (-0 and 0 are equal: the first seen stays).
        if (other.lo < this.lo) this.lo = other.lo;
        if (other.hi > this.hi) this.hi = other.hi;
      }
    }
  }

  finish(n: number) {
    return {
      buffers: { nullCount: this.nulls, values: this.values.subarray(0, n), ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, nanCount: this.nans, ...(this.seen ? { lower: this.lo, upper: this.hi } : {}) },
    };
  }
}

/** int and date (days since 1970-01-01) columns. */
export class IntAppender extends ColumnAppender {
  private values = new Int32Array(INITIAL_CAPACITY);
  private lo = Infinity;
  private hi = -Infinity;

  protected growValues(c: number): void {
    this.values = grown(this.values, c);
  }

  protected resetValues(): void {
    this.lo = Infinity;
    this.hi = -Infinity;
  }

  push(v: number | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (typeof v !== 'number' || (v | 0) !== v) this.fail(v);
    this.ensure();
    const i = this.length++;
    this.values[i] = v;
    this.present(i);
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  override pushNull(): void {
    super.pushNull();
    this.values[this.length - 1] = 0;
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: IntAppender): void {
    this.takeValidity(other);
    this.values.set(other.values.subarray(0, other.length), this.length);
    this.length += other.length;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
  }

  finish(n: number) {
    return {
      buffers: { nullCount: this.nulls, values: this.values.subarray(0, n), ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, ...(this.lo !== Infinity ? { lower: this.lo, upper: this.hi } : {}) },
    };
  }
}

/**
 * long, timestamp and timestamptz (microseconds) columns. Safe integers are written as two
 * int32 words (no BigInt per value); bigints cover the rest of the 64-bit range.
 */
export class LongAppender extends ColumnAppender {
  private words = new Int32Array(2 * INITIAL_CAPACITY);
  private range = new LongRange();

  protected growValues(c: number): void {
    this.words = grown(this.words, 2 * c);
  }

  protected resetValues(): void {
    this.range = new LongRange();
  }

  /** A safe integer (microseconds for timestamps) or a bigint within 64 bits. */
  push(v: number | bigint | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (typeof v === 'bigint') return this.pushBig(v);
    if (!Number.isSafeInteger(v)) this.fail(v);
    this.ensure();
    const i = this.length++;
    const hiWord = Math.floor(v / TWO_32);
    this.words[2 * i] = v - hiWord * TWO_32;
    this.words[2 * i + 1] = hiWord;
    this.present(i);
    const r = this.range;
    if (v < r.loN) r.loN = v;
    if (v > r.hiN) r.hiN = v;
  }

  /** A timestamp given in milliseconds since the epoch (an integer). */
  pushMillis(ms: number): void {
    if (Number.isInteger(ms) && ms >= -MAX_EXACT_MS && ms <= MAX_EXACT_MS) this.push(ms * 1000);
    else if (Number.isInteger(ms)) this.pushBig(BigInt(ms) * 1000n);
    else this.fail(ms);
  }

  private pushBig(v: bigint): void {
    if (v < LONG_MIN || v > LONG_MAX) this.fail(v);
    this.ensure();
    const i = this.length++;
    this.words[2 * i] = Number(BigInt.asIntN(32, v));
    this.words[2 * i + 1] = Number(v >> 32n);
    this.present(i);
    this.range.big(v);
  }

  override pushNull(): void {
    super.pushNull();
    const i = this.length - 1;
    this.words[2 * i] = this.words[2 * i + 1] = 0;
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: LongAppender): void {
    this.takeValidity(other);
    this.words.set(other.words.subarray(0, 2 * other.length), 2 * this.length);
    this.length += other.length;
    const r = this.range;
    const o = other.range;
    if (o.loN < r.loN) r.loN = o.loN;
    if (o.hiN > r.hiN) r.hiN = o.hiN;
    if (o.loB !== undefined) r.big(o.loB);
    if (o.hiB !== undefined) r.big(o.hiB);
  }

  finish(n: number) {
    const values = new BigInt64Array(this.words.buffer, this.words.byteOffset, n);
    return {
      buffers: { nullCount: this.nulls, values, ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, ...this.range.bounds() },
    };
  }
}

/** string and binary columns: bytes, n + 1 offsets into them, and the bounds seen so far. */
abstract class VarWidthAppender<T> extends ColumnAppender {
  protected offsets = new Int32Array(INITIAL_CAPACITY + 1);
  protected bytes = new Uint8Array(16 * INITIAL_CAPACITY);
  /** Bytes used (where the next value starts, and the offset a null repeats). */
  protected pos = 0;
  protected lo: T | undefined;
  protected hi: T | undefined;

  protected growValues(c: number): void {
    this.offsets = grown(this.offsets, c + 1);
  }

  protected resetValues(): void {
    this.lo = this.hi = undefined;
    this.pos = 0;
  }

  /** Bytes of values held. */
  get byteLength(): number {
    return this.pos;
  }

  /** Room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n > this.bytes.length) this.bytes = grown(this.bytes, Math.max(2 * this.bytes.length, this.pos + n));
  }

  protected checkSize(bytes: number, what: string): void {
    if (bytes > 0x7fffffff) throw new LakeError(`column ${this.field.name} holds more than 2 GiB of ${what}; write smaller files`, this.ctx);
  }

  /** Appends `other`'s values, offsets and validity; the caller merges the bounds. */
  protected appendValuesFrom(other: VarWidthAppender<T>, what: string): void {
    this.takeValidity(other);
    this.checkSize(this.pos + other.pos, what);
    this.room(other.pos);
    this.bytes.set(other.bytes.subarray(0, other.pos), this.pos);
    const at = this.length;
    const base = this.pos;
    for (let i = 1; i <= other.length; i++) this.offsets[at + i] = base + other.offsets[i]!;
    this.pos += other.pos;
    this.length += other.length;
  }

  override pushNull(): void {
    super.pushNull();
    this.offsets[this.length] = this.pos;
  }
}

/**
 * string columns: each value is UTF-8 encoded into one byte buffer as it is appended, so the
 * strings themselves die young (kept until the file is built, a file's strings outlived several
 * young-generation collections and were promoted: measured as most of ingestion's GC work).
 */
export class StringAppender extends VarWidthAppender<string> {
  /** A value held a code unit where UTF-16 order differs from code point order (see finish). */
  private orderSensitive = false;

  protected override resetValues(): void {
    super.resetValues();
    this.pos = 0;
    this.orderSensitive = false;
  }

  push(v: string | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (typeof v !== 'string') this.fail(v);
    this.ensure();
    const n = v.length;
    // At most 3 bytes per UTF-16 code unit.
    this.room(3 * n);
    const bytes = this.bytes;
    let p = this.pos;
    let k = 0;
    for (; k < n; k++) {
      const c = v.charCodeAt(k);
      if (c >= 0x80) break;
      bytes[p++] = c;
    }
    if (k < n) {
      p = this.pos + utf8.encodeInto(v, bytes.subarray(this.pos)).written;
      if (NON_BMP_ORDER_SENSITIVE.test(v)) this.orderSensitive = true;
    }
    this.checkSize(p, 'text');
    this.pos = p;
    const i = this.length++;
    this.offsets[i + 1] = p;
    this.present(i);
    if (this.lo === undefined) this.lo = this.hi = v;
    else if (v < this.lo) this.lo = v;
    else if (v > this.hi!) this.hi = v;
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: StringAppender): void {
    this.appendValuesFrom(other, 'text');
    this.orderSensitive ||= other.orderSensitive;
    if (other.lo !== undefined) {
      if (this.lo === undefined || other.lo < this.lo) this.lo = other.lo;
      if (this.hi === undefined || other.hi! > this.hi) this.hi = other.hi;
    }
  }

  finish(n: number) {
    const values = this.bytes.subarray(0, this.pos);
    const offsets = this.offsets.subarray(0, n + 1);
    let lo = this.lo;
    let hi = this.hi;
    if (this.orderSensitive) {
      // Bounds are by code point, which UTF-16 comparison gets wrong around surrogates and
      // U+E000..U+FFFF; UTF-8 byte order is code point order, so compare the encoded values.
      let loAt = -1;
      let hiAt = -1;
      for (let i = 0; i < n; i++) {
        if (!this.isPresent(i)) continue;
        if (loAt === -1) loAt = hiAt = i;
        else if (compareRanges(values, offsets[i]!, offsets[i + 1]!, offsets[loAt]!, offsets[loAt + 1]!) < 0) loAt = i;
        else if (compareRanges(values, offsets[i]!, offsets[i + 1]!, offsets[hiAt]!, offsets[hiAt + 1]!) > 0) hiAt = i;
      }
      lo = utf8Decoder.decode(values.subarray(offsets[loAt]!, offsets[loAt + 1]!));
      hi = utf8Decoder.decode(values.subarray(offsets[hiAt]!, offsets[hiAt + 1]!));
    }
    return {
      buffers: { nullCount: this.nulls, values, offsets, ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, ...(lo !== undefined ? { lower: lo, upper: hi! } : {}) },
    };
  }

  private isPresent(i: number): boolean {
    return this.validity ? (this.validity[i >> 3]! & (1 << (i & 7))) !== 0 : true;
  }
}

/** Unsigned byte order of b[a0, a1) and b[b0, b1). */
function compareRanges(b: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let k = 0; k < n; k++) {
    const d = b[a0 + k]! - b[b0 + k]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

/** binary columns. */
export class BinaryAppender extends VarWidthAppender<Uint8Array> {
  push(v: Uint8Array | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (!(v instanceof Uint8Array)) this.fail(v);
    this.ensure();
    this.checkSize(this.pos + v.length, 'binary data');
    this.room(v.length);
    const i = this.length++;
    this.bytes.set(v, this.pos);
    this.pos += v.length;
    this.offsets[i + 1] = this.pos;
    this.present(i);
    // Bounds keep copies (the caller may reuse its buffer) of what truncated bounds need.
    const key = binaryBoundKey(v);
    if (this.lo === undefined) this.lo = this.hi = key.slice();
    else if (compareBytes(key, this.lo) < 0) this.lo = key.slice();
    else if (compareBytes(key, this.hi!) > 0) this.hi = key.slice();
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: BinaryAppender): void {
    this.appendValuesFrom(other, 'binary data');
    if (other.lo !== undefined) {
      if (this.lo === undefined || compareBytes(other.lo, this.lo) < 0) this.lo = other.lo.slice();
      if (this.hi === undefined || compareBytes(other.hi!, this.hi) > 0) this.hi = other.hi!.slice();
    }
  }


  finish(n: number) {
    return {
      buffers: { nullCount: this.nulls, values: this.bytes.subarray(0, this.pos), offsets: this.offsets.subarray(0, n + 1), ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, ...(this.lo !== undefined ? { lower: this.lo, upper: this.hi! } : {}) },
    };
  }
}

/** boolean columns. */
export class BooleanAppender extends ColumnAppender {
  private bits = new Uint8Array(INITIAL_CAPACITY >> 3);
  private seenTrue = false;
  private seenFalse = false;

  protected growValues(c: number): void {
    this.bits = grown(this.bits, (c + 7) >> 3);
  }

  protected resetValues(): void {
    this.bits.fill(0);
    this.seenTrue = this.seenFalse = false;
  }

  push(v: boolean | null | undefined): void {
    if (v === null || v === undefined) return this.pushNull();
    if (typeof v !== 'boolean') this.fail(v);
    this.ensure();
    const i = this.length++;
    this.present(i);
    if (v) {
      this.bits[i >> 3]! |= 1 << (i & 7);
      this.seenTrue = true;
    } else this.seenFalse = true;
  }

  /** Appends every value of `other` (a column of the same type), metrics merged. */
  appendFrom(other: BooleanAppender): void {
    this.takeValidity(other);
    const at = this.length;
    for (let i = 0; i < other.length; i++) if (other.bits[i >> 3]! & (1 << (i & 7))) this.bits[(at + i) >> 3]! |= 1 << ((at + i) & 7);
    this.length += other.length;
    this.seenTrue ||= other.seenTrue;
    this.seenFalse ||= other.seenFalse;
  }

  finish(n: number) {
    const seen = this.seenTrue || this.seenFalse;
    return {
      buffers: { nullCount: this.nulls, values: this.bits.subarray(0, (n + 7) >> 3), ...this.validityOut() },
      metrics: { valueCount: n, nullCount: this.nulls, ...(seen ? { lower: !this.seenFalse, upper: this.seenTrue } : {}) },
    };
  }
}

export type AnyAppender = DoubleAppender | IntAppender | LongAppender | StringAppender | BinaryAppender | BooleanAppender;

const APPENDER_KIND: Record<PrimitiveType, new (f: NestedField, ctx: LakeErrorContext) => AnyAppender> = {
  boolean: BooleanAppender,
  int: IntAppender,
  date: IntAppender,
  long: LongAppender,
  timestamp: LongAppender,
  timestamptz: LongAppender,
  float: DoubleAppender,
  double: DoubleAppender,
  string: StringAppender,
  binary: BinaryAppender,
};

/**
 * Builds one data file's columns. Take each column's appender once (by name, typed), append one
 * value to every column per row, then build(). Buffers are reused after reset().
 */
export class ColumnBatchBuilder {
  readonly columns: AnyAppender[];
  private readonly byName = new Map<string, AnyAppender>();

  constructor(
    readonly schema: Schema,
    private readonly ctx: LakeErrorContext = {},
  ) {
    this.columns = schema.fields.map((f) => new APPENDER_KIND[f.type](f, ctx));
    for (const c of this.columns) this.byName.set(c.field.name, c);
  }

  /** Rows appended so far (the length of the first column). */
  get numRows(): number {
    return this.columns[0]?.length ?? 0;
  }

  private get<T extends AnyAppender>(name: string, kind: abstract new (...a: never[]) => T): T {
    const c = this.byName.get(name);
    if (!c) throw new SchemaMismatchError(`column ${JSON.stringify(name)} is not in the table schema`, this.ctx);
    if (!(c instanceof kind)) throw new SchemaMismatchError(`column ${JSON.stringify(name)} is ${c.field.type}, not appendable as ${kind.name.replace('Appender', '').toLowerCase()}`, this.ctx);
    return c;
  }

  doubles(name: string): DoubleAppender { return this.get(name, DoubleAppender); }
  ints(name: string): IntAppender { return this.get(name, IntAppender); }
  longs(name: string): LongAppender { return this.get(name, LongAppender); }
  strings(name: string): StringAppender { return this.get(name, StringAppender); }
  binaries(name: string): BinaryAppender { return this.get(name, BinaryAppender); }
  booleans(name: string): BooleanAppender { return this.get(name, BooleanAppender); }

  /**
   * Appends one row given as an object (the general, slower way; values as lake/ takes them in
   * rows: numbers, bigints, Dates or microseconds for timestamps, strings, Uint8Arrays). Columns
   * missing from the row get nulls.
   */
  appendRow(row: Readonly<Record<string, unknown>>): void {
    for (const c of this.columns) {
      const v = row[c.field.name];
      if (c instanceof LongAppender && v instanceof Date) {
        if (c.field.type === 'long') c.push(v as never);
        else c.pushMillis(v.getTime());
      } else (c.push as (x: unknown) => void)(v);
    }
  }

  /** The batch so far; its buffers stay valid until reset(). Every column must have numRows values. */
  build(): ColumnBatch {
    const n = this.numRows;
    for (const c of this.columns) {
      if (c.length !== n) throw new SchemaMismatchError(`column ${JSON.stringify(c.field.name)} has ${c.length} values, the batch ${n} rows: append one value to every column per row`, this.ctx);
    }
    const built = this.columns.map((c) => c.finish(n));
    return { schema: this.schema, numRows: n, columns: built.map((b) => b.buffers), metrics: built.map((b) => b.metrics) };
  }

  /**
   * Appends every row of each of `others`, builders of the same schema, after this one's rows
   * (metrics merged): the concatenation of files' rows without a row in between. Room for all of
   * them is made at once (one allocation per buffer at most). `others` are unchanged.
   */
  append(...others: ColumnBatchBuilder[]): void {
    for (const other of others) {
      const same = other.schema.fields.length === this.schema.fields.length && other.schema.fields.every((f, i) => {
        const g = this.schema.fields[i]!;
        return f.id === g.id && f.type === g.type && f.required === g.required;
      });
      if (!same) throw new SchemaMismatchError('cannot append a column batch of another schema', this.ctx);
      const n = other.numRows;
      for (const c of other.columns) {
        if (c.length !== n) throw new SchemaMismatchError(`column ${JSON.stringify(c.field.name)} has ${c.length} values, the batch ${n} rows: append one value to every column per row`, this.ctx);
      }
    }
    if (others.length > 1) {
      this.reserve(others.reduce((s, o) => s + o.numRows, this.numRows));
      this.columns.forEach((c, i) => {
        if (c instanceof VarWidthAppender) c.room(others.reduce((s, o) => s + (o.columns[i] as VarWidthAppender<unknown>).byteLength, 0));
      });
    }
    for (const other of others) this.columns.forEach((c, i) => (c.appendFrom as (o: AnyAppender) => void)(other.columns[i]!));
  }

  /** Room for `n` rows in every column, allocated at once. */
  reserve(n: number): void {
    for (const c of this.columns) c.reserve(n);
  }

  /** Empties the builder, keeping its buffers for the next file. */
  reset(): void {
    for (const c of this.columns) c.reset();
  }
}


/**
 * The rows of a batch as objects, values as lake/ reads them back: long and timestamps as
 * bigint (microseconds), int and date as numbers, strings, Uint8Array for binary, null for
 * nulls. For tests and inspection (it copies everything); the batch stays usable.
 */
export function columnBatchRows(batch: ColumnBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: batch.numRows }, () => ({}));
  batch.schema.fields.forEach((f, c) => {
    const col = batch.columns[c]!;
    const v = col.values;
    for (let i = 0; i < batch.numRows; i++) {
      let x: unknown = null;
      if (!col.validity || (col.validity[i >> 3]! & (1 << (i & 7))) !== 0) {
        if (f.type === 'string') x = utf8Decoder.decode((v as Uint8Array).subarray(col.offsets![i]!, col.offsets![i + 1]!));
        else if (f.type === 'binary') x = (v as Uint8Array).slice(col.offsets![i]!, col.offsets![i + 1]!);
        else if (f.type === 'boolean') x = ((v as Uint8Array)[i >> 3]! & (1 << (i & 7))) !== 0;
        else x = (v as Int32Array | Float64Array | Float32Array | BigInt64Array)[i];
      }
      rows[i]![f.name] = x;
    }
  });
  return rows;
}
