import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const floe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env } });

describe('floe alerts, floe run alerts, floe dashboard: arguments', () => {
  it.each([
    [['alerts', '--since', 'yesterday'], /--since must be an ISO 8601 instant, got "yesterday"/],
    [['alerts', '--limit', '0'], /--limit must be a positive integer, got "0"/],
    [['alerts', '--color'], /unknown option '--color'/],
    [['run', 'alerts', '--env', 'qa'], /--env must be one of dev, staging, prod, got "qa"/],
    [['dashboard', '--port', '99999'], /--port must be a port number \(0-65535\), got "99999"/],
  ])('rejects %j with a usage message and exit code 2', (args, message) => {
    const r = floe(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('each has --help', () => {
    for (const args of [['alerts'], ['run', 'alerts'], ['dashboard']]) {
      const r = floe(...args, '--help');
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(`floe ${args.join(' ')}`);
    }
  });
});
