import { describe, it, expect } from 'vitest';
import { applyRegistryMessage, DeviceRegistryEvent, type DeviceRecord } from '../../../models/deviceRegistry.js';
import { registryMessages } from '../../../simulator/registry.js';
import { makeFleet } from '../../../simulator/fleet.js';

describe('device registry', () => {
  const fleet = makeFleet(30, 4);
  const messages = registryMessages(fleet.devices);

  it('publishes one contract-valid event per device, keyed by device id', () => {
    expect(messages).toHaveLength(30);
    for (const m of messages) {
      const e = DeviceRegistryEvent.parse(JSON.parse(m.value!.toString('utf8')));
      expect(e.device.device_id).toBe(m.key.toString());
    }
  });

  it('folds messages like compaction: latest wins, a tombstone deletes', () => {
    const reg = new Map<string, DeviceRecord>();
    for (const m of messages) applyRegistryMessage(reg, m.key.toString(), m.value);
    expect(reg.size).toBe(30);
    applyRegistryMessage(reg, 'dev-000001', null);
    expect(reg.has('dev-000001')).toBe(false);
    expect(reg.get('dev-000002')?.building_id).toBe('bldg-002');
  });

  it('rejects a message whose key does not match, or that breaks the contract', () => {
    const reg = new Map<string, DeviceRecord>();
    expect(() => applyRegistryMessage(reg, 'dev-999999', messages[0]!.value)).toThrow(/dev-999999/);
    expect(() => applyRegistryMessage(reg, 'x', Buffer.from('{"schema":"floe.device-registry.v1"}'))).toThrow(/\$\.change|violates/);
    expect(() => applyRegistryMessage(reg, 'x', Buffer.from('{'))).toThrow(/not JSON/);
  });

  it('is the same fleet whatever the seed, and devices spread over buildings', () => {
    expect(makeFleet(30, 4).devices.map((d) => d.record)).toEqual(fleet.devices.map((d) => d.record));
    expect(new Set(fleet.devices.map((d) => d.record.building_id)).size).toBe(4);
    expect(new Set(fleet.devices.map((d) => d.record.device_type)).size).toBeGreaterThanOrEqual(4);
  });
});
