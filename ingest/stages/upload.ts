// Stage 4 of a batch, upload: the RAW files' encodes and uploads started while reading are
// awaited, and the DLQ file written beside them. Nothing is committed yet: a crash here leaves
// only unreferenced files, which the retry overwrites with identical bytes.
import type { FaultHook, IngestLake, WriteResult } from './lake.js';
import type { RawFileWriter, SealedRest } from './seal-encode.js';

export interface UploadDeps {
  lake: Pick<IngestLake, 'writeDlq'>;
  fault?: FaultHook;
}

export interface Uploaded {
  raw: unknown[];
  dlq: unknown[];
  /** Main-thread column building of every file (its encoding runs in worker threads or the addon). */
  encodeMs: number;
  /** The wait after the last message for encodes and uploads still running. */
  uploadMs: number;
}

export async function uploadBatch(deps: UploadDeps, batchId: string, writer: RawFileWriter, sealed: Pick<SealedRest, 'dlqFiles' | 'releaseDlq'>): Promise<Uploaded> {
  if (!writer.uploading) deps.fault?.('before-upload', batchId);
  const t = performance.now();
  const buildBefore = writer.buildMs;
  const dlqWrite = deps.lake.writeDlq(sealed.dlqFiles);
  // The DLQ file is encoded straight from its builders' buffers (no copy): they go back to the
  // spares only once the write has settled.
  void dlqWrite.then(sealed.releaseDlq, () => undefined);
  const [rawResults, dw] = await Promise.all([Promise.all(writer.writes), dlqWrite]);
  const uploaded: Uploaded = {
    raw: rawResults.flatMap((x: WriteResult) => x.handles),
    dlq: dw.handles,
    encodeMs: writer.buildMs + dw.encodeMs,
    uploadMs: Math.max(0, performance.now() - t - (writer.buildMs - buildBefore) - dw.encodeMs),
  };
  await deps.fault?.('after-upload', batchId);
  return uploaded;
}
