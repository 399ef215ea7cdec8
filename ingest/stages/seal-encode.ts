// Stage 3 of a batch, seal and encode: RAW files are sealed while the batch is read (a Kafka
// partition's rows of one hour become a file once they reach fileRows) and their encoding (a
// worker thread, or the addon on libuv's pool) and upload start at once, overlapping the rest of
// the read. After the read, sealRest files what is left of each hour and the batch's DLQ file.
// A file holds one partition's rows in offset order (or every partition's rest of one hour, in
// range order), so every attempt of a batch writes the same files with the same bytes under the
// same names (a zombie attempt overwriting a committed file writes identical bytes).
import type { OffsetRange } from '../../models/offsets.js';
import type { ColumnBatch, ColumnBatchBuilder } from '../../lake/index.js';
import { borrowingBatch } from '../../lake/parquet-writer.js';
import { RAW_TELEMETRY } from '../../models/tables.js';
import { schemaOfTable, type RawBatch } from '../rawColumns.js';
import { sealedColumnBatch, type RawIngest } from '../native.js';
import type { BatchBuffers } from './buffers.js';
import type { BatchRows } from './rows.js';
import { dataFileName, hourName, type FaultHook, type IngestLake, type RawFile, type WriteResult } from './lake.js';

const RAW_SCHEMA = schemaOfTable(RAW_TELEMETRY);

/** Starts the encode and upload of each RAW file of one batch as it is sealed; keeps the writes for the upload stage. */
export class RawFileWriter {
  readonly writes: Promise<WriteResult>[] = [];
  /** Main-thread time spent building files' column batches (reported as encode time). */
  buildMs = 0;
  /** Whether an upload has started (the before-upload fault point comes before the first). */
  uploading = false;

  constructor(
    private readonly lake: Pick<IngestLake, 'writeRaw'>,
    readonly batchId: string,
    private readonly fault?: FaultHook,
  ) {}

  /** Starts encoding and uploading one RAW file; `build` makes its column batch (timed as encode). */
  write(name: string, build: () => ColumnBatch): void {
    if (!this.uploading) this.fault?.('before-upload', this.batchId);
    this.uploading = true;
    const t0 = performance.now();
    const w = this.lake.writeRaw([{ name, batch: build() }]);
    this.buildMs += performance.now() - t0;
    // Observed by the upload stage after the last message; marked handled now so a failed
    // upload while messages are still read is not an unhandled rejection (which ends the worker).
    w.catch(() => undefined);
    this.writes.push(w);
  }

  /** write, of a TypeScript builder's rows; writeRaw consumed them, so the builder takes the next rows. */
  writeRows(name: string, batch: RawBatch): void {
    this.write(name, () => batch.build());
    batch.reset();
  }

  /** write, of rows the addon sealed (or of its builder for `partition` and `hour`, taken now). */
  writeNative(name: string, nat: RawIngest, partition: number, hour: number, sealed = nat.take(partition, hour)): void {
    this.write(name, () => sealedColumnBatch(sealed, RAW_SCHEMA));
  }

  /** Settles once every write started so far has (a batch read again starts from there). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.writes);
  }
}

/** What sealRest leaves for the upload stage. */
export interface SealedRest {
  /** The DLQ file (none without rejects), encoded straight from its builders' buffers. */
  dlqFiles: RawFile[];
  /** Gives the DLQ builders back to the spares (once the DLQ write has settled). */
  releaseDlq(): void;
  rows: number;
  rejects: number;
  duplicates: number;
  bytes: number;
  hours: string[];
}

/**
 * What is left of each hour after the files sealed while reading (a partition's last rows of
 * the hour, and late events): every partition's rest of one hour in one file, partitions in
 * range order, a new file only where fileRows would be passed. Late events scattered over many
 * hours would otherwise cost a small file per partition and hour. Then the DLQ: every
 * partition's rejects in one file, in range order.
 */
export function sealRest(rows: BatchRows, ranges: OffsetRange[], writer: RawFileWriter, buffers: BatchBuffers, nat: RawIngest | undefined): SealedRest {
  const { batchId, fileRows } = rows;
  let rejects = 0;
  const rest = new Map<number, RawBatch[]>();
  const dlqParts: ColumnBatchBuilder[] = [];
  for (const r of ranges) {
    const part = rows.partition(r.partition);
    for (const [h, hourRows] of part.byHour) {
      if (hourRows.batch.numRows === 0) continue;
      const list = rest.get(h);
      if (list) list.push(hourRows.batch);
      else rest.set(h, [hourRows.batch]);
    }
    rejects += part.rejects;
    if (part.dlq) dlqParts.push(part.dlq.builder);
  }
  // Rejects can be most of a batch's bytes (oversized messages are kept whole): one file, joined
  // into a builder kept for that (grown once, then reused), not into a partition's.
  let dlq: ColumnBatchBuilder | undefined;
  let joined: ColumnBatchBuilder | undefined;
  if (dlqParts.length === 1) dlq = dlqParts[0];
  else if (dlqParts.length > 1) {
    dlq = joined = buffers.dlqFile.take();
    dlq.append(...dlqParts);
  }
  const counts = { rows: rows.rowCount, duplicates: rows.duplicates, bytes: rows.bytes };
  if (nat) {
    // The addon's builders: every hour's rest, partitions in range order, split at fileRows.
    const files = new Map<number, number>();
    for (const { hour, batch } of nat.rest(ranges.map((r) => r.partition))) {
      const index = files.get(hour) ?? 0;
      files.set(hour, index + 1);
      writer.write(dataFileName(batchId, `${hourName(hour)}rest`, index), () => sealedColumnBatch(batch, RAW_SCHEMA));
    }
    for (const h of nat.hours()) rows.hoursTouched.add(h);
    counts.rows = nat.rows;
    counts.duplicates = nat.duplicates;
    counts.bytes += nat.valueBytes;
    nat.close();
  }
  for (const h of [...rest.keys()].sort((a, b) => a - b)) {
    const name = (i: number): string => dataFileName(batchId, `${hourName(h)}rest`, i);
    let files = 0;
    let into: RawBatch | undefined;
    for (const b of rest.get(h)!) {
      if (!into) into = b;
      else if (into.numRows + b.numRows > fileRows) {
        writer.writeRows(name(files++), into);
        into = b;
      } else into.builder.append(b.builder);
    }
    writer.writeRows(name(files++), into!);
  }
  // Every RAW builder is consumed: they go back for the next micro-batch.
  rows.returnRawBatches();
  const parts = rows.dlqBatches();
  return {
    dlqFiles: dlq ? [{ name: dataFileName(batchId, 'dlq', 0), batch: borrowingBatch(dlq.build()) }] : [],
    releaseDlq() {
      for (const d of parts) buffers.dlq.give(d);
      if (joined) buffers.dlqFile.give(joined);
    },
    rejects,
    ...counts,
    hours: [...rows.hoursTouched].sort((a, b) => a - b).map(hourName),
  };
}
