// Alerts as people ask for them (one row per alert: opened, maybe closed), read through Trino
// from the events table. Used by `floe alerts` and the dashboard.
import type { FloeConfig } from '../deploy/config.js';
import { trinoQuery } from '../deploy/trino.js';

export interface ListAlertsOptions {
  /** Only alerts not closed yet. */
  open?: boolean;
  /** Only alerts open at some time since this instant (ISO 8601). */
  since?: string;
  limit?: number;
}

export interface AlertRow {
  alert_id: string;
  severity: string;
  rule_id: string;
  reading: string;
  device_id: string;
  device_type: string | null;
  building_id: string | null;
  threshold: number;
  value: number;
  peak: number;
  opened_at: string;
  closed_at: string | null;
  status: 'open' | 'closed';
}

/** Quotes a string literal for Trino SQL. */
function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

export function listAlertsSql(namespace: string, opts: ListAlertsOptions = {}): string {
  if (!/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`alerts namespace ${JSON.stringify(namespace)} must be a lowercase identifier`);
  const where = [`o.kind = 'open'`];
  if (opts.open) where.push('c.alert_id IS NULL');
  if (opts.since !== undefined) {
    if (Number.isNaN(Date.parse(opts.since))) throw new Error(`since must be an ISO 8601 instant, got ${JSON.stringify(opts.since)}`);
    const t = `from_iso8601_timestamp(${literal(new Date(opts.since).toISOString())})`;
    where.push(`(o.opened_at >= ${t} OR c.closed_at IS NULL OR c.closed_at >= ${t})`);
  }
  const limit = Math.max(1, Math.min(10_000, Math.floor(opts.limit ?? 100)));
  return `SELECT o.alert_id, o.severity, o.rule_id, o.reading, o.device_id, o.device_type, o.building_id, o.threshold, o.value,
  coalesce(c.peak, o.peak) AS peak,
  to_iso8601(o.opened_at) AS opened_at, to_iso8601(c.closed_at) AS closed_at,
  CASE WHEN c.alert_id IS NULL THEN 'open' ELSE 'closed' END AS status
FROM ${namespace}.alerts o LEFT JOIN ${namespace}.alerts c ON c.alert_id = o.alert_id AND c.kind = 'close'
WHERE ${where.join(' AND ')}
ORDER BY o.opened_at DESC, o.alert_id
LIMIT ${limit}`;
}

export async function listAlerts(config: FloeConfig, opts: ListAlertsOptions = {}): Promise<AlertRow[]> {
  const res = await trinoQuery(config, listAlertsSql(config.alerts.namespace, opts));
  const names = res.columns.map((c) => c.name);
  return res.rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i] ?? null])) as unknown as AlertRow);
}
