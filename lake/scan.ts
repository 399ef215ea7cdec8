// Scan planning: which data files of a snapshot can hold rows matching a filter. Prunes whole
// manifests by their partition summaries, then files by partition values and column bounds.
import { fromBytes } from './conversions.js';
import type { DataFile } from './manifest.js';
import { summaryBounds, type ManifestFile } from './manifest-list.js';
import type { PartitionFieldType } from './partitioning.js';
import { fieldByName, type Schema } from './schema.js';
import { applyTransform } from './transforms.js';
import { compareValues, normalize, type Value } from './values.js';
import { BadRequestError } from './errors.js';

export type ComparisonOp = '=' | '<' | '<=' | '>' | '>=';

/** One comparison on a column; a filter is the AND of its predicates. */
export interface Predicate {
  column: string;
  op: ComparisonOp;
  value: unknown;
}

interface BoundPredicate {
  fieldId: number;
  op: ComparisonOp;
  value: Value;
  /** The same predicate projected onto each partition field built from this column. */
  projections: { index: number; op: ComparisonOp; value: Value }[];
}

export function bindFilter(schema: Schema, types: readonly PartitionFieldType[], filter: readonly Predicate[]): BoundPredicate[] {
  return filter.map((p) => {
    const field = fieldByName(schema, p.column);
    if (!field) throw new BadRequestError(`filter column ${JSON.stringify(p.column)} is not in the table schema`);
    let value: Value;
    try {
      value = normalize(field.type, p.value);
    } catch (e) {
      throw new BadRequestError(`filter on ${p.column}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const projections: BoundPredicate['projections'] = [];
    types.forEach((t, index) => {
      if (t.field.sourceId !== field.id) return;
      const projected = applyTransform(t.field.transform, t.sourceType, value)!;
      // Time transforms are monotonic but lossy: strict comparisons become inclusive.
      const op: ComparisonOp = t.field.transform === 'identity' ? p.op : p.op === '<' ? '<=' : p.op === '>' ? '>=' : p.op;
      projections.push({ index, op, value: projected });
    });
    return { fieldId: field.id, op: p.op, value, projections };
  });
}

/** Can any value in [lower, upper] satisfy `x op value`? Missing bounds mean "unknown": yes. */
function rangeMayMatch(op: ComparisonOp, value: Value, lower: Value | undefined, upper: Value | undefined): boolean {
  switch (op) {
    case '=':
      return (lower === undefined || compareValues(lower, value) <= 0) && (upper === undefined || compareValues(upper, value) >= 0);
    case '<':
      return lower === undefined || compareValues(lower, value) < 0;
    case '<=':
      return lower === undefined || compareValues(lower, value) <= 0;
    case '>':
      return upper === undefined || compareValues(upper, value) > 0;
    case '>=':
      return upper === undefined || compareValues(upper, value) >= 0;
  }
}

export function manifestMayMatch(m: ManifestFile, types: readonly PartitionFieldType[], preds: readonly BoundPredicate[]): boolean {
  for (const p of preds) {
    for (const proj of p.projections) {
      const summary = m.partitions[proj.index];
      const t = types[proj.index];
      if (!summary || !t) continue;
      if (!summary.lowerBound && !summary.upperBound) {
        // Only nulls (or NaN) in this manifest's partition field: a comparison can't match.
        if (summary.containsNull && !summary.containsNan) return false;
        continue;
      }
      const { lower, upper } = summaryBounds(t, summary);
      if (!rangeMayMatch(proj.op, proj.value, lower, upper)) return false;
    }
  }
  return true;
}

export function fileMayMatch(f: DataFile, schema: Schema, preds: readonly BoundPredicate[]): boolean {
  for (const p of preds) {
    for (const proj of p.projections) {
      const v = f.partition[proj.index] ?? null;
      if (v === null) return false;
      if (!rangeMayMatch(proj.op, proj.value, v, v)) return false;
    }
    const field = schema.fields.find((x) => x.id === p.fieldId)!;
    const lo = f.lowerBounds.get(p.fieldId);
    const hi = f.upperBounds.get(p.fieldId);
    const values = f.valueCounts.get(p.fieldId);
    const nulls = f.nullValueCounts.get(p.fieldId);
    if (values !== undefined && nulls !== undefined && values === nulls) return false;
    if (!rangeMayMatch(p.op, p.value, lo ? fromBytes(field.type, lo) : undefined, hi ? fromBytes(field.type, hi) : undefined)) return false;
  }
  return true;
}
