// Reads exact Kafka offset ranges. No consumer group: a group would rebalance, commit offsets of
// its own and add seconds of join latency per batch, while ingestion already knows exactly which
// offsets it wants. Three fetch paths (`fetchClient`), the same cursor logic over each:
// - 'direct' (default): Fetch v11 spoken by floe itself (ingest/kafka-fetch.ts), RecordBatches
//   decoded in one pass into messages that are views of the response buffer.
// - 'platformatic': @platformatic/kafka's public low-level Consumer.fetch.
// - 'kafkajs': kafkajs has no public "assign + seek" consumer, so this drives its cluster and
//   broker Fetch API (the calls its consumer makes after a seek).
// `npm run bench ingest` measures all three. Watermarks, time lookups and partition leaders use
// the kafkajs admin client.
import kafkajs, { type Admin } from 'kafkajs';
import { Consumer } from '@platformatic/kafka';
import { lz4Compress, lz4Decompress, snappyCompress, snappyDecompress } from '@platformatic/wasm-utils';
import type { OffsetRange, PartitionWatermark } from '../models/offsets.js';
import { BrokerConnection } from './kafka-connection.js';
import { batchMessages, decodeFetchResponse, encodeFetchRequest, FETCH_API_KEY, FETCH_VERSION, KafkaFetchError, type PartitionFetch, type RecordBatchRef } from './kafka-fetch.js';

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

// kafkajs decodes only gzip itself; producers (floe produce defaults to lz4) may use LZ4 or
// Snappy, so register codecs backed by the same WebAssembly implementation @platformatic/kafka uses.
// kafkajs is CommonJS and Node's ESM loader does not detect all of its named exports.
const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

function registerCodecs(): void {
  const codec = (compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer) => () => ({
    compress: async (encoder: { buffer: Buffer }) => compress(encoder.buffer),
    decompress: async (buffer: Buffer) => decompress(buffer),
  });
  const codecs = CompressionCodecs as unknown as Record<number, unknown>;
  codecs[CompressionTypes.LZ4] = codec(lz4Compress, lz4Decompress);
  codecs[CompressionTypes.Snappy] = codec(snappyCompress, snappyDecompress);
}
registerCodecs();

// Shapes of kafkajs internals used here (src/cluster, src/broker).
interface RawRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaMessage['headers'];
  isControlRecord?: boolean;
}
interface Broker {
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; errorCode: number; highWatermark: string; messages: RawRecord[] }[] }[] }>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<Broker>;
}

const READ_COMMITTED = 1;

export type FetchClient = 'direct' | 'platformatic' | 'kafkajs';

export interface KafkaRangeReaderOptions {
  brokers: string[];
  /** Which client fetches message ranges (default 'platformatic', the faster one). */
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

function createClusterOf(kafka: Kafka): Cluster {
  const sym = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!sym) throw new Error('kafkajs internals changed: private createCluster not found (kafkajs version pinned to ^2.2)');
  const create = (kafka as unknown as Record<symbol, (o: object) => Cluster>)[sym]!;
  return create({ allowAutoTopicCreation: false, metadataMaxAge: 60_000, isolationLevel: READ_COMMITTED });
}

export function createKafkaRangeReader(opts: KafkaRangeReaderOptions): RangeReader {
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'floe-ingest',
    brokers: opts.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
  // Measured on the local stack (300k messages, 3 partitions): @platformatic/kafka spends
  // 11.4 CPU µs/msg with 16 MiB per partition per fetch and 4.1-4.9 with 1-2 MiB (large
  // responses are costly to assemble), 196k msg/s at 2 MiB.
  const partitionFetchBytes = opts.partitionFetchBytes ?? 2 * 1024 * 1024;
  const fetchBytes = opts.fetchBytes ?? 64 * 1024 * 1024;
  let admin: Admin | undefined;
  let cluster: Cluster | undefined;
  const client = opts.fetchClient ?? 'direct';
  const streamBytes = opts.streamPartitionFetchBytes ?? 2 * 1024 * 1024;
  const fast =
    client === 'direct' ? directFetcher(opts, (fn) => withAdmin(fn), partitionFetchBytes, fetchBytes, streamBytes)
    : client === 'platformatic' ? platformaticFetcher(opts, partitionFetchBytes, fetchBytes, streamBytes)
    : undefined;
  const topics = new Set<string>();

  async function getAdmin(): Promise<Admin> {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  }

  /** Runs an admin call; after a failure the admin client is dropped so the next call reconnects. */
  async function withAdmin<T>(fn: (a: Admin) => Promise<T>): Promise<T> {
    const a = await getAdmin();
    try {
      return await fn(a);
    } catch (err) {
      if (err instanceof TopicNotFoundError) throw err;
      if (admin === a) admin = undefined;
      await a.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async function getCluster(topic: string): Promise<Cluster> {
    if (!cluster) {
      const c = createClusterOf(kafka);
      await c.connect();
      cluster = c;
    }
    if (!topics.has(topic)) {
      await cluster.addTargetTopic(topic);
      topics.add(topic);
    }
    return cluster;
  }

  async function resetCluster(): Promise<void> {
    const c = cluster;
    cluster = undefined;
    topics.clear();
    if (c) await c.disconnect().catch(() => undefined);
  }

  async function readOnce(topic: string, ranges: OffsetRange[], onProgress?: (n: number) => void): Promise<KafkaMessage[]> {
    const c = await getCluster(topic);
    const wanted = ranges.filter((r) => r.to > r.from);
    const next = new Map(wanted.map((r) => [r.partition, r.from]));
    const end = new Map(wanted.map((r) => [r.partition, r.to]));
    const out = new Map<number, KafkaMessage[]>(wanted.map((r) => [r.partition, []]));
    let total = 0;
    let stalls = 0;
    for (;;) {
      const open = wanted.filter((r) => next.get(r.partition)! < r.to).map((r) => r.partition);
      if (open.length === 0) break;
      const leaders = c.findLeaderForPartitions(topic, open);
      let progressed = false;
      await Promise.all(
        Object.entries(leaders).map(async ([nodeId, partitions]) => {
          const broker = await c.findBroker({ nodeId });
          const res = await broker.fetch({
            replicaId: -1,
            isolationLevel: READ_COMMITTED,
            maxWaitTime: 500,
            minBytes: 1,
            maxBytes: fetchBytes,
            topics: [{ topic, partitions: partitions.map((p) => ({ partition: p, fetchOffset: String(next.get(p)!), maxBytes: partitionFetchBytes })) }],
          });
          for (const t of res.responses) {
            for (const p of t.partitions) {
              const to = end.get(p.partition);
              const list = out.get(p.partition);
              if (to === undefined || !list) continue;
              let pos = next.get(p.partition)!;
              for (const m of p.messages) {
                const off = Number(m.offset);
                // A fetch starts at the batch holding fetchOffset, so earlier records come back too.
                if (off < pos || off >= to) continue;
                pos = off + 1;
                if (m.isControlRecord) continue;
                list.push({ partition: p.partition, offset: off, timestamp: Number(m.timestamp), key: m.key, value: m.value, headers: m.headers });
                total++;
              }
              // Offsets of transaction markers and compacted records leave gaps; if the broker's
              // high watermark says nothing more exists in our range, we are done with it.
              const hw = Number(p.highWatermark);
              if (pos > next.get(p.partition)!) progressed = true;
              if (p.messages.length === 0 && hw <= pos) {
                throw new Error(`partition ${p.partition} of topic ${topic}: range ends at ${to} but the high watermark is ${hw} (was the topic truncated or recreated?)`);
              }
              next.set(p.partition, pos);
            }
          }
        }),
      );
      onProgress?.(total);
      if (!progressed) {
        // Ranges ending on transaction markers never yield a record: after a few empty rounds at
        // a position the broker has passed, treat the rest of the range as holding no records.
        stalls++;
        if (stalls > 3) {
          for (const r of wanted) if (next.get(r.partition)! < r.to) next.set(r.partition, r.to);
        }
      } else {
        stalls = 0;
      }
    }
    return wanted.flatMap((r) => out.get(r.partition)!);
  }

  async function watermarks(topic: string): Promise<PartitionWatermark[]> {
    const offsets = await withAdmin(async (a) => {
      if (!(await a.listTopics()).includes(topic)) throw new TopicNotFoundError(topic, opts.brokers);
      return a.fetchTopicOffsets(topic);
    });
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((x, y) => x.partition - y.partition);
  }

  /** Records read ahead for the next batch (see RangeReader.readAhead). */
  let ahead: ReadAhead | undefined;

  /** The read-ahead pieces that start exactly where `ranges` start, cut to them; the read-ahead is used up. */
  async function takeReadAhead(topic: string, ranges: OffsetRange[]): Promise<Piece[]> {
    const ra = ahead;
    ahead = undefined;
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

  /**
   * The fetch rounds of `ranges` as pieces (read-ahead first). After a failure (leadership
   * moved, broker restarted) the stream resumes after what was delivered per partition: nothing
   * is delivered twice.
   */
  async function streamPieces(topic: string, ranges: OffsetRange[], onPieces: (pieces: Piece[]) => Promise<void>, recycle: boolean): Promise<void> {
    if (!fast) throw new Error('streaming needs the direct or platformatic fetch client');
    const delivered = new Map<number, number>();
    const deliver = async (pieces: Piece[]): Promise<void> => {
      for (const p of pieces) delivered.set(p.partition, pieceEnd(p));
      await onPieces(pieces);
    };
    const remaining = (): OffsetRange[] => ranges.map((r) => ({ ...r, from: Math.max(r.from, delivered.get(r.partition) ?? r.from) })).filter((r) => r.to > r.from);
    const cached = await takeReadAhead(topic, ranges);
    for (let i = 0; i < cached.length; ) {
      // In chunks of about READ_AHEAD_CHUNK records, as fetch rounds would come.
      let n = 0;
      let j = i;
      while (j < cached.length && n < READ_AHEAD_CHUNK) n += pieceRecords(cached[j++]!);
      await deliver(cached.slice(i, j));
      i = j;
    }
    try {
      await fast.stream(topic, remaining(), deliver, recycle);
    } catch (err) {
      if ((err as { fromConsumer?: boolean }).fromConsumer) throw (err as { cause: unknown }).cause;
      await fast.reset();
      try {
        await fast.stream(topic, remaining(), deliver, recycle);
      } catch (err2) {
        if ((err2 as { fromConsumer?: boolean }).fromConsumer) throw (err2 as { cause: unknown }).cause;
        throw new Error(`reading ${topic} ranges ${JSON.stringify(ranges)} failed: ${(err2 as Error).message} (first attempt: ${(err as Error).message})`);
      }
    }
  }

  return {
    watermarks,
    async offsetsForTime(topic, timeMs) {
      const [byTime, marks] = await withAdmin((a) => Promise.all([a.fetchTopicOffsetsByTimestamp(topic, timeMs), a.fetchTopicOffsets(topic)]));
      const high = new Map(marks.map((m) => [m.partition, Number(m.high)]));
      return Object.fromEntries(byTime.map((o) => [o.partition, Number(o.offset) < 0 ? high.get(o.partition)! : Number(o.offset)]));
    },
    async readRanges(topic, ranges, onProgress) {
      const read = fast ? fast.readRanges : readOnce;
      try {
        return await read(topic, ranges, onProgress);
      } catch (err) {
        // Leadership moved or the broker restarted: refresh metadata and read the ranges again.
        await resetCluster();
        await fast?.reset();
        try {
          return await read(topic, ranges, onProgress);
        } catch (err2) {
          throw new Error(`reading ${topic} ranges ${JSON.stringify(ranges)} failed: ${(err2 as Error).message} (first attempt: ${(err as Error).message})`);
        }
      }
    },
    ...(fast
      ? {
          async streamRanges(topic: string, ranges: OffsetRange[], onChunk: (messages: KafkaMessage[]) => void | Promise<void>, options: StreamOptions = {}): Promise<number> {
            let total = 0;
            await streamPieces(topic, ranges, async (pieces) => {
              const messages = messagesOfPieces(pieces);
              total += messages.length;
              await onChunk(messages);
            }, options.recycle === true);
            return total;
          },
          ...(client === 'direct'
            ? {
                async streamRecords(topic: string, ranges: OffsetRange[], onChunk: (runs: RecordRun[]) => void | Promise<void>, options: StreamOptions = {}): Promise<void> {
                  await streamPieces(topic, ranges, async (pieces) => {
                    const runs: RecordRun[] = [];
                    for (const p of pieces) {
                      if (!p.runs) throw new Error('streamRecords: the fetch path returned decoded messages');
                      for (const r of p.runs) runs.push(r);
                    }
                    await onChunk(runs);
                  }, options.recycle === true);
                },
              }
            : {}),
          readAhead(topic: string, from: Record<number, number>, counts: Record<number, number>): void {
            const ra: ReadAhead = { topic, byPartition: new Map(Object.entries(from).map(([p, f]) => [Number(p), { from: f, pieces: [] }])), failed: false, done: Promise.resolve() };
            ra.done = (async () => {
              const high = new Map((await watermarks(topic)).map((w) => [w.partition, w.high]));
              const rs = [...ra.byPartition].map(([partition, c]) => ({ partition, from: c.from, to: Math.min(high.get(partition) ?? c.from, c.from + (counts[partition] ?? 0)) })).filter((r) => r.to > r.from);
              if (rs.length === 0) return;
              // Kept for a later batch: never recycled memory.
              await fast.stream(
                topic,
                rs,
                async (pieces) => {
                  for (const p of pieces) ra.byPartition.get(p.partition)!.pieces.push(p);
                },
                false,
              );
            })().catch(() => {
              // Best effort: the batch that needs these messages fetches them itself.
              ra.failed = true;
            });
            ahead = ra;
          },
        }
      : {}),
    async close() {
      ahead = undefined;
      await resetCluster();
      await fast?.reset();
      const a = admin;
      admin = undefined;
      if (a) await a.disconnect();
    },
  };
}

/** Records fetched ahead from given offsets, per partition in offset order. */
interface ReadAhead {
  topic: string;
  byPartition: Map<number, { from: number; pieces: Piece[] }>;
  done: Promise<void>;
  failed: boolean;
}

/** Read-ahead records are handed to the consumer in chunks of about this many. */
const READ_AHEAD_CHUNK = 20_000;

/**
 * A fetch round's records of one partition, in offset order: record runs (the direct path keeps
 * batches encoded) or messages decoded by a client library.
 */
type Piece = { partition: number; runs: RecordRun[]; messages?: undefined } | { partition: number; messages: KafkaMessage[]; runs?: undefined };

/** The offset after the piece's last record (where a resumed read starts). */
function pieceEnd(p: Piece): number {
  return p.runs ? p.runs[p.runs.length - 1]!.hi : p.messages[p.messages.length - 1]!.offset + 1;
}

/** Records in the piece (for runs, as their batches count them). */
function pieceRecords(p: Piece): number {
  if (!p.runs) return p.messages.length;
  let n = 0;
  for (const r of p.runs) n += r.batch.count;
  return n;
}

/** The piece's records before offset `to` (undefined if none). */
function cutPiece(p: Piece, to: number): Piece | undefined {
  if (p.runs) {
    const runs: RecordRun[] = [];
    for (const r of p.runs) if (r.lo < to) runs.push(r.hi <= to ? r : { ...r, hi: to });
    return runs.length > 0 ? { partition: p.partition, runs } : undefined;
  }
  const messages = p.messages.filter((m) => m.offset < to);
  return messages.length > 0 ? { partition: p.partition, messages } : undefined;
}

/** The pieces' records as messages, in piece order (decoded messages as they are). */
function messagesOfPieces(pieces: readonly Piece[]): KafkaMessage[] {
  if (pieces.length === 1 && pieces[0]!.messages) return pieces[0]!.messages;
  const out: KafkaMessage[] = [];
  for (const p of pieces) {
    if (p.runs) for (const r of p.runs) batchMessages(r.batch, r.lo, r.hi, out);
    else for (const m of p.messages) out.push(m);
  }
  return out;
}

interface Fetcher {
  readRanges(topic: string, ranges: OffsetRange[], onProgress?: (n: number) => void): Promise<KafkaMessage[]>;
  /**
   * Fetch rounds pipelined with `onChunk`; an error thrown by `onChunk` comes out wrapped as
   * `{ fromConsumer: true, cause }`. With `recycle` (see StreamOptions), a round's response
   * memory is given back for later rounds once `onChunk` has resolved for it.
   */
  stream(topic: string, ranges: OffsetRange[], onChunk: (pieces: Piece[]) => Promise<void>, recycle: boolean): Promise<void>;
  reset(): Promise<void>;
}

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

/** Where a range read stands: the next offset per wanted partition, and where each range ends. */
interface Cursor {
  topic: string;
  wanted: OffsetRange[];
  next: Map<number, number>;
  end: Map<number, number>;
  stalls: number;
  /** The leader of each wanted partition (a node id, or an address), grouping requests. */
  leaders: Map<number, number | string>;
}

/**
 * One fetch request to one leader, decoded: per partition, its records from the fetch offset on.
 * With `recycle`, the response may be in recycled memory: `release` gives it back (after which
 * nothing may read the messages' bytes).
 */
type FetchFn<C extends Cursor> = (k: C, leader: number | string, ranges: OffsetRange[], partitionMaxBytes: number, recycle: boolean) => Promise<{ partitions: PartitionFetch[]; release?: () => void }>;

/** A fetch round's records, one piece per partition fetched, and what gives back its responses' memory. */
interface Round {
  got: Piece[];
  releases: (() => void)[];
}

/**
 * readRanges/stream over any fetch function: rounds of one request per leader, each advancing
 * the cursor by what came back, until every range is read.
 */
function cursorFetcher<C extends Cursor>(open: (topic: string, ranges: OffsetRange[]) => Promise<C>, fetch: FetchFn<C>, reset: () => Promise<void>, partitionFetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
  const openRanges = (k: Cursor): OffsetRange[] => k.wanted.filter((r) => k.next.get(r.partition)! < r.to);

  /**
   * One fetch round over every open partition. Advances the cursor and returns the round's
   * records as one piece per partition fetched (in offset order): the record batches cut to the
   * range, or a client library's decoded messages (usually its own arrays, without copying).
   */
  async function round(k: C, rangesOpen: OffsetRange[], partitionMaxBytes: number, recycle = false): Promise<Round> {
    const byLeader = new Map<number | string, OffsetRange[]>();
    for (const r of rangesOpen) {
      const leader = k.leaders.get(r.partition)!;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), r]);
    }
    const got: Piece[] = [];
    const releases: (() => void)[] = [];
    let progressed = false;
    await Promise.all(
      [...byLeader].map(async ([leader, rs]) => {
        const res = await fetch(k, leader, rs, partitionMaxBytes, recycle);
        if (res.release) releases.push(res.release);
        for (const pf of res.partitions) {
          const p = pf.partition;
          const to = k.end.get(p);
          if (to === undefined) continue;
          if (pf.errorCode !== 0) throw new KafkaFetchError(k.topic, p, pf.errorCode);
          const start = k.next.get(p)!;
          let at = start;
          const ms = pf.messages;
          if (!ms) {
            // A fetch starts at the batch holding the fetch offset, so earlier records come back
            // too; the last batch may run past the range.
            const runs: RecordRun[] = [];
            for (const batch of pf.batches) {
              const lo = Math.max(at, batch.baseOffset);
              const hi = Math.min(to, batch.lastOffset + 1);
              if (lo >= hi) continue;
              runs.push({ batch, lo, hi });
              at = hi;
            }
            if (runs.length > 0) got.push({ partition: p, runs });
          } else if (ms.length > 0 && ms[0]!.offset >= start && ms[ms.length - 1]!.offset < to && ascending(ms)) {
            // All inside the range (the usual case): taken as they are.
            got.push({ partition: p, messages: ms });
            at = ms[ms.length - 1]!.offset + 1;
          } else if (ms.length > 0) {
            const kept: KafkaMessage[] = [];
            for (const m of ms) {
              // A fetch starts at the batch holding the fetch offset, so earlier records come back too.
              if (m.offset < at || m.offset >= to) continue;
              at = m.offset + 1;
              kept.push(m);
            }
            if (kept.length > 0) got.push({ partition: p, messages: kept });
          }
          // Control records, aborted transactions and compacted records leave gaps: the end of
          // the last batch returned moves the position past them.
          if (pf.endOffset > at) at = Math.min(pf.endOffset, to);
          if (pf.recordsSeen === 0 && pf.highWatermark <= at) {
            throw new Error(`partition ${p} of topic ${k.topic}: range ends at ${to} but the high watermark is ${pf.highWatermark} (was the topic truncated or recreated?)`);
          }
          if (at > start) progressed = true;
          k.next.set(p, at);
        }
      }),
    );
    if (!progressed) {
      // Ranges ending on transaction markers never yield a record: after a few empty rounds at
      // a position the broker has passed, treat the rest of the range as holding no records.
      if (++k.stalls > 3) for (const r of k.wanted) if (k.next.get(r.partition)! < r.to) k.next.set(r.partition, r.to);
    } else k.stalls = 0;
    return { got, releases };
  }

  return {
    reset,
    async readRanges(topic, ranges, onProgress) {
      const k = await open(topic, ranges);
      // Per partition, the arrays of its rounds, joined once at the end.
      const out = new Map<number, KafkaMessage[][]>(k.wanted.map((r) => [r.partition, []]));
      let total = 0;
      for (let rs = openRanges(k); rs.length > 0; rs = openRanges(k)) {
        for (const g of (await round(k, rs, partitionFetchBytes)).got) {
          const ms = messagesOfPieces([g]);
          out.get(g.partition)!.push(ms);
          total += ms.length;
        }
        onProgress?.(total);
      }
      return joinArrays(k.wanted.flatMap((r) => out.get(r.partition)!));
    },
    async stream(topic, ranges, onChunk, recycle) {
      const k = await open(topic, ranges);
      let rs = openRanges(k);
      let pending = rs.length > 0 ? round(k, rs, streamPartitionFetchBytes, recycle) : undefined;
      while (pending) {
        const { got, releases } = await pending;
        // Ask for the next round before handing this one over: the broker works on it while
        // the consumer validates. (A failed prefetch is observed by the next loop iteration.)
        // With recycle, that round's responses never land in this round's memory: it is given
        // back only after onChunk below has resolved.
        rs = openRanges(k);
        pending = rs.length > 0 ? round(k, rs, streamPartitionFetchBytes, recycle) : undefined;
        pending?.catch(() => undefined);
        if (got.length > 0) {
          try {
            await onChunk(got);
          } catch (cause) {
            // Not given back: whatever the failure left holding the messages keeps valid bytes.
            throw Object.assign(new Error('stream consumer failed'), { fromConsumer: true, cause });
          }
        }
        for (const release of releases) release();
      }
    },
  };
}

/** Whether the offsets strictly increase (as Kafka returns them; checked, as cheaply as the copy it saves). */
function ascending(ms: readonly KafkaMessage[]): boolean {
  for (let i = 1; i < ms.length; i++) if (ms[i]!.offset <= ms[i - 1]!.offset) return false;
  return true;
}

/** The arrays one after another (the only one itself, not a copy). */
function joinArrays<T>(parts: T[][]): T[] {
  if (parts.length === 1) return parts[0]!;
  let out: T[] = [];
  // concat copies element blocks at once; in groups, as a call takes a bounded number of arguments.
  for (let i = 0; i < parts.length; i += 4096) out = out.concat(...parts.slice(i, i + 4096));
  return out;
}

function wantedCursor(topic: string, ranges: OffsetRange[]): Omit<Cursor, 'leaders'> {
  const wanted = ranges.filter((r) => r.to > r.from);
  return { topic, wanted, next: new Map(wanted.map((r) => [r.partition, r.from])), end: new Map(wanted.map((r) => [r.partition, r.to])), stalls: 0 };
}

function platformaticFetcher(opts: KafkaRangeReaderOptions, partitionFetchBytes: number, fetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
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
function directFetcher(opts: KafkaRangeReaderOptions, withAdmin: <T>(fn: (a: Admin) => Promise<T>) => Promise<T>, partitionFetchBytes: number, fetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
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
