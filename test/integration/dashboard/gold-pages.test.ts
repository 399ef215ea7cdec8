// The Fleet, Energy and Environment pages in headless Chromium against the real stack: a small day
// produced, ingested and transformed (the transform harness: its own topics and namespaces), then
// each page shows that day's GOLD/SILVER figures as Trino returns them, the device drill-down
// shows a device's hourly readings and health history, and nothing logs a console error. Takes
// the README's screenshots (docs/screenshots/).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDashboard, type DashboardServer } from '../../../dashboard/server.js';
import { trinoQuery } from '../../../deploy/trino.js';
import { useTransformHarness } from '../transform/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('Fleet, Energy and Environment pages on a transformed day (headless Chromium)', () => {
  const h = useTransformHarness('dashpages');
  let dashboard: DashboardServer | undefined;
  let browser: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'floe-chromium-'));
  const query = async (sql: string): Promise<unknown[][]> => (await trinoQuery(h.config, sql)).rows;

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('shows "not there yet" before the first transform, then the day\'s figures, a device drill-down, no console errors', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
    dashboard = await startDashboard(h.config, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
    const page: Page = browser.pages()[0] ?? (await browser.newPage());
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    // A fresh load per page (not a hash change), so nothing shown is left from the page before.
    // No polling (refresh every 10 min): once a page has rendered, no request is in flight that
    // leaving it would abort (and report as a failed request).
    const open = async (hash: string): Promise<void> => {
      await page.goto('about:blank');
      await page.goto(`${dashboard!.url}/?refresh=600000#/${hash}`);
      await page.waitForSelector(`#page[data-page="${hash.split('?')[0]}"]`, { timeout: 30_000 });
    };

    // Nothing transformed in this harness's namespaces yet: each page says so, without an error.
    for (const [id, first] of [['fleet', 'fleet-summary'], ['energy', 'energy-hourly'], ['environment', 'env-summary']]) {
      await open(id!);
      await expect.poll(() => page.locator(`#${first}`).innerText(), { timeout: 30_000 }).toContain('not there yet');
    }

    h.produce({ count: 2500, devices: 20, buildings: 2 });
    await h.ingest();
    const out = await h.transform();
    if (!out.ok) throw new Error(out.message);
    const day = `DATE '${h.day}'`;
    const gold = (t: string) => h.table('gold', t);

    // Fleet: the least healthy device and the status counts as Trino has them.
    const least = await query(`SELECT device_id, recommendation FROM ${gold('device_health_summary')} WHERE day = ${day} ORDER BY health_score, device_id LIMIT 1`);
    const [leastId, advice] = least[0] as [string, string];
    const counts = await query(`SELECT health_status, count(*) FROM ${gold('device_health_summary')} WHERE day = ${day} GROUP BY 1`);
    await open('fleet');
    await expect.poll(() => page.locator('[data-testid=day]').textContent(), { timeout: 30_000 }).toBe(h.day);
    const firstRow = await page.locator('#fleet-least tbody tr').first().innerText();
    expect(firstRow).toContain(leastId);
    expect(firstRow).toContain(advice);
    for (const [status, n] of counts) expect(await page.locator(`[data-testid=status-${String(status)}]`).textContent()).toBe(String(n));
    const offline = Number((await query(`SELECT count(*) FROM ${gold('device_health_summary')} WHERE day = ${day} AND health_status = 'offline'`))[0]![0]);
    expect(Number(await page.locator('[data-testid=offline-count]').textContent())).toBe(offline);
    const stuck = Number((await query(`SELECT count(*) FROM ${gold('device_health_summary')} WHERE day = ${day} AND stuck_sensors IS NOT NULL`))[0]![0]);
    expect(Number(await page.locator('[data-testid=stuck-count]').textContent())).toBe(stuck);
    const anomalies = Number((await query(`SELECT coalesce(sum(anomaly_count), 0) FROM ${h.table('silver', 'telemetry')} WHERE date(event_ts) = ${day}`))[0]![0]);
    expect(anomalies).toBeGreaterThan(0);
    expect(Number(await page.locator('[data-testid=anomaly-total]').textContent())).toBe(anomalies);
    expect(await page.locator('#fleet-anomalies .chart canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'fleet.png'), fullPage: true });

    // Drill-down: click the least healthy device; its readings' charts and health history appear.
    const readings = (await query(`SELECT DISTINCT reading FROM ${gold('hourly_sensor_aggregates')} WHERE device_id = '${leastId}' AND date(hour) = ${day}`)).map((r) => String(r[0]));
    await page.locator(`#fleet-least a[data-device="${leastId}"]`).click();
    await expect.poll(() => page.locator('#fleet-device h2').textContent(), { timeout: 30_000 }).toBe(`Device ${leastId}`);
    await expect.poll(() => page.locator('[data-testid=reading-count]').textContent(), { timeout: 30_000 }).toBe(String(readings.length));
    for (const r of readings) await expect.poll(() => page.locator(`section[data-reading="${r}"] .chart canvas`).count()).toBeGreaterThan(0);
    expect(await page.locator('#fleet-history .chart canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'fleet-device.png'), fullPage: true });

    // Energy: each building's kWh and cost for the day.
    const buildings = await query(`SELECT building_id, round(sum(energy_kwh), 2), round(sum(cost), 2) FROM ${gold('building_energy_dashboard')} WHERE date(hour) = ${day} GROUP BY 1 ORDER BY 1`);
    expect(buildings.length).toBeGreaterThan(0);
    await open('energy');
    await expect.poll(() => page.locator('[data-testid=day]').textContent(), { timeout: 30_000 }).toBe(h.day);
    const energyTable = await page.locator('#energy-buildings').innerText();
    const re = (v: unknown): string => String(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const [b, kwh, cost] of buildings) expect(energyTable).toMatch(new RegExp(`${re(b)}\\s+${re(kwh)}\\s+[\\d.]+\\s+${re(cost)}(\\s|$)`));
    const lowPf = Number((await query(`SELECT count(*) FROM ${gold('building_energy_dashboard')} WHERE date(hour) = ${day} AND low_power_factor`))[0]![0]);
    expect(Number(await page.locator('[data-testid=low-pf-count]').textContent())).toBe(Math.min(100, lowPf));
    expect(await page.locator('#energy-hourly .chart canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'energy.png'), fullPage: true });

    // Environment: one cell per building and floor with readings that day.
    const cells = Number((await query(`SELECT count(*) FROM (SELECT DISTINCT building_id, floor FROM ${h.table('silver', 'telemetry')} WHERE date(event_ts) = ${day} AND floor IS NOT NULL)`))[0]![0]);
    expect(cells).toBeGreaterThan(1);
    await open('environment');
    await expect.poll(() => page.locator('[data-testid=cell-count]').textContent(), { timeout: 30_000 }).toBe(String(cells));
    for (const m of ['temperature', 'humidity', 'air_quality_index', 'noise_level']) expect(await page.locator(`#env-${m} .chart canvas`).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'environment.png'), fullPage: true });

    // ?day= chooses the day: one with nothing transformed shows empty figures, not an error.
    await open('fleet?day=2024-01-01');
    await expect.poll(() => page.locator('[data-testid=day]').textContent(), { timeout: 30_000 }).toBe('2024-01-01');
    expect(await page.locator('#fleet-least').innerText()).toContain('no devices');
    expect(problems).toEqual([]);
  }, 420_000);
});
