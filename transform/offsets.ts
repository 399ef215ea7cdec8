// The central invariant as a check: for the Kafka offset ranges the day's RAW rows span, RAW
// rows + DLQ rows = Kafka messages, each offset once. The lake side counts positions with DuckDB
// over every RAW and DLQ file whose position bounds overlap the ranges (late rows of other days
// included); the Kafka side streams the ranges and counts, keeping no messages.
import { fromBytes, type DataFile } from '../lake/index.js';
import type { RangeReader } from '../ingest/kafka.js';
import type { OffsetRange } from '../models/offsets.js';
import { dlqTable, rawTable, type TransformDeps } from './context.js';
import type { DuckSession } from './duck.js';
import { downloadFiles } from './files.js';
import { DLQ_POSITION_COLUMNS, RAW_POSITION_COLUMNS, type InputColumn } from './inputs.js';
import { loadRows } from './rows.js';

function bound(f: DataFile, id: number, which: 'lower' | 'upper', type: 'int' | 'long'): number | undefined {
  const b = (which === 'lower' ? f.lowerBounds : f.upperBounds).get(id);
  return b ? Number(fromBytes(type, b) as number | bigint) : undefined;
}

function mayHold(f: DataFile, ranges: readonly OffsetRange[], cols: readonly InputColumn[]): boolean {
  const [, p, o] = cols as [InputColumn, InputColumn, InputColumn];
  const pLo = bound(f, p.id, 'lower', 'int'), pHi = bound(f, p.id, 'upper', 'int');
  const oLo = bound(f, o.id, 'lower', 'long'), oHi = bound(f, o.id, 'upper', 'long');
  return ranges.some((r) => (pLo === undefined || r.partition >= pLo) && (pHi === undefined || r.partition <= pHi) && (oLo === undefined || r.to > oLo) && (oHi === undefined || r.from <= oHi));
}

export interface LakeOffsetCounts {
  ranges: OffsetRange[];
  rawRows: number;
  dlqRows: number;
  rows: number;
  distinctOffsets: number;
}

/** Needs the `raw_telemetry` view (the day's RAW rows) in the session. */
export async function lakeOffsets(deps: TransformDeps, duck: DuckSession, ref: string): Promise<LakeOffsetCounts> {
  const topic = deps.settings.telemetryTopic.replaceAll("'", "''");
  const spans = await duck.rows(`SELECT _kafka_partition AS p, min(_kafka_offset) AS lo, max(_kafka_offset) + 1 AS hi FROM raw_telemetry WHERE _kafka_topic = '${topic}' GROUP BY 1 ORDER BY 1`);
  const ranges: OffsetRange[] = spans.map((r) => ({ partition: Number(r.p), from: Number(r.lo), to: Number(r.hi) }));
  if (!ranges.length) return { ranges, rawRows: 0, dlqRows: 0, rows: 0, distinctOffsets: 0 };
  await loadRows(duck, 'offset_ranges', ranges.map((r) => ({ ...r })), [{ id: 1, name: 'partition', type: 'int' }, { id: 2, name: 'from', type: 'long' }, { id: 3, name: 'to', type: 'long' }]);
  const parts: string[] = [];
  for (const [name, table, cols] of [['raw', rawTable(deps.settings), RAW_POSITION_COLUMNS], ['dlq', dlqTable(deps.settings), DLQ_POSITION_COLUMNS]] as const) {
    const files = (await deps.lake.liveDataFiles(table, { ref })).filter((f) => mayHold(f, ranges, cols));
    const local = await downloadFiles(deps.lake, duck, `${name}_positions`, files);
    await duck.parquetView(`${name}_positions`, local.paths, cols, { where: `_kafka_topic = '${topic}'` });
    parts.push(`SELECT '${name}' AS source, _kafka_partition AS p, _kafka_offset AS o FROM ${name}_positions`);
  }
  const r = await duck.one(`
    WITH positions AS (${parts.join(' UNION ALL ')}),
    in_ranges AS (SELECT x.* FROM positions x JOIN offset_ranges g ON x.p = g."partition" AND x.o >= g."from" AND x.o < g."to")
    SELECT count(*) FILTER (WHERE source = 'raw') AS raw, count(*) FILTER (WHERE source = 'dlq') AS dlq, count(*) AS n, count(DISTINCT (p, o)) AS d FROM in_ranges`);
  return { ranges, rawRows: Number(r.raw), dlqRows: Number(r.dlq), rows: Number(r.n), distinctOffsets: Number(r.d) };
}

export async function countKafkaMessages(reader: RangeReader, topic: string, ranges: OffsetRange[]): Promise<number> {
  if (reader.streamRanges) {
    let n = 0;
    await reader.streamRanges(topic, ranges, (messages) => {
      n += messages.length;
    }, { recycle: true });
    return n;
  }
  return (await reader.readRanges(topic, ranges)).length;
}
