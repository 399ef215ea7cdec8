// The `{{name}}` variables model SQL may use. Values are rendered from validated inputs (a
// parsed day, numbers from the configuration) or generated from the contract's sensor table,
// so a normal range is declared once (models/sensors.ts), never copied into SQL.
import { SENSORS, SENSOR_NAMES, STUCK_CANDIDATES } from '../models/sensors.js';
import type { Day } from './day.js';
import { quoteIdent } from './duck.js';

export interface TemplateVars {
  day: Day;
  /** Currency per kWh for building_energy_dashboard.cost. */
  tariffPerKwh: number;
  /** Below this average power factor an hour is flagged. */
  lowPowerFactor: number;
}

function timestamptz(ms: number): string {
  return `TIMESTAMPTZ '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00')}'`;
}

function numberLiteral(name: string, v: number): string {
  if (!Number.isFinite(v)) throw new Error(`template variable ${name} must be a finite number, got ${v}`);
  return `${v}::DOUBLE`;
}

export function templateValues(vars: TemplateVars): Record<string, string> {
  const outside = SENSOR_NAMES.map((s) => {
    const [lo, hi] = SENSORS[s].normal;
    const c = quoteIdent(s);
    return [s, `${c} < ${lo} OR ${c} > ${hi}`] as const;
  });
  const outOfRange = outside.map(([s, cond]) => `CASE WHEN ${cond} THEN '${s}' END`);
  const stuck = STUCK_CANDIDATES.map((s) => {
    const c = quoteIdent(s);
    return `CASE WHEN ${c} = lag(${c}, 1) OVER w AND ${c} = lag(${c}, 2) OVER w AND ${c} = lag(${c}, 3) OVER w THEN '${s}' END`;
  });
  return {
    day: `DATE '${vars.day.iso}'`,
    day_start: timestamptz(vars.day.startMs),
    day_end: timestamptz(vars.day.endMs),
    tariff_per_kwh: numberLiteral('tariff_per_kwh', vars.tariffPerKwh),
    low_power_factor: numberLiteral('low_power_factor', vars.lowPowerFactor),
    reading_names: SENSOR_NAMES.map((s) => `'${s}'`).join(', '),
    // Readings outside their normal range as a string and a count (a list per row costs a third more at 10M rows).
    anomalous_readings: `nullif(concat_ws(',', ${outOfRange.join(', ')}), '')`,
    anomaly_count: `(${outside.map(([, cond]) => `CASE WHEN ${cond} THEN 1 ELSE 0 END`).join(' + ')})`,
    stuck_readings: `list_filter([${stuck.join(', ')}]::VARCHAR[], x -> x IS NOT NULL)`,
  };
}

/** Replaces every `{{name}}`; an unknown name is an error naming the model. */
export function renderSql(model: string, sql: string, vars: TemplateVars): string {
  const values = templateValues(vars);
  return sql.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`model ${model}: unknown template variable {{${name}}}; known: ${Object.keys(values).join(', ')}`);
    return v;
  });
}
