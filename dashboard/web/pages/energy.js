// Energy: kWh per building and hour, peak kW and cost per building, and the low power-factor hours.
import { body, chart, esc, layout, table } from '../ui.js';

export async function render(root, api, { fresh, params }) {
  layout(root, fresh, [
    { id: 'energy-hourly', title: 'Energy per building and hour (kWh)', wide: true, chart: true },
    { id: 'energy-buildings', title: 'Per building: energy, peak demand, cost' },
    { id: 'energy-low-pf', title: 'Low power-factor hours' },
  ]);
  const v = await api('view', params);
  if (!v.available) {
    body('energy-hourly').innerHTML = `<p class="muted">${esc(v.reason)}</p>`;
    return;
  }
  body('energy-hourly').innerHTML = `<p class="muted">day <span data-testid="day">${esc(v.day)}</span> from ${esc(v.table)}</p>`;
  const hours = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`);
  const buildings = [...new Set(v.hourly.map((r) => r.building_id))];
  chart('energy-hourly', {
    animation: false,
    grid: { left: 50, right: 20, top: 30, bottom: 25 },
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: hours },
    yAxis: { type: 'value', name: 'kWh' },
    series: buildings.map((b) => {
      const byHour = new Map(v.hourly.filter((r) => r.building_id === b).map((r) => [Number(r.hour_of_day), r.energy_kwh]));
      return { name: b, type: 'bar', stack: 'kwh', data: hours.map((_, h) => byHour.get(h) ?? 0) };
    }),
  });
  body('energy-buildings').innerHTML = table(
    ['building', 'kWh', 'peak kW', 'cost', 'avg power factor', 'low-PF hours'],
    v.buildings.map((b) => [b.building_id, { num: b.energy_kwh }, { num: b.peak_kw }, { num: b.cost }, { num: b.avg_power_factor ?? '' }, { num: b.low_pf_hours }]),
    'no metered buildings',
  );
  body('energy-low-pf').innerHTML =
    `<div class="kpis"><div class="kpi"><div class="v" data-testid="low-pf-count">${v.lowPowerFactor.length}</div><div class="l">building-hours below the power-factor threshold</div></div></div>` +
    table(['building', 'hour', 'power factor', 'kWh'], v.lowPowerFactor.map((r) => [r.building_id, r.hour, { num: r.avg_power_factor }, { num: r.energy_kwh }]), 'none');
}
