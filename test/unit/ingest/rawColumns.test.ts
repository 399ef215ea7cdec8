import { describe, expect, it } from 'vitest';
import { ColumnBatchBuilder, columnBatchRows } from '../../../lake/column-batch.js';
import { fastRawRow, parseTelemetry } from '../../../models/rawRow.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, toDlqRow } from '../../../models/tables.js';
import type { Rejection } from '../../../models/telemetry.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { DlqBatch, RawBatch, schemaOfTable } from '../../../ingest/rawColumns.js';
import type { KafkaMessage } from '../../../ingest/kafka.js';

describe('RawBatch', () => {
  it('builds the same RAW batch straight from parsed events as from fastRawRow rows', () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 40, buildings: 3, count: 4000, seed: 'rawcols', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const direct = new RawBatch();
    const viaRows = new ColumnBatchBuilder(schemaOfTable(RAW_TELEMETRY));
    const at = { topic: 'iot', partition: 2, offset: 0, ingestedAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)) };
    const extra = [
      // More than millisecond precision: event_ts only exact as bigint microseconds.
      Buffer.from(JSON.stringify({ ...JSON.parse(gen.next()!.value.toString()), event_ts: '2025-01-01T00:00:00.123456+02:00' })),
    ];
    let accepted = 0;
    const values: Buffer[] = [...extra];
    for (let m = gen.next(); m; m = gen.next()) values.push(m.value);
    for (const v of values) {
      at.offset++;
      const p = parseTelemetry(v, registry);
      const r = fastRawRow(v, registry, at);
      expect(p?.ok).toBe(r?.ok);
      if (!p?.ok || !r?.ok) continue;
      expect(p.hour).toBe(r.hour);
      direct.append(p, at);
      viaRows.appendRow(r.row);
      accepted++;
    }
    expect(accepted).toBeGreaterThan(3000);
    const a = direct.build();
    const b = viaRows.build();
    expect(a.metrics).toEqual(b.metrics);
    expect(columnBatchRows(a)).toEqual(columnBatchRows(b));
    expect(columnBatchRows(a)[0]!.event_ts).toBe(1735682400123456n);
  });
});

describe('DlqBatch', () => {
  it('builds the same DLQ batch from Kafka messages as toDlqRow rows do', () => {
    const nonUtf8 = Buffer.from([0xff, 0xfe, 0x41]);
    const messages: KafkaMessage[] = [
      { partition: 0, offset: 0, timestamp: 1_767_225_600_123, key: Buffer.from('dev-1'), value: Buffer.from('{"a":'), headers: {} },
      { partition: 0, offset: 1, timestamp: -1, key: null, value: null, headers: { trace: Buffer.from('abc'), bin: nonUtf8, s: 'text' } },
      { partition: 3, offset: 2 ** 40, timestamp: 0, key: Buffer.alloc(0), value: Buffer.alloc(20_000, 'x'), headers: { rep: [Buffer.from('first'), 'last'], gone: undefined } },
      { partition: 1, offset: 7, timestamp: 8_640_000_000_000, key: Buffer.from('k'), value: Buffer.from([0xc3]), headers: { gone: undefined } },
    ];
    const rejections: Rejection[] = [
      { ok: false, kind: 'malformed_json', errorPath: '$', errorMessage: 'message value is not JSON: Unexpected end of JSON input' },
      { ok: false, kind: 'empty', errorPath: '$', errorMessage: 'message value is empty' },
      { ok: false, kind: 'oversized', errorPath: '$', errorMessage: 'message value is 20000 bytes, limit is 16384' },
      { ok: false, kind: 'not_utf8', errorPath: '$', errorMessage: 'message value (1 bytes) is not valid UTF-8 ✓' },
    ];
    const ingestedAtMicros = 1_767_225_601_000_000n;
    for (const ingestedAt of [ingestedAtMicros, Number(ingestedAtMicros)]) {
      const fast = new DlqBatch();
      const rows = new ColumnBatchBuilder(schemaOfTable(RAW_TELEMETRY_DLQ));
      messages.forEach((m, i) => {
        fast.append(m, rejections[i]!, 'iot', ingestedAt);
        const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));
        rows.appendRow(toDlqRow({ key: m.key, value: m.value, headers, timestampMs: m.timestamp }, rejections[i]!, { topic: 'iot', partition: m.partition, offset: BigInt(m.offset), ingestedAtMicros }));
      });
      const a = fast.builder.build();
      const b = rows.build();
      expect(columnBatchRows(a)).toEqual(columnBatchRows(b));
      expect(a.metrics).toEqual(b.metrics);
      expect(columnBatchRows(a)[1]!.headers).toBe(JSON.stringify({ trace: 'abc', bin: `base64:${nonUtf8.toString('base64')}`, s: 'text' }));
      expect(columnBatchRows(a)[3]!.headers).toBe('{}');
      expect(columnBatchRows(a)[0]!.headers).toBeNull();
    }
  });
});
