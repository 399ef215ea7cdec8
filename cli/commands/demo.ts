// `floe demo`: the whole pipeline on the local stack, step by step, through the same commands a
// person would type. Every step's exit code is checked; the first failure stops the demo and
// names the step.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { stackUp } from './stack.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'floe.js');

function step(title: string, args: string[]): void {
  process.stdout.write(`\n== ${title}\n$ floe ${args.map((a) => (/[\s"*]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`demo step "${title}" failed (exit ${r.status ?? r.signal})`);
}

interface DemoOptions {
  count: string;
  devices: string;
  day?: string;
  seed: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('set up the local stack and run the pipeline on it: simulate a day of telemetry, ingest it exactly once, verify, transform into SILVER and GOLD behind quality checks, query')
    .option('--count <n>', 'messages to simulate', '200000')
    .option('--devices <n>', 'simulated devices', '200')
    .option('--day <yyyy-mm-dd>', 'the day the events belong to (default: yesterday, UTC)')
    .option('--seed <k>', 'simulator seed', '42')
    .action(async (opts: DemoOptions) => {
      const c = loadConfig();
      process.stdout.write('== local stack\n');
      await stackUp();

      const { ensureWorker, workerPaths } = await import('../../deploy/stack/worker.js');
      const w = await ensureWorker(c);
      process.stdout.write(`\n== floe worker: ${w.state} (pid ${w.rec.pid}, log ${workerPaths(c).log})\n`);

      const day = opts.day ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const dir = join(c.stateDir, 'demo');
      mkdirSync(dir, { recursive: true });
      const manifest = join(dir, `manifest-${day}-seed${opts.seed}.json`);
      step(`simulate ${opts.count} messages from ${opts.devices} devices over ${day} (mixed: 70% valid, 30% issues)`, [
        'produce', '--scenario', 'mixed', '--count', opts.count, '--devices', opts.devices, '--buildings', '8',
        '--start', `${day}T00:00:00Z`, '--span', '24h', '--seed', opts.seed, '--manifest', manifest, '--quiet',
      ]);
      step('start the threshold-alerts run: it evaluates each RAW batch as it is committed (deploy/alerts.json)', ['run', 'alerts']);
      step('ingest Kafka into RAW and the dead-letter table, exactly once (Temporal workflow)', ['run', 'ingest', '--wait']);
      step('verify: RAW rows + DLQ rows = Kafka messages in every committed range', ['verify', 'ingest']);
      const raw = `${c.trino.catalog}.${c.ingest.rawNamespace}`;
      step('query RAW with Trino: the busiest hours of the day', [
        'query',
        `SELECT date_trunc('hour', event_ts) AS hour, count(*) AS events, count(DISTINCT device_id) AS devices, round(avg(temperature), 2) AS avg_temp_c FROM ${raw}.telemetry WHERE event_ts >= TIMESTAMP '${day} 00:00:00 UTC' AND event_ts < TIMESTAMP '${day} 00:00:00 UTC' + INTERVAL '1' DAY GROUP BY 1 ORDER BY events DESC LIMIT 5`,
      ]);
      step('query the dead-letter table: why messages were rejected', [
        'query',
        `SELECT error_kind, count(*) AS messages, min(error_path) AS example_path FROM ${raw}.telemetry_dlq GROUP BY 1 ORDER BY 2 DESC`,
      ]);
      step(`transform ${day}: SILVER and GOLD on a run branch, data-quality checks, merge into main (Temporal workflow)`, ['run', 'transform', '--day', day, '--wait']);
      step('data-quality results of the day, failures first', ['dq', 'results', '--day', day]);
      const lake = c.trino.catalog;
      const t = c.transform;
      step('rows per layer for the day, through Trino on main', [
        'query',
        `SELECT 'raw' AS layer, count(*) AS rows FROM ${raw}.telemetry WHERE CAST(event_ts AS date) = DATE '${day}' ` +
          `UNION ALL SELECT 'dlq', count(*) FROM ${raw}.telemetry_dlq ` +
          `UNION ALL SELECT 'silver', count(*) FROM ${lake}.${t.silverNamespace}.telemetry WHERE CAST(event_ts AS date) = DATE '${day}' ` +
          `UNION ALL SELECT 'gold: device health', count(*) FROM ${lake}.${t.goldNamespace}.device_health_summary WHERE day = DATE '${day}' ` +
          `UNION ALL SELECT 'gold: hourly aggregates', count(*) FROM ${lake}.${t.goldNamespace}.hourly_sensor_aggregates WHERE CAST(hour AS date) = DATE '${day}'`,
      ]);
      step('the fleet by health status', [
        'query',
        `SELECT health_status, count(*) AS devices, round(avg(health_score), 1) AS avg_score FROM ${lake}.${t.goldNamespace}.device_health_summary WHERE day = DATE '${day}' GROUP BY 1 ORDER BY avg_score DESC`,
      ]);
      step('the five least healthy devices and what to do about them', [
        'query',
        `SELECT device_id, device_type, round(health_score, 1) AS score, health_status, recommendation FROM ${lake}.${t.goldNamespace}.device_health_summary WHERE day = DATE '${day}' ORDER BY health_score, device_id LIMIT 5`,
      ]);
      step('the building that used the most energy', [
        'query',
        `SELECT building_id, round(sum(energy_kwh), 1) AS kwh, round(max(peak_kw), 1) AS peak_kw, round(sum(cost), 2) AS cost, count_if(low_power_factor) AS low_pf_hours FROM ${lake}.${t.goldNamespace}.building_energy_dashboard WHERE CAST(hour AS date) = DATE '${day}' GROUP BY 1 ORDER BY kwh DESC LIMIT 1`,
      ]);
      process.stdout.write(
        `\nDone. Watch the runs in the Temporal UI: ${c.temporal.uiUrl}/namespaces/${c.temporal.namespace}/workflows\n` +
          `Query more with: npx floe query "SELECT count(*) FROM ${raw}.telemetry"\nManifest of what was produced: ${manifest}\n` +
          'Alerts raised by the anomalies: npx floe alerts (open ones: --open); the web dashboard: npx floe dashboard\n' +
          'The stack and the worker keep running; stop them with: npx floe stack down\n',
      );
    });
}
