// Iceberg schemas: primitive types and fields with ids. Only flat (top-level primitive) schemas
// are supported, which is what floe's telemetry tables use.
import { BadRequestError } from './errors.js';

export const PRIMITIVE_TYPES = [
  'boolean', 'int', 'long', 'float', 'double', 'date', 'timestamp', 'timestamptz', 'string', 'binary',
] as const;
export type PrimitiveType = (typeof PRIMITIVE_TYPES)[number];

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: PrimitiveType;
  readonly doc?: string;
}

export interface Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  readonly identifierFieldIds?: readonly number[];
}

/** A field as a caller declares it, before ids are assigned. */
export interface FieldDef {
  name: string;
  type: PrimitiveType;
  required?: boolean;
  doc?: string;
}

/** Builds a schema, assigning field ids 1..n in declaration order. */
export function schemaOf(fields: readonly FieldDef[], schemaId = 0): Schema {
  const seen = new Set<string>();
  return {
    schemaId,
    fields: fields.map((f, i) => {
      if (!(PRIMITIVE_TYPES as readonly string[]).includes(f.type)) {
        throw new BadRequestError(`field ${JSON.stringify(f.name)} has unsupported type ${JSON.stringify(f.type)}; supported: ${PRIMITIVE_TYPES.join(', ')}`);
      }
      if (seen.has(f.name)) throw new BadRequestError(`field name ${JSON.stringify(f.name)} appears twice`);
      seen.add(f.name);
      return { id: i + 1, name: f.name, type: f.type, required: f.required ?? false, ...(f.doc ? { doc: f.doc } : {}) };
    }),
  };
}

export function fieldById(schema: Schema, id: number): NestedField | undefined {
  return schema.fields.find((f) => f.id === id);
}

export function fieldByName(schema: Schema, name: string): NestedField | undefined {
  return schema.fields.find((f) => f.name === name);
}

export function highestFieldId(schema: Schema): number {
  return schema.fields.reduce((m, f) => Math.max(m, f.id), 0);
}

/** Schema evolution: a new optional column gets the next id after `lastColumnId`. */
export function addOptionalColumn(schema: Schema, field: FieldDef, lastColumnId: number, newSchemaId: number): Schema {
  if (fieldByName(schema, field.name)) {
    throw new BadRequestError(`cannot add column ${JSON.stringify(field.name)}: it already exists`);
  }
  if (field.required) throw new BadRequestError(`cannot add required column ${JSON.stringify(field.name)}: only optional columns can be added`);
  const added = schemaOf([field]).fields[0]!;
  return { ...schema, schemaId: newSchemaId, fields: [...schema.fields, { ...added, id: lastColumnId + 1 }] };
}

/**
 * A new schema version whose fields `renames` names (field id -> new name) carry new names: ids,
 * types and order stay, so data files written before read on unchanged (Iceberg matches
 * columns by id).
 */
export function renameColumns(schema: Schema, renames: ReadonlyMap<number, string>, newSchemaId: number): Schema {
  for (const [id, name] of renames) {
    if (!schema.fields.some((f) => f.id === id)) throw new BadRequestError(`cannot rename field id ${id} to ${JSON.stringify(name)}: no such field`);
    const clash = fieldByName(schema, name);
    if (clash && clash.id !== id && !renames.has(clash.id)) throw new BadRequestError(`cannot rename field id ${id} to ${JSON.stringify(name)}: field id ${clash.id} has that name`);
  }
  return { ...schema, schemaId: newSchemaId, fields: schema.fields.map((f) => (renames.has(f.id) ? { ...f, name: renames.get(f.id)! } : f)) };
}

export function schemaToJson(schema: Schema): Record<string, unknown> {
  return {
    type: 'struct',
    'schema-id': schema.schemaId,
    ...(schema.identifierFieldIds?.length ? { 'identifier-field-ids': [...schema.identifierFieldIds] } : {}),
    fields: schema.fields.map((f) => ({ id: f.id, name: f.name, required: f.required, type: f.type, ...(f.doc ? { doc: f.doc } : {}) })),
  };
}

export function schemaFromJson(json: Record<string, unknown>): Schema {
  const fields = (json.fields as Record<string, unknown>[]).map((f) => {
    const type = f.type;
    if (typeof type !== 'string' || !(PRIMITIVE_TYPES as readonly string[]).includes(type)) {
      throw new BadRequestError(`schema field ${JSON.stringify(f.name)} has unsupported type ${JSON.stringify(type)}`);
    }
    return { id: Number(f.id), name: String(f.name), required: Boolean(f.required), type: type as PrimitiveType, ...(f.doc ? { doc: String(f.doc) } : {}) };
  });
  const ids = json['identifier-field-ids'] as number[] | undefined;
  return { schemaId: Number(json['schema-id'] ?? 0), fields, ...(ids?.length ? { identifierFieldIds: ids.map(Number) } : {}) };
}

/**
 * The `schema.name-mapping.default` table property: maps column names to field ids so readers
 * can resolve files whose columns lack ids (we always write ids, but pyiceberg and others read this).
 */
export function nameMapping(schema: Schema): string {
  return JSON.stringify(schema.fields.map((f) => ({ 'field-id': f.id, names: [f.name] })));
}
