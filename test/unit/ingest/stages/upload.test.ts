import { describe, expect, it } from 'vitest';
import { uploadBatch } from '../../../../ingest/stages/upload.js';
import { RawFileWriter } from '../../../../ingest/stages/seal-encode.js';
import type { RawFile, WriteResult } from '../../../../ingest/stages/lake.js';
import { ColumnBatchBuilder } from '../../../../lake/index.js';
import { schemaOfTable } from '../../../../ingest/rawColumns.js';
import { RAW_TELEMETRY_DLQ } from '../../../../models/tables.js';

const emptyDlq = (): RawFile => ({ name: 'dlq', batch: new ColumnBatchBuilder(schemaOfTable(RAW_TELEMETRY_DLQ), { table: 'dlq' }).build() });

/** A write settled by hand. */
function deferred(): { promise: Promise<WriteResult>; resolve: (r: WriteResult) => void; reject: (e: Error) => void } {
  let resolve!: (r: WriteResult) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<WriteResult>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('upload stage', () => {
  it('waits for every RAW write and the DLQ write, gathers their handles, then passes the after-upload fault point', async () => {
    const raw = [deferred(), deferred()];
    let n = 0;
    const writer = new RawFileWriter({ writeRaw: () => raw[n++]!.promise }, 'b1');
    writer.write('a', () => emptyDlq().batch);
    writer.write('b', () => emptyDlq().batch);
    const dlq = deferred();
    const seen: string[] = [];
    const released: string[] = [];
    const up = uploadBatch({ lake: { writeDlq: () => dlq.promise }, fault: (p) => seen.push(p) }, 'b1', writer, { dlqFiles: [emptyDlq()], releaseDlq: () => released.push('dlq') });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([]);
    dlq.resolve({ handles: ['d'], encodeMs: 3, uploadMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    expect(released).toEqual(['dlq']);
    raw[1]!.resolve({ handles: ['r2'], encodeMs: 0, uploadMs: 0 });
    raw[0]!.resolve({ handles: ['r1'], encodeMs: 0, uploadMs: 0 });
    const u = await up;
    expect(u.raw).toEqual(['r1', 'r2']);
    expect(u.dlq).toEqual(['d']);
    expect(u.encodeMs).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(['after-upload']);
  });

  it('passes before-upload first when no RAW file was started while reading (a batch of rejects only)', async () => {
    const seen: string[] = [];
    const writer = new RawFileWriter({ writeRaw: () => Promise.reject(new Error('not called')) }, 'b1');
    await uploadBatch({ lake: { writeDlq: async () => (seen.push('dlq'), { handles: [], encodeMs: 0, uploadMs: 0 }) }, fault: (p) => seen.push(p) }, 'b1', writer, { dlqFiles: [], releaseDlq: () => undefined });
    expect(seen).toEqual(['before-upload', 'dlq', 'after-upload']);
  });

  it('fails when a RAW upload failed, keeping the DLQ builders when the DLQ write failed', async () => {
    const writer = new RawFileWriter({ writeRaw: () => Promise.reject(new Error('S3 refused f1')) }, 'b1');
    writer.write('f1', () => emptyDlq().batch);
    const released: string[] = [];
    await expect(uploadBatch({ lake: { writeDlq: () => Promise.reject(new Error('S3 refused dlq')) } }, 'b1', writer, { dlqFiles: [], releaseDlq: () => released.push('dlq') })).rejects.toThrow(/S3 refused/);
    expect(released).toEqual([]);
  });
});
