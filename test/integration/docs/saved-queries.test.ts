// Saved queries and docs on the real stack: a small day produced, ingested and transformed (the
// transform harness, its own topics and namespaces), then each saved query run by `floe query
// --saved` through Trino on main and checked against the GOLD/SILVER tables it reads; then
// `floe docs build` shows that day's check results.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trinoQuery } from '../../../deploy/trino.js';
import { modelCatalog } from '../../../models/catalog.js';
import { savedQueries } from '../../../docs/queries.js';
import { useTransformHarness } from '../transform/harness.js';

function floe(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/floe.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('saved queries and docs on a transformed day', () => {
  const h = useTransformHarness('docs');
  const one = async (sql: string): Promise<number> => Number((await trinoQuery(h.config, sql)).rows[0]![0]);
  const saved = async (name: string, ...extra: string[]): Promise<Record<string, unknown>[]> => {
    const r = await floe(h.env, 'query', '--saved', name, '--json', ...extra);
    if (r.code !== 0) throw new Error(`floe query --saved ${name} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  it('every saved query runs on main and agrees with the tables it reads', async () => {
    h.produce({ count: 2500, devices: 20, buildings: 2 });
    await h.ingest();
    const out = await h.transform();
    if (!out.ok) throw new Error(out.message);
    const day = `DATE '${h.day}'`;
    const gold = (t: string) => h.table('gold', t);

    const status = await saved('device_status', '--day', h.day);
    expect(status.length).toBeGreaterThan(0);
    expect(status.length).toBe(await one(`SELECT count(DISTINCT device_id) FROM ${h.table('silver', 'telemetry')} WHERE date(event_ts) = ${day}`));
    expect(Object.keys(status[0]!)).toEqual(['device_id', 'device_type', 'building_id', 'status', 'last_seen', 'battery_level', 'signal_strength']);

    const anomalies = await saved('anomaly_summary', '--day', h.day);
    expect(anomalies.reduce((s, r) => s + Number(r.anomalies), 0)).toBe(await one(`SELECT sum(anomaly_count) FROM ${gold('daily_device_metrics')} WHERE day = ${day}`));

    const heatmap = await saved('building_temperature_heatmap', '--day', h.day);
    expect(heatmap.length).toBeGreaterThan(0);
    for (const cell of heatmap) {
      expect(Number(cell.hour_of_day)).toBeGreaterThanOrEqual(0);
      expect(Number(cell.hour_of_day)).toBeLessThan(24);
      expect(cell.floor).not.toBeNull();
    }

    const energy = await saved('energy_trends', '--day', h.day);
    expect(energy.length).toBeGreaterThan(0);
    expect(energy.length).toBe(await one(`SELECT count(*) FROM ${gold('building_energy_dashboard')} WHERE date(hour) = ${day}`));

    const health = await saved('device_health', '--day', h.day);
    expect(health.length).toBeGreaterThan(0);
    expect(health.length).toBe(Math.min(100, await one(`SELECT count(*) FROM ${gold('device_health_summary')} WHERE day = ${day}`)));
    expect(health.map((r) => Number(r.health_score))).toEqual([...health.map((r) => Number(r.health_score))].sort((a, b) => a - b));

    const maintenance = await saved('maintenance_alerts', '--day', h.day);
    expect(maintenance.length).toBe(await one(`SELECT count(*) FROM ${gold('device_health_summary')} WHERE day = ${day} AND recommendation <> 'No action needed.'`));
    for (const m of maintenance) expect(m.building_name, String(m.device_id)).not.toBeNull();

    // Without --day: the latest transformed day, which in this harness's namespaces is h.day.
    expect((await saved('device_health')).length).toBe(health.length);
    expect(savedQueries()).toHaveLength(6);
  });

  it('floe docs build shows the latest check results from dq.check_results on main', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-docs-it-'));
    const r = await floe(h.env, 'docs', 'build', '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('unavailable');
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(index).toMatch(/latest per check from <code>dq.check_results<\/code> on main \(\d+ checks have run\)/);
    for (const m of modelCatalog().filter((x) => x.checks.length)) {
      const page = readFileSync(join(dir, 'tables', `${m.name}.html`), 'utf8');
      for (const c of m.checks) expect(page, `${m.name} ${c.name}`).toMatch(new RegExp(`data-check="${c.name}">.*<td class="(pass|fail)">.*<td>${h.day}</td></tr>`));
    }
  });
});
