// The simulated fleet as device registry change events (ingest/registry.ts reads them back).
import { DeviceRegistryEvent } from '../models/deviceRegistry.js';
import type { OutgoingMessage } from './kafka.js';
import type { SimDevice } from './fleet.js';

/** One `created` event per device, keyed by device id. Deterministic: re-publishing is a no-op after compaction. */
export function registryMessages(devices: readonly SimDevice[]): OutgoingMessage[] {
  return devices.map((d) => {
    const event: DeviceRegistryEvent = DeviceRegistryEvent.parse({
      schema: 'floe.device-registry.v1',
      change: 'created',
      changed_at: `${d.record.installed_on}T00:00:00.000Z`,
      device: d.record,
    });
    return { key: Buffer.from(d.record.device_id), value: Buffer.from(JSON.stringify(event)), headers: { 'content-type': 'application/json' } };
  });
}
