// Manifest lists: one Avro file per snapshot naming its manifests, with counts and partition
// field summaries used to skip whole manifests (Iceberg spec "Manifest Lists", field ids 500-519).
import { toBigInt } from './avro-decoder.js';
import { readAvroFile, writeAvroFile } from './avro-file.js';
import { toBytes, fromBytes } from './conversions.js';
import type { PartitionFieldType, PartitionValues } from './partitioning.js';
import { compareValues, type Value } from './values.js';

export interface FieldSummary {
  containsNull: boolean;
  containsNan?: boolean;
  lowerBound?: Uint8Array;
  upperBound?: Uint8Array;
}

export interface ManifestFile {
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: 0 | 1;
  sequenceNumber: bigint;
  minSequenceNumber: bigint;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: bigint;
  existingRowsCount: bigint;
  deletedRowsCount: bigint;
  partitions: FieldSummary[];
}

const summarySchema = {
  type: 'record',
  name: 'r508',
  fields: [
    { name: 'contains_null', type: 'boolean', doc: 'True if any file has a null partition value', 'field-id': 509 },
    { name: 'contains_nan', type: ['null', 'boolean'], default: null, doc: 'True if any file has a nan partition value', 'field-id': 518 },
    { name: 'lower_bound', type: ['null', 'bytes'], default: null, doc: 'Partition lower bound for all files', 'field-id': 510 },
    { name: 'upper_bound', type: ['null', 'bytes'], default: null, doc: 'Partition upper bound for all files', 'field-id': 511 },
  ],
};

export const MANIFEST_LIST_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', doc: 'Location URI with FS scheme', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', doc: 'Total file size in bytes', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', doc: 'Spec ID used to write', 'field-id': 502 },
    { name: 'content', type: 'int', doc: 'Contents of the manifest: 0=data, 1=deletes', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', doc: 'Sequence number when the manifest was added', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', doc: 'Lowest sequence number in the manifest', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', doc: 'Snapshot ID that added the manifest', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', doc: 'Added entry count', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', doc: 'Existing entry count', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', doc: 'Deleted entry count', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', doc: 'Added rows count', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', doc: 'Existing rows count', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', doc: 'Deleted rows count', 'field-id': 514 },
    { name: 'partitions', type: ['null', { type: 'array', items: summarySchema, 'element-id': 508 }], default: null, doc: 'Summary for each partition', 'field-id': 507 },
    { name: 'key_metadata', type: ['null', 'bytes'], default: null, doc: 'Encryption key metadata blob', 'field-id': 519 },
  ],
};

export interface ManifestListMeta {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
}

export function writeManifestList(meta: ManifestListMeta, manifests: readonly ManifestFile[]): Buffer {
  const records = manifests.map((m) => ({
    manifest_path: m.manifestPath,
    manifest_length: BigInt(m.manifestLength),
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions: m.partitions.map((p) => ({
      contains_null: p.containsNull,
      contains_nan: p.containsNan ?? null,
      lower_bound: p.lowerBound ? Buffer.from(p.lowerBound) : null,
      upper_bound: p.upperBound ? Buffer.from(p.upperBound) : null,
    })),
    key_metadata: null,
  }));
  return writeAvroFile(MANIFEST_LIST_SCHEMA, records, {
    metadata: {
      'snapshot-id': meta.snapshotId.toString(),
      'parent-snapshot-id': meta.parentSnapshotId === null ? 'null' : meta.parentSnapshotId.toString(),
      'sequence-number': meta.sequenceNumber.toString(),
      'format-version': '2',
    },
  });
}

export function readManifestList(buf: Uint8Array, what: string): ManifestFile[] {
  const file = readAvroFile<Record<string, unknown>>(buf, what);
  const big = (v: unknown): bigint => (v === null || v === undefined ? 0n : toBigInt(v));
  return file.records.map((r) => ({
    manifestPath: r.manifest_path as string,
    manifestLength: Number(r.manifest_length),
    partitionSpecId: r.partition_spec_id as number,
    content: ((r.content as number | undefined) ?? 0) as 0 | 1,
    sequenceNumber: big(r.sequence_number),
    minSequenceNumber: big(r.min_sequence_number),
    addedSnapshotId: toBigInt(r.added_snapshot_id),
    addedFilesCount: Number(r.added_files_count ?? r.added_data_files_count ?? 0),
    existingFilesCount: Number(r.existing_files_count ?? r.existing_data_files_count ?? 0),
    deletedFilesCount: Number(r.deleted_files_count ?? r.deleted_data_files_count ?? 0),
    addedRowsCount: big(r.added_rows_count),
    existingRowsCount: big(r.existing_rows_count),
    deletedRowsCount: big(r.deleted_rows_count),
    partitions: ((r.partitions as Record<string, unknown>[] | null) ?? []).map((p) => ({
      containsNull: Boolean(p.contains_null),
      ...(p.contains_nan !== null && p.contains_nan !== undefined ? { containsNan: Boolean(p.contains_nan) } : {}),
      ...(p.lower_bound ? { lowerBound: p.lower_bound as Uint8Array } : {}),
      ...(p.upper_bound ? { upperBound: p.upper_bound as Uint8Array } : {}),
    })),
  }));
}

/** Partition field summaries over the partition tuples of a manifest's live files. */
export function summarizePartitions(types: readonly PartitionFieldType[], tuples: readonly PartitionValues[]): FieldSummary[] {
  return types.map((t, i) => {
    let containsNull = false;
    let containsNan = false;
    let lo: Value | undefined;
    let hi: Value | undefined;
    for (const tuple of tuples) {
      const v = tuple[i] ?? null;
      if (v === null) containsNull = true;
      else if (typeof v === 'number' && Number.isNaN(v)) containsNan = true;
      else {
        if (lo === undefined || compareValues(v, lo) < 0) lo = v;
        if (hi === undefined || compareValues(v, hi) > 0) hi = v;
      }
    }
    const floating = t.type === 'float' || t.type === 'double';
    return {
      containsNull,
      ...(floating ? { containsNan } : {}),
      ...(lo !== undefined ? { lowerBound: toBytes(t.type, lo) } : {}),
      ...(hi !== undefined ? { upperBound: toBytes(t.type, hi) } : {}),
    };
  });
}

export function summaryBounds(t: PartitionFieldType, s: FieldSummary): { lower?: Value; upper?: Value } {
  return {
    ...(s.lowerBound ? { lower: fromBytes(t.type, s.lowerBound) } : {}),
    ...(s.upperBound ? { upper: fromBytes(t.type, s.upperBound) } : {}),
  };
}
