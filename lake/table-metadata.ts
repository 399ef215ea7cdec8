// Table metadata JSON (Iceberg spec "Table Metadata", format version 2). Parsed and written
// with lossless-json so snapshot ids and sequence numbers above 2^53 survive exactly.
import { isLosslessNumber, parse, stringify, type LosslessNumber } from 'lossless-json';
import { randomUUID } from 'node:crypto';
import { BadRequestError } from './errors.js';
import { sortOrderFromJson, sortOrderToJson, specFromJson, specToJson, type PartitionSpec, type SortOrder } from './partitioning.js';
import { highestFieldId, nameMapping, schemaFromJson, schemaToJson, type Schema } from './schema.js';
import type { Snapshot } from './snapshot.js';

export interface SnapshotRef {
  snapshotId: bigint;
  type: 'branch' | 'tag';
}

export interface TableMetadata {
  formatVersion: 2;
  tableUuid: string;
  location: string;
  lastSequenceNumber: bigint;
  lastUpdatedMs: number;
  lastColumnId: number;
  currentSchemaId: number;
  schemas: Schema[];
  defaultSpecId: number;
  partitionSpecs: PartitionSpec[];
  lastPartitionId: number;
  defaultSortOrderId: number;
  sortOrders: SortOrder[];
  properties: Record<string, string>;
  currentSnapshotId: bigint | null;
  snapshots: Snapshot[];
  snapshotLog: { timestampMs: number; snapshotId: bigint }[];
  metadataLog: { timestampMs: number; metadataFile: string }[];
  refs: Record<string, SnapshotRef>;
}

export const NAME_MAPPING_PROPERTY = 'schema.name-mapping.default';

export function newTableMetadata(args: {
  location: string;
  schema: Schema;
  spec: PartitionSpec;
  sortOrder: SortOrder;
  properties?: Record<string, string>;
}): TableMetadata {
  const lastPartitionId = args.spec.fields.reduce((m, f) => Math.max(m, f.fieldId), 999);
  return {
    formatVersion: 2,
    tableUuid: randomUUID(),
    location: args.location,
    lastSequenceNumber: 0n,
    lastUpdatedMs: Date.now(),
    lastColumnId: highestFieldId(args.schema),
    currentSchemaId: args.schema.schemaId,
    schemas: [args.schema],
    defaultSpecId: args.spec.specId,
    partitionSpecs: [args.spec],
    lastPartitionId,
    defaultSortOrderId: args.sortOrder.orderId,
    sortOrders: args.sortOrder.orderId === 0 ? [args.sortOrder] : [{ orderId: 0, fields: [] }, args.sortOrder],
    properties: {
      'write.format.default': 'parquet',
      'write.parquet.compression-codec': 'zstd',
      ...args.properties,
      [NAME_MAPPING_PROPERTY]: nameMapping(args.schema),
    },
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    refs: {},
  };
}

export function currentSchema(m: TableMetadata): Schema {
  const s = m.schemas.find((x) => x.schemaId === m.currentSchemaId);
  if (!s) throw new BadRequestError(`table metadata has no schema with current-schema-id ${m.currentSchemaId}`);
  return s;
}

export function defaultSpec(m: TableMetadata): PartitionSpec {
  const s = m.partitionSpecs.find((x) => x.specId === m.defaultSpecId);
  if (!s) throw new BadRequestError(`table metadata has no partition spec with default-spec-id ${m.defaultSpecId}`);
  return s;
}

export function specById(m: TableMetadata, id: number): PartitionSpec {
  const s = m.partitionSpecs.find((x) => x.specId === id);
  if (!s) throw new BadRequestError(`table metadata has no partition spec ${id}`);
  return s;
}

/** The current snapshot and its ancestors, newest first (the table's history on its ref). */
export function ancestry(m: TableMetadata): Snapshot[] {
  const byId = new Map(m.snapshots.map((s) => [s.snapshotId, s]));
  const out: Snapshot[] = [];
  let s = m.currentSnapshotId === null ? undefined : byId.get(m.currentSnapshotId);
  while (s) {
    out.push(s);
    s = s.parentSnapshotId === null ? undefined : byId.get(s.parentSnapshotId);
  }
  return out;
}

export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  return m.currentSnapshotId === null ? undefined : m.snapshots.find((s) => s.snapshotId === m.currentSnapshotId);
}

export function metadataToJson(m: TableMetadata): string {
  const json = {
    'format-version': 2,
    'table-uuid': m.tableUuid,
    location: m.location,
    'last-sequence-number': m.lastSequenceNumber,
    'last-updated-ms': m.lastUpdatedMs,
    'last-column-id': m.lastColumnId,
    'current-schema-id': m.currentSchemaId,
    schemas: m.schemas.map(schemaToJson),
    'default-spec-id': m.defaultSpecId,
    'partition-specs': m.partitionSpecs.map(specToJson),
    'last-partition-id': m.lastPartitionId,
    'default-sort-order-id': m.defaultSortOrderId,
    'sort-orders': m.sortOrders.map(sortOrderToJson),
    properties: m.properties,
    'current-snapshot-id': m.currentSnapshotId ?? -1n,
    refs: Object.fromEntries(Object.entries(m.refs).map(([k, r]) => [k, { 'snapshot-id': r.snapshotId, type: r.type }])),
    snapshots: m.snapshots.map((s) => ({
      'snapshot-id': s.snapshotId,
      ...(s.parentSnapshotId !== null ? { 'parent-snapshot-id': s.parentSnapshotId } : {}),
      'sequence-number': s.sequenceNumber,
      'timestamp-ms': s.timestampMs,
      'manifest-list': s.manifestList,
      summary: s.summary,
      'schema-id': s.schemaId,
    })),
    'snapshot-log': m.snapshotLog.map((l) => ({ 'timestamp-ms': l.timestampMs, 'snapshot-id': l.snapshotId })),
    'metadata-log': m.metadataLog.map((l) => ({ 'timestamp-ms': l.timestampMs, 'metadata-file': l.metadataFile })),
  };
  return stringify(json, undefined, 2)!;
}

type J = Record<string, unknown>;

const big = (v: unknown): bigint => BigInt(isLosslessNumber(v) ? (v as LosslessNumber).toString() : String(v));
const num = (v: unknown): number => Number(isLosslessNumber(v) ? (v as LosslessNumber).toString() : v);

/** Converts lossless numbers to plain numbers everywhere except where the caller wants bigint. */
function plain(v: unknown): unknown {
  if (isLosslessNumber(v)) return num(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export function metadataFromJson(text: string, what = 'table metadata'): TableMetadata {
  let j: J;
  try {
    j = parse(text) as J;
  } catch (e) {
    throw new BadRequestError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const version = num(j['format-version']);
  if (version !== 2) throw new BadRequestError(`${what} has format-version ${version}; only 2 is supported`);
  const snapshots = ((j.snapshots as J[] | undefined) ?? []).map((s): Snapshot => ({
    snapshotId: big(s['snapshot-id']),
    parentSnapshotId: s['parent-snapshot-id'] === undefined || s['parent-snapshot-id'] === null ? null : big(s['parent-snapshot-id']),
    sequenceNumber: big(s['sequence-number'] ?? 0),
    timestampMs: num(s['timestamp-ms']),
    manifestList: String(s['manifest-list']),
    summary: Object.fromEntries(Object.entries((s.summary as J) ?? {}).map(([k, v]) => [k, String(plain(v))])),
    schemaId: num(s['schema-id'] ?? j['current-schema-id']),
  }));
  const current = j['current-snapshot-id'];
  const currentSnapshotId = current === undefined || current === null || big(current) === -1n ? null : big(current);
  return {
    formatVersion: 2,
    tableUuid: String(j['table-uuid']),
    location: String(j.location),
    lastSequenceNumber: big(j['last-sequence-number'] ?? 0),
    lastUpdatedMs: num(j['last-updated-ms']),
    lastColumnId: num(j['last-column-id']),
    currentSchemaId: num(j['current-schema-id']),
    schemas: ((j.schemas as J[]) ?? []).map((s) => schemaFromJson(plain(s) as J)),
    defaultSpecId: num(j['default-spec-id']),
    partitionSpecs: ((j['partition-specs'] as J[]) ?? []).map((s) => specFromJson(plain(s) as J)),
    lastPartitionId: num(j['last-partition-id'] ?? 999),
    defaultSortOrderId: num(j['default-sort-order-id'] ?? 0),
    sortOrders: ((j['sort-orders'] as J[]) ?? [{ 'order-id': 0, fields: [] }]).map((s) => sortOrderFromJson(plain(s) as J)),
    properties: Object.fromEntries(Object.entries((j.properties as J) ?? {}).map(([k, v]) => [k, String(plain(v))])),
    currentSnapshotId,
    snapshots,
    snapshotLog: ((j['snapshot-log'] as J[]) ?? []).map((l) => ({ timestampMs: num(l['timestamp-ms']), snapshotId: big(l['snapshot-id']) })),
    metadataLog: ((j['metadata-log'] as J[]) ?? []).map((l) => ({ timestampMs: num(l['timestamp-ms']), metadataFile: String(l['metadata-file']) })),
    refs: Object.fromEntries(Object.entries((j.refs as Record<string, J>) ?? {}).map(([k, r]) => [k, { snapshotId: big(r['snapshot-id']), type: r.type === 'tag' ? 'tag' : 'branch' }])),
  };
}

/** `00001-<uuid>.metadata.json`: the version prefix counts up from the previous file's. */
export function nextMetadataFileName(previousLocation: string | undefined): string {
  const m = previousLocation ? /(\d+)-[^/]*\.metadata\.json$/.exec(previousLocation) : null;
  const version = m ? Number(m[1]) + 1 : 0;
  return `${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}
