// String and binary column appenders of a column batch (lake/column-batch.ts): bytes, offsets
// into them, and their Iceberg bounds.
import { LakeError } from './errors.js';
import { binaryBoundKey } from './metrics.js';
import { compareBytes } from './values.js';
import { ColumnAppender, grown, INITIAL_CAPACITY, NON_BMP_ORDER_SENSITIVE, utf8, utf8Decoder } from './column-appender.js';

/** string and binary columns: bytes, n + 1 offsets into them, and the bounds seen so far. */
export abstract class VarWidthAppender<T> extends ColumnAppender {
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
