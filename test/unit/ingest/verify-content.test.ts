import { describe, expect, it } from 'vitest';
import { compareContent } from '../../../ingest/verify-content.js';
import { toRawRow } from '../../../models/tables.js';
import { validateTelemetry, type TelemetryEvent } from '../../../models/telemetry.js';
import type { KafkaMessage } from '../../../ingest/kafka.js';

const event = {
  event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00',
  device_id: 'dev-1',
  device_type: 'environmental_sensor',
  building_id: 'b1',
  floor: 2,
  zone: 'z1',
  event_ts: '2026-01-01T10:15:00.123456Z',
  firmware_version: '1.2.3',
  status: 'ok',
  temperature: -0,
  humidity: 40.5,
  sequence_number: 7,
};
const message = (offset: number, value: string, key = 'dev-1'): KafkaMessage => ({ partition: 1, offset, timestamp: 0, key: Buffer.from(key), value: Buffer.from(value), headers: {} });
const rawRowOf = (m: KafkaMessage) => {
  const v = validateTelemetry(m.value, { has: () => true });
  if (!v.ok) throw new Error(v.errorMessage);
  return toRawRow(v.event as TelemetryEvent, { topic: 't', partition: 1, offset: BigInt(m.offset), ingestedAtMicros: 5n });
};

describe('compareContent', () => {
  const good = message(10, JSON.stringify(event).replace('"temperature":0', '"temperature":-0'));
  const bad = message(11, 'not json', 'k');

  it('finds nothing when RAW holds the contract row and the DLQ the bytes, to the microsecond and the sign of zero', () => {
    const stored = new Map([
      ['1:10', { table: 'raw' as const, values: rawRowOf(good) }],
      ['1:11', { table: 'dlq' as const, values: { value: Buffer.from('not json'), key: Buffer.from('k') } }],
    ]);
    expect(compareContent('t', [good, bad], stored)).toEqual({ checked: 2, problems: [] });
  });

  it('names the offset, table and column of one changed byte, a lost microsecond, a changed sign and a changed DLQ key', () => {
    const changed = { ...rawRowOf(good), device_type: 'enwironmental_sensor', event_ts: (rawRowOf(good).event_ts as bigint) + 1n, temperature: 0 };
    const stored = new Map([
      ['1:10', { table: 'raw' as const, values: changed }],
      ['1:11', { table: 'dlq' as const, values: { value: Buffer.from('not json'), key: Buffer.from('j') } }],
    ]);
    const r = compareContent('t', [good, bad], stored);
    expect(r.checked).toBe(2);
    expect(r.problems.map((p) => `${p.partition}@${p.offset} ${p.table}.${p.column}: ${p.stored} / ${p.expected}`)).toEqual([
      '1@10 raw.device_type: "enwironmental_sensor" / "environmental_sensor"',
      `1@10 raw.event_ts: ${(rawRowOf(good).event_ts as bigint) + 1n} / ${rawRowOf(good).event_ts}`,
      '1@10 raw.temperature: 0 / -0',
      '1@11 dlq.key: j / k',
    ]);
  });

  it('reports a RAW row whose Kafka message the contract rejects', () => {
    const r = compareContent('t', [bad], new Map([['1:11', { table: 'raw' as const, values: rawRowOf(good) }]]));
    expect(r.problems).toMatchObject([{ offset: 11, table: 'raw', column: '$', expected: expect.stringContaining('malformed_json') }]);
  });
});
