import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { TelemetryGenerator, formatFixed, type GeneratorOptions, type GeneratedMessage } from '../../../simulator/generator.js';
import { SCENARIOS, EDGE_KINDS, INVALID_KINDS } from '../../../simulator/scenarios.js';
import { eventIdsSha256 } from '../../../simulator/manifest.js';
import { validateTelemetry } from '../../../models/telemetry.js';
import { SENSORS } from '../../../models/sensors.js';

const START = Date.UTC(2025, 2, 1);
function run(over: Partial<GeneratorOptions> = {}): { gen: TelemetryGenerator; msgs: GeneratedMessage[] } {
  const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 60, buildings: 4, count: 5000, seed: 'unit', startMs: START, stepMs: 100, ...over });
  const msgs: GeneratedMessage[] = [];
  for (let m = gen.next(); m; m = gen.next()) msgs.push(m);
  return { gen, msgs };
}
const digest = (msgs: GeneratedMessage[]) => {
  const h = createHash('sha256');
  for (const m of msgs) h.update(m.key).update('\0').update(m.value).update('\n');
  return h.digest('hex');
};
const json = (m: GeneratedMessage) => JSON.parse(m.value.toString('utf8')) as Record<string, unknown>;

describe('determinism', () => {
  it('same seed, same messages (byte for byte)', () => {
    expect(digest(run().msgs)).toBe(digest(run().msgs));
  });
  it('another seed, other messages; same fleet', () => {
    const a = run();
    const b = run({ seed: 'other' });
    expect(digest(a.msgs)).not.toBe(digest(b.msgs));
    expect(a.gen.fleet.devices.map((d) => d.record)).toEqual(b.gen.fleet.devices.map((d) => d.record));
  });
  it('a longer run starts with the shorter run', () => {
    expect(digest(run({ count: 3000 }).msgs.slice(0, 1000))).toBe(digest(run({ count: 1000 }).msgs));
  });
});

describe.each(SCENARIOS)('scenario %s', (scenario) => {
  const { gen, msgs } = run({ scenario, count: 4000 });
  const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));

  it('every message validates exactly as its label says', () => {
    for (const m of msgs) {
      const v = validateTelemetry(m.value, registry);
      if (m.label.group === 'invalid_schema') {
        expect(v.ok ? 'accepted' : `${v.kind} ${v.errorPath}`, m.value.toString('latin1').slice(0, 200)).toBe(`${m.label.kind} ${m.expectedErrorPath}`);
      } else {
        expect(v.ok, m.value.toString('utf8').slice(0, 300)).toBe(true);
        if (v.ok) expect(v.event.event_id).toBe(m.eventId);
      }
    }
  });

  it('keys each message by its device id', () => {
    for (const m of msgs) {
      if (m.label.group === 'invalid_schema' && m.label.kind !== 'unknown_device') continue;
      if (m.label.group === 'invalid_schema') expect(m.key.toString()).toMatch(/^ghost-/);
      else expect(json(m).device_id).toBe(m.key.toString());
    }
  });

  it('has a manifest that adds up to what was generated', () => {
    const man = gen.manifest.build({} as never);
    expect(man.messages).toBe(msgs.length);
    expect(man.expected.raw + man.expected.dlq).toBe(msgs.length);
    const raw = msgs.filter((m) => m.eventId !== undefined);
    expect(man.expected.raw).toBe(raw.length);
    expect(man.expected.rawEventIdsSha256).toBe(eventIdsSha256(raw.map((m) => m.eventId!)));
    expect(man.expected.distinctEventIds).toBe(new Set(raw.map((m) => m.eventId)).size);
    expect(man.expected.duplicates).toBe(raw.length - new Set(raw.map((m) => m.eventId)).size);
    expect(Object.values(man.expected.dlqByKindAndPath).reduce((a, b) => a + b, 0)).toBe(man.expected.dlq);
    for (const k of INVALID_KINDS) expect(man.expected.dlqByKind[k]).toBe(msgs.filter((m) => m.label.group === 'invalid_schema' && m.label.kind === k).length);
  });
});

describe('scenario mix', () => {
  it('mixed is 70% valid and 30% issues', () => {
    const { gen } = run({ count: 20_000 });
    const g = gen.manifest.byGroup;
    expect(g.valid / 20_000).toBeCloseTo(0.7, 1);
    expect(g.anomaly / 20_000).toBeCloseTo(0.1, 1);
    expect(g.edge_case / 20_000).toBeCloseTo(0.1, 1);
    expect(g.invalid_schema / 20_000).toBeCloseTo(0.1, 1);
  });
  it('edge_case and invalid_schema produce every kind', () => {
    const e = run({ scenario: 'edge_case', count: 2000 }).gen.manifest.byEdgeKind;
    for (const k of EDGE_KINDS) expect(e[k]).toBeGreaterThan(100);
    const i = run({ scenario: 'invalid_schema', count: 2000 }).gen.manifest.byInvalidKind;
    for (const k of INVALID_KINDS) expect(i[k]).toBeGreaterThan(100);
  });
  it('anomaly events each have a reading outside its normal range and inside its physical one', () => {
    const { msgs } = run({ scenario: 'anomaly', count: 2000 });
    for (const m of msgs) {
      expect(m.anomalies!.length).toBeGreaterThan(0);
      const e = json(m);
      expect(e.status).toBe('warn');
      for (const s of m.anomalies!) {
        const v = e[s] as number;
        const spec = SENSORS[s];
        expect(v < spec.normal[0] || v > spec.normal[1]).toBe(true);
        expect(v >= spec.physical[0] && v <= spec.physical[1]).toBe(true);
      }
    }
  });
  it('valid events are (almost always) normal', () => {
    const { gen } = run({ scenario: 'valid', count: 20_000 });
    expect(gen.manifest.anomalousEvents).toBeLessThan(5);
  });
});

describe('edge cases', () => {
  const { msgs } = run({ scenario: 'edge_case', count: 6000, stepMs: 1000 });
  const ts = (m: GeneratedMessage) => Date.parse(json(m).event_ts as string);
  const nominal = (i: number) => START + i * 1000;
  const of = (k: string) => msgs.map((m, i) => ({ m, i })).filter(({ m }) => m.label.group === 'edge_case' && m.label.kind === k);

  it('late events are hours behind', () => {
    for (const { m, i } of of('late')) expect(nominal(i) - ts(m)).toBeGreaterThanOrEqual(3_600_000);
  });
  it('clock-skewed events are in the future', () => {
    for (const { m, i } of of('clock_skew')) expect(ts(m) - nominal(i)).toBeGreaterThanOrEqual(600_000);
  });
  it('duplicates resend an earlier message byte for byte', () => {
    for (const { m, i } of of('duplicate')) {
      expect(msgs.slice(0, i).some((p) => p.eventId === m.eventId && p.value.equals(m.value))).toBe(true);
    }
  });
  it('out-of-order events are older than the device’s previous event', () => {
    for (const { m, i } of of('out_of_order')) {
      // Earlier than the slot of the device's previous message: it arrives after it but happened before.
      let j = i - 1;
      while (j >= 0 && !msgs[j]!.key.equals(m.key)) j--;
      if (j >= 0) expect(ts(m)).toBeLessThan(nominal(j));
    }
  });
  it('an offline device says so, then falls silent for a few of its turns', () => {
    const off = of('offline');
    expect(off.length).toBeGreaterThan(0);
    for (const { m } of off) expect(json(m).status).toBe('offline');
    const { m, i } = off[0]!;
    const next = msgs.slice(i + 1).findIndex((p) => p.key.equals(m.key));
    // 60 devices: a device normally reports every 60 messages; offline it skips 3-8 turns.
    expect(next).toBeGreaterThan(60 * 2);
  });
  it('a stuck sensor repeats its value', () => {
    const { m, i } = of('stuck_sensor')[0]!;
    const later = msgs
      .slice(i + 1)
      .filter((p) => p.key.equals(m.key) && p.label.group === 'edge_case' && p.label.kind !== 'duplicate' && p.label.kind !== 'offline')
      // The next reading of the device (a later stuck_sensor event may freeze another sensor instead).
      .slice(0, 1)
      .map(json);
    expect(later.length).toBeGreaterThan(0);
    const first = json(m);
    const frozen = Object.keys(first).filter((k) => k in SENSORS && later.every((e) => e[k] === first[k]));
    expect(frozen.length).toBeGreaterThan(0);
  });
  it('battery drain shows a low battery (or a brown-out on mains power)', () => {
    for (const { m } of of('battery_drain')) {
      const e = json(m);
      if ('battery_level' in e) expect(e.battery_level as number).toBeLessThan(20);
      else if ('voltage' in e) expect(e.voltage as number).toBeLessThan(207);
    }
  });
});

describe('distributions', () => {
  // Seeds: temperature μ=25 σ=2, humidity μ=60 σ=3, pressure μ=1013 σ=2, air quality μ=200 σ=20,
  // PM2.5 μ=30 σ=2, noise μ=50 σ=3, illuminance μ=500 σ=50 — with drift (recalibration 0.2) and jitter.
  const { msgs } = run({ scenario: 'valid', devices: 200, count: 60_000 });
  const events = msgs.map(json);
  it.each(['temperature', 'humidity', 'pressure', 'air_quality_index', 'pm25', 'noise_level', 'illuminance', 'voltage', 'power_factor', 'signal_strength'] as const)('%s has the seed mean and sigma', (name) => {
    const xs = events.map((e) => e[name]).filter((v): v is number => typeof v === 'number');
    expect(xs.length).toBeGreaterThan(5000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    const spec = SENSORS[name];
    expect(Math.abs(mean - spec.mean)).toBeLessThan(spec.sigma * 0.05 + 0.5 * (name === 'signal_strength' ? 1 : 0));
    expect(sd / spec.sigma).toBeGreaterThan(0.93);
    expect(sd / spec.sigma).toBeLessThan(1.07 + (name === 'signal_strength' ? 0.05 : 0));
  });
  it('drift makes consecutive readings of a device correlated (it is not white noise)', () => {
    const byDevice = new Map<string, number[]>();
    for (const e of events) if (typeof e.temperature === 'number') (byDevice.get(e.device_id as string) ?? byDevice.set(e.device_id as string, []).get(e.device_id as string)!).push(e.temperature);
    let num = 0;
    let den = 0;
    for (const xs of byDevice.values()) for (let i = 1; i < xs.length; i++) { num += (xs[i]! - 25) * (xs[i - 1]! - 25); den += (xs[i - 1]! - 25) ** 2; }
    // Half the variance drifts with AR(1) coefficient 0.8: lag-1 autocorrelation ≈ 0.4.
    expect(num / den).toBeGreaterThan(0.3);
    expect(num / den).toBeLessThan(0.5);
  });
  it('cumulative energy never decreases per device', () => {
    const last = new Map<string, number>();
    for (const e of events) {
      if (typeof e.energy_kwh !== 'number') continue;
      expect(e.energy_kwh).toBeGreaterThanOrEqual(last.get(e.device_id as string) ?? 0);
      last.set(e.device_id as string, e.energy_kwh);
    }
  });
});

describe('formatFixed', () => {
  it.each([[25.8, 2, '25.80'], [-0.004, 2, '0.00'], [-1.5, 2, '-1.50'], [0.9246, 3, '0.925'], [-64, 0, '-64'], [1013.1, 2, '1013.10'], [0.05, 2, '0.05']])('%d with %d places is %s', (v, d, s) => {
    expect(formatFixed(v, d)).toBe(s);
    expect(Number(s)).toBeCloseTo(v, d);
  });
});
