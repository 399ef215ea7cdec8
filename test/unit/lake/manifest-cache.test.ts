import { describe, expect, it } from 'vitest';
import { EntryStatus, writeManifest, type ManifestEntry } from '../../../lake/manifest.js';
import type { ManifestFile } from '../../../lake/manifest-list.js';
import { partitionSpecOf, partitionType, UNSORTED } from '../../../lake/partitioning.js';
import { MemoryIO } from './memory-io.js';
import { schemaOf } from '../../../lake/schema.js';
import { readEntries, type LoadedTable } from '../../../lake/table.js';
import { newTableMetadata } from '../../../lake/table-metadata.js';

const schema = schemaOf([{ name: 'id', type: 'long', required: true }, { name: 'ts', type: 'timestamptz' }]);
const spec = partitionSpecOf(schema, [{ column: 'ts', transform: 'hour' }]);
const types = partitionType(spec, schema);
const snap = 2n ** 62n + 11n;

function table(): LoadedTable {
  const metadata = newTableMetadata({ location: 's3://b/ns/t', schema, spec, sortOrder: UNSORTED });
  return { name: 'ns.t', key: ['ns', 't'], ref: { type: 'BRANCH', name: 'main', hash: 'abc' } as LoadedTable['ref'], content: { type: 'ICEBERG_TABLE', metadataLocation: 'x', snapshotId: -1n, schemaId: 0, specId: 0, sortOrderId: 0 }, metadataLocation: 'x', metadata };
}

const entry: ManifestEntry = {
  status: EntryStatus.ADDED, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null,
  dataFile: {
    content: 0, filePath: 's3://b/ns/t/data/a.parquet', fileFormat: 'PARQUET', specId: 0, partition: [477378], recordCount: 3, fileSizeInBytes: 100,
    columnSizes: new Map([[1, 10n]]), valueCounts: new Map([[1, 3n]]), nullValueCounts: new Map([[1, 0n]]), nanValueCounts: new Map(),
    lowerBounds: new Map(), upperBounds: new Map(),
  },
};

function listEntry(path: string, length: number): ManifestFile {
  return {
    manifestPath: path, manifestLength: length, partitionSpecId: 0, content: 0, sequenceNumber: 7n, minSequenceNumber: 7n, addedSnapshotId: snap,
    addedFilesCount: 1, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: 3n, existingRowsCount: 0n, deletedRowsCount: 0n, partitions: [],
  };
}

describe('parsed manifest cache', () => {
  it('reads an immutable manifest once, inherits ids per list entry, and never leaks caller mutations', async () => {
    const io = new MemoryIO();
    const path = 's3://b/ns/t/metadata/m0.avro';
    const bytes = writeManifest({ schema, spec, partitionType: types, entries: [entry] });
    await io.write(path, bytes);
    const t = table();
    const first = await readEntries(io, t, listEntry(path, bytes.length));
    expect(first[0]!.snapshotId).toBe(snap);
    expect(first[0]!.sequenceNumber).toBe(7n);
    first[0]!.dataFile.filePath = 'mutated';
    first[0]!.snapshotId = 1n;
    const second = await readEntries(io, t, { ...listEntry(path, bytes.length), addedSnapshotId: snap + 1n, sequenceNumber: 8n });
    expect(io.reads).toBe(1);
    expect(second[0]!.dataFile.filePath).toBe('s3://b/ns/t/data/a.parquet');
    // Inherited values come from the list entry of this read, not from the first read.
    expect(second[0]!.snapshotId).toBe(snap + 1n);
    expect(second[0]!.sequenceNumber).toBe(8n);
    expect(second[0]!.dataFile.valueCounts.get(1)).toBe(3n);
  });

  it('is per FileIO: another store reads its own file', async () => {
    const a = new MemoryIO();
    const b = new MemoryIO();
    const path = 's3://b/ns/t/metadata/shared-name.avro';
    const bytes = writeManifest({ schema, spec, partitionType: types, entries: [entry] });
    await a.write(path, bytes);
    await b.write(path, bytes);
    await readEntries(a, table(), listEntry(path, bytes.length));
    await readEntries(b, table(), listEntry(path, bytes.length));
    expect([a.reads, b.reads]).toEqual([1, 1]);
  });
});
