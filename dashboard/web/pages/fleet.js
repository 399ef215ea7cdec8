// Fleet: the day's health score distribution, the least healthy devices with their advice, offline
// and stuck devices; `#/fleet?device=ID` drills down to one device's hourly readings and health history.
import { body, chart, esc, layout, table } from '../ui.js';

const STATUS_COLOR = { healthy: '#2e7d32', degraded: '#ef8f00', critical: '#c62828', offline: '#687086' };

function deviceLink(id) {
  return { html: `<a href="#/fleet?device=${encodeURIComponent(id)}" data-device="${esc(id)}">${esc(id)}</a>` };
}

function status(s) {
  return { html: `<span class="sev" style="background:${STATUS_COLOR[s] ?? '#687086'}">${esc(s)}</span>` };
}

export async function render(root, api, { fresh, params }) {
  if (params.get('device')) return renderDevice(root, api, fresh, params);
  layout(root, fresh, [
    { id: 'fleet-summary', title: 'Health score distribution', chart: true },
    { id: 'fleet-problems', title: 'Offline and stuck devices' },
    { id: 'fleet-least', title: 'Least healthy devices', wide: true },
    { id: 'fleet-anomalies', title: 'Anomalous readings by kind and hour', wide: true, chart: true },
  ]);
  const v = await api('view', params);
  if (!v.available) {
    body('fleet-summary').innerHTML = `<p class="muted">${esc(v.reason)}</p>`;
    return;
  }
  const kpis = v.statusCounts.map((s) => `<div class="kpi"><div class="v" data-testid="status-${esc(s.health_status)}">${esc(s.devices)}</div><div class="l">${esc(s.health_status)}</div></div>`);
  body('fleet-summary').innerHTML = `<p class="muted">day <span data-testid="day">${esc(v.day)}</span> from ${esc(v.table)}</p><div class="kpis">${kpis.join('')}</div>`;
  chart('fleet-summary', {
    animation: false,
    grid: { left: 40, right: 10, top: 10, bottom: 40 },
    xAxis: { type: 'category', name: 'health score', nameLocation: 'middle', nameGap: 25, data: v.histogram.map((h) => `${h.bucket * 10}–${h.bucket === 9 ? 100 : h.bucket * 10 + 9}`) },
    yAxis: { type: 'value', minInterval: 1 },
    tooltip: {},
    series: [{ type: 'bar', data: v.histogram.map((h) => h.devices), itemStyle: { color: '#2f6fdf' } }],
  });
  body('fleet-least').innerHTML = table(
    ['device', 'type', 'building', 'score', 'status', 'advice'],
    v.leastHealthy.map((d) => [deviceLink(d.device_id), d.device_type, d.building_id ?? '', { num: d.health_score }, status(d.health_status), d.recommendation]),
    'no devices',
  );
  body('fleet-problems').innerHTML =
    `<div class="kpis"><div class="kpi"><div class="v" data-testid="offline-count">${v.offlineCount}</div><div class="l">offline</div></div>` +
    `<div class="kpi"><div class="v" data-testid="stuck-count">${v.stuckCount}</div><div class="l">with stuck sensors</div></div></div>` +
    (v.offlineCount > v.offline.length || v.stuckCount > v.stuck.length ? '<p class="muted">the first 50 of each</p>' : '') +
    table(['device', 'type', 'building', 'problem'], [...v.offline.map((d) => [deviceLink(d.device_id), d.device_type, d.building_id ?? '', 'offline all day']), ...v.stuck.map((d) => [deviceLink(d.device_id), d.device_type, d.building_id ?? '', `stuck: ${d.stuck_sensors}`])], 'none');
  renderAnomalies(v.anomalies);
}

function renderAnomalies(anomalies) {
  const total = anomalies.reduce((s, a) => s + Number(a.anomalies), 0);
  body('fleet-anomalies').innerHTML = `<p class="muted"><span data-testid="anomaly-total">${total}</span> anomalous readings (outside their normal range) in silver.telemetry</p>`;
  const hours = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);
  const kinds = [...new Set(anomalies.map((a) => a.reading))].sort();
  chart('fleet-anomalies', {
    animation: false,
    grid: { left: 40, right: 20, top: 30, bottom: 25 },
    legend: { top: 0, type: 'scroll' },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: hours },
    yAxis: { type: 'value', minInterval: 1 },
    series: kinds.map((k) => {
      const byHour = new Map(anomalies.filter((a) => a.reading === k).map((a) => [Number(a.hour_of_day), Number(a.anomalies)]));
      return { name: k, type: 'bar', stack: 'anomalies', data: hours.map((_, h) => byHour.get(h) ?? 0) };
    }),
  });
}

async function renderDevice(root, api, fresh, params) {
  const id = params.get('device');
  layout(root, fresh, [
    { id: 'fleet-device', title: `Device ${id}`, wide: true },
    { id: 'fleet-history', title: 'Health history (score per day)', wide: true, chart: true },
  ]);
  const v = await api('device', params);
  if (!v.available) {
    body('fleet-device').innerHTML = `<p class="muted">${esc(v.reason)}</p>`;
    return;
  }
  const readings = [...new Set(v.hourly.map((r) => r.reading))];
  body('fleet-device').innerHTML = `<p><a href="#/fleet">← fleet</a> · day ${esc(v.day)} · <span data-testid="reading-count">${readings.length}</span> readings, hourly aggregates</p>`;
  chart('fleet-history', {
    animation: false,
    grid: { left: 40, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: v.history.map((h) => h.day) },
    yAxis: { type: 'value', min: 0, max: 100 },
    tooltip: { trigger: 'axis' },
    series: [{ type: 'line', data: v.history.map((h) => h.health_score), symbolSize: 8 }],
  });
  for (const reading of readings) {
    const cardId = `fleet-reading-${reading.replace(/[^a-z0-9_]/gi, '')}`;
    if (!root.querySelector(`#${cardId}`)) root.insertAdjacentHTML('beforeend', `<section class="card" id="${cardId}" data-reading="${esc(reading)}"><h2>${esc(reading)}</h2><div class="chart"></div></section>`);
    const points = v.hourly.filter((r) => r.reading === reading);
    chart(cardId, {
      animation: false,
      grid: { left: 50, right: 10, top: 20, bottom: 25 },
      legend: { top: 0, data: ['avg', 'min', 'max'] },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: points.map((p) => `${String(p.hour_of_day).padStart(2, '0')}:00`) },
      yAxis: { type: 'value', scale: true },
      series: ['avg', 'min', 'max'].map((k) => ({ name: k, type: 'line', showSymbol: false, data: points.map((p) => p[`${k}_value`]), lineStyle: k === 'avg' ? {} : { type: 'dashed', width: 1 } })),
    });
  }
}
