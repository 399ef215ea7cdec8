// gold.device_health_summary: declaration of models/gold/device_health_summary.sql.
const FORMULA = `health_score = 0 for a device with no data that day (status offline); otherwise
max(0, 100 - penalties), rounded to 0.1, with
  anomaly   = min(25, 250 x anomaly_rate)                          (10% anomalous messages: -25)
  uptime    = 60 x offline_seconds / 86400                          (offline a third of the day: -20)
  battery   = 15 if min level < 20%, 5 if < 40%; plus min(10, max(0, drain - 5))  (points lost that day)
  vibration = min(15, 5 x max(0, vibration trend in mm/s per day))
  stuck     = min(40, 20 per stuck sensor)                          (4 identical readings in a row)
status: healthy >= 80, degraded >= 50, critical < 50, offline (no data). The recommendation
names the largest penalty (stuck and battery from any points; offline, vibration and anomalies
from 5 points: 2 h offline, 1 mm/s per day, 2% anomalous) or "No action needed."`;

const dim = (id: string) => ({
  device_key: `${id}@2024`, device_id: id, device_type: 'vibration_sensor', building_id: 'b1', building_name: 'HQ', city: 'Lyon', timezone: 'UTC', floor: 0, zone: 'z',
  installed_on: '2024-01-01', rated_power_kw: null, firmware_version: '1.0.0', thresholds: '{}', valid_from: '2024-01-01T00:00:00Z', valid_to: null, is_current: true, attributes_hash: 'h',
});
const metrics = (id: string, extra: Record<string, unknown>) => ({
  day: '2025-03-01', device_id: id, device_type: 'vibration_sensor', building_id: 'b1', message_count: 1000, anomaly_count: 0, anomaly_rate: 0, anomalies_by_reading: '{}',
  warn_count: 0, error_count: 0, offline_status_count: 0, duplicates_dropped: 0, first_seen: '2025-03-01T00:00:00Z', last_seen: '2025-03-01T23:59:00Z',
  largest_gap_seconds: 90, typical_interval_seconds: 86, offline_seconds: 0, battery_first: 90, battery_last: 89.5, battery_min: 89.5, battery_drain: 0.5,
  vibration_avg: 2.2, vibration_slope_per_day: 0, stuck_sensors: null, ...extra,
});

export default {
  name: 'gold.device_health_summary',
  doc: `Per device and UTC day: a 0-100 health score from anomaly rate, uptime and offline gaps, battery level and drain, vibration trend and stuck sensors, with a maintenance recommendation in words. Every device registered on the day appears (no data: offline).\n\n${FORMULA}`,
  sql: 'device_health_summary.sql',
  scope: 'day',
  inputs: ['gold.daily_device_metrics', 'gold.dim_devices'],
  columns: [
    { id: 1, name: 'day', type: 'date', required: true, doc: 'UTC day' },
    { id: 2, name: 'device_id', type: 'string', required: true, doc: 'device id' },
    { id: 3, name: 'device_type', type: 'string', required: true, doc: 'device type' },
    { id: 4, name: 'building_id', type: 'string', required: true, doc: 'building' },
    { id: 5, name: 'message_count', type: 'long', required: true, doc: 'messages that day (0: offline)' },
    { id: 6, name: 'anomaly_rate', type: 'double', required: true, doc: 'share of messages with a reading out of its normal range' },
    { id: 7, name: 'uptime_ratio', type: 'double', required: true, doc: '1 - offline time / 24 h' },
    { id: 8, name: 'battery_min', type: 'double', doc: 'lowest battery level, %' },
    { id: 9, name: 'battery_drain', type: 'double', doc: 'battery points lost that day' },
    { id: 10, name: 'vibration_slope_per_day', type: 'double', doc: 'vibration trend, mm/s per day' },
    { id: 11, name: 'stuck_sensors', type: 'string', doc: 'stuck readings, comma-separated' },
    { id: 12, name: 'anomaly_penalty', type: 'double', required: true, doc: 'points lost to anomalies' },
    { id: 13, name: 'uptime_penalty', type: 'double', required: true, doc: 'points lost to offline time' },
    { id: 14, name: 'battery_penalty', type: 'double', required: true, doc: 'points lost to battery level and drain' },
    { id: 15, name: 'vibration_penalty', type: 'double', required: true, doc: 'points lost to a rising vibration trend' },
    { id: 16, name: 'stuck_penalty', type: 'double', required: true, doc: 'points lost to stuck sensors' },
    { id: 17, name: 'health_score', type: 'double', required: true, doc: '0-100, see the model doc for the formula' },
    { id: 18, name: 'health_status', type: 'string', required: true, doc: 'healthy, degraded, critical or offline' },
    { id: 19, name: 'recommendation', type: 'string', required: true, doc: 'maintenance recommendation in words' },
  ],
  partitionBy: { column: 'day', transform: 'identity' },
  sortBy: ['device_id'],
  checks: [
    { name: 'health_key_unique', kind: 'unique', columns: ['day', 'device_id'], severity: 'block' },
    { name: 'health_score_range', kind: 'accepted_range', column: 'health_score', min: 0, max: 100, severity: 'block' },
    { name: 'health_recommendation_not_null', kind: 'not_null', columns: ['recommendation', 'health_status'], severity: 'block' },
    { name: 'health_device_in_dim', kind: 'relationship', column: 'device_id', to: 'gold.dim_devices', field: 'device_id', severity: 'block' },
    { name: 'health_score_vs_baseline', kind: 'builtin', builtin: 'health_score_vs_baseline', threshold: 20, severity: 'warn', doc: 'drop of the mean health score below the mean of the trailing 7 days (points); 0 when there is no baseline' },
  ],
  fixture: {
    day: '2025-03-01',
    given: {
      gold_dim_devices: [dim('healthy'), dim('stuck'), dim('offline'), dim('drain'), dim('flaky'), dim('noisy'), dim('speckled')],
      gold_daily_device_metrics: [
        metrics('healthy', {}),
        metrics('stuck', { stuck_sensors: 'temperature,vibration' }),
        metrics('drain', { battery_first: 60, battery_last: 12, battery_min: 12, battery_drain: 48 }),
        metrics('flaky', { offline_seconds: 28_800, anomaly_rate: 0.01 }),
        metrics('noisy', { anomaly_rate: 0.4 }),
        metrics('speckled', { anomaly_rate: 0.015 }),
      ],
    },
    expected: [
      { device_id: 'drain', health_score: 75, health_status: 'degraded', battery_penalty: 25, recommendation: 'Battery low (12%) or draining fast: replace the battery.' },
      { device_id: 'flaky', health_score: 77.5, health_status: 'degraded', uptime_penalty: 20, anomaly_penalty: 2.5, uptime_ratio: 2 / 3, recommendation: 'Offline 33% of the day: check connectivity and the gateway.' },
      { device_id: 'healthy', health_score: 100, health_status: 'healthy', recommendation: 'No action needed.' },
      { device_id: 'noisy', health_score: 75, health_status: 'degraded', anomaly_penalty: 25, recommendation: 'Frequent out-of-range readings: inspect the device and its surroundings.' },
      { device_id: 'offline', health_score: 0, health_status: 'offline', message_count: 0, recommendation: 'No data all day: check the power supply and the network connection.' },
      { device_id: 'speckled', health_score: 96.3, health_status: 'healthy', anomaly_penalty: 3.75, recommendation: 'No action needed.' },
      { device_id: 'stuck', health_score: 60, health_status: 'degraded', stuck_penalty: 40, recommendation: 'Stuck temperature, vibration reading: recalibrate or replace the sensor.' },
    ],
  },
};
