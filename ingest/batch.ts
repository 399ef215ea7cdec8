// One ingestion micro-batch, independent of Temporal: read exactly the planned offset ranges,
// validate every message against the contract, write valid rows to RAW (files per event hour)
// and rejected ones to the DLQ, and commit both tables in ONE Nessie commit whose RAW snapshot
// summary carries the new Kafka positions. A repeated call for a batch already committed changes
// nothing and reports it.
//
// runBatch runs the stages of ingest/stages/, each a module with its dependencies passed in:
// plan check -> read and validate (sealing and encoding files as they fill) -> seal the rest and
// encode -> upload -> wait for the batch before (pipelined batches) -> commit.
import type { FastRawRow } from '../models/rawRow.js';
import type { RawTelemetryRow } from '../models/tables.js';
import type { DeviceLookup } from '../models/telemetry.js';
import type { RangeReader } from './kafka.js';
import type { BatchTimings, IngestBatchInput, IngestBatchResult } from './types.js';
import { openRawIngest, type NativeMode } from './native.js';
import { BatchBuffers } from './stages/buffers.js';
import { commitBatch } from './stages/commit.js';
import { stopIfCancelled, type BatchLog, type CommittedState, type FaultHook, type Heartbeat, type IngestLake } from './stages/lake.js';
import { NativeRows } from './stages/native-rows.js';
import { checkPlan } from './stages/plan-check.js';
import { readAndValidate } from './stages/read-validate.js';
import { BatchRows, type Validate } from './stages/rows.js';
import { RawFileWriter, sealRest } from './stages/seal-encode.js';
import { uploadBatch } from './stages/upload.js';
import { CommitSignal, waitForBatchBefore } from './stages/wait-before.js';

export type { DlqRow } from '../models/tables.js';
export type { CommittedState, FaultHook, FaultPoint, IngestLake, RawFile } from './stages/lake.js';
export { dataFileName, hourOf } from './stages/lake.js';
export { AVG_BYTES_KEY, BATCH_ID_KEY, BATCH_RANGES_KEY, BatchError, batchStatus, pipelineStatus, positionKey, positionsFromSummary } from './stages/plan-check.js';
export { DETAIL_CHECK_EVERY } from './stages/native-rows.js';
export { yieldToEventLoop } from './stages/read-validate.js';
export { BatchBuffers } from './stages/buffers.js';
export { CommitSignal } from './stages/wait-before.js';

/** A RAW row as written: from the fast path (Dates, numbers) or from toRawRow (bigints). */
export type RawRow = FastRawRow | RawTelemetryRow;

/** Measured with `npm run bench ingest` (see README): smaller files overlap more of the batch, larger ones cost fewer manifest entries. */
export const DEFAULT_FILE_ROWS = 25_000;

export interface BatchDeps {
  reader: RangeReader;
  lake: IngestLake;
  registry: DeviceLookup & { refresh?(): Promise<void> };
  validate: Validate;
  fault?: FaultHook;
  heartbeat?: Heartbeat;
  /** Aborted when the activity is cancelled (its workflow ended, say): a pipelined batch stops waiting. */
  signal?: AbortSignal;
  log?: BatchLog;
  /** Commit attempts on Nessie conflict before giving up (the activity retries after that). */
  maxCommitAttempts?: number;
  /**
   * RAW rows per data file (default DEFAULT_FILE_ROWS). A file is sealed, encoded and uploaded
   * as soon as one Kafka partition's rows of one hour reach it, while later messages are still
   * fetched and validated: encoding and upload overlap the rest of the batch.
   */
  fileRows?: number;
  /**
   * Use the one-pass bytes -> RAW row path (models/rawRow.ts) before `validate` (default true).
   * `validate` still decides every message the fast path does not accept, and explains rejects.
   */
  fastPath?: boolean;
  /**
   * The Rust addon for the fast path (ingest/native.ts): 'auto' (default) uses it when it is
   * built, 'on' requires it, 'off' keeps every message on the TypeScript path.
   */
  native?: NativeMode;
  /**
   * With the addon and a reader that streams record runs: the addon reads each fetch round on
   * libuv's pool, off the JavaScript thread (default true); false keeps it on the calling thread.
   */
  nativeOffThread?: boolean;
  /** Builders reused across batches (one per worker; a fresh set when absent). */
  buffers?: BatchBuffers;
  /** Wakes a pipelined batch when the one before it commits in this process (one per worker; else it polls). */
  commits?: CommitSignal;
}

export type RunBatchOptions = IngestBatchInput;

export async function runBatch(deps: BatchDeps, input: RunBatchOptions): Promise<IngestBatchResult> {
  const { topic, batchId, ranges } = input;
  const log = deps.log ?? (() => undefined);
  const heartbeat = deps.heartbeat ?? (() => undefined);
  const buffers = deps.buffers ?? new BatchBuffers();
  const commits = deps.commits ?? new CommitSignal();
  const timings: BatchTimings = { fetchMs: 0, validateMs: 0, encodeMs: 0, uploadMs: 0, commitMs: 0 };
  const base = { batchId, topic, ranges, hours: [] as string[], dataFiles: 0, timings };
  /** The result of an attempt that finds its batch in RAW (committed by an earlier attempt). */
  const alreadyCommitted = (at: CommittedState): IngestBatchResult => {
    log('batch already committed', { topic, batchId });
    return { ...base, outcome: 'already-committed', messages: 0, rows: 0, rejects: 0, duplicates: 0, bytes: 0, snapshotId: at.snapshotId, commitHash: at.hash };
  };

  // 1. Plan check: a retried attempt first looks at what is committed.
  const plan = await checkPlan(deps.lake, input);
  if (plan.status === 'done') return alreadyCommitted(plan.state);
  let state = plan.state;

  // 2. Read and validate, sealing and encoding (3) each file as it fills.
  heartbeat({ stage: 'fetch' });
  const startedAt = performance.now();
  await deps.registry.refresh?.();
  const writer = new RawFileWriter(deps.lake, batchId, deps.fault);
  const rows = new BatchRows({ registry: deps.registry, validate: deps.validate, buffers, writer, fileRows: deps.fileRows ?? DEFAULT_FILE_ROWS, fastPath: deps.fastPath ?? true }, input);
  const nat = rows.fast ? openRawIngest(deps.native ?? 'auto', deps.registry, topic, input.ingestedAt, rows.fileRows) : undefined;
  const read = await readAndValidate({ ...deps, heartbeat, log }, input, rows, nat && new NativeRows(nat, rows), { startedAt, buildMs: () => writer.buildMs });
  if (read === 'read again on this thread') {
    // Its files, written so far, are written again.
    await writer.settled();
    nat!.close();
    return runBatch({ ...deps, buffers, commits, nativeOffThread: false }, input);
  }
  timings.fetchMs = read.fetchMs;
  timings.validateMs = rows.validateMs;
  // While this batch's files encode, upload and commit, fetch what the next batch will most
  // likely read: the same number of messages per partition from where this one ends.
  if (!input.concurrent) deps.reader.readAhead?.(topic, Object.fromEntries(ranges.map((r) => [r.partition, r.to])), Object.fromEntries(ranges.map((r) => [r.partition, r.to - r.from])));
  const sealed = sealRest(rows, ranges, writer, buffers, nat);

  // 4. Upload.
  heartbeat({ stage: 'upload', messages: rows.messageCount });
  const uploaded = await uploadBatch(deps, batchId, writer, sealed);
  timings.encodeMs = uploaded.encodeMs;
  timings.uploadMs = uploaded.uploadMs;
  stopIfCancelled(deps.signal, `batch ${batchId} of ${topic}`, 'committing');

  // 5. Pipelined: commit only once RAW holds the batch before this one.
  if (plan.status === 'waiting') {
    const waited = await waitForBatchBefore({ lake: deps.lake, commits, signal: deps.signal, heartbeat }, input, rows.messageCount);
    if (waited.status === 'done') return alreadyCommitted(waited.state);
    state = waited.state;
    timings.waitMs = waited.waitMs;
  }

  // 6. Commit.
  heartbeat({ stage: 'commit', messages: rows.messageCount });
  const t = performance.now();
  const counts = { messages: rows.messageCount, bytes: sealed.bytes, rows: sealed.rows, rejects: sealed.rejects };
  const committed = await commitBatch({ lake: deps.lake, log, maxAttempts: deps.maxCommitAttempts }, input, state, uploaded, counts);
  timings.commitMs = performance.now() - t;
  if (committed.outcome === 'already-committed') return alreadyCommitted(committed.state);
  commits.committed();
  await deps.fault?.('after-commit', batchId);
  const { rejects, duplicates, bytes, hours } = sealed;
  log('batch committed', { topic, batchId, rows: sealed.rows, rejects, duplicates, hours: hours.length, snapshotId: committed.snapshotId, ...timings });
  return {
    ...base,
    outcome: 'committed',
    messages: rows.messageCount,
    rows: sealed.rows,
    rejects,
    duplicates,
    bytes,
    hours,
    dataFiles: writer.writes.length + sealed.dlqFiles.length,
    snapshotId: committed.snapshotId,
    commitHash: committed.hash,
    timings,
  };
}
