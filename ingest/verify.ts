// "Nothing lost": for a span of the committed ranges, RAW rows + DLQ rows must be exactly the
// messages Kafka holds there: each offset once, in exactly one of the two tables. This reads the
// offsets back from the tables' live Parquet files (not through Trino, so it works on any
// branch) and compares them with the offsets Kafka returns for the same ranges.
import { fromBytes, type DataFile } from '../lake/index.js';
import { RAW_META_FIELD_IDS, DLQ_FIELD_IDS, RAW_TELEMETRY, RAW_TELEMETRY_DLQ } from '../models/tables.js';
import { readColumnsById } from './parquet-columns.js';
import type { OffsetRange } from '../models/offsets.js';
import { positionsFromSummary } from './batch.js';
import type { RangeReader } from './kafka.js';
import type { RealIngestLake } from './lakeAdapter.js';
import { compareContent, readStoredRows, type ContentReport } from './verify-content.js';

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

/** How far RAW is behind Kafka in one partition. */
export interface PartitionLag {
  partition: number;
  /** Next offset to ingest as committed in RAW (the low watermark when nothing is). */
  committed: number;
  /** Kafka's high watermark. */
  high: number;
  /** Messages in Kafka not committed yet. */
  lag: number;
}

export interface VerifyReport {
  topic: string;
  ranges: OffsetRange[];
  kafkaMessages: number;
  rawRows: number;
  dlqRows: number;
  missing: OffsetProblem[];
  extra: OffsetProblem[];
  /** Per partition, when the report was asked for it (verifyIngest always does). */
  lag?: PartitionLag[];
  /** Set with `content`: every stored row compared with Kafka's bytes. */
  content?: ContentReport;
  /** No missing or extra offsets, no content problem, and (when required) no lag. */
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

/** The data files whose column bounds allow rows of the ranges. */
export function filesMayHold(files: readonly DataFile[], ranges: OffsetRange[], ids: { partition: number; offset: number }): DataFile[] {
  return files.filter((f) => fileMayHold(f, ranges, ids));
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
    const files = filesMayHold(await lake.lake.liveDataFiles(name, { ref: at }), ranges, ids);
    const def = table === 'raw' ? RAW_TELEMETRY : RAW_TELEMETRY_DLQ;
    const names = ['_kafka_topic', '_kafka_partition', '_kafka_offset', ...(withEventIds && table === 'raw' ? ['event_id'] : [])];
    const columns = def.columns.filter((c) => names.includes(c.name));
    for (const f of files) {
      const t = readColumnsById(new Uint8Array(await lake.lake.io.read(f.filePath)), columns);
      const topics = t.get('_kafka_topic')!;
      const parts = t.get('_kafka_partition')!;
      const offsets = t.get('_kafka_offset')!;
      const ids = t.get('event_id');
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
  /** Compare every stored row with Kafka's bytes for its offset (verify-content.ts). */
  content?: boolean;
  /** Fail unless every partition is caught up (no message in Kafka left to ingest). */
  caughtUp?: boolean;
}

/** The committed ranges of a span, [max(low, offset at from), min(committed, offset at to)), and each partition's lag. */
export async function committedRanges(reader: RangeReader, lake: RealIngestLake, opts: VerifyOptions): Promise<{ ranges: OffsetRange[]; lag: PartitionLag[] }> {
  const [state, marks] = await Promise.all([lake.readCommitted(), reader.watermarks(opts.topic)]);
  const committed = positionsFromSummary(opts.topic, state.summary);
  const lag = marks.map((w) => {
    const at = Math.max(committed[w.partition] ?? w.low, w.low);
    return { partition: w.partition, committed: at, high: w.high, lag: Math.max(0, w.high - at) };
  });
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
  return { ranges, lag };
}

export async function verifyIngest(reader: RangeReader, lake: RealIngestLake, opts: VerifyOptions): Promise<VerifyReport> {
  const { ranges, lag } = await committedRanges(reader, lake, opts);
  let report = compareOffsets(opts.topic, [], [], []);
  if (ranges.length > 0) {
    const [messages, rows, stored] = await Promise.all([
      reader.readRanges(opts.topic, ranges),
      readLakeOffsets(lake, opts.topic, ranges),
      opts.content ? readStoredRows(lake, opts.topic, ranges) : undefined,
    ]);
    report = compareOffsets(opts.topic, ranges, messages, rows);
    if (stored) report.content = compareContent(opts.topic, messages, stored);
  } else if (opts.content) report.content = { checked: 0, problems: [] };
  const behind = opts.caughtUp === true && lag.some((l) => l.lag > 0);
  return { ...report, lag, ok: report.ok && !behind && (report.content?.problems.length ?? 0) === 0 };
}
