// Splits a write's rows by partition (one data file per partition). The common telemetry case,
// hour or day of a timestamp given as a Date, is computed from milliseconds as a number (exactly
// what the transform of the microsecond value gives); everything else goes through the
// transforms on normalised values.
import { SchemaMismatchError } from './errors.js';
import type { Row } from './parquet-writer.js';
import { partitionKey, type PartitionFieldType, type PartitionValues } from './partitioning.js';
import type { NestedField, Schema } from './schema.js';
import { applyTransform } from './transforms.js';
import { normalize, ValueError, type Value } from './values.js';

export interface PartitionGroup {
  values: PartitionValues;
  rows: Row[];
}

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

type FieldValue = (raw: unknown, row: number) => Value | null;

function fieldValue(t: PartitionFieldType, source: NestedField, ctx: { table: string; file: string }): FieldValue {
  const slow: FieldValue = (raw, i) => {
    if (raw === null || raw === undefined) return null;
    let v: Value;
    try {
      v = normalize(source.type, raw);
    } catch (e) {
      if (e instanceof ValueError) throw new SchemaMismatchError(`row ${i}: column ${JSON.stringify(source.name)} ${e.message}`, ctx);
      throw e;
    }
    return applyTransform(t.field.transform, t.sourceType, v);
  };
  const isTimestamp = source.type === 'timestamp' || source.type === 'timestamptz';
  const unit = t.field.transform === 'hour' ? MS_PER_HOUR : t.field.transform === 'day' ? MS_PER_DAY : 0;
  if (!isTimestamp || !unit) return slow;
  return (raw, i) => {
    if (raw instanceof Date) {
      const ms = raw.getTime();
      // floor(micros / unit_us) == floor(ms / unit_ms) for whole milliseconds.
      if (!Number.isNaN(ms)) return Math.floor(ms / unit);
    }
    return slow(raw, i);
  };
}

export function groupByPartition(types: readonly PartitionFieldType[], schema: Schema, rows: readonly Row[], ctx: { table: string; file: string }): Map<unknown, PartitionGroup> {
  const groups = new Map<unknown, PartitionGroup>();
  if (!types.length) {
    groups.set('', { values: [], rows: rows as Row[] });
    return groups;
  }
  const sources = types.map((t) => schema.fields.find((f) => f.id === t.field.sourceId)!);
  const fns = types.map((t, i) => fieldValue(t, sources[i]!, ctx));
  if (types.length === 1) {
    // One partition field: its value is the group key (one result type, so no collisions).
    const name = sources[0]!.name;
    const fn = fns[0]!;
    let lastKey: unknown = Symbol('none');
    let last: PartitionGroup | undefined;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const v = fn(row[name], i);
      const key = v instanceof Uint8Array ? partitionKey([v]) : v;
      if (key !== lastKey || !last) {
        last = groups.get(key);
        if (!last) groups.set(key, (last = { values: [v], rows: [] }));
        lastKey = key;
      }
      last.rows.push(row);
    }
    return groups;
  }
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const values = sources.map((f, j) => fns[j]!(row[f.name], i));
    const key = partitionKey(values);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { values, rows: [] }));
    g.rows.push(row);
  }
  return groups;
}
