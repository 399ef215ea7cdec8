import { describe, expect, it } from 'vitest';
import { BatchBuffers } from '../../../../ingest/stages/buffers.js';
import { BatchRows } from '../../../../ingest/stages/rows.js';
import { RawFileWriter } from '../../../../ingest/stages/seal-encode.js';
import { dataFileName } from '../../../../ingest/stages/lake.js';
import { validateTelemetry } from '../../../../models/telemetry.js';
import { event, input, messages, RecordingLake, registry } from './fixtures.js';

function rowsOver(lake: RecordingLake, ranges: { partition: number; from: number; to: number }[], fileRows = 100, fastPath = true) {
  const i = input(ranges);
  const writer = new RawFileWriter(lake, i.batchId);
  return { rows: new BatchRows({ registry, validate: validateTelemetry, buffers: new BatchBuffers(), writer, fileRows, fastPath }, i), writer };
}

describe('read and validate stage: BatchRows (the TypeScript path)', () => {
  for (const fastPath of [true, false]) {
    it(`files accepted messages by partition and event hour, rejects with their reason, and counts duplicates (fast path ${fastPath ? 'on' : 'off'})`, async () => {
      const lake = new RecordingLake();
      const { rows } = rowsOver(lake, [{ partition: 0, from: 0, to: 5 }], 100, fastPath);
      const dup = event('2026-01-01T10:00:00Z');
      const ms = messages(0, [dup, dup, event('2026-01-01T11:30:00Z'), 'not json', event('2026-01-01T10:05:00Z', { device_id: 'ghost' })]);
      rows.consume(ms, 0, ms.length);
      expect([rows.messageCount, rows.rowCount, rows.duplicates]).toEqual([5, 3, 1]);
      expect(rows.bytes).toBe(ms.reduce((s, m) => s + m.value!.length, 0));
      const part = rows.partition(0);
      expect([...part.byHour.values()].map((h) => h.batch.numRows)).toEqual([2, 1]);
      expect(part.rejects).toBe(2);
      expect(rows.dlqBatches()).toHaveLength(1);
      expect(lake.raw).toHaveLength(0);
    });
  }

  it('seals a partition\'s hour as a file once it holds fileRows rows, starting its upload at once', async () => {
    const lake = new RecordingLake();
    const { rows, writer } = rowsOver(lake, [{ partition: 3, from: 0, to: 5 }], 2);
    const batchId = input([{ partition: 3, from: 0, to: 5 }]).batchId;
    const ms = messages(3, Array.from({ length: 5 }, (_, i) => event(`2026-01-01T10:0${i}:00Z`)));
    rows.consume(ms, 0, ms.length);
    await Promise.all(writer.writes);
    expect(lake.raw.map((f) => [f.name, f.rows.map((r) => r._kafka_offset)])).toEqual([
      [dataFileName(batchId, '2026-01-01T10p3', 0), [0n, 1n]],
      [dataFileName(batchId, '2026-01-01T10p3', 1), [2n, 3n]],
    ]);
    expect(rows.partition(3).byHour.get(Date.UTC(2026, 0, 1, 10) / 3_600_000)!.batch.numRows).toBe(1);
  });

  it('refuses a message of a partition the batch does not read', () => {
    const { rows } = rowsOver(new RecordingLake(), [{ partition: 0, from: 0, to: 1 }]);
    const ms = messages(1, [event('2026-01-01T10:00:00Z')]);
    expect(() => rows.consume(ms, 0, 1)).toThrow(/reader returned a message of partition 1, not in batch/);
  });
});
