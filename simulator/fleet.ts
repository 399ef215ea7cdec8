// The simulated fleet: buildings (the seeds' location table) and devices (the device table, with
// the threshold table folded in). A device's attributes depend only on its index and the
// building count, never on --seed, so the registry stays the same across runs of one fleet.
import { DEVICE_SENSORS, DEVICE_TYPES, RATED_POWER_KW, SENSORS, type DeviceType, type SensorName } from '../models/sensors.js';
import type { DeviceRecord, ThresholdTable } from '../models/deviceRegistry.js';
import { Prng } from './prng.js';

export interface Building {
  building_id: string;
  name: string;
  city: string;
  timezone: string;
  floors: number;
}

const SITES: readonly { name: string; city: string; timezone: string }[] = [
  { name: 'Harbour Tower', city: 'Rotterdam', timezone: 'Europe/Amsterdam' },
  { name: 'Riverside Campus', city: 'Lyon', timezone: 'Europe/Paris' },
  { name: 'Northgate Plaza', city: 'Manchester', timezone: 'Europe/London' },
  { name: 'Lakeview Offices', city: 'Zurich', timezone: 'Europe/Zurich' },
  { name: 'Central Works', city: 'Munich', timezone: 'Europe/Berlin' },
  { name: 'Market Hall', city: 'Barcelona', timezone: 'Europe/Madrid' },
  { name: 'Canal House', city: 'Copenhagen', timezone: 'Europe/Copenhagen' },
  { name: 'Summit Center', city: 'Denver', timezone: 'America/Denver' },
];

export const ZONES = ['north', 'south', 'east', 'west', 'core'] as const;

export function buildingId(index: number): string {
  return `bldg-${String(index + 1).padStart(3, '0')}`;
}

export function deviceId(index: number): string {
  return `dev-${String(index + 1).padStart(6, '0')}`;
}

export function makeBuildings(count: number): Building[] {
  return Array.from({ length: count }, (_, i) => {
    const site = SITES[i % SITES.length]!;
    const round = Math.floor(i / SITES.length);
    return {
      building_id: buildingId(i),
      name: round ? `${site.name} ${round + 1}` : site.name,
      city: site.city,
      timezone: site.timezone,
      floors: 3 + ((i * 7) % 18),
    };
  });
}

/** Share of each device type in the fleet. */
const TYPE_WEIGHTS: Readonly<Record<DeviceType, number>> = {
  environmental_sensor: 0.4,
  hvac_unit: 0.2,
  power_meter: 0.15,
  vibration_sensor: 0.15,
  lighting_controller: 0.1,
};

function pickType(u: number): DeviceType {
  let acc = 0;
  for (const t of DEVICE_TYPES) {
    acc += TYPE_WEIGHTS[t];
    if (u < acc) return t;
  }
  return 'environmental_sensor';
}

/** Alert thresholds: warn at the edges of the normal range, critical halfway to the physical limit. */
export function defaultThresholds(type: DeviceType, ratedPowerKw: number | null): ThresholdTable {
  const out: ThresholdTable = {};
  for (const name of DEVICE_SENSORS[type]) {
    if (name === 'energy_kwh' || name === 'current') continue;
    const s = SENSORS[name];
    if (name === 'power_kw' && ratedPowerKw) {
      out[name] = { warn_high: round(ratedPowerKw * 1.1), critical_high: round(ratedPowerKw * 1.3) };
      continue;
    }
    const [plo, phi] = s.physical;
    const [nlo, nhi] = s.normal;
    out[name] = {
      warn_low: nlo > plo ? nlo : null,
      warn_high: nhi < phi ? nhi : null,
      critical_low: nlo > plo ? round((nlo + plo) / 2) : null,
      critical_high: nhi < phi ? round((nhi + phi) / 2) : null,
    };
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

export interface SimDevice {
  index: number;
  record: DeviceRecord;
  sensors: readonly SensorName[];
  /** Devices on firmware 1.x speak contract v1 (no v2 fields). */
  contractVersion: 1 | 2;
  gatewayId: string;
}

export function makeFleet(devices: number, buildings: number): { buildings: Building[]; devices: SimDevice[] } {
  const bs = makeBuildings(buildings);
  const ds = Array.from({ length: devices }, (_, i): SimDevice => {
    const rnd = new Prng(`floe-device:${i}`);
    const type = pickType(rnd.next());
    const b = bs[i % bs.length]!;
    const floor = rnd.int(0, b.floors - 1);
    const zone = rnd.pick(ZONES);
    const v2 = rnd.next() < 0.6;
    const firmware = v2 ? `2.${rnd.int(0, 4)}.${rnd.int(0, 9)}` : `1.${rnd.int(4, 9)}.${rnd.int(0, 9)}`;
    const installed = new Date(Date.UTC(2019, 0, 1) + rnd.int(0, 5 * 365) * 86_400_000).toISOString().slice(0, 10);
    const rated = RATED_POWER_KW[type];
    const ratedPowerKw = rated === null ? null : round(rated * rnd.uniform(0.6, 1.4));
    return {
      index: i,
      sensors: DEVICE_SENSORS[type],
      contractVersion: v2 ? 2 : 1,
      gatewayId: `gw-${b.building_id.slice(5)}-${String(floor).padStart(2, '0')}`,
      record: {
        device_id: deviceId(i),
        device_type: type,
        building_id: b.building_id,
        building_name: b.name,
        city: b.city,
        timezone: b.timezone,
        floor,
        zone,
        installed_on: installed,
        rated_power_kw: ratedPowerKw,
        firmware_version: firmware,
        thresholds: defaultThresholds(type, ratedPowerKw),
      },
    };
  });
  return { buildings: bs, devices: ds };
}
