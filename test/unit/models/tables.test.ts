import { describe, it, expect } from 'vitest';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, toRawRow, toDlqRow, isoToMicros, CONTRACT_FIELD_IDS, checkTableDef, ICEBERG_RESERVED_COLUMNS } from '../../../models/tables.js';
import { modelCatalog } from '../../../models/catalog.js';
import { alertEventsTable, alertStateTable } from '../../../alerts/tables.js';
import { contractJsonSchema, validateTelemetry, type Rejection } from '../../../models/telemetry.js';

describe('RAW and DLQ table definitions', () => {
  it('avoid the column names Iceberg reserves for metadata columns', () => {
    for (const def of [RAW_TELEMETRY, RAW_TELEMETRY_DLQ]) {
      expect(def.columns.filter((c) => ICEBERG_RESERVED_COLUMNS.has(c.name))).toEqual([]);
      expect(checkTableDef(def)).toBe(def);
    }
    // Every other table floe defines: SILVER, GOLD and DQ models, and the alert tables.
    for (const m of modelCatalog()) expect({ model: m.name, reserved: m.columns.filter((c) => ICEBERG_RESERVED_COLUMNS.has(c.name)).map((c) => c.name) }).toEqual({ model: m.name, reserved: [] });
    for (const def of [alertEventsTable('gold'), alertStateTable('gold')]) expect(checkTableDef(def)).toBe(def);
    const clash = { ...RAW_TELEMETRY, columns: [...RAW_TELEMETRY.columns, { id: 999, name: '_partition', type: 'int' as const, required: false }] };
    expect(() => checkTableDef(clash)).toThrow('table raw.telemetry, column "_partition" (field id 999): the name is reserved by Iceberg for a metadata column');
    const twice = { ...RAW_TELEMETRY, columns: [...RAW_TELEMETRY.columns, { id: 1, name: 'again', type: 'int' as const, required: false }] };
    expect(() => checkTableDef(twice)).toThrow('column "again" (field id 1): the field id is used twice');
  });

  // The id assignment, written out. If this fails, a field id moved: that silently breaks every
  // existing Parquet file (Iceberg matches columns by id). Append new fields instead.
  it('keeps RAW field ids stable', () => {
    expect(RAW_TELEMETRY.columns.map((c) => `${c.id} ${c.name} ${c.type}${c.required ? ' required' : ''}`)).toEqual([
      '1 event_id string required',
      '2 device_id string required',
      '3 device_type string required',
      '4 building_id string required',
      '5 floor int required',
      '6 zone string required',
      '7 event_ts timestamptz required',
      '8 firmware_version string required',
      '9 status string required',
      '10 temperature double',
      '11 humidity double',
      '12 pressure double',
      '13 air_quality_index double',
      '14 pm25 double',
      '15 noise_level double',
      '16 illuminance double',
      '17 vibration double',
      '18 power_kw double',
      '19 voltage double',
      '20 current double',
      '21 power_factor double',
      '22 energy_kwh double',
      '23 battery_level double',
      '24 signal_strength int',
      '25 sequence_number long',
      '26 gateway_id string',
      '900 _kafka_topic string required',
      '901 _kafka_partition int required',
      '902 _kafka_offset long required',
      '903 _ingested_at timestamptz required',
    ]);
  });

  it('keeps DLQ field ids stable', () => {
    expect(RAW_TELEMETRY_DLQ.columns.map((c) => `${c.id} ${c.name} ${c.type}`)).toEqual([
      '1 key binary',
      '2 value binary',
      '3 headers string',
      '4 error_path string',
      '5 error_message string',
      '6 error_kind string',
      '7 _kafka_topic string',
      '8 _kafka_partition int',
      '9 _kafka_offset long',
      '10 kafka_timestamp timestamptz',
      '11 _ingested_at timestamptz',
    ]);
  });

  it.each([RAW_TELEMETRY, RAW_TELEMETRY_DLQ])('$namespace.$name has unique ids and names', (t) => {
    expect(new Set(t.columns.map((c) => c.id)).size).toBe(t.columns.length);
    expect(new Set(t.columns.map((c) => c.name)).size).toBe(t.columns.length);
    for (const p of t.partitionSpec) {
      expect(t.columns.some((c) => c.name === p.sourceColumn && c.type === 'timestamptz')).toBe(true);
      expect(p.fieldId).toBeGreaterThanOrEqual(1000);
    }
  });

  it('maps every field of every contract version (v1 fields keep their ids in v2)', () => {
    for (const v of ['v1', 'v2'] as const) {
      for (const name of Object.keys(contractJsonSchema(v).properties as object)) {
        expect(RAW_TELEMETRY.columns.find((c) => c.name === name)?.id).toBe((CONTRACT_FIELD_IDS as Record<string, number>)[name]);
      }
    }
  });
});

describe('rows', () => {
  const at = { topic: 'iot-telemetry', partition: 2, offset: 41n, ingestedAtMicros: 1_735_732_900_000_000n };
  it('builds a RAW row with typed values and nulls for absent readings', () => {
    const v = validateTelemetry(
      new TextEncoder().encode(
        JSON.stringify({ event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00', device_id: 'd1', device_type: 'power_meter', building_id: 'b', floor: 1, zone: 'core', event_ts: '2025-01-01T12:00:00.123456+01:00', firmware_version: '2.0.0', status: 'ok', power_kw: 5.5, sequence_number: 7 }),
      ),
      new Set(['d1']),
    );
    if (!v.ok) throw new Error(v.errorMessage);
    const row = toRawRow(v.event, at);
    expect(row.event_ts).toBe(BigInt(Date.UTC(2025, 0, 1, 11, 0, 0, 123)) * 1000n + 456n);
    expect(row.power_kw).toBe(5.5);
    expect(row.temperature).toBeNull();
    expect(row.sequence_number).toBe(7n);
    expect(row._kafka_offset).toBe(41n);
    expect(Object.keys(row)).toEqual(RAW_TELEMETRY.columns.map((c) => c.name));
  });

  it('builds a DLQ row keeping the raw bytes and rendering binary headers as base64', () => {
    const rejection: Rejection = { ok: false, kind: 'not_utf8', errorPath: '$', errorMessage: 'bad' };
    const value = new Uint8Array([0x7b, 0xf6]);
    const row = toDlqRow({ key: new TextEncoder().encode('d1'), value, headers: { a: 'x', b: new Uint8Array([0xff]) }, timestampMs: 1000 }, rejection, at);
    expect(row.value).toBe(value);
    expect(JSON.parse(row.headers as string)).toEqual({ a: 'x', b: 'base64:/w==' });
    expect(row.kafka_timestamp).toBe(1_000_000n);
    expect(row.error_kind).toBe('not_utf8');
    expect(Object.keys(row)).toEqual(RAW_TELEMETRY_DLQ.columns.map((c) => c.name));
  });

  it('rejects a non-timestamp', () => {
    expect(() => isoToMicros('yesterday')).toThrow(/yesterday/);
  });
});
