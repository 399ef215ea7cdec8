// dq.check_results: one row per data-quality check per transform run, written by the runner
// (transform/checks.ts), appended on the run branch so a failed run's results stay inspectable.
export default {
  name: 'dq.check_results',
  doc: 'One row per data-quality check per transform run: which check, on which table and day, its severity, observed value, threshold, whether it passed, and the run and branch.',
  scope: 'day',
  inputs: ['silver.telemetry', 'gold.dim_devices', 'gold.daily_device_metrics', 'gold.device_health_summary', 'gold.hourly_sensor_aggregates', 'gold.building_energy_dashboard'],
  columns: [
    { id: 1, name: 'day', type: 'date', required: true, doc: 'UTC day checked' },
    { id: 2, name: 'check_name', type: 'string', required: true, doc: 'check name, as declared beside its model' },
    { id: 3, name: 'table_name', type: 'string', required: true, doc: 'model the check is declared on (layer.table)' },
    { id: 4, name: 'severity', type: 'string', required: true, doc: 'warn or block (a failed block check stops the merge into main)' },
    { id: 5, name: 'observed', type: 'double', required: true, doc: 'observed value' },
    { id: 6, name: 'threshold', type: 'string', required: true, doc: 'pass condition, e.g. "<= 0"' },
    { id: 7, name: 'passed', type: 'boolean', required: true, doc: 'observed meets the threshold' },
    { id: 8, name: 'detail', type: 'string', doc: 'what was counted, in words' },
    { id: 9, name: 'run_id', type: 'string', required: true, doc: 'transform run id (Temporal run id)' },
    { id: 10, name: 'branch', type: 'string', required: true, doc: 'Nessie run branch the check read' },
    { id: 11, name: 'checked_at', type: 'timestamptz', required: true, doc: 'when the check ran' },
  ],
  partitionBy: { column: 'day', transform: 'identity' },
  sortBy: ['check_name'],
  checks: [],
};
