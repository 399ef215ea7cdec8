// gold.building_energy_dashboard: declaration of models/gold/building_energy_dashboard.sql.
const meter = (device: string, minute: number, kw: number, kwh: number, pf: number) => ({
  building_id: 'b1', device_id: device, event_ts: new Date(Date.parse('2025-03-01T10:00:00Z') + minute * 60_000).toISOString(), power_kw: kw, power_factor: pf, energy_kwh: kwh,
});

export default {
  name: 'gold.building_energy_dashboard',
  doc: 'Per building and UTC hour: energy used (kWh, from the devices\' cumulative counters), peak 15-minute demand (kW), average power factor with a flag below FLOE_LOW_POWER_FACTOR, and cost at FLOE_ENERGY_TARIFF_PER_KWH.',
  sql: 'building_energy_dashboard.sql',
  scope: 'day',
  inputs: ['silver.telemetry'],
  columns: [
    { id: 1, name: 'hour', type: 'timestamptz', required: true, doc: 'start of the UTC hour' },
    { id: 2, name: 'building_id', type: 'string', required: true, doc: 'building' },
    { id: 3, name: 'metered_devices', type: 'int', required: true, doc: 'devices reporting power or energy in the hour' },
    { id: 4, name: 'energy_kwh', type: 'double', required: true, doc: 'energy used in the hour, kWh' },
    { id: 5, name: 'peak_kw', type: 'double', required: true, doc: 'highest 15-minute demand in the hour, kW' },
    { id: 6, name: 'avg_power_factor', type: 'double', doc: 'mean power factor of the readings' },
    { id: 7, name: 'low_power_factor', type: 'boolean', required: true, doc: 'avg_power_factor below the configured threshold' },
    { id: 8, name: 'tariff_per_kwh', type: 'double', required: true, doc: 'tariff applied, currency per kWh' },
    { id: 9, name: 'cost', type: 'double', required: true, doc: 'energy_kwh x tariff_per_kwh' },
  ],
  partitionBy: { column: 'hour', transform: 'day' },
  sortBy: ['building_id', 'hour'],
  checks: [
    { name: 'energy_key_unique', kind: 'unique', columns: ['hour', 'building_id'], severity: 'block' },
    { name: 'energy_kwh_non_negative', kind: 'accepted_range', column: 'energy_kwh', min: 0, severity: 'block' },
    { name: 'energy_power_factor_range', kind: 'accepted_range', column: 'avg_power_factor', min: 0, max: 1, severity: 'block' },
  ],
  fixture: {
    day: '2025-03-01',
    given: {
      silver_telemetry: [
        meter('m1', 0, 10, 100, 0.9), meter('m1', 20, 20, 105, 0.9), meter('m1', 50, 30, 120, 0.9),
        meter('m2', 5, 4, 50, 0.6), meter('m2', 25, 6, 52, 0.6),
      ],
    },
    expected: [
      { hour: '2025-03-01T10:00:00.000Z', building_id: 'b1', metered_devices: 2, energy_kwh: 22, peak_kw: 30, avg_power_factor: 0.78, low_power_factor: true, tariff_per_kwh: 0.25, cost: 5.5 },
    ],
  },
};
