// Declared checks compile to SQL that counts exactly the offending rows.
import { describe, expect, it } from 'vitest';
import { modelByName } from '../../../models/catalog.js';
import { checkSql } from '../../../transform/checks.js';
import { withDuck } from '../../../transform/duck.js';
import { loadRows } from '../../../transform/rows.js';
import { renderSql } from '../../../transform/templates.js';
import { parseDay } from '../../../transform/day.js';
import type { CheckDef } from '../../../transform/model.js';

const energy = (building: string, hour: string, extra: Record<string, unknown> = {}) => ({ hour, building_id: building, metered_devices: 1, energy_kwh: 1, peak_kw: 1, avg_power_factor: 0.9, low_power_factor: false, tariff_per_kwh: 0.25, cost: 0.25, ...extra });

describe('data-quality checks', () => {
  it('not_null, unique, accepted_range, relationship and expression checks count offending rows', async () => {
    const model = modelByName('gold.building_energy_dashboard');
    const checks: CheckDef[] = [
      { name: 'nn', kind: 'not_null', columns: ['avg_power_factor'], severity: 'block' },
      { name: 'uq', kind: 'unique', columns: ['hour', 'building_id'], severity: 'block' },
      { name: 'rg', kind: 'accepted_range', column: 'avg_power_factor', min: 0, max: 1, severity: 'block' },
      { name: 'rel', kind: 'relationship', column: 'building_id', to: 'gold.dim_devices', field: 'building_id', severity: 'warn' },
      { name: 'ex', kind: 'expression', sql: 'SELECT count(*) AS observed FROM gold_building_energy_dashboard WHERE cost > 0.3', op: '=', threshold: 0, severity: 'warn' },
    ];
    const observed = await withDuck({ threads: 1, memoryLimit: '256MB' }, async (duck) => {
      await loadRows(duck, 'gold_building_energy_dashboard', [
        energy('b1', '2025-03-01T00:00:00Z'),
        energy('b1', '2025-03-01T00:00:00Z', { avg_power_factor: 1.2, cost: 0.5 }),
        energy('b1', '2025-03-01T00:00:00Z', { metered_devices: 3 }),
        energy('b1', '2025-03-01T01:00:00Z'),
        energy('b2', '2025-03-01T01:00:00Z', { avg_power_factor: null }),
        energy('b9', '2025-03-01T02:00:00Z', { avg_power_factor: -0.1 }),
      ]);
      await loadRows(duck, 'gold_dim_devices', [{ device_key: 'd@1', device_id: 'd', building_id: 'b1' }, { device_key: 'e@1', device_id: 'e', building_id: 'b2' }]);
      const out: Record<string, number> = {};
      for (const c of checks) out[c.name] = Number((await duck.one(checkSql(model, c)!.sql)).observed);
      return out;
    });
    expect(observed).toEqual({ nn: 1, uq: 2, rg: 2, rel: 1, ex: 1 });
  });

  it('every declared check of every model compiles to SQL or is a built-in', async () => {
    const { loadModels } = await import('../../../models/catalog.js');
    for (const m of loadModels()) for (const c of m.checks) expect(c.kind === 'builtin' || checkSql(m, c) !== undefined, `${m.name}.${c.name}`).toBe(true);
  });

  it('model SQL templates: normal ranges come from the contract; an unknown variable names the model', () => {
    const vars = { day: parseDay('2025-03-01'), tariffPerKwh: 0.3, lowPowerFactor: 0.8 };
    const sql = renderSql('silver.telemetry', 'SELECT {{anomalous_readings}}, {{day}}, {{tariff_per_kwh}}', vars);
    expect(sql).toContain(`CASE WHEN "temperature" < 15 OR "temperature" > 35 THEN 'temperature' END`);
    expect(sql).toContain(`DATE '2025-03-01'`);
    expect(sql).toContain('0.3::DOUBLE');
    expect(() => renderSql('gold.x', 'SELECT {{nope}}', vars)).toThrow('model gold.x: unknown template variable {{nope}}');
  });
});
