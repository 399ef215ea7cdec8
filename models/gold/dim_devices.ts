// gold.dim_devices: declaration of models/gold/dim_devices.sql.
const registryEvent = (offset: number, changedAt: string, extra: Record<string, unknown> = {}) => ({
  kafka_partition: 0, kafka_offset: offset, kafka_timestamp: changedAt, device_id: 'dev-1', tombstone: false, change: 'updated', changed_at: changedAt,
  device_type: 'hvac_unit', building_id: 'b1', building_name: 'HQ', city: 'Lyon', timezone: 'Europe/Paris', floor: 1, zone: 'z1',
  installed_on: '2024-01-01', rated_power_kw: 15, firmware_version: '1.0.0', thresholds: '{}', ...extra,
});

export default {
  name: 'gold.dim_devices',
  doc: 'Every device and its attributes over time (SCD type 2) from the compacted iot-device-registry change events: one row per version, valid_from inclusive, valid_to exclusive (null while current).',
  sql: 'dim_devices.sql',
  scope: 'table',
  inputs: ['kafka.device_registry', 'previous.dim_devices'],
  columns: [
    { id: 1, name: 'device_key', type: 'string', required: true, doc: 'version key: device id @ valid_from' },
    { id: 2, name: 'device_id', type: 'string', required: true, doc: 'device id' },
    { id: 3, name: 'device_type', type: 'string', required: true, doc: 'hvac_unit, power_meter, environmental_sensor, vibration_sensor or lighting_controller' },
    { id: 4, name: 'building_id', type: 'string', required: true, doc: 'building of the device' },
    { id: 5, name: 'building_name', type: 'string', required: true, doc: 'building name' },
    { id: 6, name: 'city', type: 'string', required: true, doc: 'city of the building' },
    { id: 7, name: 'timezone', type: 'string', required: true, doc: 'IANA time zone of the building' },
    { id: 8, name: 'floor', type: 'int', required: true, doc: 'floor' },
    { id: 9, name: 'zone', type: 'string', required: true, doc: 'zone within the floor' },
    { id: 10, name: 'installed_on', type: 'date', required: true, doc: 'installation date' },
    { id: 11, name: 'rated_power_kw', type: 'double', doc: 'rated power, kW (null for devices that draw none to speak of)' },
    { id: 12, name: 'firmware_version', type: 'string', required: true, doc: 'firmware version' },
    { id: 13, name: 'thresholds', type: 'string', required: true, doc: 'alert thresholds per reading, JSON' },
    { id: 14, name: 'valid_from', type: 'timestamptz', required: true, doc: 'when this version took effect (the change event\'s changed_at)' },
    { id: 15, name: 'valid_to', type: 'timestamptz', doc: 'when the next version (or the decommissioning) took effect; null while current' },
    { id: 16, name: 'is_current', type: 'boolean', required: true, doc: 'valid_to is null' },
    { id: 17, name: 'attributes_hash', type: 'string', required: true, doc: 'md5 of the attributes: equal hashes are the same version' },
  ],
  partitionBy: null,
  sortBy: ['device_id', 'valid_from'],
  checks: [
    { name: 'dim_devices_key_unique', kind: 'unique', columns: ['device_key'], severity: 'block' },
    { name: 'dim_devices_not_null', kind: 'not_null', columns: ['device_id', 'device_type', 'building_id', 'valid_from'], severity: 'block' },
    { name: 'dim_devices_one_current_version', kind: 'expression', severity: 'block', op: '=', threshold: 0, sql: 'SELECT count(*) AS observed FROM (SELECT device_id FROM gold_dim_devices WHERE is_current GROUP BY device_id HAVING count(*) > 1)' },
  ],
  fixture: {
    day: '2025-03-01',
    given: {
      previous_dim_devices: [],
      kafka_device_registry: [
        registryEvent(0, '2024-01-01T00:00:00Z', { change: 'created' }),
        registryEvent(1, '2024-06-01T00:00:00Z'),
        registryEvent(2, '2024-09-01T00:00:00Z', { firmware_version: '2.0.0' }),
        { ...registryEvent(3, '2025-01-01T00:00:00Z'), device_id: 'dev-2', change: 'created' },
        { ...registryEvent(4, '2025-02-01T00:00:00Z'), device_id: 'dev-2', tombstone: true, changed_at: null },
      ],
    },
    expected: [
      { device_id: 'dev-1', firmware_version: '1.0.0', valid_from: '2024-01-01T00:00:00.000Z', valid_to: '2024-09-01T00:00:00.000Z', is_current: false },
      { device_id: 'dev-1', firmware_version: '2.0.0', valid_from: '2024-09-01T00:00:00.000Z', valid_to: null, is_current: true },
      { device_id: 'dev-2', valid_from: '2025-01-01T00:00:00.000Z', valid_to: '2025-02-01T00:00:00.000Z', is_current: false },
    ],
  },
};
