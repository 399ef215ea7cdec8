// The two Kafka fetch paths of the range reader (ingest/kafka.ts), over the same cursor loop
// (ingest/kafka-cursor.ts):
// - direct (production): Fetch v11 spoken by floe itself (ingest/kafka-fetch.ts) over one
//   connection per leader broker; record batches stay encoded, for the addon to read.
// - platformatic (fallback): @platformatic/kafka's public low-level Consumer.fetch, decoded by
//   the library. Tested on the real broker beside the direct path (kafkaReader.test.ts).
import type { Admin } from 'kafkajs';
import { Consumer } from '@platformatic/kafka';
import type { OffsetRange } from '../models/offsets.js';
import type { KafkaMessage, KafkaRangeReaderOptions } from './kafka.js';
import { cursorFetcher, wantedCursor, type Cursor, type Fetcher, type FetchFn } from './kafka-cursor.js';
import { BrokerConnection } from './kafka-connection.js';
import { decodeFetchResponse, encodeFetchRequest, FETCH_API_KEY, FETCH_VERSION, type PartitionFetch } from './kafka-fetch.js';

const READ_COMMITTED = 1;

const CONTROL_BATCH = 0x20;

/** The parts of @platformatic/kafka's Fetch v17 response used here (its type is not exported). */
interface FetchResponse {
  responses: {
    partitions: {
      partitionIndex: number;
      highWatermark: bigint;
      records?: {
        firstOffset: bigint;
        firstTimestamp: bigint;
        attributes: number;
        lastOffsetDelta: number;
        records: { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] }[];
      }[];
    }[];
  }[];
}

export function platformaticFetcher(opts: KafkaRangeReaderOptions, partitionFetchBytes: number, fetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
  let consumer: Consumer | undefined;
  const get = (): Consumer =>
    (consumer ??= new Consumer({
      // Required by the constructor; no group is ever joined (only metadata and fetch are used).
      groupId: `${opts.clientId ?? 'floe-ingest'}-nogroup`,
      clientId: opts.clientId ?? 'floe-ingest',
      bootstrapBrokers: opts.brokers,
      retries: 5,
      retryDelay: 300,
      requestTimeout: 30_000,
    }));

  interface PlatformaticCursor extends Cursor {
    consumer: Consumer;
    topicId: string;
  }

  async function open(topic: string, ranges: OffsetRange[]): Promise<PlatformaticCursor> {
    const c = get();
    const md = await c.metadata({ topics: [topic] });
    const t = md.topics.get(topic);
    if (!t) throw new Error(`topic ${topic} not found in cluster metadata`);
    const k = wantedCursor(topic, ranges);
    const leaders = new Map<number, number>();
    for (const r of k.wanted) {
      const leader = t.partitions[r.partition]?.leader;
      if (leader === undefined) throw new Error(`partition ${r.partition} of topic ${topic} has no leader in cluster metadata`);
      leaders.set(r.partition, leader);
    }
    return { ...k, consumer: c, topicId: t.id, leaders };
  }

  const fetch: FetchFn<PlatformaticCursor> = async (k, node, rs, partitionMaxBytes) => {
    const res = await (k.consumer.fetch as (o: Parameters<Consumer['fetch']>[0]) => Promise<FetchResponse>)({
      node: node as number,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: fetchBytes,
      isolationLevel: READ_COMMITTED,
      topics: [{ topicId: k.topicId, partitions: rs.map((r) => ({ partition: r.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(k.next.get(r.partition)!), lastFetchedEpoch: -1, partitionMaxBytes })) }],
    });
    const partitions: PartitionFetch[] = [];
    for (const tr of res.responses) {
      for (const pr of tr.partitions) {
        const messages: KafkaMessage[] = [];
        const pf: PartitionFetch = { partition: pr.partitionIndex, errorCode: 0, highWatermark: Number(pr.highWatermark), batches: [], messages, recordsSeen: 0, endOffset: -1 };
        for (const b of pr.records ?? []) {
          const first = Number(b.firstOffset);
          pf.recordsSeen += b.records.length;
          pf.endOffset = first + b.lastOffsetDelta + 1;
          if ((b.attributes & CONTROL_BATCH) !== 0) continue;
          for (const r of b.records) {
            const headers: KafkaMessage['headers'] = {};
            for (const [hk, hv] of r.headers) if (hk) headers[hk.toString()] = hv ?? undefined;
            messages.push({ partition: pf.partition, offset: first + r.offsetDelta, timestamp: Number(b.firstTimestamp + r.timestampDelta), key: r.key, value: r.value, headers });
          }
        }
        partitions.push(pf);
      }
    }
    return { partitions };
  };

  async function reset(): Promise<void> {
    const c = consumer;
    consumer = undefined;
    if (c) await (c.close as (force: boolean) => Promise<void>)(true).catch(() => undefined);
  }

  return cursorFetcher(open, fetch, reset, partitionFetchBytes, streamPartitionFetchBytes);
}

/** Partition leaders known to the direct fetch path are looked up again after this long. */
const LEADERS_MAX_AGE_MS = 60_000;

/**
 * floe's own Fetch path (ingest/kafka-fetch.ts) over one connection per leader broker. Leaders
 * and broker addresses come from the kafkajs admin client and are kept per topic (a lookup costs
 * ~6 ms of CPU and ~20 ms on the local stack) until LEADERS_MAX_AGE_MS passes, a wanted
 * partition is not among them, or a failed read resets the fetcher: a moved leader answers
 * NOT_LEADER_OR_FOLLOWER, and the read is retried after the reset with fresh metadata.
 */
export function directFetcher(opts: KafkaRangeReaderOptions, withAdmin: <T>(fn: (a: Admin) => Promise<T>) => Promise<T>, partitionFetchBytes: number, fetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
  const connections = new Map<string, Promise<BrokerConnection>>();
  const connection = (address: string): Promise<BrokerConnection> => {
    let c = connections.get(address);
    if (!c) {
      const i = address.lastIndexOf(':');
      c = BrokerConnection.open(address.slice(0, i), Number(address.slice(i + 1)), opts.clientId ?? 'floe-ingest');
      connections.set(address, c);
      c.catch(() => connections.delete(address));
    }
    return c;
  };

  const leaderCache = new Map<string, { at: number; leaders: Map<number, string> }>();

  /** Leader address per partition of the topic (those with a leader), cached. */
  async function leadersOf(topic: string, partitions: number[]): Promise<Map<number, string>> {
    const cached = leaderCache.get(topic);
    if (cached && performance.now() - cached.at < LEADERS_MAX_AGE_MS && partitions.every((p) => cached.leaders.has(p))) return cached.leaders;
    const [meta, cluster] = await withAdmin((a) => Promise.all([a.fetchTopicMetadata({ topics: [topic] }), a.describeCluster()]));
    const address = new Map(cluster.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
    const leaders = new Map<number, string>();
    for (const p of meta.topics[0]?.partitions ?? []) {
      const a = p.leader >= 0 ? address.get(p.leader) : undefined;
      if (a) leaders.set(p.partitionId, a);
    }
    leaderCache.set(topic, { at: performance.now(), leaders });
    return leaders;
  }

  async function open(topic: string, ranges: OffsetRange[]): Promise<Cursor> {
    const k = wantedCursor(topic, ranges);
    const known = await leadersOf(topic, k.wanted.map((r) => r.partition));
    const leaders = new Map<number, string>();
    for (const r of k.wanted) {
      const a = known.get(r.partition);
      if (!a) throw new Error(`partition ${r.partition} of topic ${topic} has no leader in cluster metadata`);
      leaders.set(r.partition, a);
    }
    return { ...k, leaders };
  }

  const fetch: FetchFn<Cursor> = async (k, address, rs, partitionMaxBytes, recycle) => {
    const conn = await connection(address as string);
    const body = encodeFetchRequest(k.topic, rs.map((r) => ({ partition: r.partition, fetchOffset: k.next.get(r.partition)! })), { maxWaitMs: 500, minBytes: 1, maxBytes: fetchBytes, partitionMaxBytes });
    const response = await conn.request(FETCH_API_KEY, FETCH_VERSION, [body], { recycle });
    const partitions = decodeFetchResponse(response);
    return recycle ? { partitions, release: () => conn.release(response) } : { partitions };
  };

  async function reset(): Promise<void> {
    leaderCache.clear();
    const all = [...connections.values()];
    connections.clear();
    for (const c of all) (await c.catch(() => undefined))?.close();
  }

  return cursorFetcher(open, fetch, reset, partitionFetchBytes, streamPartitionFetchBytes);
}
