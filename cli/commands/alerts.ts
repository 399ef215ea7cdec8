import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';
import { printTable } from './stack.js';

interface AlertsOptions {
  open?: boolean;
  since?: string;
  limit?: string;
  json?: boolean;
}

export function registerAlerts(program: Command): void {
  program
    .command('alerts')
    .description('list threshold alerts (gold.alerts through Trino), newest first')
    .option('--open', 'only alerts that are still open')
    .option('--since <iso>', 'only alerts open at some time since this instant, e.g. 2026-01-10T00:00:00Z')
    .option('--limit <n>', 'at most this many alerts (default 100)')
    .option('--json', 'one JSON object per alert instead of a table')
    .action(async (opts: AlertsOptions) => {
      if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) throw new UsageError(`--since must be an ISO 8601 instant, got ${JSON.stringify(opts.since)}`);
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(opts.limit)}`);
      const { listAlerts } = await import('../../alerts/list.js');
      const rows = await listAlerts(loadConfig(), { open: opts.open, since: opts.since, limit });
      if (opts.json) {
        for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      printTable(
        ['status', 'severity', 'rule', 'device', 'building', 'value', 'peak', 'threshold', 'opened', 'closed'],
        rows.map((r) => [r.status, r.severity, r.rule_id, r.device_id, r.building_id ?? '', String(r.value), String(r.peak), String(r.threshold), r.opened_at, r.closed_at ?? '']),
      );
      process.stdout.write(`(${rows.length} alert${rows.length === 1 ? '' : 's'})\n`);
    });
}
