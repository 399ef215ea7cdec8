import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const floe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

/** A process and its descendants (a service may run under a launcher). */
function withDescendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const tasks = `/proc/${out[i]}/task`;
    if (!existsSync(tasks)) continue;
    for (const t of readdirSync(tasks)) {
      let kids: string;
      try {
        kids = readFileSync(`${tasks}/${t}/children`, 'utf8').trim();
      } catch {
        // The thread (or the process) ended between listing and reading: it has no children now.
        continue;
      }
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    }
  }
  return out;
}

/** TCP sockets the processes listen on, from /proc: local address (kernel hex form) and port. */
function listening(pids: number[]): { address: string; port: number; pid: number }[] {
  const found: { address: string; port: number; pid: number }[] = [];
  for (const pid of pids) {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
        const col = line.trim().split(/\s+/);
        if (col[3] !== '0A' || !inodes.has(col[9]!)) continue; // 0A: LISTEN
        const [address, port] = col[1]!.split(':');
        found.push({ address: address!, port: parseInt(port!, 16), pid });
      }
    }
  }
  return found;
}

/** 127.0.0.1, ::1 and ::ffff:127.0.0.1 as /proc/net/tcp{,6} print them. */
const LOOPBACK = new Set(['0100007F', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

describe('floe stack on the running stack', () => {
  it('every service listens on loopback only', () => {
    const r = floe('stack', 'status', '--json');
    expect(r.status, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout) as { service: string; pid: number }[];
    for (const s of st) {
      const sockets = listening(withDescendants(s.pid));
      expect(sockets.length, `${s.service} listens on no TCP port`).toBeGreaterThan(0);
      for (const k of sockets) expect(LOOPBACK.has(k.address), `${s.service} (pid ${k.pid}) listens on ${k.address}:${k.port}, not loopback`).toBe(true);
    }
  });

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
