// Kafka for the simulator: topic setup (telemetry topic with the configured partition count,
// compacted device registry topic) and two interchangeable producer clients. Both partition by
// the Java client's murmur2 rule, so a device id maps to the same partition whichever is used.
// bench/simulator.ts measures both; DEFAULT_CLIENT is the faster one on this machine.
import { Kafka, CompressionTypes, logLevel, type Producer as KafkajsProducer, type Admin } from 'kafkajs';
import { Worker } from 'node:worker_threads';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { DirectSink } from './direct-producer.js';
import { producerOptions } from './platformatic-options.mjs';

/**
 * `direct`: floe's own lean producer (direct-producer.ts), records encoded in place; `platformatic`
 * and `platformatic-thread` (sender on a worker thread) and `kafkajs`: general clients, kept to
 * re-measure against (bench/simulator.ts).
 */
export const KAFKA_CLIENTS = ['direct', 'platformatic', 'platformatic-thread', 'kafkajs'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];
export const COMPRESSIONS = ['none', 'gzip', 'lz4', 'snappy'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/**
 * Picked by measurement (bench/simulator.ts, README): the direct client needs ~8-10 µs CPU per
 * message against ~23 µs for @platformatic/kafka. Without compression it needs ~1.5 µs less per
 * message than lz4 or snappy, and the broker's CPU per message is the same (~1-2 µs); lz4/snappy
 * send 2.9x fewer bytes (151 vs 432 B per message), which loopback does not need.
 */
export const DEFAULT_CLIENT: KafkaClientName = 'direct';
export const DEFAULT_COMPRESSION: Compression = 'none';

export interface OutgoingMessage {
  key: Buffer;
  value: Buffer | null;
  headers?: Record<string, string>;
  /** Precomputed with keyPartition(); otherwise the client partitions by key. */
  partition?: number;
}

export { keyPartition } from './partition.js';

/** Something messages can be sent to in batches: Kafka, or a test's array. */
export interface MessageSink {
  readonly client: string;
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

function silentKafka(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  configEntries?: { name: string; value: string }[];
}

/** Creates topics that do not exist yet; an existing topic is left as it is (its partition count is reported). */
export async function ensureTopics(brokers: string[], specs: TopicSpec[]): Promise<Record<string, number>> {
  const admin: Admin = silentKafka(brokers, 'floe-admin').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: 1, configEntries: s.configEntries ?? [] })),
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
    return Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes the topics of `names` that exist (others are ignored), or, given a RegExp, every
 * topic whose name matches it except those in `keep`. Returns the deleted names.
 */
export async function deleteTopics(brokers: string[], names: readonly string[] | RegExp, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  const admin: Admin = silentKafka(brokers, 'floe-admin').admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const doomed = existing.filter((t) => (names instanceof RegExp ? names.test(t) && !keep.has(t) : names.includes(t)));
    // A few dozen per request: one request for hundreds of topics outlasts the broker's timeout.
    for (let i = 0; i < doomed.length; i += 50) await admin.deleteTopics({ topics: doomed.slice(i, i + 50), timeout: 60_000 });
    return doomed;
  } finally {
    await admin.disconnect();
  }
}

/** Current end offsets (high watermarks) per partition. */
export async function topicEndOffsets(brokers: string[], topic: string): Promise<Record<string, string>> {
  const admin = silentKafka(brokers, 'floe-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((o) => [String(o.partition), o.high]));
  } finally {
    await admin.disconnect();
  }
}

export async function createSink(client: KafkaClientName, brokers: string[], compression: Compression): Promise<MessageSink> {
  if (client === 'direct') {
    if (compression === 'gzip') throw new Error('the direct client offers none|lz4|snappy compression; use --client platformatic for gzip');
    return DirectSink.connect(brokers, compression);
  }
  if (client === 'kafkajs') return KafkajsSink.connect(brokers, compression);
  if (client === 'platformatic-thread') return ThreadedPlatformaticSink.connect(brokers, compression);
  return PlatformaticSink.connect(brokers, compression);
}

const KAFKAJS_CODECS: Record<Compression, CompressionTypes | undefined> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  lz4: undefined,
  snappy: undefined,
};

export class KafkajsSink implements MessageSink {
  readonly client = 'kafkajs';
  private constructor(private readonly producer: KafkajsProducer, private readonly codec: CompressionTypes) {}

  static async connect(brokers: string[], compression: Compression): Promise<KafkajsSink> {
    const codec = KAFKAJS_CODECS[compression];
    if (codec === undefined) throw new Error(`kafkajs has no built-in ${compression} codec; use --compression none|gzip or --client platformatic`);
    const producer = silentKafka(brokers, 'floe-simulator').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return new KafkajsSink(producer, codec);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, compression: this.codec, messages });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export class PlatformaticSink implements MessageSink {
  readonly client = 'platformatic';
  private constructor(private readonly producer: PlatformaticProducer<Buffer, Buffer, string, string>) {}

  static async connect(brokers: string[], compression: Compression): Promise<PlatformaticSink> {
    const producer = new PlatformaticProducer<Buffer, Buffer, string, string>(producerOptions(brokers, compression, 'floe-simulator'));
    // Fail early (and name the brokers) rather than on the first send.
    await producer.metadata({ topics: [] });
    return new PlatformaticSink(producer);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.producer.send({
      messages: messages.map((m) => ({
        topic,
        key: m.key,
        value: m.value ?? undefined,
        ...(m.headers ? { headers: m.headers } : {}),
        ...(m.partition !== undefined ? { partition: m.partition } : {}),
      })),
    });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}

/** Packs messages into one transferable buffer (layout in send-worker.mjs). */
export function packMessages(messages: OutgoingMessage[]): ArrayBuffer {
  const headers = messages.map((m) => (m.headers ? Buffer.from(JSON.stringify(m.headers)) : undefined));
  let size = 0;
  messages.forEach((m, i) => (size += 16 + m.key.length + (m.value?.length ?? 0) + (headers[i]?.length ?? 0)));
  const ab = new ArrayBuffer(size);
  const buf = Buffer.from(ab);
  let at = 0;
  messages.forEach((m, i) => {
    const h = headers[i];
    buf.writeUInt32LE(m.key.length, at);
    buf.writeUInt32LE(m.value === null ? 0xffffffff : m.value.length, at + 4);
    buf.writeUInt32LE(h?.length ?? 0, at + 8);
    buf.writeUInt32LE(m.partition ?? 0xffffffff, at + 12);
    at += 16;
    at += m.key.copy(buf, at);
    if (m.value) at += m.value.copy(buf, at);
    if (h) at += h.copy(buf, at);
  });
  return ab;
}

/**
 * @platformatic/kafka on a worker thread (simulator/send-worker.mjs): generation and sending
 * overlap on two cores. Batches are handed over as transferred buffers, without copies.
 */
export class ThreadedPlatformaticSink implements MessageSink {
  readonly client = 'platformatic-thread';
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private closed: (() => void) | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { type: string; id?: number; message?: string }) => {
      if (m.type === 'closed') {
        this.closed?.();
        return;
      }
      const p = this.pending.get(m.id!);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.type === 'ack') p.resolve();
      else p.reject(new Error(m.message));
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  static async connect(brokers: string[], compression: Compression): Promise<ThreadedPlatformaticSink> {
    const worker = new Worker(new URL('./send-worker.mjs', import.meta.url), { workerData: { brokers, compression, clientId: 'floe-simulator' } });
    const sink = new ThreadedPlatformaticSink(worker);
    try {
      // Fail early (and name the brokers) rather than on the first send.
      await sink.request({ type: 'ping' });
    } catch (err) {
      await worker.terminate();
      throw new Error(`cannot reach Kafka at ${brokers.join(',')}: ${(err as Error).message}`);
    }
    return sink;
  }

  private request(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const buf = packMessages(messages);
    return this.request({ type: 'batch', topic, buf }, [buf]);
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.closed = resolve));
    this.worker.postMessage({ type: 'close' });
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    await this.worker.terminate();
  }
}

/** Collects messages in memory: the sink unit tests use. */
export class MemorySink implements MessageSink {
  readonly client = 'memory';
  readonly sent: { topic: string; message: OutgoingMessage }[] = [];
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    for (const message of messages) this.sent.push({ topic, message });
  }
  async close(): Promise<void> {}
}
