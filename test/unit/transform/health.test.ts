// The health score on hand-built devices: daily metrics as the daily model would produce them,
// through the device_health_summary model's SQL in DuckDB, against scores computed by hand from
// the formula in the model's docs.
import { describe, expect, it } from 'vitest';
import { modelByName } from '../../../models/catalog.js';
import { parseDay } from '../../../transform/day.js';
import { withDuck } from '../../../transform/duck.js';
import { loadRows } from '../../../transform/rows.js';
import { runModel } from '../../../transform/runner.js';

const DAY = '2025-03-01';
const device = (id: string, installedOn = '2024-01-01') => ({
  device_key: `${id}@v1`, device_id: id, device_type: 'vibration_sensor', building_id: 'b1', building_name: 'HQ', city: 'Lyon', timezone: 'UTC', floor: 0, zone: 'z',
  installed_on: installedOn, rated_power_kw: null, firmware_version: '1.0.0', thresholds: '{}', valid_from: `${installedOn}T00:00:00Z`, valid_to: null, is_current: true, attributes_hash: 'h',
});
const day = (id: string, extra: Record<string, unknown> = {}) => ({
  day: DAY, device_id: id, device_type: 'vibration_sensor', building_id: 'b1', message_count: 1000, anomaly_count: 0, anomaly_rate: 0, anomalies_by_reading: '{}',
  warn_count: 0, error_count: 0, offline_status_count: 0, duplicates_dropped: 0, first_seen: `${DAY}T00:00:30Z`, last_seen: `${DAY}T23:59:30Z`,
  largest_gap_seconds: 90, typical_interval_seconds: 86, offline_seconds: 0, battery_first: 95, battery_last: 94, battery_min: 94, battery_drain: 1,
  vibration_avg: 2.2, vibration_slope_per_day: 0, stuck_sensors: null, ...extra,
});

async function health(devices: object[], metrics: object[]): Promise<Map<string, Record<string, unknown>>> {
  return withDuck({ memoryLimit: '256MB', threads: 1 }, async (duck) => {
    await loadRows(duck, 'gold_dim_devices', devices as Record<string, unknown>[]);
    await loadRows(duck, 'gold_daily_device_metrics', metrics as Record<string, unknown>[]);
    await runModel(duck, modelByName('gold.device_health_summary'), { day: parseDay(DAY), tariffPerKwh: 0.25, lowPowerFactor: 0.85 });
    const rows = await duck.rows('SELECT * FROM gold_device_health_summary');
    return new Map(rows.map((r) => [String(r.device_id), r]));
  });
}

describe('device health score', () => {
  it('scores healthy, stuck, offline, draining, flaky and vibrating devices by the documented formula', async () => {
    const ids = ['healthy', 'stuck', 'offline', 'drain', 'flaky', 'vibrating', 'anomalous'];
    const h = await health(ids.map((id) => device(id)), [
      day('healthy'),
      day('stuck', { stuck_sensors: 'vibration' }),
      day('drain', { battery_first: 45, battery_last: 18, battery_min: 18, battery_drain: 27 }),
      day('flaky', { offline_seconds: 6 * 3600 }),
      day('vibrating', { vibration_slope_per_day: 2 }),
      day('anomalous', { anomaly_count: 40, anomaly_rate: 0.04 }),
    ]);
    const score = (id: string) => Number(h.get(id)!.health_score);
    expect(score('healthy')).toBe(100);
    expect(h.get('healthy')!.recommendation).toBe('No action needed.');
    expect(score('stuck')).toBe(80); // 20 per stuck sensor
    expect(h.get('stuck')!.recommendation).toBe('Stuck vibration reading: recalibrate or replace the sensor.');
    expect(score('offline')).toBe(0);
    expect(h.get('offline')).toMatchObject({ health_status: 'offline', message_count: 0n, uptime_ratio: 0 });
    expect(score('drain')).toBe(75); // 100 - (15 below 20% + min(10, 27 - 5))
    expect(h.get('drain')!.recommendation).toBe('Battery low (18%) or draining fast: replace the battery.');
    expect(score('flaky')).toBe(85); // 60 x 6/24
    expect(h.get('flaky')!.recommendation).toBe('Offline 25% of the day: check connectivity and the gateway.');
    expect(score('vibrating')).toBe(90); // 5 x 2 mm/s per day
    expect(h.get('vibrating')!.recommendation).toBe('Vibration rising: inspect bearings, belts and mounting.');
    expect(score('anomalous')).toBe(90); // 250 x 0.04
    expect(h.get('anomalous')!.recommendation).toBe('Frequent out-of-range readings: inspect the device and its surroundings.');
  });

  it('penalties add up and the score never goes below 0', async () => {
    const h = await health([device('wreck')], [day('wreck', { stuck_sensors: 'temperature,vibration,humidity', offline_seconds: 86_000, anomaly_rate: 0.5, battery_min: 3, battery_drain: 60, vibration_slope_per_day: 9 })]);
    expect(h.get('wreck')).toMatchObject({ health_score: 0, health_status: 'critical', stuck_penalty: 40, anomaly_penalty: 25, battery_penalty: 25, vibration_penalty: 15 });
  });

  it('a device installed after the day, or decommissioned before it, is not expected that day', async () => {
    const gone = { ...device('gone'), valid_to: '2025-02-01T00:00:00Z', is_current: false };
    const h = await health([device('future', '2025-06-01'), gone, device('here')], [day('here')]);
    expect([...h.keys()].sort()).toEqual(['here']);
  });
});
