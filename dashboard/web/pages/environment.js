// Environment: per building and floor, the day's average temperature, humidity, air quality and
// noise as four heatmaps (buildings down, floors across).
import { body, chart, esc, layout } from '../ui.js';

const TITLES = { temperature: 'Temperature (°C)', humidity: 'Humidity (%RH)', air_quality_index: 'Air quality index', noise_level: 'Noise (dB(A))' };

export async function render(root, api, { fresh, params }) {
  layout(root, fresh, [
    { id: 'env-summary', title: 'Building × floor averages', wide: true },
    ...Object.entries(TITLES).map(([m, title]) => ({ id: `env-${m}`, title, chart: true })),
  ]);
  const v = await api('view', params);
  if (!v.available) {
    body('env-summary').innerHTML = `<p class="muted">${esc(v.reason)}</p>`;
    return;
  }
  const buildings = [...new Set(v.cells.map((c) => c.building_id))];
  const floors = [...new Set(v.cells.map((c) => Number(c.floor)))].sort((a, b) => a - b);
  body('env-summary').innerHTML = `<p class="muted">day <span data-testid="day">${esc(v.day)}</span> from ${esc(v.table)}: <span data-testid="cell-count">${v.cells.length}</span> building/floor cells, ${buildings.length} buildings</p>`;
  for (const m of v.metrics) {
    const data = v.cells.filter((c) => c[m] !== null).map((c) => [floors.indexOf(Number(c.floor)), buildings.indexOf(c.building_id), c[m]]);
    const values = data.map((d) => d[2]);
    chart(`env-${m}`, {
      animation: false,
      grid: { left: 90, right: 40, top: 10, bottom: 80 },
      tooltip: { formatter: (p) => `${esc(buildings[p.value[1]])}, floor ${floors[p.value[0]]}: ${p.value[2]}` },
      xAxis: { type: 'category', name: 'floor', nameLocation: 'middle', nameGap: 22, data: floors.map(String), splitArea: { show: true } },
      yAxis: { type: 'category', data: buildings, splitArea: { show: true } },
      visualMap: { min: values.length ? Math.floor(Math.min(...values)) : 0, max: values.length ? Math.ceil(Math.max(...values)) : 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 160 },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10 } }],
    });
  }
}
