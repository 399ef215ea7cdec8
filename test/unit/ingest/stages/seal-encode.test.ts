import { describe, expect, it } from 'vitest';
import { BatchBuffers } from '../../../../ingest/stages/buffers.js';
import { BatchRows } from '../../../../ingest/stages/rows.js';
import { RawFileWriter, sealRest } from '../../../../ingest/stages/seal-encode.js';
import { dataFileName } from '../../../../ingest/stages/lake.js';
import { validateTelemetry } from '../../../../models/telemetry.js';
import { event, input, messages, RecordingLake, registry } from './fixtures.js';

const ranges = [{ partition: 2, from: 0, to: 4 }, { partition: 0, from: 0, to: 3 }];

function read(lake: RecordingLake, fileRows: number, buffers = new BatchBuffers(), fault?: (p: string) => void) {
  const i = input(ranges);
  const writer = new RawFileWriter(lake, i.batchId, fault);
  const rows = new BatchRows({ registry, validate: validateTelemetry, buffers, writer, fileRows, fastPath: true }, i);
  const p2 = messages(2, [event('2026-01-01T10:00:00Z'), event('2026-01-01T09:00:00Z'), 'bad', event('2026-01-01T10:01:00Z')]);
  const p0 = messages(0, [event('2026-01-01T10:02:00Z'), '{"x":1}', event('2026-01-01T10:03:00Z')]);
  rows.consume(p0, 0, p0.length);
  rows.consume(p2, 0, p2.length);
  return { rows, writer, batchId: i.batchId };
}

describe('seal and encode stage', () => {
  it('files each hour\'s rest as one file of every partition in range order, and every partition\'s rejects as one DLQ file', async () => {
    const lake = new RecordingLake();
    const { rows, writer, batchId } = read(lake, 100);
    const sealed = sealRest(rows, ranges, writer, new BatchBuffers(), undefined);
    await Promise.all(writer.writes);
    expect(lake.raw.map((f) => [f.name, f.rows.map((r) => `${r._kafka_partition}:${r._kafka_offset}`)])).toEqual([
      [dataFileName(batchId, '2026-01-01T09rest', 0), ['2:1']],
      [dataFileName(batchId, '2026-01-01T10rest', 0), ['2:0', '2:3', '0:0', '0:2']],
    ]);
    expect(sealed.dlqFiles.map((f) => f.name)).toEqual([dataFileName(batchId, 'dlq', 0)]);
    expect(sealed.dlqFiles[0]!.batch.numRows).toBe(2);
    expect(sealed).toMatchObject({ rows: 5, rejects: 2, duplicates: 0, hours: ['2026-01-01T09', '2026-01-01T10'] });
  });

  it('starts a new rest file where one would pass fileRows', async () => {
    const lake = new RecordingLake();
    const { rows, writer, batchId } = read(lake, 3);
    sealRest(rows, ranges, writer, new BatchBuffers(), undefined);
    await Promise.all(writer.writes);
    expect(lake.raw.map((f) => [f.name, f.rows.length])).toEqual([
      [dataFileName(batchId, '2026-01-01T09rest', 0), 1],
      [dataFileName(batchId, '2026-01-01T10rest', 0), 2],
      [dataFileName(batchId, '2026-01-01T10rest', 1), 2],
    ]);
  });

  it('gives the builders back for the next batch: RAW at once, DLQ once released', () => {
    const buffers = new BatchBuffers();
    const lake = new RecordingLake();
    const { rows, writer } = read(lake, 100, buffers);
    const sealed = sealRest(rows, ranges, writer, buffers, undefined);
    const raw = buffers.raw.take();
    expect(raw.numRows).toBe(0);
    const beforeRelease = buffers.dlq.take();
    sealed.releaseDlq();
    const released = [buffers.dlq.take(), buffers.dlq.take()];
    expect(released).not.toContain(beforeRelease);
    expect(released.every((d) => d.builder.numRows === 0)).toBe(true);
  });

  it('a closed worker\'s buffers keep no builder', () => {
    const buffers = new BatchBuffers();
    const kept = buffers.raw.take();
    buffers.raw.give(kept);
    expect(buffers.raw.take()).toBe(kept);
    buffers.raw.give(kept);
    buffers.clear();
    expect(buffers.raw.take()).not.toBe(kept);
  });

  it('calls the before-upload fault point once, before the first file is handed to the lake', () => {
    const lake = new RecordingLake();
    const seen: string[] = [];
    const writer = new RawFileWriter({ writeRaw: (f) => (seen.push(`write ${f[0]!.name}`), lake.writeRaw(f)) }, 'b1', (p) => seen.push(p));
    const { rows } = read(lake, 100);
    writer.write('f1', () => rows.partition(2).byHour.values().next().value!.batch.build());
    writer.write('f2', () => rows.partition(0).byHour.values().next().value!.batch.build());
    expect(seen).toEqual(['before-upload', 'write f1', 'write f2']);
    expect(writer.uploading).toBe(true);
  });
});
