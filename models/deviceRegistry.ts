// The device registry: which devices exist, where they are, what they are rated for and when
// they should alert. Published as change events to the compacted Kafka topic
// `iot-device-registry`, keyed by device id, so the topic's compacted state is the registry
// (a null value, a tombstone, removes a device). Ingestion uses it to reject unknown devices;
// GOLD joins it for locations, rated power and thresholds.
import { z } from 'zod';
import { DEVICE_TYPES, SENSOR_NAMES, type SensorName } from './sensors.js';
import { DEVICE_ID_PATTERN } from './telemetry.js';

export const AlertThreshold = z
  .object({ warn_low: z.number().nullish(), warn_high: z.number().nullish(), critical_low: z.number().nullish(), critical_high: z.number().nullish() })
  .meta({ description: 'alert levels for one reading; absent bounds do not alert' });
export type AlertThreshold = z.infer<typeof AlertThreshold>;

export const DeviceRecord = z.object({
  device_id: z.string().regex(DEVICE_ID_PATTERN),
  device_type: z.enum(DEVICE_TYPES),
  building_id: z.string().min(1).max(64),
  building_name: z.string().min(1),
  city: z.string().min(1),
  timezone: z.string().min(1).meta({ description: 'IANA time zone of the building' }),
  floor: z.number().int().min(-10).max(300),
  zone: z.string().min(1).max(64),
  installed_on: z.iso.date(),
  rated_power_kw: z.number().positive().nullable(),
  firmware_version: z.string().min(1),
  thresholds: z.partialRecord(z.enum(SENSOR_NAMES), AlertThreshold),
});
export type DeviceRecord = z.infer<typeof DeviceRecord>;

export const DEVICE_REGISTRY_EVENT_TYPES = ['created', 'updated'] as const;

/** Value of one message on `iot-device-registry` (key = device_id; null value = decommissioned). */
export const DeviceRegistryEvent = z.object({
  schema: z.literal('floe.device-registry.v1'),
  change: z.enum(DEVICE_REGISTRY_EVENT_TYPES),
  changed_at: z.iso.datetime({ offset: true }),
  device: DeviceRecord,
});
export type DeviceRegistryEvent = z.infer<typeof DeviceRegistryEvent>;

/** Applies one registry topic message (key, value) to an in-memory registry: the compaction rule. */
export function applyRegistryMessage(registry: Map<string, DeviceRecord>, key: string, value: Uint8Array | null): void {
  if (value === null || value.length === 0) {
    registry.delete(key);
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(value));
  } catch (err) {
    throw new Error(`device registry message for key ${JSON.stringify(key)} is not JSON: ${(err as Error).message}`);
  }
  const parsed = DeviceRegistryEvent.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`device registry message for key ${JSON.stringify(key)} violates the contract at $.${i.path.join('.')}: ${i.message}`);
  }
  if (parsed.data.device.device_id !== key) {
    throw new Error(`device registry message key ${JSON.stringify(key)} does not match device_id ${JSON.stringify(parsed.data.device.device_id)}`);
  }
  registry.set(key, parsed.data.device);
}

export type ThresholdTable = Partial<Record<SensorName, AlertThreshold>>;
