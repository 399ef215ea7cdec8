// The fetch loop shared by ingestion's Kafka fetch paths (ingest/kafka-fetchers.ts): a cursor
// per range read, fetch rounds of one request per partition leader, each round's records as
// pieces (record runs, or a library's decoded messages) cut to the wanted ranges.
import type { OffsetRange } from '../models/offsets.js';
import type { KafkaMessage, RecordRun } from './kafka.js';
import { batchMessages, KafkaFetchError, type PartitionFetch } from './kafka-fetch.js';

/**
 * A fetch round's records of one partition, in offset order: record runs (the direct path keeps
 * batches encoded) or messages decoded by a client library.
 */
export type Piece = { partition: number; runs: RecordRun[]; messages?: undefined } | { partition: number; messages: KafkaMessage[]; runs?: undefined };

/** The offset after the piece's last record (where a resumed read starts). */
export function pieceEnd(p: Piece): number {
  return p.runs ? p.runs[p.runs.length - 1]!.hi : p.messages[p.messages.length - 1]!.offset + 1;
}

/** Records in the piece (for runs, as their batches count them). */
export function pieceRecords(p: Piece): number {
  if (!p.runs) return p.messages.length;
  let n = 0;
  for (const r of p.runs) n += r.batch.count;
  return n;
}

/** The piece's records before offset `to` (undefined if none). */
export function cutPiece(p: Piece, to: number): Piece | undefined {
  if (p.runs) {
    const runs: RecordRun[] = [];
    for (const r of p.runs) if (r.lo < to) runs.push(r.hi <= to ? r : { ...r, hi: to });
    return runs.length > 0 ? { partition: p.partition, runs } : undefined;
  }
  const messages = p.messages.filter((m) => m.offset < to);
  return messages.length > 0 ? { partition: p.partition, messages } : undefined;
}

/** The pieces' records as messages, in piece order (decoded messages as they are). */
export function messagesOfPieces(pieces: readonly Piece[]): KafkaMessage[] {
  if (pieces.length === 1 && pieces[0]!.messages) return pieces[0]!.messages;
  const out: KafkaMessage[] = [];
  for (const p of pieces) {
    if (p.runs) for (const r of p.runs) batchMessages(r.batch, r.lo, r.hi, out);
    else for (const m of p.messages) out.push(m);
  }
  return out;
}

export interface Fetcher {
  readRanges(topic: string, ranges: OffsetRange[], onProgress?: (n: number) => void): Promise<KafkaMessage[]>;
  /**
   * Fetch rounds pipelined with `onChunk`; an error thrown by `onChunk` comes out wrapped as
   * `{ fromConsumer: true, cause }`. With `recycle` (see StreamOptions), a round's response
   * memory is given back for later rounds once `onChunk` has resolved for it.
   */
  stream(topic: string, ranges: OffsetRange[], onChunk: (pieces: Piece[]) => Promise<void>, recycle: boolean): Promise<void>;
  reset(): Promise<void>;
}

/** Where a range read stands: the next offset per wanted partition, and where each range ends. */
export interface Cursor {
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
export type FetchFn<C extends Cursor> = (k: C, leader: number | string, ranges: OffsetRange[], partitionMaxBytes: number, recycle: boolean) => Promise<{ partitions: PartitionFetch[]; release?: () => void }>;

/** A fetch round's records, one piece per partition fetched, and what gives back its responses' memory. */
interface Round {
  got: Piece[];
  releases: (() => void)[];
}

/**
 * One fetch round over every open partition. Advances the cursor and returns the round's
 * records as one piece per partition fetched (in offset order): the record batches cut to the
 * range, or a client library's decoded messages (usually its own arrays, without copying).
 */
async function fetchRound<C extends Cursor>(fetch: FetchFn<C>, k: C, rangesOpen: OffsetRange[], partitionMaxBytes: number, recycle = false): Promise<Round> {
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

/**
 * readRanges/stream over any fetch function: rounds of one request per leader, each advancing
 * the cursor by what came back, until every range is read.
 */
const openRanges = (k: Cursor): OffsetRange[] => k.wanted.filter((r) => k.next.get(r.partition)! < r.to);

export function cursorFetcher<C extends Cursor>(open: (topic: string, ranges: OffsetRange[]) => Promise<C>, fetch: FetchFn<C>, reset: () => Promise<void>, partitionFetchBytes: number, streamPartitionFetchBytes: number): Fetcher {
    return {
    reset,
    async readRanges(topic, ranges, onProgress) {
      const k = await open(topic, ranges);
      // Per partition, the arrays of its rounds, joined once at the end.
      const out = new Map<number, KafkaMessage[][]>(k.wanted.map((r) => [r.partition, []]));
      let total = 0;
      for (let rs = openRanges(k); rs.length > 0; rs = openRanges(k)) {
        for (const g of (await fetchRound(fetch, k, rs, partitionFetchBytes)).got) {
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
      let pending = rs.length > 0 ? fetchRound(fetch, k, rs, streamPartitionFetchBytes, recycle) : undefined;
      while (pending) {
        const { got, releases } = await pending;
        // Ask for the next round before handing this one over: the broker works on it while
        // the consumer validates. (A failed prefetch is observed by the next loop iteration.)
        // With recycle, that round's responses never land in this round's memory: it is given
        // back only after onChunk below has resolved.
        rs = openRanges(k);
        pending = rs.length > 0 ? fetchRound(fetch, k, rs, streamPartitionFetchBytes, recycle) : undefined;
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

export function wantedCursor(topic: string, ranges: OffsetRange[]): Omit<Cursor, 'leaders'> {
  const wanted = ranges.filter((r) => r.to > r.from);
  return { topic, wanted, next: new Map(wanted.map((r) => [r.partition, r.from])), end: new Map(wanted.map((r) => [r.partition, r.to])), stalls: 0 };
}
