// The Energy page's data from gold.building_energy_dashboard: kWh per building and hour, peak kW
// and cost per building for the day, and the hours with a low power factor.
import { gold, orNotYet, rows, viewDay, type NotYet, type Row } from './gold.js';
import type { DashboardContext } from './context.js';

export interface EnergyView {
  available: true;
  day: string;
  table: string;
  hourly: Row[];
  buildings: Row[];
  lowPowerFactor: Row[];
}

export async function energyView(ctx: DashboardContext, q: URLSearchParams): Promise<EnergyView | NotYet> {
  const table = gold(ctx, 'building_energy_dashboard');
  return orNotYet(table, async () => {
    const day = await viewDay(ctx, q);
    if (!day) return undefined;
    const where = `WHERE date(hour) = DATE '${day}'`;
    const [hourly, buildings, lowPowerFactor] = await Promise.all([
      rows(ctx, `SELECT building_id, hour(hour) AS hour_of_day, round(energy_kwh, 3) AS energy_kwh FROM ${table} ${where} ORDER BY building_id, hour LIMIT 5000`),
      rows(
        ctx,
        `SELECT building_id, round(sum(energy_kwh), 2) AS energy_kwh, round(max(peak_kw), 2) AS peak_kw, round(sum(cost), 2) AS cost,
           round(avg(avg_power_factor), 3) AS avg_power_factor, count_if(low_power_factor) AS low_pf_hours
         FROM ${table} ${where} GROUP BY building_id ORDER BY building_id LIMIT 200`,
      ),
      rows(
        ctx,
        `SELECT building_id, CAST(hour AS varchar) AS hour, round(avg_power_factor, 3) AS avg_power_factor, round(energy_kwh, 3) AS energy_kwh
         FROM ${table} ${where} AND low_power_factor ORDER BY hour, building_id LIMIT 100`,
      ),
    ]);
    return { available: true as const, day, table, hourly, buildings, lowPowerFactor };
  });
}
