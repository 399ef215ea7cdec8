// Manifests: Avro files listing data files with their partition tuple and column metrics
// (Iceberg spec "Manifests", v2 field ids 0-4 and 100-140).
import { toBigInt } from './avro-decoder.js';
import { writeAvroFile, readAvroFile } from './avro-file.js';
import type { FileMetrics } from './metrics.js';
import type { PartitionFieldType, PartitionSpec, PartitionValues } from './partitioning.js';
import { specToJson } from './partitioning.js';
import { schemaToJson, type PrimitiveType, type Schema } from './schema.js';
import type { Value } from './values.js';

export enum EntryStatus {
  EXISTING = 0,
  ADDED = 1,
  DELETED = 2,
}

/** A data file entry: where the file is, its partition tuple, and its column metrics (lake/metrics.ts). */
export interface DataFile extends FileMetrics {
  content: 0;
  filePath: string;
  fileFormat: 'PARQUET';
  specId: number;
  partition: PartitionValues;
  recordCount: number;
  fileSizeInBytes: number;
  sortOrderId?: number;
}

export interface ManifestEntry {
  status: EntryStatus;
  /** null for ADDED entries written by us: inherited from the manifest list on read. */
  snapshotId: bigint | null;
  sequenceNumber: bigint | null;
  fileSequenceNumber: bigint | null;
  dataFile: DataFile;
}

export function avroPrimitive(t: PrimitiveType): unknown {
  switch (t) {
    case 'date': return { type: 'int', logicalType: 'date' };
    case 'timestamp': return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz': return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'binary': return 'bytes';
    default: return t;
  }
}

function intMap(name: string, id: number, keyId: number, valueId: number, value: 'long' | 'bytes'): object {
  return {
    name,
    type: ['null', { type: 'array', logicalType: 'map', items: { type: 'record', name: `k${keyId}_v${valueId}`, fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: value, 'field-id': valueId },
    ] } }],
    default: null,
    'field-id': id,
  };
}

export function manifestEntrySchema(partitionType: readonly PartitionFieldType[]): object {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: ['null', 'long'], default: null, 'field-id': 1 },
      { name: 'sequence_number', type: ['null', 'long'], default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: ['null', 'long'], default: null, 'field-id': 4 },
      {
        name: 'data_file',
        'field-id': 2,
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', doc: 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes', 'field-id': 134 },
            { name: 'file_path', type: 'string', doc: 'Location URI with FS scheme', 'field-id': 100 },
            { name: 'file_format', type: 'string', doc: 'File format name: avro, orc, or parquet', 'field-id': 101 },
            {
              name: 'partition',
              'field-id': 102,
              type: {
                type: 'record',
                name: 'r102',
                fields: partitionType.map((p) => ({ name: p.field.name, type: ['null', avroPrimitive(p.type)], default: null, 'field-id': p.field.fieldId })),
              },
            },
            { name: 'record_count', type: 'long', doc: 'Number of records in the file', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', doc: 'Total file size in bytes', 'field-id': 104 },
            intMap('column_sizes', 108, 117, 118, 'long'),
            intMap('value_counts', 109, 119, 120, 'long'),
            intMap('null_value_counts', 110, 121, 122, 'long'),
            intMap('nan_value_counts', 137, 138, 139, 'long'),
            intMap('lower_bounds', 125, 126, 127, 'bytes'),
            intMap('upper_bounds', 128, 129, 130, 'bytes'),
            { name: 'key_metadata', type: ['null', 'bytes'], default: null, 'field-id': 131 },
            { name: 'split_offsets', type: ['null', { type: 'array', items: 'long', 'element-id': 133 }], default: null, 'field-id': 132 },
            { name: 'equality_ids', type: ['null', { type: 'array', items: 'int', 'element-id': 136 }], default: null, 'field-id': 135 },
            { name: 'sort_order_id', type: ['null', 'int'], default: null, 'field-id': 140 },
          ],
        },
      },
    ],
  };
}

function mapToAvro<V extends bigint | Uint8Array>(m: Map<number, V>): { key: number; value: V extends bigint ? bigint : Buffer }[] {
  return [...m].sort((a, b) => a[0] - b[0]).map(([key, value]) => ({ key, value: (typeof value === 'bigint' ? value : Buffer.from(value)) as V extends bigint ? bigint : Buffer }));
}

/** A decoded int-keyed map of longs, with values made bigint in place (they are exact counts). */
function longMap(v: unknown): Map<number, bigint> {
  if (!(v instanceof Map)) return new Map();
  const m = v as Map<number, number | bigint>;
  for (const [k, x] of m) if (typeof x !== 'bigint') m.set(k, toBigInt(x));
  return m as Map<number, bigint>;
}

function bytesMap(v: unknown): Map<number, Uint8Array> {
  return v instanceof Map ? (v as Map<number, Uint8Array>) : new Map();
}

function partitionToAvro(types: readonly PartitionFieldType[], values: PartitionValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  types.forEach((t, i) => {
    const v = values[i] ?? null;
    out[t.field.name] = v instanceof Uint8Array ? Buffer.from(v) : v;
  });
  return out;
}

function partitionFromAvro(types: readonly PartitionFieldType[], rec: Record<string, unknown>): PartitionValues {
  return types.map((t) => {
    const v = rec[t.field.name];
    if (v === null || v === undefined) return null;
    if (v instanceof Uint8Array) return v;
    if (t.type === 'long' || t.type === 'timestamp' || t.type === 'timestamptz') return toBigInt(v);
    return v as Value;
  });
}

export function entryToAvro(types: readonly PartitionFieldType[], e: ManifestEntry): Record<string, unknown> {
  const f = e.dataFile;
  return {
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: f.content,
      file_path: f.filePath,
      file_format: f.fileFormat,
      partition: partitionToAvro(types, f.partition),
      record_count: BigInt(f.recordCount),
      file_size_in_bytes: BigInt(f.fileSizeInBytes),
      column_sizes: mapToAvro(f.columnSizes),
      value_counts: mapToAvro(f.valueCounts),
      null_value_counts: mapToAvro(f.nullValueCounts),
      nan_value_counts: mapToAvro(f.nanValueCounts),
      lower_bounds: mapToAvro(f.lowerBounds),
      upper_bounds: mapToAvro(f.upperBounds),
      key_metadata: null,
      split_offsets: null,
      equality_ids: null,
      sort_order_id: f.sortOrderId ?? null,
    },
  };
}

export interface ManifestWriteInput {
  schema: Schema;
  spec: PartitionSpec;
  partitionType: readonly PartitionFieldType[];
  entries: readonly ManifestEntry[];
}

export function writeManifest(input: ManifestWriteInput): Buffer {
  const schema = manifestEntrySchema(input.partitionType);
  return writeAvroFile(schema, input.entries.map((e) => entryToAvro(input.partitionType, e)), {
    metadata: {
      schema: JSON.stringify(schemaToJson(input.schema)),
      'schema-id': String(input.schema.schemaId),
      'partition-spec': JSON.stringify(specToJson(input.spec).fields),
      'partition-spec-id': String(input.spec.specId),
      'format-version': '2',
      content: 'data',
    },
  });
}

export interface ManifestRead {
  metadata: Record<string, string>;
  entries: ManifestEntry[];
}

/** The manifest entry fields planning and rewriting need; others (split offsets, key metadata, …) are skipped. */
const ENTRY_FIELDS = new Set([
  'status', 'snapshot_id', 'sequence_number', 'file_sequence_number', 'data_file',
  ...['content', 'file_path', 'file_format', 'partition', 'record_count', 'file_size_in_bytes', 'column_sizes', 'value_counts',
    'null_value_counts', 'nan_value_counts', 'lower_bounds', 'upper_bounds', 'sort_order_id'].map((f) => `data_file.${f}`),
]);

function projectEntry(path: string): boolean {
  // Everything below a kept data_file field (partition fields, map entries) is kept.
  return path.split('.').length > 2 || ENTRY_FIELDS.has(path);
}

function optionalBigInt(v: unknown): bigint | null {
  return v === null || v === undefined ? null : toBigInt(v);
}

/** Reads a manifest written by any Iceberg writer (field names per spec; extra fields ignored). */
export function readManifest(buf: Uint8Array, partitionType: readonly PartitionFieldType[], specId: number, what: string): ManifestRead {
  const file = readAvroFile<Record<string, unknown>>(buf, what, { project: projectEntry, bigIntMapValues: () => true });
  const entries = file.records.map((r): ManifestEntry => {
    const d = r.data_file as Record<string, unknown>;
    const sortOrderId = d.sort_order_id as number | null | undefined;
    return {
      status: r.status as EntryStatus,
      snapshotId: optionalBigInt(r.snapshot_id),
      sequenceNumber: optionalBigInt(r.sequence_number),
      fileSequenceNumber: optionalBigInt(r.file_sequence_number),
      dataFile: {
        content: ((d.content as number | undefined) ?? 0) as 0,
        filePath: d.file_path as string,
        fileFormat: String(d.file_format).toUpperCase() as 'PARQUET',
        specId,
        partition: partitionFromAvro(partitionType, (d.partition ?? {}) as Record<string, unknown>),
        recordCount: Number(d.record_count),
        fileSizeInBytes: Number(d.file_size_in_bytes),
        columnSizes: longMap(d.column_sizes),
        valueCounts: longMap(d.value_counts),
        nullValueCounts: longMap(d.null_value_counts),
        nanValueCounts: longMap(d.nan_value_counts),
        lowerBounds: bytesMap(d.lower_bounds),
        upperBounds: bytesMap(d.upper_bounds),
        ...(sortOrderId !== null && sortOrderId !== undefined ? { sortOrderId } : {}),
      },
    };
  });
  return { metadata: file.metadata, entries };
}
