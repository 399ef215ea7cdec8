import { describe, expect, it } from 'vitest';
import { ColumnBatchBuilder, columnBatchRows } from '../../../lake/column-batch.js';
import { fastRawRow, parseTelemetry } from '../../../models/rawRow.js';
import { RAW_TELEMETRY } from '../../../models/tables.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { RawBatch, schemaOfTable } from '../../../ingest/rawColumns.js';

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
