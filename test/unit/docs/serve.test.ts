// The dashboard's /docs route on a real HTTP server: built into the state dir on first request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../deploy/config.js';
import { docsRoute } from '../../../docs/serve.js';

describe('docs served under /docs/', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'floe-docs-state-'));
  // Trino unreachable: the docs still build and say results are unavailable.
  const config = loadConfig({ ...process.env, FLOE_STATE_DIR: stateDir, FLOE_TRINO_URL: 'http://127.0.0.1:9' });
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const route = docsRoute(config);
    server = createServer((req, res) => {
      if (route.matches(req)) void route.serve(req, res);
      else res.writeHead(418).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

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
    expect((await fetch(`${base}/api/pages`)).status).toBe(418);
  });
});
