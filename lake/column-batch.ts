// Column batches: rows appended column by column into growable typed arrays, with each column's
// Iceberg metrics (nulls, NaNs, lower and upper bounds) kept up to date on append. A writer that
// already knows its values' types (ingestion, compaction) fills one straight from its input and
// hands it to Lake.writeColumnBatch: no row object per record, no second pass over rows to build
// columns. A batch is one data file, so it holds the rows of one partition.
//
//   const b = new ColumnBatchBuilder(schema);
//   const id = b.strings('device_id'), ts = b.longs('event_ts'), t = b.doubles('temperature');
//   id.push('dev-1'); ts.pushMillis(Date.parse(iso)); t.push(21.5);   // one row
//   const files = await lake.writeColumnBatch(table, b.build(), { fileName });
//   b.reset();  // reuse the buffers for the next file
import { SchemaMismatchError, type LakeErrorContext } from './errors.js';
import type { ColumnMetrics } from './metrics.js';
import type { ColumnBuffers, EncodeResult, ParquetCompression } from './parquet-encoder.js';
import type { NestedField, PrimitiveType, Schema } from './schema.js';
import { BooleanAppender, DoubleAppender, IntAppender, LongAppender, utf8Decoder } from './column-appender.js';
import { BinaryAppender, StringAppender, VarWidthAppender } from './column-appender-bytes.js';

export { BooleanAppender, DoubleAppender, IntAppender, LongAppender, LongRange, LONG_MAX, LONG_MIN, MAX_EXACT_MS, TWO_32 } from './column-appender.js';
export { BinaryAppender, StringAppender } from './column-appender-bytes.js';

export interface ColumnBatch {
  schema: Schema;
  numRows: number;
  /** In schema field order; views into the builder's buffers until it is reset. */
  columns: ColumnBuffers[];
  metrics: ColumnMetrics[];
  /**
   * A batch whose buffers live elsewhere (the addon's RAW batches, ingest/native.ts) encodes
   * itself, consuming the batch: the same file as encodeParquet(encodeJobOf(batch, opts)).
   */
  encode?(opts: { compression: ParquetCompression; rowGroupSize?: number; stringStatistics?: boolean }): Promise<EncodeResult>;
}


export type AnyAppender = DoubleAppender | IntAppender | LongAppender | StringAppender | BinaryAppender | BooleanAppender;

const APPENDER_KIND: Record<PrimitiveType, new (f: NestedField, ctx: LakeErrorContext) => AnyAppender> = {
  boolean: BooleanAppender,
  int: IntAppender,
  date: IntAppender,
  long: LongAppender,
  timestamp: LongAppender,
  timestamptz: LongAppender,
  float: DoubleAppender,
  double: DoubleAppender,
  string: StringAppender,
  binary: BinaryAppender,
};

/**
 * Builds one data file's columns. Take each column's appender once (by name, typed), append one
 * value to every column per row, then build(). Buffers are reused after reset().
 */
export class ColumnBatchBuilder {
  readonly columns: AnyAppender[];
  private readonly byName = new Map<string, AnyAppender>();

  constructor(
    readonly schema: Schema,
    private readonly ctx: LakeErrorContext = {},
  ) {
    this.columns = schema.fields.map((f) => new APPENDER_KIND[f.type](f, ctx));
    for (const c of this.columns) this.byName.set(c.field.name, c);
  }

  /** Rows appended so far (the length of the first column). */
  get numRows(): number {
    return this.columns[0]?.length ?? 0;
  }

  private get<T extends AnyAppender>(name: string, kind: abstract new (...a: never[]) => T): T {
    const c = this.byName.get(name);
    if (!c) throw new SchemaMismatchError(`column ${JSON.stringify(name)} is not in the table schema`, this.ctx);
    if (!(c instanceof kind)) throw new SchemaMismatchError(`column ${JSON.stringify(name)} is ${c.field.type}, not appendable as ${kind.name.replace('Appender', '').toLowerCase()}`, this.ctx);
    return c;
  }

  doubles(name: string): DoubleAppender { return this.get(name, DoubleAppender); }
  ints(name: string): IntAppender { return this.get(name, IntAppender); }
  longs(name: string): LongAppender { return this.get(name, LongAppender); }
  strings(name: string): StringAppender { return this.get(name, StringAppender); }
  binaries(name: string): BinaryAppender { return this.get(name, BinaryAppender); }
  booleans(name: string): BooleanAppender { return this.get(name, BooleanAppender); }

  /**
   * Appends one row given as an object (the general, slower way; values as lake/ takes them in
   * rows: numbers, bigints, Dates or microseconds for timestamps, strings, Uint8Arrays). Columns
   * missing from the row get nulls.
   */
  appendRow(row: Readonly<Record<string, unknown>>): void {
    for (const c of this.columns) {
      const v = row[c.field.name];
      if (c instanceof LongAppender && v instanceof Date) {
        if (c.field.type === 'long') c.push(v as never);
        else c.pushMillis(v.getTime());
      } else (c.push as (x: unknown) => void)(v);
    }
  }

  /** The batch so far; its buffers stay valid until reset(). Every column must have numRows values. */
  build(): ColumnBatch {
    const n = this.numRows;
    for (const c of this.columns) {
      if (c.length !== n) throw new SchemaMismatchError(`column ${JSON.stringify(c.field.name)} has ${c.length} values, the batch ${n} rows: append one value to every column per row`, this.ctx);
    }
    const built = this.columns.map((c) => c.finish(n));
    return { schema: this.schema, numRows: n, columns: built.map((b) => b.buffers), metrics: built.map((b) => b.metrics) };
  }

  /**
   * Appends every row of each of `others`, builders of the same schema, after this one's rows
   * (metrics merged): the concatenation of files' rows without a row in between. Room for all of
   * them is made at once (one allocation per buffer at most). `others` are unchanged.
   */
  append(...others: ColumnBatchBuilder[]): void {
    for (const other of others) {
      const same = other.schema.fields.length === this.schema.fields.length && other.schema.fields.every((f, i) => {
        const g = this.schema.fields[i]!;
        return f.id === g.id && f.type === g.type && f.required === g.required;
      });
      if (!same) throw new SchemaMismatchError('cannot append a column batch of another schema', this.ctx);
      const n = other.numRows;
      for (const c of other.columns) {
        if (c.length !== n) throw new SchemaMismatchError(`column ${JSON.stringify(c.field.name)} has ${c.length} values, the batch ${n} rows: append one value to every column per row`, this.ctx);
      }
    }
    if (others.length > 1) {
      this.reserve(others.reduce((s, o) => s + o.numRows, this.numRows));
      this.columns.forEach((c, i) => {
        if (c instanceof VarWidthAppender) c.room(others.reduce((s, o) => s + (o.columns[i] as VarWidthAppender<unknown>).byteLength, 0));
      });
    }
    for (const other of others) this.columns.forEach((c, i) => (c.appendFrom as (o: AnyAppender) => void)(other.columns[i]!));
  }

  /** Room for `n` rows in every column, allocated at once. */
  reserve(n: number): void {
    for (const c of this.columns) c.reserve(n);
  }

  /** Empties the builder, keeping its buffers for the next file. */
  reset(): void {
    for (const c of this.columns) c.reset();
  }
}


/**
 * The rows of a batch as objects, values as lake/ reads them back: long and timestamps as
 * bigint (microseconds), int and date as numbers, strings, Uint8Array for binary, null for
 * nulls. For tests and inspection (it copies everything); the batch stays usable.
 */
export function columnBatchRows(batch: ColumnBatch): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: batch.numRows }, () => ({}));
  batch.schema.fields.forEach((f, c) => {
    const col = batch.columns[c]!;
    const v = col.values;
    for (let i = 0; i < batch.numRows; i++) {
      let x: unknown = null;
      if (!col.validity || (col.validity[i >> 3]! & (1 << (i & 7))) !== 0) {
        if (f.type === 'string') x = utf8Decoder.decode((v as Uint8Array).subarray(col.offsets![i]!, col.offsets![i + 1]!));
        else if (f.type === 'binary') x = (v as Uint8Array).slice(col.offsets![i]!, col.offsets![i + 1]!);
        else if (f.type === 'boolean') x = ((v as Uint8Array)[i >> 3]! & (1 << (i & 7))) !== 0;
        else x = (v as Int32Array | Float64Array | Float32Array | BigInt64Array)[i];
      }
      rows[i]![f.name] = x;
    }
  });
  return rows;
}
