import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const floe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env } });

describe('floe command line', () => {
  it('--help lists the subcommands and exits 0', () => {
    const r = floe('--help');
    expect(r.status).toBe(0);
    for (const cmd of ['stack', 'query', 'demo', 'config']) expect(r.stdout).toContain(cmd);
  });

  it('every stack subcommand has --help', () => {
    for (const sub of ['up', 'down', 'status', 'logs']) {
      const r = floe('stack', sub, '--help');
      expect(r.status, sub).toBe(0);
      expect(r.stdout).toContain(`floe stack ${sub}`);
    }
  });

  it.each([
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['stack', 'up', 'postgres'], /unknown service "postgres"; services are: s3, temporal, kafka, nessie, trino/],
    [['stack', 'logs', 'kafka', '--lines', 'many'], /--lines must be a positive integer, got "many"/],
    [['query'], /missing the SQL statement \(or --saved NAME\)/],
    [['query', '--saved', 'nope'], /no saved query named "nope"; saved queries: anomaly_summary, building_temperature_heatmap, device_health, device_status, energy_trends, maintenance_alerts/],
    [['query', '--saved', 'device_health', '--day', '2025-02-30'], /--day: day "2025-02-30" is not a calendar date/],
    [['query', 'SELECT 1', '--saved', 'device_health'], /either a SQL statement or --saved NAME, not both/],
  ])('rejects %j with a usage message and exit code 2', (args, message) => {
    const r = floe(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a bad configuration value exits 2 naming the key', () => {
    const r = spawnSync(process.execPath, [bin, 'config'], { encoding: 'utf8', env: { ...process.env, FLOE_KAFKA_PORT: '-1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('FLOE_KAFKA_PORT="-1"');
  });
});
