// The readings a telemetry event can carry. Each declares two ranges:
// - physical: what the quantity (or the sensor measuring it) can possibly report. Outside it the
//   message is broken, not the building: a contract violation, rejected to the dead-letter table.
// - normal: the operating envelope. Outside it the reading is an anomaly: kept in RAW and flagged
//   later (SILVER/GOLD), never rejected.
// `mean`/`sigma` are the simulator's distribution for a healthy device (temperature..illuminance
// come from the seeds; the electrical ones from typical 230 V commercial installations).

export interface SensorSpec {
  /** JSON and RAW column name. */
  readonly name: SensorName;
  readonly unit: string;
  readonly description: string;
  readonly physical: readonly [min: number, max: number];
  readonly normal: readonly [min: number, max: number];
  /** Healthy mean and standard deviation; for power_kw they are fractions of the device's rated power. */
  readonly mean: number;
  readonly sigma: number;
  /** Readings that are whole numbers on the wire (e.g. dBm from a radio). */
  readonly integer?: boolean;
}

export const SENSOR_NAMES = [
  'temperature',
  'humidity',
  'pressure',
  'air_quality_index',
  'pm25',
  'noise_level',
  'illuminance',
  'vibration',
  'power_kw',
  'voltage',
  'current',
  'power_factor',
  'energy_kwh',
  'battery_level',
  'signal_strength',
] as const;
export type SensorName = (typeof SENSOR_NAMES)[number];

export const SENSORS: Readonly<Record<SensorName, SensorSpec>> = {
  temperature: { name: 'temperature', unit: '°C', description: 'air or surface temperature', physical: [-40, 125], normal: [15, 35], mean: 25, sigma: 2 },
  humidity: { name: 'humidity', unit: '%RH', description: 'relative humidity', physical: [0, 100], normal: [30, 80], mean: 60, sigma: 3 },
  pressure: { name: 'pressure', unit: 'hPa', description: 'barometric pressure', physical: [300, 1100], normal: [980, 1045], mean: 1013, sigma: 2 },
  air_quality_index: { name: 'air_quality_index', unit: 'AQI', description: 'air quality index (US EPA scale)', physical: [0, 500], normal: [0, 300], mean: 200, sigma: 20 },
  pm25: { name: 'pm25', unit: 'µg/m³', description: 'particulate matter PM2.5', physical: [0, 1000], normal: [0, 45], mean: 30, sigma: 2 },
  noise_level: { name: 'noise_level', unit: 'dB(A)', description: 'sound pressure level', physical: [0, 194], normal: [30, 80], mean: 50, sigma: 3 },
  illuminance: { name: 'illuminance', unit: 'lx', description: 'illuminance', physical: [0, 200_000], normal: [100, 1200], mean: 500, sigma: 50 },
  vibration: { name: 'vibration', unit: 'mm/s', description: 'vibration velocity RMS (ISO 10816)', physical: [0, 100], normal: [0, 7.1], mean: 2.2, sigma: 0.4 },
  power_kw: { name: 'power_kw', unit: 'kW', description: 'active power', physical: [0, 10_000], normal: [0, 1_000], mean: 0.6, sigma: 0.05 },
  voltage: { name: 'voltage', unit: 'V', description: 'line voltage', physical: [0, 1_000], normal: [207, 253], mean: 230, sigma: 2 },
  current: { name: 'current', unit: 'A', description: 'line current', physical: [0, 10_000], normal: [0, 4_000], mean: 0, sigma: 0 },
  power_factor: { name: 'power_factor', unit: '', description: 'power factor (cos φ)', physical: [0, 1], normal: [0.7, 1], mean: 0.92, sigma: 0.02 },
  energy_kwh: { name: 'energy_kwh', unit: 'kWh', description: 'cumulative energy since install', physical: [0, 1e12], normal: [0, 1e11], mean: 0, sigma: 0 },
  battery_level: { name: 'battery_level', unit: '%', description: 'battery state of charge', physical: [0, 100], normal: [20, 100], mean: 85, sigma: 0 },
  signal_strength: { name: 'signal_strength', unit: 'dBm', description: 'radio signal strength (RSSI)', physical: [-150, 0], normal: [-100, -30], mean: -65, sigma: 5, integer: true },
};

/**
 * Readings that can be stuck: continuous quantities with noise. Counters (energy_kwh), derived
 * values (current), integers (signal_strength) and the slowly moving battery level repeat a
 * value legitimately.
 */
export const STUCK_CANDIDATES: readonly SensorName[] = SENSOR_NAMES.filter((s) => SENSORS[s].sigma > 0 && !SENSORS[s].integer && s !== 'battery_level');

export const DEVICE_TYPES = ['hvac_unit', 'power_meter', 'environmental_sensor', 'vibration_sensor', 'lighting_controller'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Which readings each kind of device reports. */
export const DEVICE_SENSORS: Readonly<Record<DeviceType, readonly SensorName[]>> = {
  hvac_unit: ['temperature', 'humidity', 'vibration', 'power_kw', 'voltage', 'current', 'power_factor', 'energy_kwh', 'signal_strength'],
  power_meter: ['power_kw', 'voltage', 'current', 'power_factor', 'energy_kwh', 'signal_strength'],
  environmental_sensor: ['temperature', 'humidity', 'pressure', 'air_quality_index', 'pm25', 'noise_level', 'illuminance', 'battery_level', 'signal_strength'],
  vibration_sensor: ['vibration', 'temperature', 'battery_level', 'signal_strength'],
  lighting_controller: ['illuminance', 'power_kw', 'voltage', 'current', 'power_factor', 'energy_kwh', 'signal_strength'],
};

/** Rated power (kW) by device type: what power_kw's mean and sigma are fractions of. */
export const RATED_POWER_KW: Readonly<Record<DeviceType, number | null>> = {
  hvac_unit: 15,
  power_meter: 120,
  environmental_sensor: null,
  vibration_sensor: null,
  lighting_controller: 2.5,
};

export const DEVICE_STATUSES = ['ok', 'warn', 'error', 'offline'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Readings of an event that lie outside their normal range (empty: not an anomaly). */
export function anomalousReadings(readings: Partial<Record<SensorName, number | undefined>>): SensorName[] {
  const out: SensorName[] = [];
  for (const name of SENSOR_NAMES) {
    const v = readings[name];
    if (v === undefined) continue;
    const [lo, hi] = SENSORS[name].normal;
    if (v < lo || v > hi) out.push(name);
  }
  return out;
}
