// The simulator's own lean Kafka producer (`--client direct`, the default): records are encoded
// once, in place, into one RecordBatch per partition (record-batch.ts), and each flush is one
// Produce request (v7, acks=all) per leader broker over a plain socket. Metadata (partition
// leaders, broker addresses) comes from kafkajs's admin client, once per topic.
//
// Deliberately small: no idempotence, no transactions, no retries. Any error response or broken
// connection fails the run, naming the topic, partition and Kafka error code, so a manifest never
// describes messages that were not acknowledged.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { RecordBatchBuilder, type BatchCodec } from './record-batch.js';
import { keyPartition } from './partition.js';
import type { MessageSink, OutgoingMessage } from './kafka.js';
import { BrokerConnection, KAFKA_ERROR_NAMES } from '../ingest/kafka-connection.js';

const PRODUCE_API_KEY = 0;
const PRODUCE_VERSION = 7;
const ACKS_ALL = -1;
const BROKER_TIMEOUT_MS = 30_000;

export class KafkaProduceError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly code: number) {
    super(`Kafka rejected the batch for ${topic}[${partition}]: error ${code} ${KAFKA_ERROR_NAMES[code] ?? '(see the Kafka protocol error codes)'}`);
  }
}

/** Records for one topic, collected per partition and sent by `flush`. */
export class TopicWriter {
  private readonly builders: RecordBatchBuilder[];
  /** RecordBatch bytes sent so far (after compression): what crossed the wire, less request framing. */
  batchBytes = 0;

  constructor(
    readonly topic: string,
    /** The leader connection of each partition. */
    private readonly leaders: BrokerConnection[],
    codec: BatchCodec,
    initialBytesPerPartition: number,
  ) {
    this.builders = leaders.map(() => new RecordBatchBuilder(codec, initialBytesPerPartition));
  }

  get partitions(): number {
    return this.leaders.length;
  }

  append(partition: number, key: Buffer | null, value: Buffer | string | null, headers?: Record<string, string>): void {
    const b = this.builders[partition];
    if (b === undefined) throw new RangeError(`partition ${partition} does not exist in topic ${this.topic} (${this.builders.length} partitions)`);
    b.append(key, value, headers);
  }

  /** Sends what was appended since the last flush: one Produce request per leader; resolves when all are acknowledged. */
  flush(): Promise<void> {
    const now = Date.now();
    const byLeader = new Map<BrokerConnection, { partition: number; batch: Buffer }[]>();
    this.builders.forEach((b, partition) => {
      const batch = b.finish(now);
      if (!batch) return;
      this.batchBytes += batch.length;
      const leader = this.leaders[partition]!;
      const list = byLeader.get(leader) ?? [];
      list.push({ partition, batch });
      byLeader.set(leader, list);
    });
    const topic = Buffer.from(this.topic);
    return Promise.all(
      [...byLeader].map(async ([conn, batches]) => {
        const head = Buffer.allocUnsafe(2 + 2 + 4 + 4 + 2 + topic.length + 4);
        let at = head.writeInt16BE(-1, 0); // transactional_id: null
        at = head.writeInt16BE(ACKS_ALL, at);
        at = head.writeInt32BE(BROKER_TIMEOUT_MS, at);
        at = head.writeInt32BE(1, at);
        at = head.writeInt16BE(topic.length, at);
        at += topic.copy(head, at);
        head.writeInt32BE(batches.length, at);
        const body: Buffer[] = [head];
        for (const { partition, batch } of batches) {
          const p = Buffer.allocUnsafe(8);
          p.writeInt32BE(partition, 0);
          p.writeInt32BE(batch.length, 4);
          body.push(p, batch);
        }
        checkProduceResponse(await conn.request(PRODUCE_API_KEY, PRODUCE_VERSION, body));
      }),
    ).then(() => undefined);
  }
}

/** Throws KafkaProduceError for the first partition with a non-zero error code in a Produce v7 response. */
export function checkProduceResponse(body: Buffer): void {
  let at = 0;
  const topics = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const nameLen = body.readInt16BE(at);
    const name = body.toString('utf8', at + 2, at + 2 + nameLen);
    at += 2 + nameLen;
    const parts = body.readInt32BE(at);
    at += 4;
    for (let i = 0; i < parts; i++) {
      const partition = body.readInt32BE(at);
      const code = body.readInt16BE(at + 4);
      // base_offset, log_append_time_ms, log_start_offset: 3 × int64
      at += 4 + 2 + 24;
      if (code !== 0) throw new KafkaProduceError(name, partition, code);
    }
  }
}

export class DirectSink implements MessageSink {
  readonly client = 'direct';
  private readonly connections = new Map<string, Promise<BrokerConnection>>();
  private readonly writers = new Map<string, Promise<TopicWriter>>();

  private constructor(private readonly admin: Admin, private readonly codec: BatchCodec, private readonly clientId: string) {}

  static async connect(brokers: string[], codec: BatchCodec, clientId = 'floe-simulator'): Promise<DirectSink> {
    const admin = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } }).admin();
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`cannot reach Kafka at ${brokers.join(',')}: ${(err as Error).message}`);
    }
    return new DirectSink(admin, codec, clientId);
  }

  private connection(host: string, port: number): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    let c = this.connections.get(address);
    if (!c) {
      c = BrokerConnection.open(host, port, this.clientId);
      this.connections.set(address, c);
    }
    return c;
  }

  /** A writer for the topic, its partitions mapped to their leaders' connections. */
  writer(topic: string, initialBytesPerPartition = 256 * 1024): Promise<TopicWriter> {
    let w = this.writers.get(topic);
    if (!w) {
      w = (async () => {
        const [meta, cluster] = await Promise.all([this.admin.fetchTopicMetadata({ topics: [topic] }), this.admin.describeCluster()]);
        const partitions = [...(meta.topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
        if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions (does it exist?)`);
        const leaders = await Promise.all(
          partitions.map((p, i) => {
            if (p.partitionId !== i) throw new Error(`topic ${topic}: partition ids are not 0..${partitions.length - 1}`);
            const broker = cluster.brokers.find((b) => b.nodeId === p.leader);
            if (!broker) throw new Error(`topic ${topic}[${i}]: leader ${p.leader} is not among the brokers ${cluster.brokers.map((b) => b.nodeId).join(',')}`);
            return this.connection(broker.host, broker.port);
          }),
        );
        return new TopicWriter(topic, leaders, this.codec, initialBytesPerPartition);
      })();
      this.writers.set(topic, w);
      // A failed lookup may be retried by a later call.
      w.catch(() => this.writers.delete(topic));
    }
    return w;
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const w = await this.writer(topic);
    for (const m of messages) w.append(m.partition ?? keyPartition(m.key, w.partitions), m.key, m.value, m.headers);
    await w.flush();
  }

  async close(): Promise<void> {
    for (const c of this.connections.values()) {
      try {
        (await c).close();
      } catch {
        // A connection that never opened has nothing to close.
      }
    }
    await this.admin.disconnect();
  }
}
