// Partition specs: which source columns, through which transforms, make a data file's partition.
import { BadRequestError } from './errors.js';
import { fieldById, fieldByName, type PrimitiveType, type Schema } from './schema.js';
import { humanString, parseTransform, resultType, type Transform } from './transforms.js';
import type { Value } from './values.js';

export interface PartitionField {
  readonly sourceId: number;
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

/** Partition field ids start at 1000 (spec). */
export const PARTITION_FIELD_ID_START = 1000;

/** What a caller declares: `{ column: 'event_ts', transform: 'hour' }`. */
export interface PartitionFieldDef {
  column: string;
  transform: Transform;
  name?: string;
}

export function partitionSpecOf(schema: Schema, defs: readonly PartitionFieldDef[], specId = 0): PartitionSpec {
  return {
    specId,
    fields: defs.map((d, i) => {
      const source = fieldByName(schema, d.column);
      if (!source) throw new BadRequestError(`partition column ${JSON.stringify(d.column)} is not in the schema`);
      const transform = parseTransform(d.transform);
      resultType(transform, source.type);
      return {
        sourceId: source.id,
        fieldId: PARTITION_FIELD_ID_START + i,
        name: d.name ?? (transform === 'identity' ? source.name : `${source.name}_${transform}`),
        transform,
      };
    }),
  };
}

export interface PartitionFieldType {
  field: PartitionField;
  sourceType: PrimitiveType;
  type: PrimitiveType;
}

export function partitionType(spec: PartitionSpec, schema: Schema): PartitionFieldType[] {
  return spec.fields.map((field) => {
    const source = fieldById(schema, field.sourceId);
    if (!source) throw new BadRequestError(`partition field ${field.name} refers to missing source column id ${field.sourceId}`);
    return { field, sourceType: source.type, type: resultType(field.transform, source.type) };
  });
}

/** A partition tuple: one value (or null) per spec field, in spec order. */
export type PartitionValues = readonly (Value | null)[];

export function partitionPath(types: readonly PartitionFieldType[], values: PartitionValues): string {
  return types.map((t, i) => `${t.field.name}=${humanString(t.field.transform, values[i] ?? null)}`).join('/');
}

export function partitionKey(values: PartitionValues): string {
  return values.map((v) => (v === null ? '\u0000null' : typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : `${typeof v}:${String(v)}`)).join('\u0001');
}

export function specToJson(spec: PartitionSpec): Record<string, unknown> {
  return {
    'spec-id': spec.specId,
    fields: spec.fields.map((f) => ({ name: f.name, transform: f.transform, 'source-id': f.sourceId, 'field-id': f.fieldId })),
  };
}

export function specFromJson(json: Record<string, unknown>): PartitionSpec {
  return {
    specId: Number(json['spec-id']),
    fields: (json.fields as Record<string, unknown>[]).map((f) => ({
      name: String(f.name),
      transform: parseTransform(String(f.transform)),
      sourceId: Number(f['source-id']),
      fieldId: Number(f['field-id']),
    })),
  };
}

export interface SortField {
  readonly sourceId: number;
  readonly transform: Transform;
  readonly direction: 'asc' | 'desc';
  readonly nullOrder: 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  readonly orderId: number;
  readonly fields: readonly SortField[];
}

export const UNSORTED: SortOrder = { orderId: 0, fields: [] };

export interface SortFieldDef {
  column: string;
  direction?: 'asc' | 'desc';
  nullOrder?: 'nulls-first' | 'nulls-last';
  transform?: Transform;
}

export function sortOrderOf(schema: Schema, defs: readonly SortFieldDef[]): SortOrder {
  if (!defs.length) return UNSORTED;
  return {
    orderId: 1,
    fields: defs.map((d) => {
      const source = fieldByName(schema, d.column);
      if (!source) throw new BadRequestError(`sort column ${JSON.stringify(d.column)} is not in the schema`);
      const direction = d.direction ?? 'asc';
      return { sourceId: source.id, transform: d.transform ?? 'identity', direction, nullOrder: d.nullOrder ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last') };
    }),
  };
}

export function sortOrderToJson(o: SortOrder): Record<string, unknown> {
  return {
    'order-id': o.orderId,
    fields: o.fields.map((f) => ({ transform: f.transform, 'source-id': f.sourceId, direction: f.direction, 'null-order': f.nullOrder })),
  };
}

export function sortOrderFromJson(json: Record<string, unknown>): SortOrder {
  return {
    orderId: Number(json['order-id']),
    fields: (json.fields as Record<string, unknown>[]).map((f) => ({
      sourceId: Number(f['source-id']),
      transform: parseTransform(String(f.transform)),
      direction: f.direction === 'desc' ? 'desc' : 'asc',
      nullOrder: f['null-order'] === 'nulls-last' ? 'nulls-last' : 'nulls-first',
    })),
  };
}
