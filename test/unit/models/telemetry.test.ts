import { describe, it, expect } from 'vitest';
import { contractFieldRejection, CURRENT_VERSION, validateTelemetry, validateParsedWithZod, contractJsonSchema, CURRENT_CONTRACT, MAX_EVENT_BYTES, REJECT_KINDS, TelemetryV1, type Validation } from '../../../models/telemetry.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { Prng } from '../../../simulator/prng.js';

const registry = new Set(['dev-000001', 'hvac-7']);
const base = {
  event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00',
  device_id: 'dev-000001',
  device_type: 'hvac_unit',
  building_id: 'bldg-001',
  floor: 3,
  zone: 'north',
  event_ts: '2025-01-01T12:00:00.123Z',
  firmware_version: '2.1.0',
  status: 'ok',
  temperature: 24.3,
  humidity: 61.2,
  power_kw: 9.1,
  voltage: 230.2,
  power_factor: 0.92,
  signal_strength: -64,
};
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const without = (k: string) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k));

function rejected(v: Validation): { kind: string; errorPath: string; errorMessage: string } {
  if (v.ok) throw new Error(`expected a rejection, got an accepted event ${JSON.stringify(v.event)}`);
  return v;
}

describe('validateTelemetry accepts', () => {
  it.each([
    ['a v2 event', { ...base, sequence_number: 12, gateway_id: 'gw-1' }],
    ['a v1 event (no v2 fields)', base],
    ['null optional readings', { ...base, pm25: null, sequence_number: null }],
    ['readings outside the normal range but inside the physical one (anomalies are kept)', { ...base, temperature: 80, voltage: 300 }],
    ['physical range boundaries', { ...base, temperature: -40, humidity: 100, power_factor: 0 }],
    ['an offset timestamp', { ...base, event_ts: '2025-01-01T13:00:00+01:00' }],
    ['an offline heartbeat without readings', { ...without('temperature'), status: 'offline' }],
  ])('%s', (_name, event) => {
    const v = validateTelemetry(enc(event), registry);
    expect(v.ok, JSON.stringify(v)).toBe(true);
  });

  it('drops unknown properties (a newer producer may send more)', () => {
    const v = validateTelemetry(enc({ ...base, firmware_channel: 'beta' }), registry);
    expect(v.ok && 'firmware_channel' in v.event).toBe(false);
    expect(v.ok && v.event.temperature).toBe(24.3);
  });

  it('gives the same typed output as the zod contract', () => {
    const event = { ...base, pm25: null, extra: 1 };
    const v = validateTelemetry(enc(event), registry);
    expect(v.ok && v.event).toEqual(CURRENT_CONTRACT.parse(event));
  });
});

describe('validateTelemetry rejects', () => {
  const cases: [string, Uint8Array | null, string, string][] = [
    ['empty message', new Uint8Array(0), 'empty', '$'],
    ['null value (tombstone)', null, 'empty', '$'],
    ['oversized message', enc({ ...base, blob: 'x'.repeat(MAX_EVENT_BYTES) }), 'oversized', '$'],
    ['invalid UTF-8', new Uint8Array([...enc('{"zone":"Z'), 0xf6, ...enc('ne"}')]), 'not_utf8', '$'],
    ['truncated JSON', enc(JSON.stringify(base).slice(0, 40)), 'malformed_json', '$'],
    ['a JSON array', enc([base]), 'wrong_type', '$'],
    ['a JSON string', enc('"hello"'), 'wrong_type', '$'],
    ['missing event_id', enc(without('event_id')), 'missing_field', '$.event_id'],
    ['missing device_id', enc(without('device_id')), 'missing_field', '$.device_id'],
    ['missing status (an enum)', enc(without('status')), 'missing_field', '$.status'],
    ['missing event_ts', enc(without('event_ts')), 'missing_field', '$.event_ts'],
    ['floor as a string', enc({ ...base, floor: '3' }), 'wrong_type', '$.floor'],
    ['fractional floor', enc({ ...base, floor: 2.5 }), 'wrong_type', '$.floor'],
    ['temperature as a string', enc({ ...base, temperature: '24.3' }), 'wrong_type', '$.temperature'],
    ['status as a number', enc({ ...base, status: 1 }), 'wrong_type', '$.status'],
    ['event_ts as epoch millis', enc({ ...base, event_ts: 1735732800123 }), 'wrong_type', '$.event_ts'],
    ['fractional signal strength', enc({ ...base, signal_strength: -64.5 }), 'wrong_type', '$.signal_strength'],
    ['unknown status', enc({ ...base, status: 'broken' }), 'invalid_value', '$.status'],
    ['unknown device type', enc({ ...base, device_type: 'toaster' }), 'invalid_value', '$.device_type'],
    ['non-ISO event time', enc({ ...base, event_ts: '01/01/2025 12:00' }), 'invalid_format', '$.event_ts'],
    ['event time without offset', enc({ ...base, event_ts: '2025-01-01T12:00:00' }), 'invalid_format', '$.event_ts'],
    ['bad event id', enc({ ...base, event_id: 'not-a-uuid' }), 'invalid_format', '$.event_id'],
    ['bad firmware version', enc({ ...base, firmware_version: 'v2' }), 'invalid_format', '$.firmware_version'],
    ['temperature above physical range', enc({ ...base, temperature: 500 }), 'out_of_physical_range', '$.temperature'],
    ['humidity above 100%', enc({ ...base, humidity: 100.5 }), 'out_of_physical_range', '$.humidity'],
    ['negative power', enc({ ...base, power_kw: -1 }), 'out_of_physical_range', '$.power_kw'],
    ['power factor above 1', enc({ ...base, power_factor: 1.7 }), 'out_of_physical_range', '$.power_factor'],
    ['battery below 0', enc({ ...base, battery_level: -3 }), 'out_of_physical_range', '$.battery_level'],
    ['floor out of range', enc({ ...base, floor: 999 }), 'out_of_physical_range', '$.floor'],
    ['unregistered device', enc({ ...base, device_id: 'ghost-1234' }), 'unknown_device', '$.device_id'],
    ['a number beyond the double range', enc(JSON.stringify(base).replace('"floor":3', '"floor":1e400')), 'number_out_of_range', '$.floor'],
    ['a reading beyond the double range', enc(JSON.stringify({ ...base, temperature: 1 }).replace('"temperature":1', '"temperature":-1e999')), 'number_out_of_range', '$.temperature'],
    ['a lone high surrogate escape', enc(JSON.stringify(base).replace('"north"', '"a\\ud800b"')), 'unrepresentable_string', '$.zone'],
    ['a lone low surrogate escape', enc(JSON.stringify(base).replace('"bldg-001"', '"\\udc00"')), 'unrepresentable_string', '$.building_id'],
    ['an array nested 5000 deep', enc('['.repeat(5000) + ']'.repeat(5000)), 'wrong_type', '$'],
    ['a reading nested 5000 arrays deep', enc(JSON.stringify(base).slice(0, -1) + ',"temperature":' + '['.repeat(5000) + ']'.repeat(5000) + '}'), 'wrong_type', '$.temperature'],
  ];
  it.each(cases)('%s', (_name, bytes, kind, path) => {
    const r = rejected(validateTelemetry(bytes, registry));
    expect(r.kind).toBe(kind);
    expect(r.errorPath).toBe(path);
    expect(r.errorMessage.length).toBeGreaterThan(10);
  });

  it('keeps a surrogate pair and a lone surrogate in an unknown field (dropped anyway)', () => {
    const pair = validateTelemetry(enc(JSON.stringify(base).replace('"north"', '"a\\ud83d\\ude00b"')), registry);
    expect(pair.ok && pair.event.zone).toBe('a\u{1F600}b');
    expect(validateTelemetry(enc(JSON.stringify({ ...base, note: 'x' }).replace('"x"', '"\\ud800"')), registry).ok).toBe(true);
  });

  it('words a reason without quoting what cannot be quoted', () => {
    const r = rejected(validateTelemetry(enc('['.repeat(5000) + ']'.repeat(5000)), registry));
    expect(r.errorMessage).toBe('message must be object, got an array nested too deeply to quote');
  });

  it('turns a validator that throws into an unprocessable rejection, never a throw', () => {
    const throwing = { has: (): boolean => { throw new RangeError('Maximum call stack size exceeded'); } };
    const r = rejected(validateTelemetry(enc(base), throwing));
    expect(r).toMatchObject({ kind: 'unprocessable', errorPath: '$' });
    expect(r.errorMessage).toContain('RangeError: Maximum call stack size exceeded');
  });

  it('covers every reject kind in the tables above', () => {
    // unprocessable needs a validator that throws: the test above.
    const seen = new Set([...cases.map((c) => c[2]), 'unprocessable']);
    expect(REJECT_KINDS.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('names the value and the range in out-of-range messages', () => {
    const r = rejected(validateTelemetry(enc({ ...base, temperature: 500 }), registry));
    expect(r.errorMessage).toContain('500');
    expect(r.errorMessage).toContain('-40..125');
  });
});

describe('fast path', () => {
  // The compiled check must never accept what zod rejects: feed both many mutated events.
  it('agrees with zod on generated and randomly mutated events', () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 40, buildings: 3, count: 3000, seed: 'fast', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const rnd = new Prng('mutate');
    const values: unknown[] = [null, 'x', '', 1, -1, 0.5, 1e300, -1e300, true, {}, [], '2025-01-01T00:00:00Z', '2.0.0', 'ok', 'hvac_unit'];
    const keys = Object.keys(contractJsonSchema('v2').properties as object);
    const allReg = { has: () => true };
    let checked = 0;
    for (let m = gen.next(); m; m = gen.next()) {
      let text: string;
      try {
        text = m.value.toString('utf8');
        JSON.parse(text);
      } catch {
        continue;
      }
      const obj = JSON.parse(text) as Record<string, unknown>;
      if (typeof obj !== 'object' || obj === null) continue;
      const mutated = { ...obj };
      if (rnd.next() < 0.8) mutated[rnd.pick(keys)] = rnd.pick(values);
      if (rnd.next() < 0.2) delete mutated[rnd.pick(keys)];
      const bytes = enc(mutated);
      if (bytes.length > MAX_EVENT_BYTES) continue;
      const fast = validateTelemetry(bytes, allReg);
      const zod = CURRENT_CONTRACT.safeParse(mutated);
      expect(fast.ok, JSON.stringify(mutated)).toBe(zod.success);
      if (fast.ok && zod.success) expect(fast.event).toEqual(zod.data);
      // Rejections: the fast explanation names the same kind and path as zod's first issue.
      const ref = validateParsedWithZod(mutated, allReg);
      if (!fast.ok && !ref.ok) expect(`${fast.kind} ${fast.errorPath}`, JSON.stringify(mutated)).toBe(`${ref.kind} ${ref.errorPath}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('v1 events are valid v2 events', () => {
    expect(TelemetryV1.safeParse(base).success).toBe(true);
    expect(CURRENT_CONTRACT.safeParse(base).success).toBe(true);
  });
});

describe('JSON Schema export', () => {
  it('has the required fields, ranges and the v2 additions only in v2', () => {
    const v1 = contractJsonSchema('v1') as { properties: Record<string, { anyOf?: { minimum?: number; maximum?: number }[] }>; required: string[] };
    const v2 = contractJsonSchema('v2') as typeof v1;
    expect(v1.required).toEqual(['event_id', 'device_id', 'device_type', 'building_id', 'floor', 'zone', 'event_ts', 'firmware_version', 'status']);
    expect(v2.required).toEqual(v1.required);
    expect(v1.properties.sequence_number).toBeUndefined();
    expect(v2.properties.sequence_number).toBeDefined();
    expect(v2.properties.temperature!.anyOf![0]).toMatchObject({ minimum: -40, maximum: 125 });
    expect(v2.properties.temperature).toMatchObject({ 'x-normal-range': [15, 35] });
  });
});

describe('contractFieldRejection (the wording of a reject the addon details)', () => {
  it('words every generated contract reject from its first failing property and value alone, as validateTelemetry does', () => {
    const gen = new TelemetryGenerator({ scenario: 'invalid_schema', devices: 20, buildings: 2, count: 3000, seed: 'field-rejection', startMs: Date.UTC(2025, 0, 1), stepMs: 1000 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const keys = Object.keys((contractJsonSchema(CURRENT_VERSION) as { properties: object }).properties);
    let checked = 0;
    for (let m = gen.next(); m; m = gen.next()) {
      const v = validateTelemetry(m.value, registry);
      if (v.ok || !['missing_field', 'wrong_type', 'out_of_physical_range', 'invalid_format', 'invalid_value'].includes(v.kind) || v.errorPath === '$') continue;
      const name = v.errorPath.slice(2);
      const parsed = JSON.parse(m.value!.toString('utf8')) as Record<string, unknown>;
      expect(contractFieldRejection(keys.indexOf(name), parsed[name])).toEqual(v);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('gives nothing for a value that passes, or for an absent optional property', () => {
    const keys = Object.keys((contractJsonSchema(CURRENT_VERSION) as { properties: object }).properties);
    const gen = new TelemetryGenerator({ scenario: 'valid', devices: 2, buildings: 1, count: 1, seed: 'pass', startMs: Date.UTC(2025, 0, 1), stepMs: 1000 });
    const event = JSON.parse(gen.next()!.value!.toString('utf8')) as Record<string, unknown>;
    for (const [i, k] of keys.entries()) if (event[k] !== undefined) expect(contractFieldRejection(i, event[k])).toBeUndefined();
    const required = new Set((contractJsonSchema(CURRENT_VERSION) as { required: string[] }).required);
    const optional = keys.findIndex((k) => !required.has(k));
    if (optional >= 0) expect(contractFieldRejection(optional, undefined)).toBeUndefined();
    expect(contractFieldRejection(keys.indexOf('device_id'), undefined)?.kind).toBe('missing_field');
    expect(contractFieldRejection(keys.length, 1)).toBeUndefined();
  });
});
