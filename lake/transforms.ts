// Partition transforms (Iceberg spec "Partition Transforms"). Time transforms count whole units
// since 1970-01-01T00:00Z and round toward negative infinity, so 1969-12-31T23:30 is hour -1.
import { BadRequestError } from './errors.js';
import type { PrimitiveType } from './schema.js';
import { daysToIso, floorDiv, MICROS_PER_DAY, MICROS_PER_HOUR, type Value } from './values.js';

export type Transform = 'identity' | 'year' | 'month' | 'day' | 'hour';
export const TRANSFORMS: readonly Transform[] = ['identity', 'year', 'month', 'day', 'hour'];

export function parseTransform(s: string): Transform {
  if ((TRANSFORMS as readonly string[]).includes(s)) return s as Transform;
  throw new BadRequestError(`unsupported partition transform ${JSON.stringify(s)}; supported: ${TRANSFORMS.join(', ')}`);
}

const TIME_SOURCES: readonly PrimitiveType[] = ['date', 'timestamp', 'timestamptz'];

export function resultType(transform: Transform, source: PrimitiveType): PrimitiveType {
  if (transform === 'identity') return source;
  if (!TIME_SOURCES.includes(source) || (transform === 'hour' && source === 'date')) {
    throw new BadRequestError(`transform ${transform} cannot be applied to a ${source} column`);
  }
  return transform === 'day' ? 'date' : 'int';
}

function toDays(source: PrimitiveType, v: Value): number {
  return source === 'date' ? (v as number) : Number(floorDiv(v as bigint, MICROS_PER_DAY));
}

function civil(days: number): { y: number; m: number } {
  const d = new Date(days * 86_400_000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() };
}

/** Applies the transform to a normalised source value; null stays null. */
export function applyTransform(transform: Transform, source: PrimitiveType, v: Value | null): Value | null {
  if (v === null) return null;
  switch (transform) {
    case 'identity':
      return v;
    case 'hour':
      return Number(floorDiv(v as bigint, MICROS_PER_HOUR));
    case 'day':
      return toDays(source, v);
    case 'month': {
      const { y, m } = civil(toDays(source, v));
      return (y - 1970) * 12 + m;
    }
    case 'year':
      return civil(toDays(source, v)).y - 1970;
  }
}

function pad(n: number, w = 2): string {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? `-${s}` : s;
}

/** The human-readable partition value used in data file paths, as Iceberg writers name them. */
export function humanString(transform: Transform, resultValue: Value | null): string {
  if (resultValue === null) return 'null';
  switch (transform) {
    case 'identity':
      return encodeURIComponent(resultValue instanceof Uint8Array ? Buffer.from(resultValue).toString('base64') : String(resultValue));
    case 'day':
      return daysToIso(resultValue as number);
    case 'hour': {
      const h = resultValue as number;
      const days = Math.floor(h / 24);
      return `${daysToIso(days)}-${pad(h - days * 24)}`;
    }
    case 'month': {
      const m = resultValue as number;
      const y = Math.floor(m / 12);
      return `${pad(1970 + y, 4)}-${pad(m - y * 12 + 1)}`;
    }
    case 'year':
      return pad(1970 + (resultValue as number), 4);
  }
}
