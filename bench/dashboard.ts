// `npm run bench dashboard`: how fast the dashboard answers for a fleet of 10k devices. A simulated
// day (bench/synthetic-day.ts) is transformed into SILVER and GOLD and published on main in
// namespaces of its own (Trino, which the dashboard queries, reads main); then every page's API is
// called through the dashboard's HTTP server, cold once and warm several times, and the tables are
// dropped through Trino afterwards.
// FLOE_BENCH_DASHBOARD_ROWS (default 1M), _DEVICES (10k), _BUILDINGS (50), _REPEAT (5 warm calls).
import { startDashboard } from '../dashboard/server.js';
import { trinoQuery } from '../deploy/trino.js';
import type { FloeConfig } from '../deploy/config.js';
import { prepareRun, publishRun } from '../transform/branches.js';
import { buildSilver } from '../transform/silver.js';
import { buildGold } from '../transform/gold.js';
import { runChecks } from '../transform/checks.js';
import { syntheticDay } from './synthetic-day.js';
import type { Figure } from './figure.js';

async function timedGet(url: string): Promise<{ ms: number; bytes: number; body: unknown }> {
  const t0 = performance.now();
  const res = await fetch(url);
  const text = await res.text();
  const ms = performance.now() - t0;
  const body: unknown = JSON.parse(text);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${JSON.stringify(body)}`);
  if ((body as { available?: boolean }).available === false) throw new Error(`GET ${url}: the page says its data is not there: ${JSON.stringify(body)}`);
  return { ms, bytes: Buffer.byteLength(text), body };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Drops every table of the bench's namespaces, then the namespaces (on main, through Trino). */
async function dropNamespaces(c: FloeConfig, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) {
    const tables = await trinoQuery(c, `SHOW TABLES FROM ${c.trino.catalog}.${ns}`).catch(() => undefined);
    if (!tables) continue;
    for (const [t] of tables.rows) await trinoQuery(c, `DROP TABLE IF EXISTS ${c.trino.catalog}.${ns}."${String(t)}"`);
    await trinoQuery(c, `DROP SCHEMA IF EXISTS ${c.trino.catalog}.${ns}`);
  }
}

export default async function dashboardBench(): Promise<Figure[]> {
  const rows = Number(process.env.FLOE_BENCH_DASHBOARD_ROWS ?? 1_000_000);
  const devices = Number(process.env.FLOE_BENCH_DASHBOARD_DEVICES ?? 10_000);
  const buildings = Number(process.env.FLOE_BENCH_DASHBOARD_BUILDINGS ?? 50);
  const repeat = Number(process.env.FLOE_BENCH_DASHBOARD_REPEAT ?? 5);
  const synth = await syntheticDay('dashboard', rows, devices, buildings, false);
  const { config, deps, day, id } = synth;
  const ns = deps.settings.namespaces;
  try {
    const prepared = await prepareRun(deps, { day: day.iso, branch: `transform-bench-${day.iso}-${id}` });
    const input = { branch: prepared.branch, day, runId: `bench${id}` };
    await buildSilver(deps, input);
    await buildGold(deps, input);
    await runChecks(deps, input);
    await publishRun(deps, { branch: prepared.branch, runId: input.runId });
    const [[published]] = (await trinoQuery(config, `SELECT count(*) FROM ${config.trino.catalog}.${ns.gold}.device_health_summary WHERE day = DATE '${day.iso}'`)).rows as [[number]];
    process.stdout.write(`   ${synth.rawRows} RAW rows, ${devices} devices, ${buildings} buildings; ${published} device health rows on main for ${day.iso}\n`);

    const dashboard = await startDashboard(config, { port: 0, host: '127.0.0.1' });
    try {
      const fleet = await timedGet(`${dashboard.url}/api/fleet/view?day=${day.iso}`);
      const least = (fleet.body as { leastHealthy: { device_id: string }[] }).leastHealthy[0]?.device_id;
      if (!least) throw new Error('the Fleet page lists no device');
      const apis: [string, string][] = [
        ['Fleet', `/api/fleet/view?day=${day.iso}`],
        ['Fleet device drill-down', `/api/fleet/device?day=${day.iso}&device=${encodeURIComponent(least)}`],
        ['Energy', `/api/energy/view?day=${day.iso}`],
        ['Environment', `/api/environment/view?day=${day.iso}`],
        ['Pipeline', '/api/pipeline/view'],
        ['Alerts', '/api/alerts/view'],
      ];
      const out: Figure[] = [];
      for (const [page, path] of apis) {
        const first = page === 'Fleet' ? fleet : await timedGet(dashboard.url + path);
        const cold = first.ms;
        const warm: number[] = [];
        for (let i = 0; i < repeat; i++) warm.push((await timedGet(dashboard.url + path)).ms);
        process.stdout.write(`   ${page}: ${(first.bytes / 1024).toFixed(1)} KiB; first ${cold.toFixed(0)} ms, then ${warm.map((m) => m.toFixed(0)).join(' / ')} ms\n`);
        out.push({ name: `${page} API, ${devices / 1000}k devices: median of ${repeat}`, value: median(warm), unit: 'ms', target: '<= 2000' });
        out.push({ name: `${page} API, ${devices / 1000}k devices: first call`, value: cold, unit: 'ms' });
        out.push({ name: `${page} API, ${devices / 1000}k devices: answer size`, value: first.bytes / 1024, unit: 'KiB' });
      }
      return out;
    } finally {
      await dashboard.close();
    }
  } finally {
    await synth.close();
    await dropNamespaces(config, [ns.gold, ns.silver, ns.dq, ns.raw]);
  }
}
