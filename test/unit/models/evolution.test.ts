import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { TelemetryV1, TelemetryV2 } from '../../../models/telemetry.js';
import { compareContracts, breakingChanges } from '../../../models/evolution.js';

describe('contract evolution', () => {
  it('v1 -> v2 only adds optional fields', () => {
    const changes = compareContracts(TelemetryV1, TelemetryV2);
    expect(breakingChanges(TelemetryV1, TelemetryV2)).toEqual([]);
    expect(changes.map((c) => [c.kind, c.field])).toEqual([
      ['added_optional', 'sequence_number'],
      ['added_optional', 'gateway_id'],
    ]);
  });

  // Deliberately broken "v2"s: each must be caught, with the field named.
  const v1 = TelemetryV1;
  const broken: [string, z.ZodType, string, string][] = [
    ['removing a field', v1.omit({ zone: true }), 'removed', 'zone'],
    ['renaming a field', v1.omit({ building_id: true }).extend({ building: z.string().min(1).max(64) }), 'renamed', 'building_id'],
    ['retyping a field', v1.extend({ floor: z.string() }), 'retyped', 'floor'],
    ['retyping a reading to integer', v1.extend({ temperature: z.number().int().nullish() }), 'retyped', 'temperature'],
    ['making an optional field required', v1.extend({ humidity: z.number().min(0).max(100) }), 'made_required', 'humidity'],
    ['adding a required field', v1.extend({ site_code: z.string() }), 'added_required', 'site_code'],
    ['dropping an enum value', v1.extend({ status: z.enum(['ok', 'warn', 'error']) }), 'narrowed', 'status'],
    ['narrowing a physical range', v1.extend({ temperature: z.number().min(-20).max(125).nullish() }), 'narrowed', 'temperature'],
  ];
  it.each(broken)('catches %s', (_name, bad, kind, field) => {
    const found = breakingChanges(v1, bad);
    expect(found.map((c) => [c.kind, c.field])).toContainEqual([kind, field]);
    expect(found.every((c) => c.detail.includes(c.field))).toBe(true);
  });

  it('widening a range or adding an enum value is compatible', () => {
    const wider = v1.extend({ status: z.enum(['ok', 'warn', 'error', 'offline', 'maintenance']), temperature: z.number().min(-60).max(150).nullish() });
    expect(breakingChanges(v1, wider)).toEqual([]);
  });
});
