// The dashboard serves the docs under /docs/ (a real server on a free port): built into the state
// dir on the first request. No service is needed: Temporal is connected lazily, Trino is unreachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../deploy/config.js';
import { startDashboard, type DashboardServer } from '../../../dashboard/server.js';

describe('docs served under /docs/', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'floe-docs-state-'));
  // Trino unreachable: the docs still build and say results are unavailable.
  const config = loadConfig({ ...process.env, FLOE_STATE_DIR: stateDir, FLOE_TRINO_URL: 'http://127.0.0.1:9' });
  let dashboard: DashboardServer;
  let base: string;
  beforeAll(async () => {
    dashboard = await startDashboard(config, { port: 0, host: '127.0.0.1' });
    base = dashboard.url;
  });
  afterAll(() => dashboard.close());

  it('builds on the first request and serves the pages, the CSS and nothing outside', async () => {
    expect(existsSync(join(stateDir, 'docs'))).toBe(false);
    const redirect = await fetch(`${base}/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/docs/');
    const index = await fetch(`${base}/docs/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    const html = await index.text();
    expect(html).toContain('<svg class="lineage"');
    expect(html).toContain('Check results are unavailable');
    expect(existsSync(join(stateDir, 'docs', 'index.html'))).toBe(true);
    expect((await fetch(`${base}/docs/tables/gold.dim_devices.html`)).status).toBe(200);
    expect((await fetch(`${base}/docs/style.css`)).headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${base}/docs/%2e%2e%2f%2e%2e%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${base}/docs/nope.html`)).status).toBe(404);
    // The dashboard's own routes are untouched.
    expect((await fetch(`${base}/api/pages`)).status).toBe(200);
  });
});
