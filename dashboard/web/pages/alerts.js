// Alerts: open alerts (severity counts and the list) and the most recent ones, open or closed.
import { body, chart, esc, layout, sev, table, time } from '../ui.js';

export async function render(root, api, { fresh }) {
  layout(root, fresh, [
    { id: 'alerts-open-summary', title: 'Open alerts by severity', chart: true },
    { id: 'alerts-open', title: 'Open alerts' },
    { id: 'alerts-recent', title: 'Recent alerts', wide: true },
  ]);
  const v = await api('view');
  if (!v.available) {
    body('alerts-open-summary').innerHTML = `<p class="muted">${esc(v.reason)}</p>`;
  } else {
    const total = v.open.length;
    body('alerts-open-summary').innerHTML = `<div class="kpis"><div class="kpi"><div class="v" data-testid="open-count">${total}</div><div class="l">open in ${esc(v.table)}</div></div></div>`;
  }
  const sevs = ['critical', 'warning', 'info'];
  chart('alerts-open-summary', {
    animation: false,
    grid: { left: 70, right: 20, top: 10, bottom: 25 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: sevs },
    series: [{ type: 'bar', data: sevs.map((s) => ({ value: v.openBySeverity[s] ?? 0, itemStyle: { color: { critical: '#c62828', warning: '#ef8f00', info: '#2f6fdf' }[s] } })) }],
  });
  const row = (a) => [sev(a.severity), a.rule_id, a.device_id, a.building_id ?? '', { num: a.value }, { num: a.peak }, { num: a.threshold }, time(a.opened_at)];
  body('alerts-open').innerHTML = table(['severity', 'rule', 'device', 'building', 'value', 'peak', 'threshold', 'opened'], v.open.map(row), 'no open alerts');
  body('alerts-recent').innerHTML = table(
    ['status', 'severity', 'rule', 'device', 'building', 'value', 'peak', 'opened', 'closed'],
    v.recent.map((a) => [a.status, sev(a.severity), a.rule_id, a.device_id, a.building_id ?? '', { num: a.value }, { num: a.peak }, time(a.opened_at), time(a.closed_at)]),
    'no alerts yet',
  );
}
