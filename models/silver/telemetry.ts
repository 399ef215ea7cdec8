// SILVER telemetry: declaration of models/silver/telemetry.sql.
import { RAW_TELEMETRY } from '../tables.js';

/** Contract columns keep their RAW field ids; ingestion metadata keeps ids 900-903. */
const contractColumns = RAW_TELEMETRY.columns
  .filter((c) => c.id < 900)
  .map((c) => ({ id: c.id, name: c.name, type: c.type, required: c.required, doc: c.doc ?? c.name }));

export default {
  name: 'silver.telemetry',
  doc: 'Deduplicated, cleansed readings of one UTC day, partitioned by day(event_ts), sorted by device and time, each flagged when a reading lies outside its normal range.',
  sql: 'telemetry.sql',
  scope: 'day',
  inputs: ['raw.telemetry'],
  columns: [
    ...contractColumns,
    { id: 900, name: '_kafka_topic', type: 'string', required: true, doc: 'Kafka topic the kept copy was read from' },
    { id: 901, name: '_kafka_partition', type: 'int', required: true, doc: 'Kafka partition of the kept copy' },
    { id: 902, name: '_kafka_offset', type: 'long', required: true, doc: 'Kafka offset of the kept copy' },
    { id: 903, name: '_ingested_at', type: 'timestamptz', required: true, doc: 'when ingestion wrote the kept copy (the earliest of its copies)' },
    { id: 950, name: 'duplicate_count', type: 'int', required: true, doc: 'copies of this event id RAW held for the day (1: no resend)' },
    { id: 951, name: 'anomalous_readings', type: 'string', doc: 'readings outside their normal range, comma-separated in contract order; null when none' },
    { id: 952, name: 'anomaly_count', type: 'int', required: true, doc: 'number of readings outside their normal range' },
    { id: 953, name: 'is_anomaly', type: 'boolean', required: true, doc: 'at least one reading outside its normal range' },
  ],
  partitionBy: { column: 'event_ts', transform: 'day' },
  sortBy: ['device_id', 'event_ts'],
  // Only ids whose 64-bit hash repeats can repeat: counting distinct ids among those alone is exact and far cheaper.
  drops: [{ reason: 'duplicate_event_id', sql: 'SELECT count(*) - count(DISTINCT event_id) AS dropped FROM raw_telemetry WHERE hash(event_id) IN (SELECT hash(event_id) FROM raw_telemetry GROUP BY 1 HAVING count(*) > 1)' }],
  checks: [
    { name: 'silver_keys_not_null', kind: 'not_null', columns: ['event_id', 'device_id', 'event_ts'], severity: 'block' },
    { name: 'silver_event_id_unique', kind: 'unique', columns: ['event_id'], severity: 'block' },
    { name: 'silver_anomaly_count_range', kind: 'accepted_range', column: 'anomaly_count', min: 0, max: 15, severity: 'block' },
    { name: 'raw_to_silver_reconciliation', kind: 'builtin', builtin: 'raw_to_silver_reconciliation', threshold: 0, severity: 'block', doc: 'RAW rows of the day = SILVER rows + rows dropped by reason; observed is the difference' },
    { name: 'raw_dlq_equals_kafka', kind: 'builtin', builtin: 'raw_dlq_equals_kafka', threshold: 0, severity: 'block', doc: 'for the offset ranges the day\'s RAW rows span, RAW + DLQ rows = Kafka messages, each offset once; observed is missing + extra offsets' },
    { name: 'raw_freshness', kind: 'builtin', builtin: 'raw_freshness', threshold: 0, severity: 'warn', doc: 'hours from the end of the day to the latest RAW commit; negative means the day may still be arriving' },
    { name: 'anomaly_rate_vs_baseline', kind: 'builtin', builtin: 'anomaly_rate_vs_baseline', threshold: 3, severity: 'warn', doc: 'the day\'s anomaly rate over the mean of the trailing 7 days (from gold.daily_device_metrics on main); 0 when there is no baseline' },
  ],
  fixture: {
    day: '2025-03-01',
    given: {
      raw_telemetry: [
        { event_id: 'e1', device_id: 'dev-1', device_type: 'vibration_sensor', building_id: 'b1', floor: 1, zone: 'z', event_ts: '2025-03-01T10:00:00Z', firmware_version: '1.0.0', status: 'ok', temperature: 22.5, vibration: 2.1, battery_level: 80, signal_strength: -60, _kafka_topic: 't', _kafka_partition: 0, _kafka_offset: 5, _ingested_at: '2025-03-01T10:00:02Z' },
        { event_id: 'e1', device_id: 'dev-1', device_type: 'vibration_sensor', building_id: 'b1', floor: 1, zone: 'z', event_ts: '2025-03-01T10:00:00Z', firmware_version: '1.0.0', status: 'ok', temperature: 22.5, vibration: 2.1, battery_level: 80, signal_strength: -60, _kafka_topic: 't', _kafka_partition: 0, _kafka_offset: 9, _ingested_at: '2025-03-01T10:05:00Z' },
        { event_id: 'e3', device_id: 'dev-2', device_type: 'vibration_sensor', building_id: 'b1', floor: 1, zone: 'z', event_ts: '2025-03-01T11:00:00Z', firmware_version: '1.0.0', status: 'ok', temperature: 22, vibration: 2, battery_level: 70, signal_strength: -60, _kafka_topic: 't', _kafka_partition: 1, _kafka_offset: 3, _ingested_at: '2025-03-01T11:00:01Z' },
        { event_id: 'e3', device_id: 'dev-2', device_type: 'vibration_sensor', building_id: 'b1', floor: 1, zone: 'z', event_ts: '2025-03-01T11:00:00Z', firmware_version: '1.0.0', status: 'ok', temperature: 22, vibration: 2, battery_level: 70, signal_strength: -60, _kafka_topic: 't', _kafka_partition: 1, _kafka_offset: 3, _ingested_at: '2025-03-01T11:00:01Z' },
        { event_id: 'e2', device_id: 'dev-1', device_type: 'vibration_sensor', building_id: 'b1', floor: 1, zone: 'z', event_ts: '2025-03-01T10:01:00Z', firmware_version: '1.0.0', status: 'WARN', temperature: 40, vibration: 9.5, battery_level: 79, signal_strength: -60, _kafka_topic: 't', _kafka_partition: 0, _kafka_offset: 6, _ingested_at: '2025-03-01T10:01:02Z' },
      ],
    },
    expected: [
      { event_id: 'e1', status: 'ok', _kafka_offset: 5, duplicate_count: 2, anomalous_readings: null, anomaly_count: 0, is_anomaly: false },
      { event_id: 'e2', status: 'warn', _kafka_offset: 6, duplicate_count: 1, anomalous_readings: 'temperature,vibration', anomaly_count: 2, is_anomaly: true },
      { event_id: 'e3', device_id: 'dev-2', _kafka_offset: 3, duplicate_count: 2, is_anomaly: false },
    ],
  },
};
