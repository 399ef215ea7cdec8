// "Nothing lost": for a span of the committed ranges, RAW rows + DLQ rows must be exactly the
// messages Kafka holds there: each offset once, in exactly one of the two tables. This reads the
// offsets back from the tables' live Parquet files (not through Trino, so it works on any
// branch) and compares them with the offsets Kafka returns for the same ranges.
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { fromBytes, type DataFile } from '../lake/index.js';
import { RAW_META_FIELD_IDS, DLQ_FIELD_IDS } from '../models/tables.js';
import type { OffsetRange } from '../workflows/ingest/plan.js';
import { positionsFromSummary } from './batch.js';
import type { RangeReader } from './kafka.js';
import type { RealIngestLake } from './lakeAdapter.js';

export interface LakeOffset {
  partition: number;
  offset: number;
  table: 'raw' | 'dlq';
  eventId?: string;
}

export interface OffsetProblem {
  partition: number;
  offset: number;
  /** For extras: which table holds the unexpected row, and how many times. */
  table?: 'raw' | 'dlq';
  count?: number;
}

export interface VerifyReport {
  topic: string;
  ranges: OffsetRange[];
  kafkaMessages: number;
  rawRows: number;
  dlqRows: number;
  missing: OffsetProblem[];
  extra: OffsetProblem[];
  ok: boolean;
}

/**
 * Compares Kafka's offsets with the rows found in RAW and DLQ, both restricted to `ranges`.
 * Missing: in Kafka, in neither table. Extra: in a table but not in Kafka, or more than once.
 */
export function compareOffsets(topic: string, ranges: OffsetRange[], kafka: { partition: number; offset: number }[], rows: LakeOffset[]): VerifyReport {
  const inRange = (p: number, o: number): boolean => ranges.some((r) => r.partition === p && o >= r.from && o < r.to);
  const key = (p: number, o: number): string => `${p}:${o}`;
  const expected = new Set(kafka.filter((m) => inRange(m.partition, m.offset)).map((m) => key(m.partition, m.offset)));
  const seen = new Map<string, { partition: number; offset: number; tables: ('raw' | 'dlq')[] }>();
  let rawRows = 0;
  let dlqRows = 0;
  for (const r of rows) {
    if (!inRange(r.partition, r.offset)) continue;
    if (r.table === 'raw') rawRows++;
    else dlqRows++;
    const k = key(r.partition, r.offset);
    const s = seen.get(k);
    if (s) s.tables.push(r.table);
    else seen.set(k, { partition: r.partition, offset: r.offset, tables: [r.table] });
  }
  const missing: OffsetProblem[] = [];
  for (const k of expected) {
    if (!seen.has(k)) {
      const [p, o] = k.split(':').map(Number) as [number, number];
      missing.push({ partition: p, offset: o });
    }
  }
  const extra: OffsetProblem[] = [];
  for (const [k, s] of seen) {
    if (!expected.has(k)) extra.push({ partition: s.partition, offset: s.offset, table: s.tables[0], count: s.tables.length });
    else if (s.tables.length > 1) extra.push({ partition: s.partition, offset: s.offset, table: s.tables.includes('raw') ? 'raw' : 'dlq', count: s.tables.length });
  }
  const order = (a: OffsetProblem, b: OffsetProblem): number => a.partition - b.partition || a.offset - b.offset;
  missing.sort(order);
  extra.sort(order);
  return { topic, ranges, kafkaMessages: expected.size, rawRows, dlqRows, missing, extra, ok: missing.length === 0 && extra.length === 0 };
}

function boundOf(file: DataFile, fieldId: number, which: 'lower' | 'upper', type: 'int' | 'long'): number | undefined {
  const b = (which === 'lower' ? file.lowerBounds : file.upperBounds).get(fieldId);
  if (!b) return undefined;
  return Number(fromBytes(type, b) as number | bigint);
}

/** A data file can hold rows of the ranges unless its column bounds say otherwise. */
function fileMayHold(file: DataFile, ranges: OffsetRange[], ids: { partition: number; offset: number }): boolean {
  const pLo = boundOf(file, ids.partition, 'lower', 'int');
  const pHi = boundOf(file, ids.partition, 'upper', 'int');
  const oLo = boundOf(file, ids.offset, 'lower', 'long');
  const oHi = boundOf(file, ids.offset, 'upper', 'long');
  return ranges.some(
    (r) =>
      (pLo === undefined || r.partition >= pLo) &&
      (pHi === undefined || r.partition <= pHi) &&
      (oLo === undefined || r.to > oLo) &&
      (oHi === undefined || r.from <= oHi),
  );
}

/** Every (partition, offset[, event id]) of the topic's rows in RAW and DLQ that may fall in ranges. */
export async function readLakeOffsets(lake: RealIngestLake, topic: string, ranges: OffsetRange[], ref?: string, withEventIds = false): Promise<LakeOffset[]> {
  const at = ref ?? lake.branch;
  const out: LakeOffset[] = [];
  for (const [table, name, ids] of [
    ['raw', lake.rawTable, { partition: RAW_META_FIELD_IDS._kafka_partition, offset: RAW_META_FIELD_IDS._kafka_offset }],
    ['dlq', lake.dlqTable, { partition: DLQ_FIELD_IDS._kafka_partition, offset: DLQ_FIELD_IDS._kafka_offset }],
  ] as const) {
    const files = (await lake.lake.liveDataFiles(name, { ref: at })).filter((f) => fileMayHold(f, ranges, ids));
    const columns = ['_kafka_topic', '_kafka_partition', '_kafka_offset', ...(withEventIds && table === 'raw' ? ['event_id'] : [])];
    for (const f of files) {
      const bytes = await lake.lake.io.read(f.filePath);
      const t = tableFromIPC(pw.readParquet(new Uint8Array(bytes), { columns }).intoIPCStream());
      const topics = t.getChild('_kafka_topic')!;
      const parts = t.getChild('_kafka_partition')!;
      const offsets = t.getChild('_kafka_offset')!;
      const ids = t.getChild('event_id');
      for (let i = 0; i < t.numRows; i++) {
        if (topics.get(i) !== topic) continue;
        const eventId = ids?.get(i) as string | null | undefined;
        out.push({ partition: Number(parts.get(i)), offset: Number(offsets.get(i)), table, ...(eventId != null ? { eventId } : {}) });
      }
    }
  }
  return out;
}

export interface VerifyOptions {
  topic: string;
  /** Span by Kafka message time: [from, to). Default: everything committed and still in Kafka. */
  fromMs?: number;
  toMs?: number;
}

/** The committed ranges of a span: [max(low, offset at from), min(committed, offset at to)). */
export async function committedRanges(reader: RangeReader, lake: RealIngestLake, opts: VerifyOptions): Promise<OffsetRange[]> {
  const [state, marks] = await Promise.all([lake.readCommitted(), reader.watermarks(opts.topic)]);
  const committed = positionsFromSummary(opts.topic, state.summary);
  const fromOffsets = opts.fromMs !== undefined ? await reader.offsetsForTime(opts.topic, opts.fromMs) : undefined;
  const toOffsets = opts.toMs !== undefined ? await reader.offsetsForTime(opts.topic, opts.toMs) : undefined;
  const ranges: OffsetRange[] = [];
  for (const w of marks) {
    const c = committed[w.partition];
    if (c === undefined) continue;
    const from = Math.max(w.low, fromOffsets?.[w.partition] ?? w.low);
    const to = Math.min(c, toOffsets?.[w.partition] ?? c);
    if (to > from) ranges.push({ partition: w.partition, from, to });
  }
  return ranges;
}

export async function verifyIngest(reader: RangeReader, lake: RealIngestLake, opts: VerifyOptions): Promise<VerifyReport> {
  const ranges = await committedRanges(reader, lake, opts);
  if (ranges.length === 0) return compareOffsets(opts.topic, [], [], []);
  const [messages, rows] = await Promise.all([reader.readRanges(opts.topic, ranges), readLakeOffsets(lake, opts.topic, ranges)]);
  return compareOffsets(opts.topic, ranges, messages, rows);
}
