// The device registry topic as rows for gold.dim_devices: every message still in the compacted
// topic, in offset order, with tombstones (null values) as rows of their own.
import type { RangeReader } from '../ingest/kafka.js';
import { DeviceRegistryEvent } from '../models/deviceRegistry.js';

export interface RegistryRows {
  rows: Record<string, unknown>[];
  /** Messages that broke the registry contract (skipped), with where they are. */
  invalid: string[];
}

export async function readRegistryRows(reader: RangeReader, topic: string): Promise<RegistryRows> {
  const marks = await reader.watermarks(topic);
  const ranges = marks.filter((w) => w.high > w.low).map((w) => ({ partition: w.partition, from: w.low, to: w.high }));
  const messages = ranges.length ? await reader.readRanges(topic, ranges) : [];
  const rows: Record<string, unknown>[] = [];
  const invalid: string[] = [];
  for (const m of messages) {
    const where = `${topic}/${m.partition}@${m.offset}`;
    const key = m.key?.toString('utf8');
    if (!key) {
      invalid.push(`${where}: no key`);
      continue;
    }
    const base = { kafka_partition: m.partition, kafka_offset: m.offset, kafka_timestamp: new Date(m.timestamp).toISOString(), device_id: key };
    if (!m.value || m.value.length === 0) {
      rows.push({ ...base, tombstone: true });
      continue;
    }
    let parsed;
    try {
      parsed = DeviceRegistryEvent.safeParse(JSON.parse(m.value.toString('utf8')));
    } catch (e) {
      invalid.push(`${where}: not JSON (${(e as Error).message})`);
      continue;
    }
    if (!parsed.success || parsed.data.device.device_id !== key) {
      invalid.push(`${where}: ${parsed.success ? `key does not match device_id ${parsed.data.device.device_id}` : parsed.error.issues[0]!.message}`);
      continue;
    }
    const { device, change, changed_at } = parsed.data;
    rows.push({
      ...base,
      tombstone: false,
      change,
      changed_at,
      device_type: device.device_type,
      building_id: device.building_id,
      building_name: device.building_name,
      city: device.city,
      timezone: device.timezone,
      floor: device.floor,
      zone: device.zone,
      installed_on: device.installed_on,
      rated_power_kw: device.rated_power_kw,
      firmware_version: device.firmware_version,
      thresholds: JSON.stringify(device.thresholds),
    });
  }
  return { rows, invalid };
}
