import { describe, expect, it } from 'vitest';
import { readAvroFile } from '../../../lake/avro-file.js';
import { EntryStatus, readManifest, writeManifest, type ManifestEntry } from '../../../lake/manifest.js';
import { readManifestList, summarizePartitions, writeManifestList } from '../../../lake/manifest-list.js';
import { partitionSpecOf, partitionType } from '../../../lake/partitioning.js';
import { schemaOf } from '../../../lake/schema.js';

const schema = schemaOf([{ name: 'id', type: 'long', required: true }, { name: 'ts', type: 'timestamptz' }, { name: 'device', type: 'string' }]);
const spec = partitionSpecOf(schema, [{ column: 'ts', transform: 'hour' }, { column: 'device', transform: 'identity' }]);
const types = partitionType(spec, schema);
const big = 2n ** 62n + 7n;

function entry(path: string, hour: number | null): ManifestEntry {
  return {
    status: EntryStatus.ADDED,
    snapshotId: big,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: {
      content: 0, filePath: path, fileFormat: 'PARQUET', specId: 0, partition: [hour, 'dev-ü'], recordCount: 3, fileSizeInBytes: 1234,
      columnSizes: new Map([[1, 10n]]), valueCounts: new Map([[1, 3n]]), nullValueCounts: new Map([[1, 0n]]), nanValueCounts: new Map(),
      lowerBounds: new Map([[1, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)]]), upperBounds: new Map([[1, Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0)]]),
    },
  };
}

describe('Avro manifests', () => {
  it('round-trip entries and keep field ids and Iceberg metadata keys in the header', () => {
    const buf = writeManifest({ schema, spec, partitionType: types, entries: [entry('s3://b/a.parquet', -1), entry('s3://b/b.parquet', null)] });
    const raw = readAvroFile(buf, 'test manifest');
    expect(raw.metadata['format-version']).toBe('2');
    expect(raw.metadata.content).toBe('data');
    expect(raw.metadata['partition-spec-id']).toBe('0');
    expect(JSON.parse(raw.metadata['partition-spec']!)).toEqual([{ name: 'ts_hour', transform: 'hour', 'source-id': 2, 'field-id': 1000 }, { name: 'device', transform: 'identity', 'source-id': 3, 'field-id': 1001 }]);
    expect(JSON.parse(raw.metadata.schema!).fields).toHaveLength(3);
    const text = raw.metadata['avro.schema']!;
    for (const id of [0, 1, 2, 3, 4, 100, 102, 103, 104, 108, 117, 118, 125, 128, 134, 137, 140, 1000, 1001]) expect(text).toContain(`"field-id":${id}`);

    const { entries } = readManifest(buf, types, 0, 'test manifest');
    expect(entries).toHaveLength(2);
    expect(entries[0]!.snapshotId).toBe(big);
    expect(entries[0]!.dataFile.partition).toEqual([-1, 'dev-ü']);
    expect(entries[1]!.dataFile.partition).toEqual([null, 'dev-ü']);
    expect(entries[0]!.dataFile.lowerBounds.get(1)).toEqual(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0));
    expect(entries[0]!.dataFile.columnSizes.get(1)).toBe(10n);
    expect(entries[0]!.dataFile.recordCount).toBe(3);
  });

  it('round-trips manifest lists with ids above 2^53 and partition summaries', () => {
    const summaries = summarizePartitions(types, [[-1, 'b'], [5, 'a'], [null, 'c']]);
    expect(summaries[0]!.containsNull).toBe(true);
    const buf = writeManifestList({ snapshotId: big, parentSnapshotId: null, sequenceNumber: 3n }, [{
      manifestPath: 's3://b/m.avro', manifestLength: 99, partitionSpecId: 0, content: 0, sequenceNumber: 3n, minSequenceNumber: 1n, addedSnapshotId: big,
      addedFilesCount: 2, existingFilesCount: 1, deletedFilesCount: 0, addedRowsCount: 6n, existingRowsCount: 3n, deletedRowsCount: 0n, partitions: summaries,
    }]);
    const raw = readAvroFile(buf, 'list');
    expect(raw.metadata['snapshot-id']).toBe(big.toString());
    for (const id of [500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 512, 513, 514, 515, 516, 517, 518, 519]) {
      expect(raw.metadata['avro.schema']).toMatch(new RegExp(`"(field|element)-id":${id}\\b`));
    }
    const [m] = readManifestList(buf, 'list');
    expect(m!.addedSnapshotId).toBe(big);
    expect(m!.partitions[0]!.lowerBound).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(m!.partitions[0]!.upperBound).toEqual(Uint8Array.of(5, 0, 0, 0));
    expect(Buffer.from(m!.partitions[1]!.lowerBound!).toString()).toBe('a');
  });

  it('names the file when it is not Avro', () => {
    expect(() => readAvroFile(Buffer.from('nope'), 's3://b/x.avro')).toThrow(/s3:\/\/b\/x.avro is not an Avro/);
  });
});
