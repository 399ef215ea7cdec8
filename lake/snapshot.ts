// Snapshots and their summaries (operation, added/deleted counts, running totals) plus the
// caller's own properties, e.g. the Kafka offsets ingestion commits with its data.
import { randomBytes } from 'node:crypto';

export type Operation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface Snapshot {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
  timestampMs: number;
  manifestList: string;
  summary: Record<string, string>;
  schemaId: number;
}

/** A positive random 63-bit id, as Iceberg's Java implementation makes them. */
export function newSnapshotId(): bigint {
  const b = randomBytes(8);
  b[0]! &= 0x7f;
  const id = b.readBigInt64BE();
  return id === 0n ? newSnapshotId() : id;
}

export interface SnapshotChanges {
  addedFiles: number;
  deletedFiles: number;
  addedRecords: bigint;
  deletedRecords: bigint;
  addedSize: bigint;
  removedSize: bigint;
  changedPartitions: number;
}

/** Keys the spec and Iceberg writers maintain; callers can't override them with custom properties. */
export const RESERVED_SUMMARY_KEYS = new Set([
  'operation', 'added-data-files', 'deleted-data-files', 'added-records', 'deleted-records', 'added-files-size',
  'removed-files-size', 'changed-partition-count', 'total-records', 'total-files-size', 'total-data-files',
  'total-delete-files', 'total-position-deletes', 'total-equality-deletes',
]);

function total(prev: Record<string, string> | undefined, key: string): bigint {
  const v = prev?.[key];
  return v !== undefined && /^\d+$/.test(v) ? BigInt(v) : 0n;
}

export function buildSummary(operation: Operation, c: SnapshotChanges, previous: Record<string, string> | undefined, custom: Record<string, string> = {}): Record<string, string> {
  const s: Record<string, string> = { operation };
  if (c.addedFiles) s['added-data-files'] = String(c.addedFiles);
  if (c.deletedFiles) s['deleted-data-files'] = String(c.deletedFiles);
  if (c.addedRecords) s['added-records'] = String(c.addedRecords);
  if (c.deletedRecords) s['deleted-records'] = String(c.deletedRecords);
  if (c.addedSize) s['added-files-size'] = String(c.addedSize);
  if (c.removedSize) s['removed-files-size'] = String(c.removedSize);
  s['changed-partition-count'] = String(c.changedPartitions);
  s['total-records'] = String(total(previous, 'total-records') + c.addedRecords - c.deletedRecords);
  s['total-files-size'] = String(total(previous, 'total-files-size') + c.addedSize - c.removedSize);
  s['total-data-files'] = String(total(previous, 'total-data-files') + BigInt(c.addedFiles) - BigInt(c.deletedFiles));
  s['total-delete-files'] = String(total(previous, 'total-delete-files'));
  s['total-position-deletes'] = String(total(previous, 'total-position-deletes'));
  s['total-equality-deletes'] = String(total(previous, 'total-equality-deletes'));
  for (const [k, v] of Object.entries(custom)) {
    if (RESERVED_SUMMARY_KEYS.has(k)) throw new Error(`snapshot summary key ${JSON.stringify(k)} is reserved by Iceberg`);
    s[k] = v;
  }
  return s;
}
