// `floe verify ingest --content`: every committed message compared with Kafka's bytes for its
// offset, not only counted. A DLQ row must hold the message's key and value byte for byte; a
// RAW row must hold exactly the row the contract makes of Kafka's value (every contract column,
// timestamps to the microsecond, -0 kept). A stored value that changed anywhere between the
// fetch and the Parquet file (one flipped bit is enough) is reported with its column.
import type { Vector } from 'apache-arrow';
import { DLQ_FIELD_IDS, RAW_META_FIELD_IDS, RAW_TELEMETRY, RAW_TELEMETRY_DLQ, toRawRow } from '../models/tables.js';
import { readColumnsById } from './parquet-columns.js';
import { validateTelemetry } from '../models/telemetry.js';
import type { KafkaMessage } from './kafka.js';
import type { RealIngestLake } from './lakeAdapter.js';
import type { OffsetRange } from '../models/offsets.js';
import { filesMayHold } from './verify.js';

export interface ContentProblem {
  partition: number;
  offset: number;
  table: 'raw' | 'dlq';
  /** The column whose stored value differs, or `$` when Kafka's value no longer validates. */
  column: string;
  stored: string;
  expected: string;
}

export interface ContentReport {
  /** Messages whose stored row was compared. */
  checked: number;
  problems: ContentProblem[];
}

/** A stored row's values by column, keyed `partition:offset`. */
type StoredRows = Map<string, { table: 'raw' | 'dlq'; values: Record<string, unknown> }>;

const CONTRACT_COLUMNS = RAW_TELEMETRY.columns.filter((c) => c.id < RAW_META_FIELD_IDS._kafka_topic);
const RAW_COLUMNS = [...CONTRACT_COLUMNS.map((c) => c.name), '_kafka_topic', '_kafka_partition', '_kafka_offset'];
const DLQ_COLUMNS = ['key', 'value', '_kafka_topic', '_kafka_partition', '_kafka_offset'];
/** Registered devices are not what content is about: a row in RAW was accepted when it was written. */
const ANY_DEVICE = { has: (): boolean => true };

/** Row i of a column: timestamps as bigint microseconds (Arrow's get() would round them to milliseconds). */
function cells(v: Vector): (i: number) => unknown {
  if (v.type.typeId !== 10 /* Timestamp */) return (i) => v.get(i);
  const values: (bigint | null)[] = [];
  for (const d of v.data) {
    const raw = d.values as BigInt64Array;
    for (let j = 0; j < d.length; j++) values.push(d.getValid(j) ? raw[d.offset + j]! : null);
  }
  return (i) => values[i];
}

/** Every stored row of the topic in `ranges`, both tables, with the columns content compares. */
export async function readStoredRows(lake: RealIngestLake, topic: string, ranges: OffsetRange[], ref?: string): Promise<StoredRows> {
  const out: StoredRows = new Map();
  for (const [table, name, def, columns, ids] of [
    ['raw', lake.rawTable, RAW_TELEMETRY, RAW_COLUMNS, { partition: RAW_META_FIELD_IDS._kafka_partition, offset: RAW_META_FIELD_IDS._kafka_offset }],
    ['dlq', lake.dlqTable, RAW_TELEMETRY_DLQ, DLQ_COLUMNS, { partition: DLQ_FIELD_IDS._kafka_partition, offset: DLQ_FIELD_IDS._kafka_offset }],
  ] as const) {
    const files = filesMayHold(await lake.lake.liveDataFiles(name, { ref: ref ?? lake.branch }), ranges, ids);
    const wanted = def.columns.filter((c) => (columns as readonly string[]).includes(c.name));
    for (const f of files) {
      const t = readColumnsById(new Uint8Array(await lake.lake.io.read(f.filePath)), wanted);
      const get = Object.fromEntries(columns.map((c) => [c, cells(t.get(c)!)]));
      for (let i = 0; i < t.numRows; i++) {
        if (get._kafka_topic!(i) !== topic) continue;
        const values = Object.fromEntries(columns.map((c) => [c, get[c]!(i)]));
        out.set(`${Number(values._kafka_partition)}:${Number(values._kafka_offset)}`, { table, values });
      }
    }
  }
  return out;
}

/** A value as a problem report shows it. */
function show(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8').slice(0, 200);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function sameCell(stored: unknown, expected: unknown): boolean {
  if (stored === null || stored === undefined) return expected === null || expected === undefined;
  if (typeof expected === 'bigint' || typeof stored === 'bigint') return BigInt(stored as number) === BigInt(expected as number);
  return Object.is(stored, expected);
}

function sameBytes(stored: unknown, expected: Uint8Array | null): boolean {
  if (stored === null || stored === undefined) return expected === null;
  return expected !== null && Buffer.from(stored as Uint8Array).equals(expected);
}

/** Compares each Kafka message with the row stored for its offset (messages with no row are verify's `missing`). */
export function compareContent(topic: string, messages: readonly KafkaMessage[], stored: StoredRows): ContentReport {
  const problems: ContentProblem[] = [];
  let checked = 0;
  for (const m of messages) {
    const row = stored.get(`${m.partition}:${m.offset}`);
    if (!row) continue;
    checked++;
    const at = { partition: m.partition, offset: m.offset, table: row.table };
    if (row.table === 'dlq') {
      if (!sameBytes(row.values.value, m.value)) problems.push({ ...at, column: 'value', stored: show(row.values.value), expected: show(m.value) });
      if (!sameBytes(row.values.key, m.key)) problems.push({ ...at, column: 'key', stored: show(row.values.key), expected: show(m.key) });
      continue;
    }
    const v = validateTelemetry(m.value, ANY_DEVICE);
    if (!v.ok) {
      problems.push({ ...at, column: '$', stored: 'a RAW row', expected: `a reject (${v.kind}: ${v.errorMessage})` });
      continue;
    }
    const expected = toRawRow(v.event, { topic, partition: m.partition, offset: BigInt(m.offset), ingestedAtMicros: 0n });
    for (const c of CONTRACT_COLUMNS) {
      if (!sameCell(row.values[c.name], expected[c.name])) problems.push({ ...at, column: c.name, stored: show(row.values[c.name]), expected: show(expected[c.name]) });
    }
  }
  return { checked, problems };
}
