import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { AvroCursor, compileDecoder, readLong } from '../../../lake/avro-decoder.js';
import { avroType, readAvroFile, writeAvroFile } from '../../../lake/avro-file.js';
import { EntryStatus, readManifest, writeManifest } from '../../../lake/manifest.js';
import { partitionSpecOf, partitionType } from '../../../lake/partitioning.js';
import { schemaOf } from '../../../lake/schema.js';

// Longs around every boundary where a double stops being exact or the varint grows a byte.
const LONGS: bigint[] = [
  0n, 1n, -1n, 63n, -64n, 64n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 48n - 1n, 2n ** 48n, -(2n ** 48n), 2n ** 49n,
  2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, -(2n ** 53n) - 1n,
  2n ** 60n + 3n, 2n ** 62n + 7n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n, 1234567890123456789n,
];

describe('Avro decoder', () => {
  it('decodes longs exactly: numbers up to 2^53 - 1, bigint beyond, never rounded', () => {
    const type = avroType({ type: 'array', items: 'long' });
    const buf = type.toBuffer(LONGS);
    const back = compileDecoder({ type: 'array', items: 'long' })(new AvroCursor(buf)) as (number | bigint)[];
    expect(back.map((v) => BigInt(v))).toEqual(LONGS);
    back.forEach((v, i) => {
      const safe = LONGS[i]! >= -(2n ** 53n - 1n) && LONGS[i]! <= 2n ** 53n - 1n;
      expect(typeof v).toBe(safe ? 'number' : 'bigint');
    });
  });

  it('reads every varint length byte by byte like avsc does for safe values', () => {
    const plain = avro.Type.forSchema('long');
    for (let e = 0; e < 53; e++) {
      for (const v of [2 ** e - 1, 2 ** e, -(2 ** e), -(2 ** e) + 1]) {
        const c = new AvroCursor(plain.toBuffer(v));
        expect(readLong(c)).toBe(v);
        expect(c.pos).toBe(c.buf.length);
      }
    }
  });

  it('decodes records, unions, maps, Iceberg int maps and skips unprojected fields', () => {
    const schema = {
      type: 'record', name: 'r', fields: [
        { name: 'id', type: 'long' },
        { name: 'name', type: ['null', 'string'], default: null },
        { name: 'tags', type: { type: 'map', values: 'int' } },
        { name: 'sizes', type: { type: 'array', logicalType: 'map', items: { type: 'record', name: 'kv', fields: [{ name: 'key', type: 'int' }, { name: 'value', type: 'long' }] } } },
        { name: 'blob', type: 'bytes' },
        { name: 'skipped', type: ['null', { type: 'array', items: 'long' }], default: null },
        { name: 'ratio', type: 'double' },
        { name: 'ok', type: 'boolean' },
      ],
    };
    const rec = { id: 2n ** 62n + 1n, name: 'Ünï 🌡', tags: { a: 1, b: -2 }, sizes: [{ key: 1, value: 10n }, { key: 2, value: 2n ** 60n }], blob: Buffer.from([1, 2, 3]), skipped: [1n, 2n], ratio: -0.5, ok: true };
    const buf = avroType(schema).toBuffer(rec);
    const all = compileDecoder(schema)(new AvroCursor(buf)) as Record<string, unknown>;
    expect(all.id).toBe(2n ** 62n + 1n);
    expect(all.name).toBe('Ünï 🌡');
    expect(all.tags).toEqual(new Map([['a', 1], ['b', -2]]));
    expect(all.sizes).toEqual(new Map<number, number | bigint>([[1, 10], [2, 2n ** 60n]]));
    expect(all.blob).toEqual(Uint8Array.of(1, 2, 3));
    expect(all.skipped).toEqual([1, 2]);
    expect(all.ratio).toBe(-0.5);
    expect(all.ok).toBe(true);
    const c = new AvroCursor(buf);
    const projected = compileDecoder(schema, { project: (p) => p !== 'skipped' && p !== 'tags' })(c) as Record<string, unknown>;
    expect(Object.keys(projected)).toEqual(['id', 'name', 'sizes', 'blob', 'ratio', 'ok']);
    expect(projected.ratio).toBe(-0.5);
    expect(c.pos).toBe(buf.length);
  });

  it('reports truncated files with the file name', () => {
    const buf = writeAvroFile({ type: 'record', name: 'r', fields: [{ name: 'id', type: 'long' }] }, [{ id: 1n }, { id: 2n }], { codec: 'null' });
    expect(readAvroFile(buf, 'ok.avro').records).toEqual([{ id: 1 }, { id: 2 }]);
    expect(() => readAvroFile(buf.subarray(0, buf.length - 10), 's3://b/cut.avro')).toThrow(/s3:\/\/b\/cut.avro: truncated Avro block/);
  });

  it('keeps snapshot ids and sequence numbers above 2^53 exact in manifests', () => {
    const schema = schemaOf([{ name: 'id', type: 'long', required: true }, { name: 'ts', type: 'timestamptz' }]);
    const spec = partitionSpecOf(schema, [{ column: 'id', transform: 'identity' }]);
    const types = partitionType(spec, schema);
    const snap = 2n ** 63n - 25n;
    const seq = 2n ** 53n + 1n;
    const buf = writeManifest({ schema, spec, partitionType: types, entries: [{
      status: EntryStatus.EXISTING, snapshotId: snap, sequenceNumber: seq, fileSequenceNumber: -(2n ** 60n),
      dataFile: {
        content: 0, filePath: 's3://b/x.parquet', fileFormat: 'PARQUET', specId: 0, partition: [2n ** 53n + 3n], recordCount: 5, fileSizeInBytes: 2 ** 40,
        columnSizes: new Map([[1, 2n ** 55n]]), valueCounts: new Map([[1, 5n]]), nullValueCounts: new Map([[1, 0n]]), nanValueCounts: new Map(),
        lowerBounds: new Map(), upperBounds: new Map(),
      },
    }] });
    const [e] = readManifest(buf, types, 0, 'm').entries;
    expect(e!.snapshotId).toBe(snap);
    expect(e!.sequenceNumber).toBe(seq);
    expect(e!.fileSequenceNumber).toBe(-(2n ** 60n));
    expect(e!.dataFile.partition).toEqual([2n ** 53n + 3n]);
    expect(e!.dataFile.columnSizes.get(1)).toBe(2n ** 55n);
    expect(e!.dataFile.valueCounts.get(1)).toBe(5n);
    expect(e!.dataFile.fileSizeInBytes).toBe(2 ** 40);
  });
});
