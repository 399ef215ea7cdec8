import { describe, expect, it } from 'vitest';
import { fastRawRow, fastRowColumnsMatchRaw, FAST_ROW_COLUMNS, type FastRawRow } from '../../../models/rawRow.js';
import { validateTelemetry, contractJsonSchema } from '../../../models/telemetry.js';
import { RAW_TELEMETRY, toRawRow, type RawTelemetryRow } from '../../../models/tables.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { Prng } from '../../../simulator/prng.js';

const INGESTED_MS = 1_735_732_800_123;
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

/** A row as the lake stores it: timestamps and longs as bigint (Date -> epoch µs). */
function stored(row: FastRawRow | RawTelemetryRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of RAW_TELEMETRY.columns) {
    const v = row[c.name];
    if (v === null || v === undefined) out[c.name] = null;
    else if (c.type === 'timestamptz') out[c.name] = v instanceof Date ? BigInt(v.getTime()) * 1000n : v;
    else if (c.type === 'long') out[c.name] = BigInt(v as number | bigint);
    else out[c.name] = v;
  }
  return out;
}

/** The reference: validateTelemetry + toRawRow, as ingestion did before the fast path. */
function reference(bytes: Uint8Array, registry: { has(id: string): boolean }, partition: number, offset: number) {
  const v = validateTelemetry(bytes, registry);
  if (!v.ok) return v;
  return { ok: true as const, row: toRawRow(v.event, { topic: 't', partition, offset: BigInt(offset), ingestedAtMicros: BigInt(INGESTED_MS) * 1000n }), eventId: v.event.event_id };
}

function compare(bytes: Uint8Array, registry: { has(id: string): boolean }, offset: number): 'accepted' | 'declined' {
  const ref = reference(bytes, registry, 3, offset);
  const fast = fastRawRow(bytes, registry, { topic: 't', partition: 3, offset, ingestedAt: new Date(INGESTED_MS) });
  const limit = Error.stackTraceLimit;
  if (!fast) throw new Error(`not decided by the fast path: ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`);
  if (!fast.ok) {
    // The very rejection validateTelemetry gives.
    expect(fast).toEqual(ref);
    return 'declined';
  }
  // Never accept what the contract rejects; the same row and hour when both accept.
  expect(ref.ok, Buffer.from(bytes).toString('utf8')).toBe(true);
  if (!ref.ok) return 'accepted';
  expect(stored(fast.row)).toEqual(stored(ref.row));
  expect(Object.keys(fast.row)).toEqual(RAW_TELEMETRY.columns.map((c) => c.name));
  expect(fast.eventId).toBe(ref.eventId);
  expect(Error.stackTraceLimit).toBe(limit);
  expect(fast.hour).toBe(Math.floor(Number(ref.row.event_ts as bigint) / 3_600_000_000));
  return 'accepted';
}

describe('fastRawRow', () => {
  it('fills exactly the RAW columns, in table order', () => {
    expect(fastRowColumnsMatchRaw()).toBe(true);
    expect([...FAST_ROW_COLUMNS]).toEqual(RAW_TELEMETRY.columns.map((c) => c.name));
  });

  it('accepts every valid generated event with the row toRawRow builds, and declines every invalid one', () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 40, buildings: 3, count: 4000, seed: 'rawrow', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    let accepted = 0;
    let declined = 0;
    let offset = 0;
    for (let m = gen.next(); m; m = gen.next()) {
      const ref = validateTelemetry(m.value, registry);
      const r = compare(m.value, registry, offset++);
      // The fast path declines only what the contract rejects.
      expect(r === 'accepted', `${ref.ok ? 'valid' : ref.kind}: ${m.value.toString('utf8').slice(0, 200)}`).toBe(ref.ok);
      if (r === 'accepted') accepted++;
      else declined++;
    }
    expect(accepted).toBeGreaterThan(3000);
    expect(declined).toBeGreaterThan(100);
  });

  it('never accepts a randomly mutated event the contract rejects', () => {
    const gen = new TelemetryGenerator({ scenario: 'valid', devices: 40, buildings: 3, count: 3000, seed: 'rawrow-mut', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const rnd = new Prng('rawrow-mutate');
    const values: unknown[] = [null, 'x', '', 1, -1, 0.5, 1e300, -1e300, true, {}, [], '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.123456+02:00', '2.0.0', 'ok', 'hvac_unit', 9007199254740993];
    const keys = Object.keys(contractJsonSchema('v2').properties as object);
    const registry = { has: (id: string) => id !== 'dev-000002' };
    const outcomes = { accepted: 0, declined: 0 };
    let offset = 0;
    for (let m = gen.next(); m; m = gen.next()) {
      const obj = JSON.parse(m.value.toString('utf8')) as Record<string, unknown>;
      if (rnd.next() < 0.8) obj[rnd.pick(keys)] = rnd.pick(values);
      if (rnd.next() < 0.2) delete obj[rnd.pick(keys)];
      if (rnd.next() < 0.1) obj.extra_field = 'ignored';
      outcomes[compare(enc(obj), registry, offset++)]++;
    }
    expect(outcomes.accepted).toBeGreaterThan(300);
    expect(outcomes.declined).toBeGreaterThan(1000);
  });

  it.each([
    ['sub-millisecond digits (bigint µs)', '2025-01-01T12:00:00.123456Z'],
    ['an offset', '2025-01-01T13:30:00+01:30'],
    ['before 1970', '1969-12-31T23:59:59.999Z'],
    ['before 1970 with µs', '1969-12-31T23:30:00.000001Z'],
    ['no fraction', '2025-06-30T23:59:59Z'],
  ])('keeps timestamps exact: %s', (_name, ts) => {
    const e = { event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00', device_id: 'dev-1', device_type: 'hvac_unit', building_id: 'b', floor: 1, zone: 'z', event_ts: ts, firmware_version: '1.0.0', status: 'ok', sequence_number: 2 ** 53 - 1 };
    expect(compare(enc(e), new Set(['dev-1']), 7)).toBe('accepted');
  });

  it.each([
    ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d])],
    ['not JSON', enc('{"event_id":')],
    ['a JSON array', enc('[1,2]')],
    ['empty', new Uint8Array(0)],
    ['an unknown device', enc({ event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00', device_id: 'nobody', device_type: 'hvac_unit', building_id: 'b', floor: 1, zone: 'z', event_ts: '2025-01-01T00:00:00Z', firmware_version: '1.0.0', status: 'ok' })],
    ['oversized', enc(`"${'x'.repeat(20_000)}"`)],
    ['a BOM and then JSON that fails the contract', Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('{"event_id":1}')])],
  ])('rejects %s as validateTelemetry does', (_name, bytes) => {
    expect(compare(bytes, new Set(['dev-1']), 0)).toBe('declined');
    expect(validateTelemetry(bytes, new Set(['dev-1'])).ok).toBe(false);
  });
});
