// What a batch needs from the lake, and the names of what it writes there (implemented over
// lake/ by ingest/lakeAdapter.ts; unit tests pass fakes).
import type { ColumnBatch } from '../../lake/index.js';

/** A RAW or DLQ file of a batch: its name (deterministic per batch) and its rows as a column batch. */
export interface RawFile {
  name: string;
  batch: ColumnBatch;
}

export interface CommittedState {
  /** Nessie hash of the branch head that was read; the commit names it as expected hash. */
  hash: string;
  /** RAW snapshot summary at that hash ({} when RAW has no snapshot yet). */
  summary: Record<string, string>;
  snapshotId?: string;
}

/** What writing files returns: opaque handles for commit, and the time split. */
export type WriteResult = { handles: unknown[]; encodeMs: number; uploadMs: number };

export interface IngestLake {
  readCommitted(): Promise<CommittedState>;
  /**
   * Encodes and uploads the files; returns opaque handles for commit, and the time split. The
   * batches are consumed before the promise is returned (their builders are reused at once).
   */
  writeRaw(files: RawFile[]): Promise<WriteResult>;
  writeDlq(files: RawFile[]): Promise<WriteResult>;
  /**
   * Appends RAW and DLQ files in one commit on the branch, expecting `expectedHash` as head.
   * Throws an error with `conflict: true` when the head moved.
   */
  commit(args: { expectedHash: string; raw: unknown[]; dlq: unknown[]; rawSummary: Record<string, string>; message: string }): Promise<{ hash: string; snapshotId: string }>;
}

export type FaultPoint = 'before-upload' | 'after-upload' | 'after-commit';
/** Called synchronously at each point; it ends the process (or throws) to inject the fault. */
export type FaultHook = (point: FaultPoint, batchId: string) => void;

/** Reports a stage's progress to the activity's heartbeat. */
export type Heartbeat = (progress: { stage: string; messages?: number }) => void;
export type BatchLog = (msg: string, fields: Record<string, unknown>) => void;

/** Throws when `signal` is aborted: a cancelled attempt (worker shutting down, or timed out and retried elsewhere) stops there. */
export function stopIfCancelled(signal: AbortSignal | undefined, what: string, doing: string): void {
  if (signal?.aborted) throw new Error(`${what} stopped ${doing}: ${String(signal.reason ?? 'cancelled')}`);
}

const HOUR_MS = 3_600_000;

/** `YYYY-MM-DDTHH` (UTC) of the hour holding `ms`. */
export function hourOf(ms: number): string {
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
}

/** `YYYY-MM-DDTHH` of an hour number (hours since the epoch, as rows are grouped). */
export function hourName(hour: number): string {
  return hourOf(hour * HOUR_MS);
}

/** Deterministic data file name for a batch's rows of one hour (or the DLQ). */
export function dataFileName(batchId: string, part: string, index: number): string {
  return `${batchId}-${part.replace(/[^0-9A-Za-z]/g, '')}-${String(index).padStart(3, '0')}.parquet`;
}
