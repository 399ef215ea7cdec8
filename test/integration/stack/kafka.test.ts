import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../deploy/config.js';
import { deleteTopics, ensureTopics } from '../../../simulator/kafka.js';

describe('Kafka (KRaft)', () => {
  it('round-trips a keyed message through a new topic', async () => {
    const c = loadConfig();
    const kafka = new Kafka({ clientId: 'floe-smoke', brokers: c.kafka.brokers, logLevel: logLevel.NOTHING });
    const topic = `smoke-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const value = JSON.stringify({ event_id: randomUUID(), device_id: 'meter-7', power_kw: 3.25 });
    const [meta] = await producer.send({ topic, messages: [{ key: 'meter-7', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; partition: number; offset: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message on ${topic} within 30s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          clearTimeout(timer);
          resolve({ key: message.key!.toString(), value: message.value!.toString(), partition, offset: message.offset });
        },
      });
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(received).toEqual({ key: 'meter-7', value, partition: meta!.partition, offset: meta!.baseOffset });
  });

  it('has the telemetry, compacted device-registry and alerts topics', async () => {
    const c = loadConfig();
    const admin = new Kafka({ clientId: 'floe-smoke', brokers: c.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [c.kafka.telemetryTopic, c.kafka.registryTopic, c.alerts.topic] });
      expect(meta.topics.find((t) => t.name === c.kafka.telemetryTopic)!.partitions).toHaveLength(c.kafka.telemetryPartitions);
      expect(meta.topics.find((t) => t.name === c.alerts.topic)!.partitions).toHaveLength(3);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: c.kafka.registryTopic, configNames: ['cleanup.policy'] }] });
      expect(configs.resources[0]!.configEntries[0]!.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('deletes topics by name, and by pattern except those kept', async () => {
    const c = loadConfig();
    const tag = randomUUID().slice(0, 8);
    const names = ['a', 'b', 'c', 'd'].map((x) => `smoke-del-${tag}-${x}`);
    await ensureTopics(c.kafka.brokers, names.map((topic) => ({ topic, partitions: 1 })));
    const listed = async (): Promise<string[]> => {
      const admin = new Kafka({ clientId: 'floe-smoke', brokers: c.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        return (await admin.listTopics()).filter((t) => t.includes(tag)).sort();
      } finally {
        await admin.disconnect();
      }
    };
    expect(await listed()).toEqual(names);
    // A name that does not exist is ignored.
    expect(await deleteTopics(c.kafka.brokers, [names[0]!, `smoke-del-${tag}-missing`])).toEqual([names[0]]);
    expect((await deleteTopics(c.kafka.brokers, new RegExp(`^smoke-del-${tag}-`), new Set([names[3]!]))).sort()).toEqual([names[1], names[2]]);
    expect(await listed()).toEqual([names[3]]);
    await deleteTopics(c.kafka.brokers, [names[3]!]);
  });
});
