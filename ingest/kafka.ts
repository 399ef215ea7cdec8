// Reads exact Kafka offset ranges. No consumer group: a group would rebalance, commit offsets of
// its own and add seconds of join latency per batch, while ingestion already knows exactly which
// offsets it wants. One production fetch path and one fallback (`fetchClient`, see
// ingest/kafka-fetchers.ts), the same cursor loop over each (ingest/kafka-cursor.ts):
// - 'direct' (default, production): Fetch v11 spoken by floe itself (ingest/kafka-fetch.ts),
//   record batches kept encoded for the addon, or decoded into views of the response buffer.
// - 'platformatic' (fallback): @platformatic/kafka's public low-level Consumer.fetch.
// `npm run bench ingest` measures both. Watermarks, time lookups and partition leaders use the
// kafkajs admin client (public API).
import kafkajs, { type Admin } from 'kafkajs';
import type { OffsetRange, PartitionWatermark } from '../models/offsets.js';
import { cutPiece, messagesOfPieces, pieceEnd, pieceRecords, type Fetcher, type Piece } from './kafka-cursor.js';
import { directFetcher, platformaticFetcher } from './kafka-fetchers.js';
import type { RecordBatchRef } from './kafka-fetch.js';

export interface KafkaMessage {
  partition: number;
  offset: number;
  /** Producer or broker timestamp, ms since epoch. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

/**
 * The records of one Kafka record batch whose offsets are in [lo, hi), still encoded (the
 * direct fetch path): what the native ingestion path reads without a message object each.
 */
export interface RecordRun {
  batch: RecordBatchRef;
  lo: number;
  hi: number;
}

export interface StreamOptions {
  /**
   * The consumer copies whatever it keeps of a chunk (values, keys, headers: their bytes, not
   * the Buffers) before `onChunk`'s promise settles, and uses none of the chunk's messages
   * afterwards. The reader may then read later fetch responses into the memory those messages'
   * Buffers view (the direct fetch path does: no new external memory per fetch, hence fewer
   * full GC cycles). Default false: every delivered message keeps its bytes for as long as it is
   * referenced. Messages read ahead (readAhead) are never in recycled memory.
   */
  recycle?: boolean;
}

/** The topic does not exist on the cluster: retrying will not help. */
export class TopicNotFoundError extends Error {
  override name = 'TopicNotFound';
  constructor(readonly topic: string, brokers: string[]) {
    super(`Kafka topic ${JSON.stringify(topic)} does not exist on ${brokers.join(',')}`);
  }
}

export interface RangeReader {
  watermarks(topic: string): Promise<PartitionWatermark[]>;
  /** Per partition, the first offset whose timestamp is >= timeMs (the high watermark if none). */
  offsetsForTime(topic: string, timeMs: number): Promise<Record<number, number>>;
  /**
   * Every message of the ranges, in offset order per partition; `onProgress` is called after
   * each fetch round with the number of messages read so far.
   */
  readRanges(topic: string, ranges: OffsetRange[], onProgress?: (messages: number) => void): Promise<KafkaMessage[]>;
  /**
   * Like readRanges, but hands over each fetch round's messages as soon as they are decoded,
   * while the next fetch is already in flight (pipelining fetch with whatever `onChunk` does).
   * Every message of the ranges is delivered exactly once, in offset order per partition
   * (partitions interleave across chunks). Resolves to the number of messages delivered.
   */
  streamRanges?(topic: string, ranges: OffsetRange[], onChunk: (messages: KafkaMessage[]) => void | Promise<void>, options?: StreamOptions): Promise<number>;
  /**
   * Starts fetching, in the background, `counts[p]` messages of each partition from `from[p]`
   * (at most up to the high watermark). The next streamRanges of the topic whose ranges start
   * at those offsets delivers them first and fetches only the rest. Kafka offsets never change
   * content, so this is a pure latency hint: a read-ahead that fails or does not match is dropped.
   */
  readAhead?(topic: string, from: Record<number, number>, counts: Record<number, number>): void;
  /**
   * streamRanges with the records left encoded: each chunk is a list of record runs (the data
   * records of the ranges, each once, in offset order per partition). Only readers whose fetch
   * path keeps record batches (the direct one) have it.
   */
  streamRecords?(topic: string, ranges: OffsetRange[], onChunk: (runs: RecordRun[]) => void | Promise<void>, options?: StreamOptions): Promise<void>;
  close(): Promise<void>;
}

// kafkajs is CommonJS and Node's ESM loader does not detect all of its named exports.
const { Kafka, logLevel } = kafkajs;

/** The fetch paths: 'direct' in production, 'platformatic' the fallback through a maintained library. */
export const FETCH_CLIENTS = ['direct', 'platformatic'] as const;
export type FetchClient = (typeof FETCH_CLIENTS)[number];

export interface KafkaRangeReaderOptions {
  brokers: string[];
  /** Which path fetches message ranges (default 'direct'). */
  fetchClient?: FetchClient;
  clientId?: string;
  /** Bytes per partition per fetch request. */
  partitionFetchBytes?: number;
  /** Bytes per fetch request. */
  fetchBytes?: number;
  /**
   * Bytes per partition per fetch request when streaming (smaller than for readRanges, so a
   * batch arrives in several rounds and validating one round overlaps fetching the next).
   */
  streamPartitionFetchBytes?: number;
}

/** The kafkajs admin client, connected on first use; after a failed call it is dropped so the next call reconnects. */
function adminClient(opts: KafkaRangeReaderOptions): { withAdmin<T>(fn: (a: Admin) => Promise<T>): Promise<T>; close(): Promise<void> } {
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'floe-ingest',
    brokers: opts.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
  let admin: Admin | undefined;
  return {
    async withAdmin(fn) {
      if (!admin) {
        const a = kafka.admin();
        await a.connect();
        admin = a;
      }
      const a = admin;
      try {
        return await fn(a);
      } catch (err) {
        if (err instanceof TopicNotFoundError) throw err;
        if (admin === a) admin = undefined;
        await a.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      const a = admin;
      admin = undefined;
      if (a) await a.disconnect();
    },
  };
}

export function createKafkaRangeReader(opts: KafkaRangeReaderOptions): RangeReader {
  // Measured on the local stack (300k messages, 3 partitions): @platformatic/kafka spends
  // 11.4 CPU µs/msg with 16 MiB per partition per fetch and 4.1-4.9 with 1-2 MiB (large
  // responses are costly to assemble), 196k msg/s at 2 MiB.
  const partitionFetchBytes = opts.partitionFetchBytes ?? 2 * 1024 * 1024;
  const fetchBytes = opts.fetchBytes ?? 64 * 1024 * 1024;
  const streamBytes = opts.streamPartitionFetchBytes ?? 2 * 1024 * 1024;
  const client = opts.fetchClient ?? 'direct';
  if (!FETCH_CLIENTS.includes(client)) throw new Error(`fetchClient ${JSON.stringify(client)}: expected one of ${FETCH_CLIENTS.join(', ')}`);
  const admin = adminClient(opts);
  const fetcher = client === 'direct' ? directFetcher(opts, admin.withAdmin, partitionFetchBytes, fetchBytes, streamBytes) : platformaticFetcher(opts, partitionFetchBytes, fetchBytes, streamBytes);
  const readAhead = new ReadAheadCache(fetcher);

  async function watermarks(topic: string): Promise<PartitionWatermark[]> {
    const offsets = await admin.withAdmin(async (a) => {
      if (!(await a.listTopics()).includes(topic)) throw new TopicNotFoundError(topic, opts.brokers);
      return a.fetchTopicOffsets(topic);
    });
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((x, y) => x.partition - y.partition);
  }

  /** The fetch rounds of `ranges` as pieces, read-ahead first (see streamPieces). */
  const pieces = (topic: string, ranges: OffsetRange[], onPieces: (pieces: Piece[]) => Promise<void>, recycle: boolean): Promise<void> =>
    streamPieces(fetcher, readAhead.take(topic, ranges), topic, ranges, onPieces, recycle);

  return {
    watermarks,
    async offsetsForTime(topic, timeMs) {
      const [byTime, marks] = await admin.withAdmin((a) => Promise.all([a.fetchTopicOffsetsByTimestamp(topic, timeMs), a.fetchTopicOffsets(topic)]));
      const high = new Map(marks.map((m) => [m.partition, Number(m.high)]));
      return Object.fromEntries(byTime.map((o) => [o.partition, Number(o.offset) < 0 ? high.get(o.partition)! : Number(o.offset)]));
    },
    async readRanges(topic, ranges, onProgress) {
      try {
        return await fetcher.readRanges(topic, ranges, onProgress);
      } catch (err) {
        // Leadership moved or the broker restarted: refresh metadata and read the ranges again.
        await fetcher.reset();
        try {
          return await fetcher.readRanges(topic, ranges, onProgress);
        } catch (err2) {
          throw new Error(`reading ${topic} ranges ${JSON.stringify(ranges)} failed: ${(err2 as Error).message} (first attempt: ${(err as Error).message})`);
        }
      }
    },
    async streamRanges(topic, ranges, onChunk, options = {}) {
      let total = 0;
      await pieces(topic, ranges, async (ps) => {
        const messages = messagesOfPieces(ps);
        total += messages.length;
        await onChunk(messages);
      }, options.recycle === true);
      return total;
    },
    ...(client === 'direct'
      ? {
          async streamRecords(topic: string, ranges: OffsetRange[], onChunk: (runs: RecordRun[]) => void | Promise<void>, options: StreamOptions = {}): Promise<void> {
            await pieces(topic, ranges, async (ps) => {
              const runs: RecordRun[] = [];
              for (const p of ps) {
                if (!p.runs) throw new Error('streamRecords: the fetch path returned decoded messages');
                for (const r of p.runs) runs.push(r);
              }
              await onChunk(runs);
            }, options.recycle === true);
          },
        }
      : {}),
    readAhead(topic, from, counts) {
      readAhead.start(topic, from, counts, watermarks);
    },
    async close() {
      readAhead.clear();
      await fetcher.reset();
      await admin.close();
    },
  };
}

/**
 * The fetch rounds of `ranges` as pieces, the read-ahead's first. After a failure (leadership
 * moved, broker restarted) the stream resumes after what was delivered per partition: nothing
 * is delivered twice.
 */
async function streamPieces(fetcher: Fetcher, readAhead: Promise<Piece[]>, topic: string, ranges: OffsetRange[], onPieces: (pieces: Piece[]) => Promise<void>, recycle: boolean): Promise<void> {
  const delivered = new Map<number, number>();
  const deliver = async (pieces: Piece[]): Promise<void> => {
    for (const p of pieces) delivered.set(p.partition, pieceEnd(p));
    await onPieces(pieces);
  };
  const remaining = (): OffsetRange[] => ranges.map((r) => ({ ...r, from: Math.max(r.from, delivered.get(r.partition) ?? r.from) })).filter((r) => r.to > r.from);
  const cached = await readAhead;
  for (let i = 0; i < cached.length; ) {
    // In chunks of about READ_AHEAD_CHUNK records, as fetch rounds would come.
    let n = 0;
    let j = i;
    while (j < cached.length && n < READ_AHEAD_CHUNK) n += pieceRecords(cached[j++]!);
    await deliver(cached.slice(i, j));
    i = j;
  }
  try {
    await fetcher.stream(topic, remaining(), deliver, recycle);
  } catch (err) {
    if ((err as { fromConsumer?: boolean }).fromConsumer) throw (err as { cause: unknown }).cause;
    await fetcher.reset();
    try {
      await fetcher.stream(topic, remaining(), deliver, recycle);
    } catch (err2) {
      if ((err2 as { fromConsumer?: boolean }).fromConsumer) throw (err2 as { cause: unknown }).cause;
      throw new Error(`reading ${topic} ranges ${JSON.stringify(ranges)} failed: ${(err2 as Error).message} (first attempt: ${(err as Error).message})`);
    }
  }
}

/** Read-ahead records are handed to the consumer in chunks of about this many. */
const READ_AHEAD_CHUNK = 20_000;

/** Records fetched ahead from given offsets, per partition in offset order. */
interface ReadAhead {
  topic: string;
  byPartition: Map<number, { from: number; pieces: Piece[] }>;
  done: Promise<void>;
  failed: boolean;
}

/** The one read-ahead of a reader (see RangeReader.readAhead): started after a batch, used up by the next stream of its topic. */
class ReadAheadCache {
  private ahead: ReadAhead | undefined;
  constructor(private readonly fetcher: Fetcher) {}

  start(topic: string, from: Record<number, number>, counts: Record<number, number>, watermarks: (topic: string) => Promise<PartitionWatermark[]>): void {
    const ra: ReadAhead = { topic, byPartition: new Map(Object.entries(from).map(([p, f]) => [Number(p), { from: f, pieces: [] }])), failed: false, done: Promise.resolve() };
    ra.done = (async () => {
      const high = new Map((await watermarks(topic)).map((w) => [w.partition, w.high]));
      const rs = [...ra.byPartition].map(([partition, c]) => ({ partition, from: c.from, to: Math.min(high.get(partition) ?? c.from, c.from + (counts[partition] ?? 0)) })).filter((r) => r.to > r.from);
      if (rs.length === 0) return;
      // Kept for a later batch: never recycled memory.
      await this.fetcher.stream(topic, rs, async (pieces) => {
        for (const p of pieces) ra.byPartition.get(p.partition)!.pieces.push(p);
      }, false);
    })().catch(() => {
      // Best effort: the batch that needs these messages fetches them itself.
      ra.failed = true;
    });
    this.ahead = ra;
  }

  /** The read-ahead pieces that start exactly where `ranges` start, cut to them; the read-ahead is used up. */
  async take(topic: string, ranges: OffsetRange[]): Promise<Piece[]> {
    const ra = this.ahead;
    this.ahead = undefined;
    if (!ra || ra.topic !== topic) return [];
    await ra.done;
    if (ra.failed) return [];
    const out: Piece[] = [];
    for (const r of ranges) {
      const c = ra.byPartition.get(r.partition);
      if (!c || c.from !== r.from) continue;
      for (const p of c.pieces) {
        const cut = cutPiece(p, r.to);
        if (cut) out.push(cut);
      }
    }
    return out;
  }

  clear(): void {
    this.ahead = undefined;
  }
}
