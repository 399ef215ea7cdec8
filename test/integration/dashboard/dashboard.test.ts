// The dashboard in headless Chromium (Debian's chromium, driven by playwright-core) against the
// real stack: every page loads without console errors, the Alerts page shows the alerts the
// workflow raised, and the Pipeline page updates while a batch is ingested. Takes the README's
// screenshots (docs/screenshots/).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDashboard, type DashboardServer } from '../../../dashboard/server.js';
import { PAGES } from '../../../dashboard/pages.js';
import { send } from '../ingest/helpers.js';
import { AlertsHarness, eventually, readings } from '../alerts/harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const RULES = {
  version: 1,
  rules: [
    { id: 'temperature-high', reading: 'temperature', direction: 'above', threshold: 30, clear: 28, severity: 'warning', for_seconds: 30 },
    { id: 'temperature-critical', reading: 'temperature', direction: 'above', threshold: 45, clear: 42, severity: 'critical', for_seconds: 30 },
    { id: 'battery-low', reading: 'battery_level', direction: 'below', threshold: 20, clear: 25, severity: 'info', for_seconds: 0 },
  ],
};
const BASE = Date.UTC(2026, 0, 14, 7);

describe('dashboard in headless Chromium (real stack)', () => {
  let h: AlertsHarness | undefined;
  let worker: ReturnType<AlertsHarness['spawnWorker']> | undefined;
  let dashboard: DashboardServer | undefined;
  let browser: BrowserContext | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'floe-chromium-'));

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    worker?.kill('SIGTERM');
    await worker?.exited;
    await h?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('every page loads, alerts show, the pipeline page updates while a batch is ingested, no console errors', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
    h = new AlertsHarness('dash', RULES);
    await h.setup();
    worker = h.spawnWorker();
    await h.startAlerts();
    const { devices, partitions, topic } = h.ingest;
    // dev-a warm (warning), dev-b hot (critical and warning), dev-c then recovers (closed).
    const temp = (d: string, s: number): number => (d === 'dev-a' ? 36 : d === 'dev-b' ? 50 : d === 'dev-c' ? (s < 90 ? 33 : 24) : 22);
    await send(topic, readings(devices, partitions, [0, 15, 30, 45, 60, 75, 90, 105, 120], BASE, temp));
    await h.ingestAll();
    await eventually('alerts published', async () => ((await h!.published()).length >= 4 ? true : undefined));

    dashboard = await startDashboard(h.config, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 860 } });
    const page: Page = browser.pages()[0] ?? (await browser.newPage());
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));

    // Every page in the registry loads and shows its first card.
    for (const p of PAGES) {
      await page.goto(`${dashboard.url}/?refresh=1000#/${p.id}`);
      await page.waitForSelector(`#page[data-page="${p.id}"]`);
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^updated /);
    }

    await page.goto(`${dashboard.url}/?refresh=1000#/alerts`);
    await expect.poll(() => page.locator('[data-testid=open-count]').textContent(), { timeout: 30_000 }).toBe('3');
    const openTable = await page.locator('#alerts-open').innerText();
    expect(openTable).toContain('dev-a');
    expect(openTable).toContain('temperature-critical');
    expect(await page.locator('#alerts-recent').innerText()).toMatch(/closed\s+warning\s+temperature-high\s+dev-c/);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'alerts.png'), fullPage: true });

    await page.goto(`${dashboard.url}/?refresh=1000#/pipeline`);
    await page.waitForSelector('[data-testid=raw-rows]');
    const rowsBefore = Number(await page.locator('[data-testid=raw-rows]').textContent());
    expect(rowsBefore).toBe(36);
    expect(await page.locator('#pipeline-runs a').first().getAttribute('href')).toMatch(/^http:\/\/.*\/namespaces\/.*\/workflows\//);
    // Produce and ingest another batch: the open page (no reload) shows the lag, then the rows.
    await send(topic, readings(devices, partitions, [135, 150, 165], BASE, () => 22));
    await expect.poll(async () => Number(await page.locator('[data-testid=total-lag]').textContent()), { timeout: 30_000 }).toBe(12);
    await page.screenshot({ path: join(root, 'docs', 'screenshots', 'pipeline.png'), fullPage: true });
    await h.ingestAll();
    await expect.poll(async () => Number(await page.locator('[data-testid=raw-rows]').textContent()), { timeout: 30_000 }).toBe(48);
    await expect.poll(async () => Number(await page.locator('[data-testid=total-lag]').textContent()), { timeout: 30_000 }).toBe(0);
    expect(problems).toEqual([]);
  }, 300_000);
});
