import { describe, expect, it } from 'vitest';
import { partitionSpecOf, UNSORTED } from '../../../lake/partitioning.js';
import { schemaOf } from '../../../lake/schema.js';
import { metadataFromJson, metadataToJson, NAME_MAPPING_PROPERTY, newTableMetadata, nextMetadataFileName } from '../../../lake/table-metadata.js';
import { buildSummary } from '../../../lake/snapshot.js';

describe('table metadata JSON', () => {
  const schema = schemaOf([{ name: 'id', type: 'long', required: true }, { name: 'ts', type: 'timestamptz' }]);
  const spec = partitionSpecOf(schema, [{ column: 'ts', transform: 'day' }]);

  it('keeps snapshot ids and sequence numbers above 2^53 exact', () => {
    const id = 9_007_199_254_740_993n; // 2^53 + 1: a double would round it
    const m = newTableMetadata({ location: 's3://b/w/ns/t_1', schema, spec, sortOrder: UNSORTED });
    const withSnap = {
      ...m,
      lastSequenceNumber: 2n ** 62n,
      currentSnapshotId: id,
      snapshots: [{ snapshotId: id, parentSnapshotId: id - 2n, sequenceNumber: 2n ** 62n, timestampMs: 1, manifestList: 's3://b/l.avro', summary: { operation: 'append' }, schemaId: 0 }],
      snapshotLog: [{ timestampMs: 1, snapshotId: id }],
      refs: { main: { snapshotId: id, type: 'branch' as const } },
    };
    const text = metadataToJson(withSnap);
    expect(text).toContain('"current-snapshot-id": 9007199254740993');
    const back = metadataFromJson(text);
    expect(back.currentSnapshotId).toBe(id);
    expect(back.snapshots[0]!.parentSnapshotId).toBe(id - 2n);
    expect(back.lastSequenceNumber).toBe(2n ** 62n);
    expect(back.refs.main!.snapshotId).toBe(id);
    expect(back.partitionSpecs[0]!.fields[0]).toEqual({ name: 'ts_day', transform: 'day', sourceId: 2, fieldId: 1000 });
  });

  it('sets the name mapping and writes current-snapshot-id -1 for an empty table', () => {
    const m = newTableMetadata({ location: 's3://b/w/ns/t_1', schema, spec, sortOrder: UNSORTED });
    expect(JSON.parse(m.properties[NAME_MAPPING_PROPERTY]!)).toEqual([{ 'field-id': 1, names: ['id'] }, { 'field-id': 2, names: ['ts'] }]);
    expect(metadataToJson(m)).toContain('"current-snapshot-id": -1');
    expect(metadataFromJson(metadataToJson(m)).currentSnapshotId).toBeNull();
  });

  it('rejects format version 1', () => {
    expect(() => metadataFromJson('{"format-version": 1}')).toThrow(/format-version 1/);
  });

  it('numbers metadata files upward', () => {
    expect(nextMetadataFileName(undefined)).toMatch(/^00000-[0-9a-f-]{36}\.metadata\.json$/);
    expect(nextMetadataFileName('s3://b/t/metadata/00041-abc.metadata.json')).toMatch(/^00042-/);
  });

  it('keeps running totals in snapshot summaries and refuses reserved custom keys', () => {
    const first = buildSummary('append', { addedFiles: 2, deletedFiles: 0, addedRecords: 10n, deletedRecords: 0n, addedSize: 100n, removedSize: 0n, changedPartitions: 1 }, undefined, { 'floe.offsets': 'x' });
    const second = buildSummary('overwrite', { addedFiles: 1, deletedFiles: 2, addedRecords: 4n, deletedRecords: 10n, addedSize: 30n, removedSize: 100n, changedPartitions: 1 }, first);
    expect(first['floe.offsets']).toBe('x');
    expect(second['total-records']).toBe('4');
    expect(second['total-data-files']).toBe('1');
    expect(second['total-files-size']).toBe('30');
    expect(() => buildSummary('append', { addedFiles: 0, deletedFiles: 0, addedRecords: 0n, deletedRecords: 0n, addedSize: 0n, removedSize: 0n, changedPartitions: 0 }, undefined, { 'total-records': '1' })).toThrow(/reserved/);
  });
});
