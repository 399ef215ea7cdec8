// The Alerts page's data: open alerts, recent ones, and open counts by severity, via Trino.
import { listAlerts, type AlertRow } from '../../alerts/list.js';
import { isMissingTable, type DashboardContext } from './context.js';

export interface AlertsView {
  available: boolean;
  reason?: string;
  table: string;
  open: AlertRow[];
  recent: AlertRow[];
  openBySeverity: Record<string, number>;
}

export async function alertsView(ctx: DashboardContext): Promise<AlertsView> {
  const table = `${ctx.config.alerts.namespace}.alerts`;
  try {
    const [open, recent] = await Promise.all([listAlerts(ctx.config, { open: true, limit: 500 }), listAlerts(ctx.config, { limit: 50 })]);
    const openBySeverity: Record<string, number> = { critical: 0, warning: 0, info: 0 };
    for (const a of open) openBySeverity[a.severity] = (openBySeverity[a.severity] ?? 0) + 1;
    return { available: true, table, open, recent, openBySeverity };
  } catch (e) {
    if (!isMissingTable(e)) throw e;
    return { available: false, reason: `${table} does not exist yet: start the alerts run (floe run alerts)`, table, open: [], recent: [], openBySeverity: {} };
  }
}
