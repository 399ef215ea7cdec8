// Pipeline: RAW lag per Kafka partition, freshness, recent runs (links to the Temporal UI), and
// data-quality results when the checks have written any (failures first).
import { body, chart, esc, layout, table, time } from '../ui.js';

export async function render(root, api, { fresh }) {
  layout(root, fresh, [
    { id: 'pipeline-raw', title: 'RAW ingestion', chart: true },
    { id: 'pipeline-partitions', title: 'Lag per partition' },
    { id: 'pipeline-runs', title: 'Recent runs', wide: true },
    { id: 'pipeline-dq', title: 'Data-quality results', wide: true },
  ]);
  const v = await api('view');
  body('pipeline-raw').innerHTML = `<div class="kpis">
    <div class="kpi"><div class="v" data-testid="total-lag">${v.totalLag}</div><div class="l">messages behind in ${esc(v.topic)}</div></div>
    <div class="kpi"><div class="v" data-testid="raw-rows">${v.rawRows ?? '–'}</div><div class="l">rows in ${esc(v.rawTable)}</div></div>
    <div class="kpi"><div class="v">${v.freshnessSeconds === null ? '–' : `${v.freshnessSeconds} s`}</div><div class="l">since the last RAW commit</div></div>
  </div>`;
  chart('pipeline-raw', {
    animation: false,
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 30, bottom: 25 },
    xAxis: { type: 'category', data: v.partitions.map((p) => `p${p.partition}`) },
    yAxis: { type: 'value' },
    series: [
      { name: 'committed in RAW', type: 'bar', stack: 'o', data: v.partitions.map((p) => p.committed) },
      { name: 'lag', type: 'bar', stack: 'o', data: v.partitions.map((p) => p.lag), itemStyle: { color: '#ef8f00' } },
    ],
  });
  body('pipeline-partitions').innerHTML = table(['partition', 'high watermark', 'committed', 'lag'], v.partitions.map((p) => [String(p.partition), { num: p.high }, { num: p.committed }, { num: p.lag }]), `topic ${v.topic} has no partitions`);
  body('pipeline-runs').innerHTML =
    (v.runsError ? `<p class="muted">Temporal: ${esc(v.runsError)}</p>` : '') +
    table(['type', 'workflow', 'status', 'started', 'closed'], v.runs.map((r) => [r.type, { html: `<a href="${esc(r.url)}" target="_blank" rel="noopener">${esc(r.workflowId)}</a>` }, r.status, time(r.startTime), time(r.closeTime)]), 'no runs yet');
  body('pipeline-dq').innerHTML = v.dq.available ? table(v.dq.columns, v.dq.rows.map((r) => r.map((c) => (c === null ? '' : String(c)))), 'no results yet') : `<p class="muted">${esc(v.dq.table)} does not exist yet (written by transform runs)</p>`;
}
