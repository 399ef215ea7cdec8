// The simulated fleet as device registry change events, and reading the registry back from its
// compacted topic (what ingestion needs to reject unknown devices).
import { Kafka, logLevel } from 'kafkajs';
import { applyRegistryMessage, DeviceRegistryEvent, type DeviceRecord } from '../models/deviceRegistry.js';
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

/**
 * Reads the registry topic from the beginning to its current end and folds it into a map
 * (latest record per device; tombstones delete). Uses no consumer group: nothing is committed.
 */
export async function loadDeviceRegistry(brokers: string[], topic: string, timeoutMs = 30_000): Promise<Map<string, DeviceRecord>> {
  const kafka = new Kafka({ clientId: 'floe-registry-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) ends.set(o.partition, BigInt(o.high));
  } finally {
    await admin.disconnect();
  }
  const registry = new Map<string, DeviceRecord>();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  if (pending.size === 0) return registry;
  const consumer = kafka.consumer({ groupId: `floe-registry-reader-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading device registry topic ${topic} timed out after ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            applyRegistryMessage(registry, message.key?.toString('utf8') ?? '', message.value);
            if (BigInt(message.offset) + 1n >= ends.get(partition)!) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return registry;
}
