// Test telemetry: a registry of devices and events with known defects, so a test knows exactly
// which offsets must land in RAW and which in the DLQ.
import { randomUUID } from 'node:crypto';
import type { Outgoing } from './helpers.js';

export function registryMessages(deviceIds: string[], partitions = 1): Outgoing[] {
  return deviceIds.map((id, i) => ({
    partition: i % partitions,
    key: id,
    value: JSON.stringify({
      schema: 'floe.device-registry.v1',
      change: 'created',
      changed_at: '2026-01-01T00:00:00Z',
      device: {
        device_id: id,
        device_type: 'environmental_sensor',
        building_id: 'bldg-1',
        building_name: 'Test building',
        city: 'Lyon',
        timezone: 'Europe/Paris',
        floor: 1,
        zone: 'east',
        installed_on: '2025-01-01',
        rated_power_kw: null,
        firmware_version: '1.0.0',
        thresholds: {},
      },
    }),
  }));
}

export type Defect = 'malformed_json' | 'unknown_device' | 'out_of_range' | 'empty' | 'missing_field';

export interface Produced extends Outgoing {
  /** Set for messages that must land in RAW. */
  eventId?: string;
  defect?: Defect;
}

export interface TelemetryPlan {
  count: number;
  partitions: number;
  devices: string[];
  /** Every n-th message is a defect (cycling through the defect kinds); 0 = none. */
  defectEvery?: number;
  /** Every n-th valid message repeats the previous event id (a resend). */
  duplicateEvery?: number;
  /** Event time base; messages spread over several hours before it, some late by a day. */
  baseMs?: number;
}

const DEFECTS: Defect[] = ['malformed_json', 'unknown_device', 'out_of_range', 'empty', 'missing_field'];

export function telemetryMessages(plan: TelemetryPlan): Produced[] {
  const out: Produced[] = [];
  const base = plan.baseMs ?? Date.UTC(2026, 0, 10, 12);
  let lastId: string | undefined;
  let d = 0;
  for (let i = 0; i < plan.count; i++) {
    const partition = i % plan.partitions;
    const device = plan.devices[i % plan.devices.length]!;
    // Out of order and late: up to 5 hours back, every 97th a day late.
    const ts = new Date(base - ((i * 7919) % (5 * 3_600_000)) - (i % 97 === 0 ? 86_400_000 : 0)).toISOString();
    const dup = plan.duplicateEvery && i % plan.duplicateEvery === plan.duplicateEvery - 1 && lastId;
    const eventId = dup ? lastId! : randomUUID();
    const event: Record<string, unknown> = {
      event_id: eventId,
      device_id: device,
      device_type: 'environmental_sensor',
      building_id: 'bldg-1',
      floor: 1,
      zone: 'east',
      event_ts: ts,
      firmware_version: '1.0.0',
      status: 'ok',
      temperature: 20 + (i % 50) / 10,
      humidity: 40 + (i % 20),
      pressure: 1013,
      air_quality_index: 30,
      pm25: 8.5,
      noise_level: 40,
      illuminance: 300,
      battery_level: 90,
      signal_strength: -60,
    };
    const isDefect = plan.defectEvery && i % plan.defectEvery === plan.defectEvery - 1;
    if (!isDefect) {
      out.push({ partition, key: device, value: JSON.stringify(event), headers: { source: 'test' }, eventId });
      lastId = eventId;
      continue;
    }
    const defect = DEFECTS[d++ % DEFECTS.length]!;
    let value: string | null;
    switch (defect) {
      case 'malformed_json':
        value = JSON.stringify(event).slice(0, 40);
        break;
      case 'unknown_device':
        value = JSON.stringify({ ...event, device_id: 'ghost-device' });
        break;
      case 'out_of_range':
        value = JSON.stringify({ ...event, temperature: 5000 });
        break;
      case 'empty':
        value = null;
        break;
      case 'missing_field':
        value = JSON.stringify({ ...event, event_ts: undefined });
        break;
    }
    out.push({ partition, key: device, value, defect });
  }
  return out;
}
