// The Fleet page's data from GOLD: the day's health score distribution (buckets computed in SQL),
// the least healthy devices with their advice, offline and stuck devices; and, for one device,
// its hourly aggregates over the day and its health history.
import { deviceParam, gold, orNotYet, rows, silver, viewDay, type NotYet, type Row } from './gold.js';
import type { DashboardContext } from './context.js';

export interface FleetView {
  available: true;
  day: string;
  table: string;
  statusCounts: Row[];
  histogram: { bucket: number; devices: number }[];
  leastHealthy: Row[];
  offline: Row[];
  stuck: Row[];
  offlineCount: number;
  stuckCount: number;
  /** Anomalous readings per UTC hour and reading (from silver.telemetry's anomalous_readings). */
  anomalies: Row[];
}

export async function fleetView(ctx: DashboardContext, q: URLSearchParams): Promise<FleetView | NotYet> {
  const table = gold(ctx, 'device_health_summary');
  return orNotYet(table, async () => {
    const day = await viewDay(ctx, q);
    if (!day) return undefined;
    const where = `WHERE day = DATE '${day}'`;
    const [statusCounts, hist, leastHealthy, offline, stuck, [counts], anomalies] = await Promise.all([
      rows(ctx, `SELECT health_status, count(*) AS devices FROM ${table} ${where} GROUP BY health_status ORDER BY health_status LIMIT 10`),
      rows(ctx, `SELECT least(9, CAST(floor(health_score / 10) AS integer)) AS bucket, count(*) AS devices FROM ${table} ${where} GROUP BY 1 ORDER BY 1 LIMIT 10`),
      rows(ctx, `SELECT device_id, device_type, building_id, health_score, health_status, recommendation FROM ${table} ${where} ORDER BY health_score, device_id LIMIT 10`),
      rows(ctx, `SELECT device_id, device_type, building_id, recommendation FROM ${table} ${where} AND health_status = 'offline' ORDER BY device_id LIMIT 50`),
      rows(ctx, `SELECT device_id, device_type, building_id, stuck_sensors FROM ${table} ${where} AND stuck_sensors IS NOT NULL ORDER BY device_id LIMIT 50`),
      rows(ctx, `SELECT count_if(health_status = 'offline') AS offline, count_if(stuck_sensors IS NOT NULL) AS stuck FROM ${table} ${where}`),
      rows(
        ctx,
        `SELECT hour(event_ts) AS hour_of_day, reading, count(*) AS anomalies
         FROM ${silver(ctx, 'telemetry')} CROSS JOIN UNNEST(split(anomalous_readings, ',')) AS a(reading)
         WHERE event_ts >= TIMESTAMP '${day} 00:00:00 UTC' AND event_ts < TIMESTAMP '${day} 00:00:00 UTC' + INTERVAL '1' DAY AND anomalous_readings IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 2000`,
      ),
    ]);
    const byBucket = new Map(hist.map((h) => [Number(h.bucket), Number(h.devices)]));
    const histogram = Array.from({ length: 10 }, (_, b) => ({ bucket: b, devices: byBucket.get(b) ?? 0 }));
    return { available: true as const, day, table, statusCounts, histogram, leastHealthy, offline, stuck, offlineCount: Number(counts?.offline ?? 0), stuckCount: Number(counts?.stuck ?? 0), anomalies };
  });
}

export interface DeviceView {
  available: true;
  day: string;
  device: string;
  hourly: Row[];
  history: Row[];
}

export async function deviceView(ctx: DashboardContext, q: URLSearchParams): Promise<DeviceView | NotYet> {
  const device = deviceParam(q);
  if (!device) throw new Error('device is required: /api/fleet/device?device=<id>');
  const aggregates = gold(ctx, 'hourly_sensor_aggregates');
  return orNotYet(aggregates, async () => {
    const day = await viewDay(ctx, q);
    if (!day) return undefined;
    const [hourly, history] = await Promise.all([
      rows(
        ctx,
        `SELECT reading, hour(hour) AS hour_of_day, round(avg_value, 3) AS avg_value, round(min_value, 3) AS min_value, round(max_value, 3) AS max_value
         FROM ${aggregates} WHERE device_id = '${device}' AND date(hour) = DATE '${day}' ORDER BY reading, hour LIMIT 1000`,
      ),
      rows(
        ctx,
        `SELECT CAST(day AS varchar) AS day, health_score, health_status, recommendation FROM ${gold(ctx, 'device_health_summary')}
         WHERE device_id = '${device}' AND day <= DATE '${day}' ORDER BY day DESC LIMIT 90`,
      ),
    ]);
    return { available: true as const, day, device, hourly, history: history.reverse() };
  });
}
