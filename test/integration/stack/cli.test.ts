import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const floe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('floe stack on the running stack', () => {
  it('status --json shows all five services healthy with pid and endpoint', () => {
    const r = floe('stack', 'status', '--json');
    expect(r.status, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout) as { service: string; healthy: boolean; pid: number; endpoint: string; rssBytes: number }[];
    expect(st.map((s) => s.service).sort()).toEqual(['kafka', 'nessie', 's3', 'temporal', 'trino']);
    for (const s of st) {
      expect(s.healthy, `${s.service}: ${JSON.stringify(s)}`).toBe(true);
      expect(s.pid).toBeGreaterThan(1);
      expect(s.rssBytes).toBeGreaterThan(0);
    }
  });

  it('a second `up` finds everything running and only probes (warm, idempotent)', () => {
    const t0 = Date.now();
    const r = floe('stack', 'up');
    const seconds = (Date.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/already running/g)).toHaveLength(5);
    expect(r.stdout).toContain('Temporal UI: http://');
    expect(seconds).toBeLessThan(60);
  });

  it('query prints a table and JSON lines', () => {
    const table = floe('query', "SELECT 'hvac' AS device_type, 3 AS n");
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/device_type\s+n\n-+\s+-+\nhvac\s+3/);
    const json = floe('query', "SELECT 'hvac' AS device_type, 3 AS n", '--json');
    expect(JSON.parse(json.stdout.trim())).toEqual({ device_type: 'hvac', n: 3 });
  });

  it('a failing query exits 1 with the Trino error name', () => {
    const r = floe('query', 'SELECT * FROM lake.nope.nope');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Trino query failed \((SCHEMA|TABLE)_NOT_FOUND/);
  });
});
