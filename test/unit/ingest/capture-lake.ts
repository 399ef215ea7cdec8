// An IngestLake for unit tests of runBatch: keeps each RAW file as its Parquet bytes (and
// metrics) and each DLQ file as its rows, commits nothing.
import type { CommittedState, IngestLake, RawFile } from '../../../ingest/batch.js';
import { columnBatchRows, type ColumnBatch } from '../../../lake/column-batch.js';
import { encodeParquet } from '../../../lake/parquet-encoder.js';

/** The Parquet file a batch encodes to (what lands in S3), base64. */
export function parquet(b: ColumnBatch): string {
  const r = encodeParquet({ fields: [...b.schema.fields], numRows: b.numRows, columns: b.columns, compression: 'zstd' });
  if (!r.ok) throw new Error(r.message);
  return Buffer.from(r.bytes).toString('base64');
}

export class CaptureLake implements IngestLake {
  files: { name: string; parquet: string; metrics: unknown }[] = [];
  dlq: unknown[][] = [];
  async readCommitted(): Promise<CommittedState> {
    return { hash: 'h0', summary: {} };
  }
  async writeRaw(files: RawFile[]) {
    // Kept in call order (writeRaw calls overlap while the checks below await).
    const kept = files.map((f) => ({ name: f.name, parquet: parquet(f.batch), metrics: f.batch.metrics }));
    this.files.push(...kept);
    for (const [i, f] of files.entries()) {
      // A batch with its own encoder (the addon's sealed rows, a file maybe of several
      // builders) must encode to the same bytes as its columns do.
      if (!f.batch.encode) continue;
      const own = await f.batch.encode({ compression: 'zstd' });
      if (!own.ok) throw new Error(own.message);
      if (Buffer.from(own.bytes).toString('base64') !== kept[i]!.parquet) throw new Error(`${f.name}: the batch's own encoder wrote other bytes than its columns encode to`);
    }
    return { handles: [], encodeMs: 0, uploadMs: 0 };
  }
  async writeDlq(files: RawFile[]) {
    for (const f of files) this.dlq.push(columnBatchRows(f.batch));
    return { handles: [], encodeMs: 0, uploadMs: 0 };
  }
  async commit() {
    return { hash: 'h1', snapshotId: '1' };
  }
}
