// gold.hourly_sensor_aggregates: declaration of models/gold/hourly_sensor_aggregates.sql.
const at = (iso: string, temperature: number | null, humidity: number | null) => ({ device_id: 'dev-1', building_id: 'b1', event_ts: iso, temperature, humidity });

export default {
  name: 'gold.hourly_sensor_aggregates',
  doc: 'Per device, UTC hour and reading: count, min, max, average and 95th percentile (continuous) of the SILVER readings.',
  sql: 'hourly_sensor_aggregates.sql',
  scope: 'day',
  inputs: ['silver.telemetry'],
  columns: [
    { id: 1, name: 'hour', type: 'timestamptz', required: true, doc: 'start of the UTC hour' },
    { id: 2, name: 'device_id', type: 'string', required: true, doc: 'device id' },
    { id: 3, name: 'building_id', type: 'string', required: true, doc: 'building' },
    { id: 4, name: 'reading', type: 'string', required: true, doc: 'reading (sensor) name, as in the telemetry contract' },
    { id: 5, name: 'reading_count', type: 'long', required: true, doc: 'readings in the hour' },
    { id: 6, name: 'min_value', type: 'double', required: true, doc: 'minimum' },
    { id: 7, name: 'max_value', type: 'double', required: true, doc: 'maximum' },
    { id: 8, name: 'avg_value', type: 'double', required: true, doc: 'mean' },
    { id: 9, name: 'p95_value', type: 'double', required: true, doc: '95th percentile, linear interpolation' },
  ],
  partitionBy: { column: 'hour', transform: 'day' },
  sortBy: ['device_id', 'hour', 'reading'],
  chunkBy: 'device_id',
  checks: [
    { name: 'hourly_key_unique', kind: 'unique', columns: ['hour', 'device_id', 'reading'], severity: 'block' },
    { name: 'hourly_p95_between_min_max', kind: 'expression', severity: 'block', op: '=', threshold: 0, sql: 'SELECT count(*) AS observed FROM gold_hourly_sensor_aggregates WHERE NOT (p95_value BETWEEN min_value - 1e-9 AND max_value + 1e-9 AND avg_value BETWEEN min_value - 1e-9 AND max_value + 1e-9)' },
  ],
  fixture: {
    day: '2025-03-01',
    given: {
      silver_telemetry: [
        at('2025-03-01T10:00:00Z', 20, 50), at('2025-03-01T10:20:00Z', 22, null), at('2025-03-01T10:40:00Z', 24, 54), at('2025-03-01T11:00:00Z', 30, null),
      ],
    },
    expected: [
      { hour: '2025-03-01T10:00:00.000Z', reading: 'humidity', reading_count: 2, min_value: 50, max_value: 54, avg_value: 52, p95_value: 53.8 },
      { hour: '2025-03-01T10:00:00.000Z', reading: 'temperature', reading_count: 3, min_value: 20, max_value: 24, avg_value: 22, p95_value: 23.8 },
      { hour: '2025-03-01T11:00:00.000Z', reading: 'temperature', reading_count: 1, min_value: 30, max_value: 30, avg_value: 30, p95_value: 30 },
    ],
  },
};
