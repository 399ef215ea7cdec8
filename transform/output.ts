// Writes a model's table from a DuckDB session as Iceberg data files: sorted Parquet with a
// field id on every column (checked after writing: DuckDB leaves a column it was not told
// about without one, silently), exact Iceberg metrics computed by DuckDB over the same rows,
// uploaded under the table's data/ folder. Nothing is committed here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataFile, Lake, LoadedTable } from '../lake/index.js';
import { fileMetrics, type ColumnMetrics } from '../lake/metrics.js';
import { partitionPath, partitionType } from '../lake/partitioning.js';
import { currentSchema, defaultSpec } from '../lake/table-metadata.js';
import type { Value } from '../lake/values.js';
import { applyTransform } from '../lake/transforms.js';
import { compareValues } from '../lake/values.js';
import { DUCK_TYPES, quoteIdent, sqlString, type DuckSession } from './duck.js';
import { relationOf, type Model, type ModelColumn } from './model.js';
import { keyRanges } from './ranges.js';

export interface WriteOutputOptions {
  /** Data file name stem; files are `<stem>-<n>.parquet`. Unique per run so a retry never clobbers a published file. */
  fileStem: string;
  /** Most rows in one file (about 128 MB of telemetry at ~23 bytes a row); ranges of the first sort column split larger outputs. */
  rowsPerFile?: number;
  /** Milliseconds spent per phase (copy, metrics, upload), added to. */
  timings?: Record<string, number>;
}

export class OutputError extends Error {
  override name = 'OutputError';
}

function boundExpr(c: ModelColumn, q: string, filter: string): [string, string] {
  const f = filter ? ` FILTER (WHERE ${filter})` : '';
  switch (c.type) {
    case 'timestamptz': return [`epoch_us(min(${q})${f})`, `epoch_us(max(${q})${f})`];
    case 'date': return [`date_diff('day', DATE '1970-01-01', min(${q})${f})`, `date_diff('day', DATE '1970-01-01', max(${q})${f})`];
    case 'binary': return ['NULL', 'NULL'];
    default: return [`min(${q})${f}`, `max(${q})${f}`];
  }
}

function toValue(c: ModelColumn, v: unknown): Value | undefined {
  if (v === null || v === undefined) return undefined;
  switch (c.type) {
    case 'long':
    case 'timestamptz': return BigInt(v as bigint | number);
    case 'int':
    case 'date': return Number(v);
    case 'double': return Number(v);
    case 'boolean': return Boolean(v);
    case 'string': return String(v);
    default: return undefined;
  }
}

/** Iceberg column metrics of some columns of a written file, computed by DuckDB over the file's rows. */
export async function scannedMetrics(duck: DuckSession, file: string, columns: readonly ModelColumn[]): Promise<{ rows: number; metrics: ColumnMetrics[] }> {
  const parts = ['count(*) AS n'];
  columns.forEach((c, i) => {
    const q = quoteIdent(c.name);
    parts.push(`count(${q}) AS v${i}`);
    parts.push(c.type === 'double' ? `count(*) FILTER (WHERE isnan(${q})) AS nan${i}` : `0 AS nan${i}`);
    const [lo, hi] = boundExpr(c, q, c.type === 'double' ? `NOT isnan(${q})` : '');
    parts.push(`${lo} AS lo${i}`, `${hi} AS hi${i}`);
  });
  const row = await duck.one(`SELECT ${parts.join(', ')} FROM read_parquet(${sqlString(file)})`);
  const rows = Number(row.n);
  return {
    rows,
    metrics: columns.map((c, i) => {
      const lower = toValue(c, row[`lo${i}`]);
      const upper = toValue(c, row[`hi${i}`]);
      return {
        valueCount: rows,
        nullCount: rows - Number(row[`v${i}`]),
        ...(c.type === 'double' ? { nanCount: Number(row[`nan${i}`]) } : {}),
        ...(lower !== undefined && upper !== undefined ? { lower, upper } : {}),
      };
    }),
  };
}

/**
 * Iceberg column metrics of a written file, from its Parquet footer (row group statistics: null
 * counts, min and max), without reading its rows. A column the footer cannot answer for is read:
 * one with a row group that has values but no min/max (DuckDB writes none for a double column
 * holding a NaN, and Iceberg needs NaN counts) or no null count. output.test.ts checks both paths
 * against the rows.
 */
export async function columnMetrics(duck: DuckSession, file: string, columns: readonly ModelColumn[]): Promise<{ rows: number; metrics: ColumnMetrics[] }> {
  const parts = [`(SELECT num_rows FROM parquet_file_metadata(${sqlString(file)})) AS n`];
  columns.forEach((c, i) => {
    const at = `path_in_schema = ${sqlString(c.name)}`;
    parts.push(`sum(stats_null_count) FILTER (WHERE ${at}) AS nulls${i}`, `count(*) FILTER (WHERE ${at} AND stats_null_count IS NULL) AS nonull${i}`);
    parts.push(`count(*) FILTER (WHERE ${at} AND num_values > coalesce(stats_null_count, 0) AND (stats_min_value IS NULL OR stats_max_value IS NULL)) AS unstated${i}`);
    parts.push(`bool_and(coalesce(max_is_exact, true)) FILTER (WHERE ${at}) AS exact${i}`);
    const typed = (v: string) => `TRY_CAST(${v} AS ${DUCK_TYPES[c.type]})`;
    parts.push(`${boundExpr(c, typed('stats_min_value'), at)[0]} AS lo${i}`, `${boundExpr(c, typed('stats_max_value'), at)[1]} AS hi${i}`);
  });
  const row = await duck.one(`SELECT ${parts.join(', ')} FROM parquet_metadata(${sqlString(file)})`);
  const rows = Number(row.n);
  const unanswered = columns.filter((c, i) => c.type !== 'binary' && (Number(row[`unstated${i}`]) > 0 || Number(row[`nonull${i}`]) > 0));
  const scanned = unanswered.length ? await scannedMetrics(duck, file, unanswered) : undefined;
  return {
    rows,
    metrics: columns.map((c, i) => {
      const j = unanswered.indexOf(c);
      if (j >= 0) return scanned!.metrics[j]!;
      const lower = toValue(c, row[`lo${i}`]);
      // A truncated maximum is below the true one: no upper bound rather than a wrong one.
      const upper = row[`exact${i}`] === false ? undefined : toValue(c, row[`hi${i}`]);
      return {
        valueCount: rows,
        nullCount: Number(row[`nulls${i}`] ?? 0),
        ...(c.type === 'double' ? { nanCount: 0 } : {}),
        ...(lower !== undefined && upper !== undefined ? { lower, upper } : {}),
      };
    }),
  };
}

export interface RelationOutput {
  /** DuckDB table or view holding the rows. */
  relation: string;
  /** What the rows are, for errors (a model name). */
  name: string;
  columns: readonly ModelColumn[];
  sortBy: readonly string[];
  /**
   * Where the split into files looks up how many rows each value of the first sort column has
   * (default: the relation). A relation that is a view over an expensive query can name its
   * input instead, so the query runs once per file and never just to be counted.
   */
  rangeRelation?: string;
}

/** A file's partition tuple, from its source columns' bounds (every transform used is monotonic). */
function partitionOf(out: RelationOutput, types: ReturnType<typeof partitionType>, metrics: readonly ColumnMetrics[]): (Value | null)[] {
  return types.map((t) => {
    const i = out.columns.findIndex((c) => c.id === t.field.sourceId);
    const m = metrics[i];
    if (!m || m.lower === undefined || m.upper === undefined) throw new OutputError(`${out.name}: partition column ${out.columns[i]?.name ?? t.field.sourceId} has no values in a file`);
    const lo = applyTransform(t.field.transform, t.sourceType, m.lower);
    const hi = applyTransform(t.field.transform, t.sourceType, m.upper);
    if (m.nullCount > 0 || compareValues(lo!, hi!) !== 0) throw new OutputError(`${out.name}: rows span several ${t.field.name} partitions (${String(lo)} to ${String(hi)}): write one partition at a time`);
    return lo;
  });
}

/**
 * Writes rows of a DuckDB relation as data files of `table` (one partition's rows: a day-scoped
 * model's day, or an unpartitioned table), split into ranges of the first sort column.
 */
export async function writeRelationFiles(duck: DuckSession, lake: Lake, table: LoadedTable, out: RelationOutput, opts: WriteOutputOptions): Promise<DataFile[]> {
  const { relation, columns } = out;
  const schema = currentSchema(table.metadata);
  const spec = defaultSpec(table.metadata);
  const types = partitionType(spec, schema);
  for (const c of columns) {
    const f = schema.fields.find((x) => x.name === c.name);
    if (!f || f.id !== c.id) throw new OutputError(`${out.name}: column ${c.name} (id ${c.id}) is not in ${table.name}'s current schema with that id`);
  }
  const fieldIds = `{${columns.map((c) => `${quoteIdent(c.name)}: ${c.id}`).join(', ')}}`;
  const order = out.sortBy.map(quoteIdent).join(', ');
  const ranges = await keyRanges(duck, out.sortBy[0], out.rangeRelation ?? relation, opts.rowsPerFile ?? 5_000_000);
  const timings = opts.timings ?? {};
  const time = async <T>(k: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[k] = (timings[k] ?? 0) + Math.round(performance.now() - t0);
    }
  };
  const files: DataFile[] = [];
  for (const [i, where] of ranges.entries()) {
    const local = join(duck.dir, `${relation}-${i}.parquet`);
    const fileRows = `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${quoteIdent(relation)}${where ? ` WHERE ${where}` : ''}`;
    await time('copy', () => duck.run(`COPY (${fileRows}${order ? ` ORDER BY ${order}` : ''}) TO ${sqlString(local)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, FIELD_IDS ${fieldIds})`));
    const written = await duck.rows(`SELECT name, field_id FROM parquet_schema(${sqlString(local)}) WHERE num_children IS NULL OR num_children = 0`);
    const noId = written.filter((w) => w.field_id === null).map((w) => String(w.name));
    if (noId.length) throw new OutputError(`${out.name}: written file has columns without a field id: ${noId.join(', ')}`);
    const sizes = await duck.rows(`SELECT path_in_schema AS name, sum(total_compressed_size) AS size FROM parquet_metadata(${sqlString(local)}) GROUP BY 1`);
    const { rows, metrics } = await time('metrics', () => columnMetrics(duck, local, columns));
    if (rows === 0) continue;
    columns.forEach((c, j) => {
      if (c.required && metrics[j]!.nullCount > 0) throw new OutputError(`${out.name}: required column ${c.name} has ${metrics[j]!.nullCount} null values`);
    });
    const partition = partitionOf(out, types, metrics);
    const dir = types.length ? `${table.metadata.location}/data/${partitionPath(types, partition)}` : `${table.metadata.location}/data`;
    const columnSizes = new Map(columns.map((c) => [c.id, BigInt((sizes.find((s) => s.name === c.name)?.size as bigint | undefined) ?? 0n)]));
    const bytes = await readFile(local);
    const filePath = `${dir}/${opts.fileStem}-${i}.parquet`;
    await time('upload', () => lake.io.write(filePath, bytes));
    files.push({
      content: 0,
      filePath,
      fileFormat: 'PARQUET',
      specId: spec.specId,
      partition,
      recordCount: rows,
      fileSizeInBytes: bytes.length,
      ...fileMetrics(columns.map((c) => schema.fields.find((f) => f.id === c.id)!), metrics, columnSizes),
    });
  }
  return files;
}

/** Writes a model's table (already in the session, see runner.ts) as data files of `table`. */
export async function writeModelOutput(duck: DuckSession, lake: Lake, table: LoadedTable, model: Model, opts: WriteOutputOptions): Promise<DataFile[]> {
  return writeRelationFiles(duck, lake, table, { relation: relationOf(model.name), name: `model ${model.name}`, columns: model.columns, sortBy: model.sortBy }, opts);
}
