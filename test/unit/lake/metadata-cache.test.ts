import { describe, expect, it } from 'vitest';
import { isImmutableMetadata, MetadataCachingFileIO } from '../../../lake/metadata-cache.js';
import { MemoryIO } from './memory-io.js';

const META = 's3://w/ns/t/metadata/00003-5d1c.metadata.json';
const LIST = 's3://w/ns/t/metadata/snap-77-1-ab12.avro';
const DATA = 's3://w/ns/t/data/event_ts_hour=1/b-1-000.parquet';

describe('MetadataCachingFileIO', () => {
  it('tells the immutable metadata files from the rest', () => {
    expect([META, LIST, 's3://w/ns/t/metadata/9f-m0.avro'].every(isImmutableMetadata)).toBe(true);
    expect([DATA, 's3://w/ns/t/metadata/version-hint.text', 's3://w/ns/metadata.json'].some(isImmutableMetadata)).toBe(false);
  });

  it('keeps metadata it writes or reads, never data files; a delete forgets', async () => {
    const inner = new MemoryIO();
    const io = new MetadataCachingFileIO(inner);
    const written = Buffer.from('{"format-version":2}');
    await io.write(META, written);
    written.fill(0x20); // the writer reuses its buffer: the kept copy is unaffected
    expect((await io.read(META)).toString()).toBe('{"format-version":2}');
    expect(await io.size(META)).toBe(20);
    expect(inner.readsOf.get(META)).toBeUndefined();
    await inner.write(LIST, Buffer.from('avro'));
    await io.read(LIST);
    await io.read(LIST);
    expect(inner.readsOf.get(LIST)).toBe(1);
    await io.write(DATA, Buffer.from('PAR1'));
    await io.read(DATA);
    await io.read(DATA);
    expect(inner.readsOf.get(DATA)).toBe(2);
    expect(io.hits).toBe(2);
    await io.deleteMany([META]);
    await expect(io.read(META)).rejects.toThrow(/no such file/);
  });

  it('drops the least recently used files past its byte budget', async () => {
    const inner = new MemoryIO();
    const io = new MetadataCachingFileIO(inner, 4000);
    const name = (i: number) => `s3://w/ns/t/metadata/0000${i}-x.metadata.json`;
    for (let i = 0; i < 4; i++) await io.write(name(i), Buffer.alloc(900, i));
    await io.read(name(0)); // used again: kept over 1
    await io.write(name(4), Buffer.alloc(900, 4)); // 4500 bytes: 1 goes
    for (const i of [0, 2, 3, 4]) expect((await io.read(name(i)))[0]).toBe(i);
    expect(inner.readsOf.size).toBe(0);
    expect((await io.read(name(1)))[0]).toBe(1);
    expect([...inner.readsOf.keys()]).toEqual([name(1)]);
  });
});
