// Shared helpers of the ingest integration tests: unique names per run, topics and messages on
// the real Kafka of the local stack.
import { randomBytes } from 'node:crypto';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';

const { Kafka: KafkaClient, logLevel, Partitioners, CompressionTypes } = kafkajs;
import { loadConfig, type FloeConfig } from '../../../deploy/config.js';

export const config: FloeConfig = loadConfig();

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function kafka(brokers = config.kafka.brokers): Kafka {
  return new KafkaClient({ clientId: 'floe-test', brokers, logLevel: logLevel.ERROR });
}

export async function createTopic(topic: string, partitions: number, brokers = config.kafka.brokers): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    // A broker that has just started may not serve metadata for a new topic at once: retry, and
    // accept a topic an earlier attempt created once all its partitions have leaders.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
        return;
      } catch (err) {
        try {
          const md = await admin.fetchTopicMetadata({ topics: [topic] });
          const ps = md.topics[0]?.partitions ?? [];
          if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return;
        } catch {
          // not there yet
        }
        if (attempt >= 10) throw new Error(`creating topic ${topic} on ${brokers.join(',')} failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export interface Outgoing {
  partition: number;
  key: string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

export async function withProducer<T>(fn: (p: Producer) => Promise<T>, brokers = config.kafka.brokers): Promise<T> {
  const producer = kafka(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

/** Sends messages in order, in chunks; returns nothing: offsets are read back from Kafka. */
export async function send(topic: string, messages: Outgoing[], chunk = 5000, compression: 'none' | 'gzip' = 'none', brokers = config.kafka.brokers): Promise<void> {
  await withProducer(async (p) => {
    for (let i = 0; i < messages.length; i += chunk) {
      await p.send({ topic, acks: -1, compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None, messages: messages.slice(i, i + chunk).map((m) => ({ partition: m.partition, key: m.key, value: m.value, headers: m.headers })) });
    }
  }, brokers);
}
