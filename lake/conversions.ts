// The Iceberg spec's binary single-value serialization (Appendix D), used for column bounds in
// manifests and partition field summaries in manifest lists.
import type { PrimitiveType } from './schema.js';
import type { Value } from './values.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function toBytes(type: PrimitiveType, v: Value): Uint8Array {
  switch (type) {
    case 'boolean':
      return Uint8Array.of(v ? 1 : 0);
    case 'int':
    case 'date': {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, v as number, true);
      return b;
    }
    case 'long':
    case 'timestamp':
    case 'timestamptz': {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, v as bigint, true);
      return b;
    }
    case 'float': {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, v as number, true);
      return b;
    }
    case 'double': {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v as number, true);
      return b;
    }
    case 'string':
      return utf8.encode(v as string);
    case 'binary':
      return v as Uint8Array;
  }
}

export function fromBytes(type: PrimitiveType, b: Uint8Array): Value {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 'boolean':
      return b[0] !== 0;
    case 'int':
    case 'date':
      return dv.getInt32(0, true);
    case 'long':
    case 'timestamp':
    case 'timestamptz':
      return dv.getBigInt64(0, true);
    case 'float':
      return dv.getFloat32(0, true);
    case 'double':
      return dv.getFloat64(0, true);
    case 'string':
      return utf8Decoder.decode(b);
    case 'binary':
      return b.slice();
  }
}

/**
 * Truncated bounds (Iceberg's default metrics mode `truncate(16)`): the lower bound is a prefix
 * of `length` code points; the upper bound is the prefix with its last code point incremented,
 * so it still bounds every value with that prefix. Returns undefined when no upper bound of that
 * length exists (every code point at its maximum), meaning: omit the bound.
 */
export function truncateLower(s: string, length: number): string {
  const cps = Array.from(s);
  return cps.length <= length ? s : cps.slice(0, length).join('');
}

export function truncateUpper(s: string, length: number): string | undefined {
  const cps = Array.from(s);
  if (cps.length <= length) return s;
  const prefix = cps.slice(0, length);
  for (let i = prefix.length - 1; i >= 0; i--) {
    let cp = prefix[i]!.codePointAt(0)! + 1;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
    if (cp <= 0x10ffff) return prefix.slice(0, i).join('') + String.fromCodePoint(cp);
  }
  return undefined;
}

export function truncateBinaryUpper(b: Uint8Array, length: number): Uint8Array | undefined {
  if (b.length <= length) return b;
  const p = b.slice(0, length);
  for (let i = p.length - 1; i >= 0; i--) {
    if (p[i]! < 0xff) {
      const out = p.slice(0, i + 1);
      out[i] = p[i]! + 1;
      return out;
    }
  }
  return undefined;
}
