// Table operations as pure-ish functions of (loaded table, change) -> new metadata, writing the
// manifests, manifest list and metadata file they need. The catalog commits the result.
import { randomUUID } from 'node:crypto';
import { ConflictError, LakeError, NotFoundError } from './errors.js';
import type { FileIO } from './s3-file-io.js';
import { EntryStatus, readManifest, writeManifest, type DataFile, type ManifestEntry } from './manifest.js';
import { readManifestList, summarizePartitions, writeManifestList, type ManifestFile } from './manifest-list.js';
import { partitionKey, partitionType, type PartitionFieldType } from './partitioning.js';
import { addOptionalColumn, nameMapping, renameColumns, type FieldDef } from './schema.js';
import { buildSummary, newSnapshotId, type Operation, type Snapshot } from './snapshot.js';
import {
  currentSchema, currentSnapshot, defaultSpec, metadataToJson, NAME_MAPPING_PROPERTY, nextMetadataFileName, specById,
  type TableMetadata,
} from './table-metadata.js';
import type { IcebergTableContent, Reference } from './nessie-client.js';

export interface LoadedTable {
  /** Dotted name, e.g. `raw.telemetry`. */
  name: string;
  key: string[];
  /** The reference (with its hash) the table was read at. */
  ref: Reference;
  content: IcebergTableContent;
  metadataLocation: string;
  metadata: TableMetadata;
}

/** A change to one table. `summary` adds custom snapshot summary properties. */
export type TableChange =
  | { type: 'append'; files: readonly DataFile[]; summary?: Record<string, string> }
  | { type: 'overwritePartitions'; files: readonly DataFile[]; summary?: Record<string, string> }
  | { type: 'rewrite'; remove: readonly DataFile[] | readonly string[]; add: readonly DataFile[]; summary?: Record<string, string> }
  | { type: 'addColumn'; field: FieldDef }
  | { type: 'renameColumns'; renames: ReadonlyMap<number, string> };

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function readManifestListOf(io: FileIO, t: LoadedTable, s: Snapshot): Promise<ManifestFile[]> {
  return readManifestList(await io.read(s.manifestList), `manifest list ${s.manifestList} of ${t.name}`);
}

/**
 * Parsed manifests by path. Manifest files are immutable (every commit writes new ones under a
 * fresh name), so a decoded manifest stays valid; readers get fresh entry and data file objects
 * each time so the cached ones are never mutated. Bounded by entry count, least recently used out.
 */
class ManifestCache {
  private readonly byKey = new Map<string, ManifestEntry[]>();
  private entries = 0;
  constructor(private readonly maxEntries: number) {}

  get(key: string): ManifestEntry[] | undefined {
    const hit = this.byKey.get(key);
    if (hit) {
      this.byKey.delete(key);
      this.byKey.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: ManifestEntry[]): void {
    if (value.length > this.maxEntries || this.byKey.has(key)) return;
    this.byKey.set(key, value);
    this.entries += value.length;
    for (const [k, v] of this.byKey) {
      if (this.entries <= this.maxEntries) break;
      this.byKey.delete(k);
      this.entries -= v.length;
    }
  }
}

export const MANIFEST_CACHE_MAX_ENTRIES = 200_000;
const manifestCaches = new WeakMap<FileIO, ManifestCache>();

function cacheFor(io: FileIO): ManifestCache {
  let c = manifestCaches.get(io);
  if (!c) manifestCaches.set(io, (c = new ManifestCache(MANIFEST_CACHE_MAX_ENTRIES)));
  return c;
}

async function parsedManifest(io: FileIO, t: LoadedTable, m: ManifestFile, specId: number, types: PartitionFieldType[]): Promise<ManifestEntry[]> {
  const cache = cacheFor(io);
  const key = `${m.manifestPath}\u0000${specId}`;
  let entries = cache.get(key);
  if (!entries) {
    entries = readManifest(await io.read(m.manifestPath), types, specId, `manifest ${m.manifestPath} of ${t.name}`).entries;
    cache.set(key, entries);
  }
  return entries;
}

/** Reads a manifest and fills inherited fields (snapshot id, sequence numbers) from the list entry. */
export async function readEntries(io: FileIO, t: LoadedTable, m: ManifestFile): Promise<ManifestEntry[]> {
  const spec = specById(t.metadata, m.partitionSpecId);
  const types = partitionType(spec, currentSchemaForSpec(t));
  const parsed = await parsedManifest(io, t, m, spec.specId, types);
  return parsed.map((p) => {
    const e: ManifestEntry = { ...p, dataFile: { ...p.dataFile } };
    e.snapshotId ??= m.addedSnapshotId;
    if (e.status === EntryStatus.ADDED || m.sequenceNumber === 0n) {
      e.sequenceNumber ??= m.sequenceNumber;
      e.fileSequenceNumber ??= m.sequenceNumber;
    }
    return e;
  });
}

function currentSchemaForSpec(t: LoadedTable) {
  // Partition source columns are never dropped by this library, so the current schema resolves
  // every spec's source ids.
  return currentSchema(t.metadata);
}

function manifestPath(t: LoadedTable, commitId: string, n: number): string {
  return `${t.metadata.location}/metadata/${commitId}-m${n}.avro`;
}

async function writeManifestFile(io: FileIO, t: LoadedTable, path: string, entries: ManifestEntry[], types: PartitionFieldType[], snapshotId: bigint, seq: bigint): Promise<ManifestFile> {
  const spec = defaultSpec(t.metadata);
  const bytes = writeManifest({ schema: currentSchema(t.metadata), spec, partitionType: types, entries });
  await io.write(path, bytes);
  let added = 0, existing = 0, deleted = 0;
  let addedRows = 0n, existingRows = 0n, deletedRows = 0n;
  let minSeq: bigint | undefined;
  for (const e of entries) {
    const rows = BigInt(e.dataFile.recordCount);
    if (e.status === EntryStatus.ADDED) { added++; addedRows += rows; }
    else if (e.status === EntryStatus.EXISTING) { existing++; existingRows += rows; }
    else { deleted++; deletedRows += rows; }
    if (e.status !== EntryStatus.DELETED) {
      const s = e.sequenceNumber ?? seq;
      if (minSeq === undefined || s < minSeq) minSeq = s;
    }
  }
  return {
    manifestPath: path,
    manifestLength: bytes.length,
    partitionSpecId: spec.specId,
    content: 0,
    sequenceNumber: seq,
    minSequenceNumber: minSeq ?? seq,
    addedSnapshotId: snapshotId,
    addedFilesCount: added,
    existingFilesCount: existing,
    deletedFilesCount: deleted,
    addedRowsCount: addedRows,
    existingRowsCount: existingRows,
    deletedRowsCount: deletedRows,
    partitions: summarizePartitions(types, entries.filter((e) => e.status !== EntryStatus.DELETED).map((e) => e.dataFile.partition)),
  };
}

export interface ApplyResult {
  metadata: TableMetadata;
  metadataLocation: string;
  snapshot?: Snapshot;
}

/**
 * Applies one change on top of `t` and writes every file the new table version needs. Nothing
 * is visible until the catalog's Nessie commit points the table at the returned metadata file.
 */
export async function applyChange(io: FileIO, t: LoadedTable, change: TableChange): Promise<ApplyResult> {
  const base = t.metadata;
  const now = Date.now();
  let metadata: TableMetadata;
  let snapshot: Snapshot | undefined;
  if (change.type === 'addColumn' || change.type === 'renameColumns') {
    const schema = currentSchema(base);
    const newSchemaId = Math.max(...base.schemas.map((s) => s.schemaId)) + 1;
    const evolved = change.type === 'addColumn' ? addOptionalColumn(schema, change.field, base.lastColumnId, newSchemaId) : renameColumns(schema, change.renames, newSchemaId);
    metadata = {
      ...base,
      schemas: [...base.schemas, evolved],
      currentSchemaId: newSchemaId,
      lastColumnId: Math.max(base.lastColumnId, ...evolved.fields.map((f) => f.id)),
      properties: { ...base.properties, [NAME_MAPPING_PROPERTY]: nameMapping(evolved) },
    };
  } else {
    ({ metadata, snapshot } = await newSnapshot(io, t, change, now));
  }
  const fileName = nextMetadataFileName(t.metadataLocation);
  const location = `${base.location}/metadata/${fileName}`;
  metadata = {
    ...metadata,
    lastUpdatedMs: now,
    metadataLog: [...base.metadataLog, { timestampMs: base.lastUpdatedMs, metadataFile: t.metadataLocation }].slice(-100),
  };
  await io.write(location, Buffer.from(metadataToJson(metadata)));
  return { metadata, metadataLocation: location, ...(snapshot ? { snapshot } : {}) };
}

async function newSnapshot(io: FileIO, t: LoadedTable, change: Exclude<TableChange, { type: 'addColumn' | 'renameColumns' }>, now: number): Promise<{ metadata: TableMetadata; snapshot: Snapshot }> {
  const base = t.metadata;
  const schema = currentSchema(base);
  const spec = defaultSpec(base);
  const types = partitionType(spec, schema);
  const parent = currentSnapshot(base);
  const snapshotId = newSnapshotId();
  const seq = base.lastSequenceNumber + 1n;
  const commitId = randomUUID();
  const added = change.type === 'rewrite' ? change.add : change.files;
  for (const f of added) {
    if (f.specId !== spec.specId) throw new LakeError(`data file was written for partition spec ${f.specId}, table's current spec is ${spec.specId}`, { table: t.name, file: f.filePath });
  }
  const previous = parent ? await readManifestListOf(io, t, parent) : [];

  // Which live files does this change remove?
  let removeSet: Set<string> | undefined;
  let operation: Operation = 'append';
  if (change.type === 'overwritePartitions') {
    operation = 'overwrite';
    removeSet = new Set(); // filled below from partitions of the new files
  } else if (change.type === 'rewrite') {
    operation = 'replace';
    removeSet = new Set(change.remove.map((r) => (typeof r === 'string' ? r : r.filePath)));
  }

  const manifests: ManifestFile[] = [];
  let deletedFiles = 0, deletedRecords = 0n, removedSize = 0n;
  const changedPartitions = new Set(added.map((f) => partitionKey(f.partition)));
  if (removeSet) {
    const replacedPartitions = change.type === 'overwritePartitions' ? changedPartitions : undefined;
    const found = new Set<string>();
    const rewritten = await mapLimit(previous, 8, async (m, i) => {
      const entries = await readEntries(io, t, m);
      const live = entries.filter((e) => e.status !== EntryStatus.DELETED);
      const hit = new Set(live.filter((e) => removeSet.has(e.dataFile.filePath) || (replacedPartitions?.has(partitionKey(e.dataFile.partition)) ?? false)));
      if (!hit.size) return m;
      const out: ManifestEntry[] = live.map((e) => {
        const removed = hit.has(e);
        if (removed) {
          found.add(e.dataFile.filePath);
          deletedFiles++;
          deletedRecords += BigInt(e.dataFile.recordCount);
          removedSize += BigInt(e.dataFile.fileSizeInBytes);
          changedPartitions.add(partitionKey(e.dataFile.partition));
        }
        return { ...e, status: removed ? EntryStatus.DELETED : EntryStatus.EXISTING, snapshotId: removed ? snapshotId : e.snapshotId };
      });
      return writeManifestFile(io, t, manifestPath(t, commitId, i + 1), out, types, snapshotId, seq);
    });
    if (change.type === 'rewrite') {
      const missing = [...removeSet].filter((p) => !found.has(p));
      if (missing.length) {
        throw new ConflictError(`cannot rewrite: ${missing.length} file(s) are no longer live in the table (first: ${missing[0]})`, { table: t.name, ref: t.ref.name, file: missing[0]! });
      }
    }
    manifests.push(...rewritten);
  } else {
    manifests.push(...previous);
  }
  if (added.length) {
    const entries: ManifestEntry[] = added.map((dataFile) => ({ status: EntryStatus.ADDED, snapshotId, sequenceNumber: null, fileSequenceNumber: null, dataFile }));
    manifests.unshift(await writeManifestFile(io, t, manifestPath(t, commitId, 0), entries, types, snapshotId, seq));
  }
  const manifestListLocation = `${base.location}/metadata/snap-${snapshotId}-1-${commitId}.avro`;
  // Manifests whose every entry is deleted by an earlier snapshot carry nothing live: drop them.
  const kept = manifests.filter((m) => m.addedFilesCount + m.existingFilesCount > 0 || m.addedSnapshotId === snapshotId);
  await io.write(manifestListLocation, writeManifestList({ snapshotId, parentSnapshotId: parent?.snapshotId ?? null, sequenceNumber: seq }, kept));
  const summary = buildSummary(operation, {
    addedFiles: added.length,
    deletedFiles,
    addedRecords: added.reduce((s, f) => s + BigInt(f.recordCount), 0n),
    deletedRecords,
    addedSize: added.reduce((s, f) => s + BigInt(f.fileSizeInBytes), 0n),
    removedSize,
    changedPartitions: changedPartitions.size,
  }, parent?.summary, change.summary);
  const snapshot: Snapshot = {
    snapshotId,
    parentSnapshotId: parent?.snapshotId ?? null,
    sequenceNumber: seq,
    timestampMs: Math.max(now, (parent?.timestampMs ?? 0) + 1),
    manifestList: manifestListLocation,
    summary,
    schemaId: schema.schemaId,
  };
  return {
    snapshot,
    metadata: {
      ...base,
      lastSequenceNumber: seq,
      snapshots: [...base.snapshots, snapshot],
      currentSnapshotId: snapshotId,
      refs: { ...base.refs, main: { snapshotId, type: 'branch' } },
      snapshotLog: [...base.snapshotLog, { timestampMs: snapshot.timestampMs, snapshotId }],
    },
  };
}

/** The snapshot a read should use: the current one, a given id, or the latest as of a time. */
export function pickSnapshot(t: LoadedTable, at: { snapshotId?: bigint; asOfTimestampMs?: number }): Snapshot | undefined {
  const m = t.metadata;
  if (at.snapshotId !== undefined) {
    const s = m.snapshots.find((x) => x.snapshotId === at.snapshotId);
    if (!s) throw new NotFoundError(`snapshot ${at.snapshotId} does not exist`, { table: t.name, ref: t.ref.name });
    return s;
  }
  if (at.asOfTimestampMs !== undefined) {
    let found: Snapshot | undefined;
    for (const l of m.snapshotLog) {
      if (l.timestampMs <= at.asOfTimestampMs) found = m.snapshots.find((x) => x.snapshotId === l.snapshotId) ?? found;
    }
    if (!found) throw new NotFoundError(`no snapshot as of ${new Date(at.asOfTimestampMs).toISOString()}`, { table: t.name, ref: t.ref.name });
    return found;
  }
  return currentSnapshot(m);
}
