// Iceberg column metrics for one data file: value, null and NaN counts, lower and upper bounds
// (single-value serialization, strings and binary truncated to 16 as in Iceberg's default
// `truncate(16)` metrics mode) and column sizes taken from the Parquet footer.
import { toBytes, truncateBinaryUpper, truncateLower, truncateUpper } from './conversions.js';
import type { NestedField } from './schema.js';
import type { Value } from './values.js';

export const BOUND_TRUNCATE_LENGTH = 16;

/**
 * Binary bounds are kept as their first BOUND_TRUNCATE_LENGTH + 1 bytes: enough for the
 * truncated bounds (the extra byte tells whether the upper bound must be incremented), and
 * min/max need not compare long payloads with long common prefixes (dead letters) in full.
 */
export function binaryBoundKey(v: Uint8Array): Uint8Array {
  return v.length > BOUND_TRUNCATE_LENGTH + 1 ? v.subarray(0, BOUND_TRUNCATE_LENGTH + 1) : v;
}

export interface ColumnMetrics {
  valueCount: number;
  nullCount: number;
  nanCount?: number;
  lower?: Value;
  upper?: Value;
}

export interface FileMetrics {
  columnSizes: Map<number, bigint>;
  valueCounts: Map<number, bigint>;
  nullValueCounts: Map<number, bigint>;
  nanValueCounts: Map<number, bigint>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

/** Assembles file metrics keyed by field id. `columnSizes` come from the Parquet footer. */
export function fileMetrics(fields: readonly NestedField[], columns: readonly ColumnMetrics[], columnSizes: Map<number, bigint>): FileMetrics {
  const m: FileMetrics = {
    columnSizes,
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  fields.forEach((f, i) => {
    const c = columns[i]!;
    m.valueCounts.set(f.id, BigInt(c.valueCount));
    m.nullValueCounts.set(f.id, BigInt(c.nullCount));
    if (c.nanCount !== undefined) m.nanValueCounts.set(f.id, BigInt(c.nanCount));
    if (c.lower === undefined || c.upper === undefined) return;
    const [lo, hi] = boundsFor(f, c.lower, c.upper);
    if (lo) m.lowerBounds.set(f.id, lo);
    if (hi) m.upperBounds.set(f.id, hi);
  });
  return m;
}

function boundsFor(f: NestedField, lower: Value, upper: Value): [Uint8Array | undefined, Uint8Array | undefined] {
  if (f.type === 'string') {
    const hi = truncateUpper(upper as string, BOUND_TRUNCATE_LENGTH);
    return [toBytes('string', truncateLower(lower as string, BOUND_TRUNCATE_LENGTH)), hi === undefined ? undefined : toBytes('string', hi)];
  }
  if (f.type === 'binary') {
    return [(lower as Uint8Array).slice(0, BOUND_TRUNCATE_LENGTH), truncateBinaryUpper(upper as Uint8Array, BOUND_TRUNCATE_LENGTH)];
  }
  return [toBytes(f.type, lower), toBytes(f.type, upper)];
}
