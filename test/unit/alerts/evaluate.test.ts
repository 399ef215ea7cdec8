import { describe, expect, it } from 'vitest';
import { evaluate, eventIdOf, type AlertState, type Reading } from '../../../alerts/evaluate.js';
import { parseRules } from '../../../alerts/rules.js';

const rules = parseRules({
  version: 1,
  rules: [
    { id: 't-high', reading: 'temperature', direction: 'above', threshold: 30, clear: 28, severity: 'warning', for_seconds: 60 },
    { id: 'batt-low', reading: 'battery_level', direction: 'below', threshold: 20, clear: 25, severity: 'critical', for_seconds: 0, clear_for_seconds: 120 },
  ],
}, 'test');

const T0 = 1_768_046_400_000_000n; // 2026-01-10T12:00:00Z in µs
const s = (sec: number): bigint => T0 + BigInt(sec) * 1_000_000n;

function reading(device: string, sec: number, values: Reading['values']): Reading {
  return { eventId: `${device}-${sec}`, deviceId: device, deviceType: 'environmental_sensor', buildingId: 'bldg-001', floor: 1, zone: 'east', eventTs: s(sec), values };
}

function run(readings: Reading[], carried: Map<string, AlertState> = new Map()) {
  return evaluate(rules, 'dev/raw.telemetry', carried, readings);
}

describe('alert evaluation', () => {
  it('opens only after the reading stays past the threshold for for_seconds, once', () => {
    const r = run([0, 30, 59].map((t) => reading('d1', t, { temperature: 31 })));
    expect(r.events).toEqual([]);
    expect([...r.states.values()].map((x) => x.phase)).toEqual(['pending']);
    const r2 = run([60, 90, 120].map((t) => reading('d1', t, { temperature: 33 })), r.states);
    expect(r2.events.map((e) => [e.kind, e.eventTs, e.breachSince, e.peak])).toEqual([['open', s(60), s(0), 33]]);
  });

  it('a dip back inside the threshold resets the wait', () => {
    const r = run([reading('d1', 0, { temperature: 31 }), reading('d1', 30, { temperature: 29.5 }), reading('d1', 61, { temperature: 31 }), reading('d1', 100, { temperature: 31 })]);
    expect(r.events).toEqual([]);
    expect([...r.states.values()][0]!.breachSince).toBe(s(61));
  });

  it('closes with hysteresis: the band between clear and threshold keeps it open', () => {
    const open = run([reading('d1', 0, { temperature: 35 }), reading('d1', 60, { temperature: 36 })]);
    expect(open.events.map((e) => e.kind)).toEqual(['open']);
    const band = run([reading('d1', 70, { temperature: 29 }), reading('d1', 80, { temperature: 28.5 })], open.states);
    expect(band.events).toEqual([]);
    const back = run([reading('d1', 90, { temperature: 28 })], band.states);
    expect(back.events.map((e) => [e.kind, e.alertId, e.closedAt, e.peak])).toEqual([['close', open.events[0]!.alertId, s(90), 36]]);
    expect(back.states.size).toBe(0);
  });

  it('clear_for_seconds: back past clear long enough, without relapse', () => {
    const open = run([reading('d2', 0, { battery_level: 15 })]);
    expect(open.events.map((e) => e.kind)).toEqual(['open']);
    const r = run([reading('d2', 10, { battery_level: 30 }), reading('d2', 60, { battery_level: 22 }), reading('d2', 70, { battery_level: 30 }), reading('d2', 189, { battery_level: 30 })], open.states);
    expect(r.events).toEqual([]);
    const c = run([reading('d2', 190, { battery_level: 30 })], r.states);
    expect(c.events.map((e) => [e.kind, e.closedAt])).toEqual([['close', s(190)]]);
  });

  it('is deterministic: same readings in any order give the same events and ids', () => {
    const readings = [0, 20, 40, 60, 80, 100].flatMap((t) => [reading('a', t, { temperature: 40, battery_level: 10 }), reading('b', t, { temperature: 31 })]);
    const r1 = run(readings);
    const r2 = run([...readings].reverse());
    expect(r1.events).toEqual(r2.events);
    expect(r1.events.map((e) => `${e.deviceId}:${e.ruleId}:${e.kind}`).sort()).toEqual(['a:batt-low:open', 'a:t-high:open', 'b:t-high:open']);
    expect(new Set(r1.events.map((e) => e.eventId)).size).toBe(3);
    expect(r1.events[0]!.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdOf('x', 'open')).not.toBe(eventIdOf('x', 'close'));
  });

  it('ignores a reading older than the newest applied to its pair, and readings without the value', () => {
    const open = run([reading('d1', 100, { temperature: 35 }), reading('d1', 160, { temperature: 35 })]);
    const late = run([reading('d1', 10, { temperature: 20 }), reading('d1', 170, { temperature: null, battery_level: 90 })], open.states);
    expect(late.events).toEqual([]);
    expect(late.lateReadings).toBe(1);
    expect(late.states.get(`t-high\u0000d1`)?.phase).toBe('open');
  });

  it('alert ids differ between streams, so two environments never share an event id', () => {
    const readings = [reading('d1', 0, { battery_level: 5 })];
    const a = evaluate(rules, 'dev/raw.telemetry', new Map(), readings).events[0]!;
    const b = evaluate(rules, 'prod/raw.telemetry', new Map(), readings).events[0]!;
    expect(a.eventId).not.toBe(b.eventId);
  });
});
