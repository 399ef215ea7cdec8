import { describe, expect, it } from 'vitest';
import { AILMENT_SHARES, AILMENTS, FAULT_KINDS, TRANSPORT_KINDS, assignAilments, deviceMixes } from '../../../simulator/ailments.js';
import { EDGE_KINDS, MIXED_SHARES } from '../../../simulator/scenarios.js';
import { STUCK_CANDIDATES } from '../../../models/sensors.js';
import { TelemetryGenerator, type GeneratedMessage } from '../../../simulator/generator.js';

const START = Date.parse('2025-03-01T00:00:00Z');

function run(devices: number, count: number, seed = 'ail'): { gen: TelemetryGenerator; msgs: GeneratedMessage[] } {
  const gen = new TelemetryGenerator({ scenario: 'mixed', devices, buildings: 4, count, seed, startMs: START, stepMs: 1000 });
  const msgs: GeneratedMessage[] = [];
  for (let m = gen.next(); m; m = gen.next()) msgs.push(m);
  return { gen, msgs };
}

describe('assignAilments', () => {
  it('ails round(share × devices) devices per ailment, the same ones whatever the seed', () => {
    const a = assignAilments(200);
    for (const k of AILMENTS) expect(a.filter((x) => x === k).length).toBe(Math.round(AILMENT_SHARES[k] * 200));
    expect(a.filter((x) => x === undefined).length).toBe(130);
    expect(assignAilments(200)).toEqual(a);
    expect(run(40, 10, 'one').gen.ailments).toEqual(run(40, 10, 'two').gen.ailments);
  });

  it('keeps the fleet shares of MIXED_SHARES in the device chances, small fleets included', () => {
    for (const n of [1, 3, 12, 29, 200, 10_000]) {
      const mixes = deviceMixes(assignAilments(n));
      const mean = (f: (m: (typeof mixes)[number]) => number) => mixes.reduce((s, m) => s + f(m), 0) / n;
      expect(mean((m) => m.anomaly)).toBeCloseTo(MIXED_SHARES.anomaly, 10);
      expect(mean((m) => m.invalid)).toBeCloseTo(MIXED_SHARES.invalid_schema, 10);
      expect(mean((m) => m.transport + m.faults.reduce((s, [, p]) => s + p, 0))).toBeCloseTo(MIXED_SHARES.edge_case, 10);
      for (const m of mixes) expect(m.anomaly + m.invalid + m.transport + m.faults.reduce((s, [, p]) => s + p, 0)).toBeLessThan(0.8);
    }
  });
});

describe('mixed: faults sit on the ailing devices', () => {
  const { gen, msgs } = run(60, 30_000);
  const ailmentOf = new Map(gen.fleet.devices.map((d, i) => [d.record.device_id, gen.ailments[i]]));
  const byDevice = new Map<string, GeneratedMessage[]>();
  for (const m of msgs) if (m.eventId !== undefined) byDevice.set(m.key.toString(), [...(byDevice.get(m.key.toString()) ?? []), m]);

  it('draws each fault kind only on the devices with that ailment, transport kinds on any device', () => {
    expect(TRANSPORT_KINDS.length + FAULT_KINDS.length).toBe(EDGE_KINDS.length);
    const faultsOn = new Map<string, Set<string | undefined>>();
    for (const m of msgs) {
      if (m.label.group !== 'edge_case' || m.label.kind === 'duplicate') continue;
      const s = faultsOn.get(m.label.kind) ?? new Set();
      s.add(ailmentOf.get(m.key.toString()));
      faultsOn.set(m.label.kind, s);
    }
    for (const k of FAULT_KINDS) expect([...faultsOn.get(k)!]).toEqual([k]);
    expect(faultsOn.get('late')!.has(undefined)).toBe(true);
  });

  it('gives noisy devices many anomalies and healthy ones few', () => {
    const share = (ail: string | undefined) => {
      const ms = msgs.filter((m) => ailmentOf.get(m.key.toString()) === ail);
      return ms.filter((m) => m.label.group === 'anomaly').length / ms.length;
    };
    expect(share(undefined)).toBeLessThan(0.02);
    expect(share('noisy')).toBeGreaterThan(0.3);
  });

  it('sticks always the same sensor of a stuck device', () => {
    const stuck = gen.fleet.devices.filter((_, i) => gen.ailments[i] === 'stuck_sensor');
    expect(stuck.length).toBe(3);
    for (const d of stuck) {
      const rows = byDevice.get(d.record.device_id)!.map((m) => JSON.parse(m.value.toString()) as Record<string, number>);
      const runs = new Map<string, number>();
      for (const s of d.sensors.filter((x) => STUCK_CANDIDATES.includes(x))) {
        let run = 0;
        for (let i = 1; i < rows.length; i++) {
          run = rows[i]![s] !== undefined && rows[i]![s] === rows[i - 1]![s] ? run + 1 : 0;
          if (run >= 3) runs.set(s, (runs.get(s) ?? 0) + 1);
        }
      }
      expect(runs.size, `${d.record.device_id}: ${[...runs.keys()]}`).toBe(1);
    }
  });
});
