// gold.daily_device_metrics: declaration of models/gold/daily_device_metrics.sql.
const reading = (minute: number, extra: Record<string, unknown> = {}) => ({
  event_id: `e${minute}`, device_id: 'dev-1', device_type: 'vibration_sensor', building_id: 'b1',
  event_ts: new Date(Date.parse('2025-03-01T00:00:00Z') + minute * 60_000).toISOString(), status: 'ok',
  anomaly_count: 0, anomalous_readings: null, duplicate_count: 1, battery_level: 90 - minute / 100, vibration: 2 + (minute % 3) / 10, temperature: 20 + (minute % 7) / 10,
  ...extra,
});

// dev-1 reports every 10 minutes all day but is silent from 06:00 to 09:00 (3 h offline) and
// its temperature repeats from 12:00 to 12:40 (stuck); one anomaly at 15:00.
const given = Array.from({ length: 144 }, (_, i) => i * 10)
  .filter((m) => m < 360 || m >= 540)
  .map((m) => reading(m, m >= 720 && m <= 760 ? { temperature: 30 } : m === 900 ? { anomaly_count: 1, anomalous_readings: 'vibration', vibration: 9, status: 'warn' } : {}))
  // dev-2 is flaky: every 2 hours it reports every 10 minutes for 50 minutes, then is silent for
  // 70 (12 silences of 70 minutes, the last one to midnight). Its median gap is 10 minutes.
  .concat(Array.from({ length: 144 }, (_, i) => i * 10).filter((m) => m % 120 <= 50).map((m) => reading(m, { device_id: 'dev-2', event_id: `f${m}` })));

export default {
  name: 'gold.daily_device_metrics',
  doc: 'Per device and UTC day: message counts, anomalies by kind, first and last seen, largest gap, offline time and uptime, battery and vibration trends, stuck sensors.',
  sql: 'daily_device_metrics.sql',
  scope: 'day',
  inputs: ['silver.telemetry'],
  columns: [
    { id: 1, name: 'day', type: 'date', required: true, doc: 'UTC day' },
    { id: 2, name: 'device_id', type: 'string', required: true, doc: 'device id' },
    { id: 3, name: 'device_type', type: 'string', required: true, doc: 'device type' },
    { id: 4, name: 'building_id', type: 'string', required: true, doc: 'building' },
    { id: 5, name: 'message_count', type: 'long', required: true, doc: 'SILVER rows (after deduplication)' },
    { id: 6, name: 'anomaly_count', type: 'long', required: true, doc: 'messages with at least one reading outside its normal range' },
    { id: 7, name: 'anomaly_rate', type: 'double', required: true, doc: 'anomaly_count / message_count' },
    { id: 8, name: 'anomalies_by_reading', type: 'string', required: true, doc: 'out-of-range readings by sensor, JSON object sensor -> count' },
    { id: 9, name: 'warn_count', type: 'long', required: true, doc: 'messages with status warn' },
    { id: 10, name: 'error_count', type: 'long', required: true, doc: 'messages with status error' },
    { id: 11, name: 'offline_status_count', type: 'long', required: true, doc: 'offline heartbeats (status offline)' },
    { id: 12, name: 'duplicates_dropped', type: 'long', required: true, doc: 'resent copies SILVER dropped' },
    { id: 13, name: 'first_seen', type: 'timestamptz', required: true, doc: 'first event time of the day' },
    { id: 14, name: 'last_seen', type: 'timestamptz', required: true, doc: 'last event time of the day' },
    { id: 15, name: 'largest_gap_seconds', type: 'double', required: true, doc: 'longest silence between two messages, seconds' },
    { id: 16, name: 'typical_interval_seconds', type: 'double', doc: 'median interval between messages, seconds (null with one message)' },
    { id: 17, name: 'offline_seconds', type: 'double', required: true, doc: 'silences longer than max(10 min, 5 x typical interval), day edges included, seconds' },
    { id: 18, name: 'battery_first', type: 'double', doc: 'first battery level of the day, %' },
    { id: 19, name: 'battery_last', type: 'double', doc: 'last battery level of the day, %' },
    { id: 20, name: 'battery_min', type: 'double', doc: 'lowest battery level of the day, %' },
    { id: 21, name: 'battery_drain', type: 'double', doc: 'first - last battery level, points (0 when it rose: a new battery)' },
    { id: 22, name: 'vibration_avg', type: 'double', doc: 'mean vibration, mm/s' },
    { id: 23, name: 'vibration_slope_per_day', type: 'double', doc: 'least-squares trend of vibration, mm/s per day' },
    { id: 24, name: 'stuck_sensors', type: 'string', doc: 'readings that repeated the same value 4 times in a row, comma-separated; null when none' },
  ],
  partitionBy: { column: 'day', transform: 'identity' },
  sortBy: ['device_id'],
  chunkBy: 'device_id',
  checks: [
    { name: 'daily_metrics_key_unique', kind: 'unique', columns: ['day', 'device_id'], severity: 'block' },
    { name: 'daily_metrics_device_in_dim', kind: 'relationship', column: 'device_id', to: 'gold.dim_devices', field: 'device_id', severity: 'block' },
    { name: 'daily_metrics_offline_range', kind: 'accepted_range', column: 'offline_seconds', min: 0, max: 86400, severity: 'block' },
  ],
  fixture: {
    day: '2025-03-01',
    given: { silver_telemetry: given },
    expected: [
      { device_id: 'dev-1', message_count: 126, anomaly_count: 1, anomalies_by_reading: '{"vibration":1}', largest_gap_seconds: 10_800 + 600, offline_seconds: 10_800 + 600, stuck_sensors: 'temperature', first_seen: '2025-03-01T00:00:00.000Z' },
      { device_id: 'dev-2', message_count: 72, anomaly_count: 0, largest_gap_seconds: 4200, typical_interval_seconds: 600, offline_seconds: 12 * 4200, stuck_sensors: null },
    ],
  },
};
