// The Environment page's data from silver.telemetry: per building and floor, the day's average
// temperature, humidity, air quality index and noise level (the cells of four heatmaps).
import { gold, orNotYet, rows, silver, viewDay, type NotYet, type Row } from './gold.js';
import type { DashboardContext } from './context.js';

export const ENVIRONMENT_METRICS = ['temperature', 'humidity', 'air_quality_index', 'noise_level'] as const;

export interface EnvironmentView {
  available: true;
  day: string;
  table: string;
  metrics: readonly string[];
  cells: Row[];
}

export async function environmentView(ctx: DashboardContext, q: URLSearchParams): Promise<EnvironmentView | NotYet> {
  const table = silver(ctx, 'telemetry');
  return orNotYet(`${table} / ${gold(ctx, 'device_health_summary')}`, async () => {
    const day = await viewDay(ctx, q);
    if (!day) return undefined;
    const avgs = ENVIRONMENT_METRICS.map((m) => `round(avg(${m}), 2) AS ${m}`).join(', ');
    // event_ts bounds (not date(event_ts)) so Iceberg prunes to the day's partition.
    const cells = await rows(
      ctx,
      `SELECT building_id, floor, ${avgs}, count(DISTINCT device_id) AS devices FROM ${table}
       WHERE event_ts >= TIMESTAMP '${day} 00:00:00 UTC' AND event_ts < TIMESTAMP '${day} 00:00:00 UTC' + INTERVAL '1' DAY AND floor IS NOT NULL
       GROUP BY building_id, floor ORDER BY building_id, floor LIMIT 2000`,
    );
    return { available: true as const, day, table, metrics: ENVIRONMENT_METRICS, cells };
  });
}
