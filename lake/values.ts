// Normalises caller values to one internal representation per Iceberg type, so metrics,
// transforms and the Parquet writer agree: long and timestamps are bigint (timestamps in
// microseconds since the epoch, UTC), date is days since the epoch, binary is Uint8Array.
import type { PrimitiveType } from './schema.js';

export type Value = boolean | number | bigint | string | Uint8Array;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const MICROS_PER_DAY = 86_400_000_000n;

/** Thrown by normalize(): the message says what was expected; the caller adds where. */
export class ValueError extends Error {}

export function normalize(type: PrimitiveType, v: unknown): Value {
  switch (type) {
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX) return v;
      break;
    case 'long': {
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
      if (b !== undefined && b >= LONG_MIN && b <= LONG_MAX) return b;
      break;
    }
    case 'float':
    case 'double':
      if (typeof v === 'number') return type === 'float' ? Math.fround(v) : v;
      break;
    case 'date':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{4,}-\d\d-\d\d$/.test(v)) {
        const ms = Date.parse(`${v}T00:00:00Z`);
        if (!Number.isNaN(ms)) return Math.floor(ms / 86_400_000);
      }
      if (v instanceof Date && !Number.isNaN(v.getTime())) return Math.floor(v.getTime() / 86_400_000);
      break;
    case 'timestamp':
    case 'timestamptz':
      if (typeof v === 'bigint' && v >= LONG_MIN && v <= LONG_MAX) return v;
      if (v instanceof Date && !Number.isNaN(v.getTime())) return BigInt(v.getTime()) * 1000n;
      if (typeof v === 'string') return parseTimestampMicros(v);
      break;
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'binary':
      if (v instanceof Uint8Array) return v;
      break;
  }
  throw new ValueError(`expected ${describe(type)}, got ${show(v)}`);
}

function describe(type: PrimitiveType): string {
  switch (type) {
    case 'int': return 'a 32-bit integer';
    case 'long': return 'a 64-bit integer (bigint or safe integer number)';
    case 'timestamp':
    case 'timestamptz': return `${type} (bigint microseconds, Date or ISO-8601 string)`;
    case 'date': return 'a date (YYYY-MM-DD, Date or days since 1970-01-01)';
    case 'binary': return 'binary (Uint8Array)';
    default: return `a ${type}`;
  }
}

export function show(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()})`;
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return `${typeof v} ${s.length > 60 ? s.slice(0, 60) + '…' : s}`;
}

/** ISO-8601 with up to microsecond precision, any year (including before 1970). */
export function parseTimestampMicros(s: string): bigint {
  const m = /^([+-]?\d{4,6})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:?\d\d)?$/.exec(s);
  if (!m) throw new ValueError(`expected an ISO-8601 timestamp, got ${show(s)}`);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0));
  if (Number.isNaN(ms)) throw new ValueError(`invalid timestamp ${show(s)}`);
  let micros = BigInt(ms) * 1000n + BigInt((frac ?? '').padEnd(6, '0').slice(0, 6) || '0');
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
    micros -= sign * offsetMin * 60_000_000n;
  }
  return micros;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function daysToIso(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

export const MICROS_PER_HOUR = 3_600_000_000n;
export { MICROS_PER_DAY };

/**
 * Orders strings as Iceberg does (by Unicode code point, i.e. UTF-8 byte order), which differs
 * from JavaScript's UTF-16 order for characters beyond the Basic Multilingual Plane.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitKey(x) - codeUnitKey(y);
  }
  return a.length - b.length;
}

function codeUnitKey(c: number): number {
  // Surrogates (D800-DFFF) encode code points above FFFF, so they must sort after E000-FFFF.
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Total order for non-null, non-NaN values of one type. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
