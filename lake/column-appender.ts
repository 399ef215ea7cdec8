// The appenders of a column batch (lake/column-batch.ts): one growable typed array per column
// with its Iceberg metrics kept up to date on append. This file: the common part and the
// fixed-width columns (double, float, int, date, long, timestamps, boolean);
// lake/column-appender-bytes.ts: string and binary.
import { SchemaMismatchError, type LakeErrorContext } from './errors.js';
import type { ColumnMetrics } from './metrics.js';
import type { ColumnBuffers } from './parquet-encoder.js';
import type { NestedField } from './schema.js';
import { show } from './values.js';

export const TWO_32 = 4294967296;
/** |ms| up to this converts to microseconds exactly in a double (ms * 1000 <= 2^53). */
export const MAX_EXACT_MS = 9_007_199_254_740;
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;
export const INITIAL_CAPACITY = 1024;
export const utf8 = new TextEncoder();
export const utf8Decoder = new TextDecoder();
/** Surrogates and U+E000..U+FFFF: the only code units where UTF-16 order differs from code point order. */
export const NON_BMP_ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

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

export abstract class ColumnAppender {
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

export function grown<T extends Uint8Array | Int32Array | Float32Array | Float64Array>(a: T, length: number): T {
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
