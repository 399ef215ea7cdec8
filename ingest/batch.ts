// One ingestion micro-batch, independent of Temporal: read exactly the planned offset ranges,
// validate every message against the contract, write valid rows to RAW (files per event hour)
// and rejected ones to the DLQ, and commit both tables in ONE Nessie commit whose RAW snapshot
// summary carries the new Kafka positions. A repeated call for a batch already committed changes
// nothing and reports it.
import type { OffsetRange, Positions } from '../models/offsets.js';
import { advance, rangesKey } from '../models/offsets.js';
import type { KafkaMessage, RangeReader, RecordRun } from './kafka.js';
import { batchUnchanged, FetchedMessage, recordAt } from './kafka-fetch.js';
import type { BatchTimings, IngestBatchInput, IngestBatchResult } from './types.js';
import { contractFieldRejection, unknownDevice, type DeviceLookup, type Rejection, type Validation } from '../models/telemetry.js';
import { RAW_TELEMETRY, RAW_TELEMETRY_DLQ, toRawRow, type RawTelemetryRow } from '../models/tables.js';
import { fastRowColumnsMatchRaw, parseTelemetry, type FastRawRow, type ParsedTelemetry, type RawPosition } from '../models/rawRow.js';
import { ColumnBatchBuilder, type ColumnBatch } from '../lake/index.js';
import { borrowingBatch } from '../lake/parquet-writer.js';
import { DlqBatch, returnRawBatch, schemaOfTable, Spares, takeRawBatch, type RawBatch } from './rawColumns.js';
import { DETAIL, eventJson, openRawIngest, RUN_EVENT, sealedColumnBatch, STOP, type NativeMode, type RawIngest, type SealedBatch } from './native.js';

export type { DlqRow } from '../models/tables.js';
const DLQ_SCHEMA = schemaOfTable(RAW_TELEMETRY_DLQ);
const RAW_SCHEMA = schemaOfTable(RAW_TELEMETRY);
/**
 * DLQ builders kept between batches with their grown buffers: a batch's rejects hold whole
 * payloads (up to MAX_EVENT_BYTES each), and buffers allocated afresh for every batch were most
 * of the new memory ingestion asked for, each ~64 MB of it starting a full V8 marking cycle.
 */
const spareDlq = new Spares(() => new DlqBatch('dlq'), 8);
/** The builders a batch's partitions' rejects are joined into (kept grown: a batch's dead letters can be tens of MB). */
const spareDlqFile = new Spares(() => new ColumnBatchBuilder(DLQ_SCHEMA, { table: 'dlq' }), 3);
/** A RAW row as written: from the fast path (Dates, numbers) or from toRawRow (bigints). */
export type RawRow = FastRawRow | RawTelemetryRow;

/** A RAW or DLQ file of a batch: its name (deterministic per batch) and its rows as a column batch. */
export interface RawFile {
  name: string;
  batch: ColumnBatch;
}

/** Summary property names that carry the committed position in the RAW snapshot summary. */
export const positionKey = (topic: string, partition: number): string => `floe.kafka.${topic}.${partition}`;
export const BATCH_ID_KEY = 'floe.ingest.batch-id';
export const BATCH_RANGES_KEY = 'floe.ingest.ranges';
export const AVG_BYTES_KEY = 'floe.ingest.avg-message-bytes';

export function positionsFromSummary(topic: string, summary: Record<string, string>): Positions {
  const prefix = `floe.kafka.${topic}.`;
  const out: Positions = {};
  for (const [k, v] of Object.entries(summary)) {
    if (!k.startsWith(prefix)) continue;
    const p = Number(k.slice(prefix.length));
    const n = Number(v);
    if (Number.isInteger(p) && Number.isSafeInteger(n)) out[p] = n;
  }
  return out;
}

export interface CommittedState {
  /** Nessie hash of the branch head that was read; the commit names it as expected hash. */
  hash: string;
  /** RAW snapshot summary at that hash ({} when RAW has no snapshot yet). */
  summary: Record<string, string>;
  snapshotId?: string;
}

/** What a batch needs from the lake (implemented over lake/ by ingest/lakeAdapter.ts). */
export interface IngestLake {
  readCommitted(): Promise<CommittedState>;
  /**
   * Encodes and uploads the files; returns opaque handles for commit, and the time split. The
   * batches are consumed before the promise is returned (their builders are reused at once).
   */
  writeRaw(files: RawFile[]): Promise<{ handles: unknown[]; encodeMs: number; uploadMs: number }>;
  writeDlq(files: RawFile[]): Promise<{ handles: unknown[]; encodeMs: number; uploadMs: number }>;
  /**
   * Appends RAW and DLQ files in one commit on the branch, expecting `expectedHash` as head.
   * Throws an error with `conflict: true` when the head moved.
   */
  commit(args: { expectedHash: string; raw: unknown[]; dlq: unknown[]; rawSummary: Record<string, string>; message: string }): Promise<{ hash: string; snapshotId: string }>;
}

export type FaultPoint = 'before-upload' | 'after-upload' | 'after-commit';
/** Called synchronously at each point; it ends the process (or throws) to inject the fault. */
export type FaultHook = (point: FaultPoint, batchId: string) => void;

export interface BatchDeps {
  reader: RangeReader;
  lake: IngestLake;
  registry: DeviceLookup & { refresh?(): Promise<void> };
  validate: (bytes: Uint8Array | null, registry: DeviceLookup) => Validation;
  fault?: FaultHook;
  heartbeat?: (progress: { stage: string; messages?: number }) => void;
  /** Aborted when the activity is cancelled (its workflow ended, say): a pipelined batch stops waiting. */
  signal?: AbortSignal;
  log?: (msg: string, fields: Record<string, unknown>) => void;
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
}

/**
 * The addon called a record rejected that the TypeScript validator accepts (never expected:
 * native.test.ts holds them to the same contract). The batch is read again on the calling
 * thread, where every record the addon stops at is decided in offset order.
 */
class NativeDisagreement extends Error {
  constructor(m: KafkaMessage, why = 'which the contract accepts') {
    super(`the native path rejected ${JSON.stringify(m.value?.subarray(0, 200).toString('utf8'))} (partition ${m.partition} offset ${m.offset}), ${why}`);
  }
}

/** One in this many rejects the addon details is also worded from the message, and the two compared. */
export const DETAIL_CHECK_EVERY = 64;
let detailed = 0;

/**
 * The rejection of a record the addon rejected with a detail (RawIngest.takeRejectDetails: the
 * first failing contract property and its value, or the unregistered device), worded as
 * validateTelemetry words it without parsing the message again. Throws NativeDisagreement when
 * the TypeScript checks do not fail that value, and, one time in DETAIL_CHECK_EVERY, when the
 * whole message's validation words it otherwise.
 */
function rejectionOfDetail(m: KafkaMessage, d: Float64Array, at: number, registry: DeviceLookup, validate: BatchDeps['validate']): Rejection {
  const bytes = m.value!;
  const [code, field, kind, x, y] = [d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!];
  const value = kind === DETAIL.absent ? undefined : kind === DETAIL.null ? null : kind === DETAIL.number ? x : bytes.toString('utf8', x, y);
  let v: Rejection | undefined;
  if (code === DETAIL.property) v = contractFieldRejection(field, value);
  else if (code === DETAIL.unregistered && typeof value === 'string' && !registry.has(value)) v = unknownDevice(value);
  if (!v) throw new NativeDisagreement(m, `its detail [${code}, ${field}, ${kind}] is not a reason the contract gives`);
  if (++detailed % DETAIL_CHECK_EVERY === 0) {
    const whole = parseTelemetry(bytes, registry) ?? validate(bytes, registry);
    if (whole.ok || whole.kind !== v.kind || whole.errorPath !== v.errorPath || whole.errorMessage !== v.errorMessage) {
      throw new NativeDisagreement(m, `worded ${JSON.stringify(v.errorMessage)} from its detail, ${whole.ok ? 'which the contract accepts' : JSON.stringify(whole.errorMessage)} from the message`);
    }
  }
  return v;
}

export class BatchError extends Error {
  constructor(
    readonly type: 'PositionMismatch' | 'InvalidBatch',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const HOUR_MS = 3_600_000;
const EMPTY_BYTES = new Uint8Array(0);
const YIELD_EVERY = 20_000;
/** Measured with `npm run bench ingest` (see README): smaller files overlap more of the batch, larger ones cost fewer manifest entries. */
export const DEFAULT_FILE_ROWS = 25_000;
/** The fast row builder covers exactly RAW's columns (else a contract change outran it: use the slow path). */
const FAST_ROWS_OK = fastRowColumnsMatchRaw();

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `YYYY-MM-DDTHH` (UTC) of the hour holding `ms`. */
export function hourOf(ms: number): string {
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
}

/** Deterministic data file name for a batch's rows of one hour (or the DLQ). */
export function dataFileName(batchId: string, part: string, index: number): string {
  return `${batchId}-${part.replace(/[^0-9A-Za-z]/g, '')}-${String(index).padStart(3, '0')}.parquet`;
}

type Status = { kind: 'pending' } | { kind: 'done' };
/** 'waiting': the batch before this one (input.after) is not committed yet; this one comes next. */
type PipelineStatus = Status['kind'] | 'waiting';

/** batchStatus, for a batch that may run while the one before it (`after`) is still in flight. */
export function pipelineStatus(topic: string, input: Pick<IngestBatchInput, 'ranges' | 'after' | 'retentionGapFrom'>, committed: Positions): PipelineStatus {
  if (input.after && batchStatus(topic, input.after, committed).kind === 'pending') {
    // The predecessor is not in RAW yet: this batch must start exactly where it ends.
    const next = batchStatus(topic, input.ranges, advance(committed, input.after), input.retentionGapFrom);
    if (next.kind === 'pending') return 'waiting';
  }
  return batchStatus(topic, input.ranges, committed, input.retentionGapFrom).kind;
}

/** Poll interval while a pipelined batch waits for the one before it (a commit in this process wakes it at once). */
const WAIT_POLL_MS = 250;
const commitWaiters = new Set<() => void>();
function committedSignal(): void {
  for (const wake of [...commitWaiters]) wake();
}
function nextCommitOrTimeout(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      commitWaiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    commitWaiters.add(done);
  });
}

/** Compares the committed position with the batch's ranges: every range starts there, or every range is already behind it. */
export function batchStatus(topic: string, ranges: OffsetRange[], committed: Positions, retentionGapFrom: Record<number, number> = {}): Status {
  let done = 0;
  let pending = 0;
  const bad: string[] = [];
  for (const r of ranges) {
    const c = committed[r.partition];
    if (c !== undefined && c >= r.to) done++;
    else if (c === undefined || c === r.from || (c < r.from && retentionGapFrom[r.partition] === c)) pending++;
    else bad.push(`partition ${r.partition}: committed ${c}, range ${r.from}-${r.to}`);
  }
  if (bad.length > 0 || (done > 0 && pending > 0)) {
    throw new BatchError(
      'PositionMismatch',
      `batch ranges ${rangesKey(ranges)} of ${topic} do not line up with the position committed in RAW (${bad.join('; ') || `${done} ranges committed, ${pending} not`}): another writer changed RAW`,
    );
  }
  return done === ranges.length ? { kind: 'done' } : { kind: 'pending' };
}

export type RunBatchOptions = IngestBatchInput;

type WriteResult = { handles: unknown[]; encodeMs: number; uploadMs: number };
/** One Kafka partition's accepted rows of one hour not yet sealed into a file, and the files sealed so far. */
interface HourRows {
  batch: RawBatch;
  files: number;
}
interface PartitionRows {
  byHour: Map<number, HourRows>;
  /** Rejected messages of this partition, in offset order (the batch's DLQ file holds every partition's, in range order). */
  dlq: DlqBatch | undefined;
  rejects: number;
}

function checkInput(input: RunBatchOptions): void {
  if (input.ranges.length === 0) throw new BatchError('InvalidBatch', `batch ${input.batchId} of ${input.topic} has no ranges`);
  const seen = new Set<number>();
  for (const r of input.ranges) {
    if (seen.has(r.partition)) throw new BatchError('InvalidBatch', `batch ${input.batchId} has partition ${r.partition} twice`);
    seen.add(r.partition);
    if (!(Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 0 && r.to > r.from)) {
      throw new BatchError('InvalidBatch', `batch ${input.batchId} has an invalid range ${JSON.stringify(r)}`);
    }
  }
}

export async function runBatch(deps: BatchDeps, input: RunBatchOptions): Promise<IngestBatchResult> {
  checkInput(input);
  const { topic, batchId, ranges } = input;
  const log = deps.log ?? (() => undefined);
  const beat = deps.heartbeat ?? (() => undefined);
  const timings: BatchTimings = { fetchMs: 0, validateMs: 0, encodeMs: 0, uploadMs: 0, commitMs: 0 };
  const messagesInRanges = ranges.reduce((s, r) => s + r.to - r.from, 0);
  const base = { batchId, topic, ranges, hours: [] as string[], dataFiles: 0, timings };

  /** The result of an attempt that finds its batch in RAW (committed by an earlier attempt). */
  const alreadyCommitted = (at: CommittedState): IngestBatchResult => ({
    ...base,
    outcome: 'already-committed',
    messages: 0,
    rows: 0,
    rejects: 0,
    duplicates: 0,
    bytes: 0,
    snapshotId: at.snapshotId,
    commitHash: at.hash,
  });
  // A retried attempt first looks at what is committed: the batch may already be in RAW.
  let state = await deps.lake.readCommitted();
  const status = pipelineStatus(topic, input, positionsFromSummary(topic, state.summary));
  if (status === 'done') {
    log('batch already committed', { topic, batchId });
    return alreadyCommitted(state);
  }

  /** A cancelled attempt (worker shutting down, or timed out and retried elsewhere) stops here. */
  const stopIfCancelled = (doing: string): void => {
    if (deps.signal?.aborted) throw new Error(`batch ${batchId} of ${topic} stopped ${doing}: ${String(deps.signal.reason ?? 'cancelled')}`);
  };
  beat({ stage: 'fetch' });
  let t = performance.now();
  await deps.registry.refresh?.();
  const ingestedAtMicros = BigInt(input.ingestedAt) * 1000n;
  /** The same as a number when exact (no bigint arithmetic per DLQ row). */
  const ingestedAtDlq = Number.isSafeInteger(input.ingestedAt * 1000) ? input.ingestedAt * 1000 : ingestedAtMicros;
  // Rows of the fast path share one ingestion time; a Date is exact (the workflow gives ms).
  const ingestedAt = new Date(input.ingestedAt);
  const fast = (deps.fastPath ?? true) && FAST_ROWS_OK;
  const pos: RawPosition = { topic, partition: 0, offset: 0, ingestedAt };
  // Rows and rejects are kept per partition and concatenated in range order at the end, so a
  // file's rows are in (partition, offset) order however fetch rounds interleave partitions:
  // every attempt of a batch writes byte-identical files.
  const perPartition = new Map<number, PartitionRows>(ranges.map((r) => [r.partition, { byHour: new Map(), dlq: undefined, rejects: 0 }]));
  const eventIds = new Set<string>();
  let duplicates = 0;
  let bytes = 0;
  let messageCount = 0;
  let validateMs = 0;
  let rowCount = 0;

  // RAW files are sealed while the batch is read: a Kafka partition's rows of one hour become a
  // file once they reach fileRows, and its encoding (a worker thread) and upload run while later
  // messages are fetched and validated. A file holds one partition's rows in offset order, so
  // every attempt of a batch writes the same files with the same bytes under the same names
  // (a zombie attempt overwriting a committed file writes identical bytes).
  const fileRows = Math.max(1, deps.fileRows ?? DEFAULT_FILE_ROWS);
  const rawWrites: Promise<WriteResult>[] = [];
  const hoursTouched = new Set<number>();
  let buildMs = 0;
  let uploading = false;
  /** Starts encoding and uploading one RAW file; `build` makes its column batch (timed as encode). */
  const writeBatch = (name: string, build: () => ColumnBatch): void => {
    // The before-upload fault point comes before the first upload starts.
    if (!uploading) deps.fault?.('before-upload', batchId);
    uploading = true;
    const t0 = performance.now();
    const w = deps.lake.writeRaw([{ name, batch: build() }]);
    buildMs += performance.now() - t0;
    // Observed by Promise.all after the last message; marked handled now so a failed upload
    // while messages are still read is not an unhandled rejection (which ends the worker).
    w.catch(() => undefined);
    rawWrites.push(w);
  };
  const writeFile = (name: string, batch: RawBatch): void => {
    writeBatch(name, () => batch.build());
    // writeRaw consumed the batch: its buffers take the next rows.
    batch.reset();
  };
  const sealRaw = (partition: number, hour: number, h: HourRows): void =>
    writeFile(dataFileName(batchId, `${hourOf(hour * HOUR_MS)}p${partition}`, h.files++), h.batch);

  /** Files a message the contract or the registry rejects as a DLQ row of its partition. */
  const reject = (part: PartitionRows, m: KafkaMessage, v: Rejection): void => {
    (part.dlq ??= spareDlq.take()).append(m, v, topic, ingestedAtDlq);
    part.rejects++;
  };

  // The native path (ingest/native.ts): the addon reads, checks and appends every message it
  // accepts into its own builders per partition and hour; each message it stops at goes through
  // the TypeScript path below, and its row (if accepted there) back into the addon's builders.
  const nat: RawIngest | undefined = fast ? openRawIngest(deps.native ?? 'auto', deps.registry, topic, input.ingestedAt, fileRows) : undefined;
  const stop = new Int32Array(2);
  const sealedNative = new Map<string, number>();
  const sealNative = (partition: number, hour: number, sealed?: SealedBatch): void => {
    const key = `${partition}:${hour}`;
    const index = sealedNative.get(key) ?? 0;
    sealedNative.set(key, index + 1);
    writeBatch(dataFileName(batchId, `${hourOf(hour * HOUR_MS)}p${partition}`, index), () => sealedColumnBatch(sealed ?? nat!.take(partition, hour), RAW_SCHEMA));
  };
  /** A message the addon stopped at: the TypeScript path decides, and an accepted row goes back into the addon's builders. */
  const decideInTypeScript = (part: PartitionRows, m: KafkaMessage): void => {
    const f = parseTelemetry(m.value, deps.registry);
    const v = f ?? deps.validate(m.value, deps.registry);
    if (!v.ok) {
      reject(part, m, v);
      return;
    }
    nat!.appendEvent(eventJson('e' in v ? v.e : v.event), m.partition, m.offset, stop);
    if (stop[0] === STOP.full) sealNative(m.partition, stop[1]!);
  };
  let spans = new Int32Array(2048);
  let offsets = new Float64Array(1024);
  const consumeNative = (messages: readonly KafkaMessage[], from: number, to: number): void => {
    const t0 = performance.now();
    const n = nat!;
    for (let i = from; i < to; ) {
      // A run of messages of one partition whose values share one ArrayBuffer (a fetch response).
      const partition = messages[i]!.partition;
      const part = perPartition.get(partition);
      if (!part) throw new Error(`reader returned a message of partition ${partition}, not in batch ${batchId}`);
      let buf: ArrayBufferLike | undefined;
      let j = i;
      for (; j < to; j++) {
        const m = messages[j]!;
        if (m.partition !== partition) break;
        const k = j - i;
        if (k >= offsets.length) {
          const grownSpans = new Int32Array(4 * offsets.length);
          grownSpans.set(spans);
          spans = grownSpans;
          const grownOffsets = new Float64Array(2 * offsets.length);
          grownOffsets.set(offsets);
          offsets = grownOffsets;
        }
        if (m instanceof FetchedMessage) {
          // The value's place in the response, without a Buffer view of it.
          if (m.valueLength >= 0) {
            const src = m.src;
            if (!buf) buf = src.buffer;
            else if (src.buffer !== buf) break;
            spans[2 * k] = src.byteOffset + m.valueAt;
            bytes += m.valueLength;
          }
          spans[2 * k + 1] = m.valueLength;
        } else {
          const v = m.value;
          if (v) {
            if (!buf) buf = v.buffer;
            else if (v.buffer !== buf) break;
            spans[2 * k] = v.byteOffset;
            spans[2 * k + 1] = v.length;
            bytes += v.length;
          } else spans[2 * k + 1] = -1;
        }
        offsets[k] = m.offset;
      }
      const count = j - i;
      messageCount += count;
      const data = buf ? new Uint8Array(buf) : EMPTY_BYTES;
      for (let k = 0; k < count; ) {
        k = n.consume(data, spans, offsets, partition, k, count, stop);
        if (stop[0] === STOP.full) sealNative(partition, stop[1]!);
        else if (stop[0] === STOP.undecided) {
          // Not accepted by the addon: the TypeScript path decides.
          decideInTypeScript(part, messages[i + k]!);
          k++;
        }
      }
      i = j;
    }
    validateMs += performance.now() - t0;
  };

  // Record runs (the direct fetch path): the addon reads the Kafka records itself, so no
  // message object is made except for a record it stops at.
  const runStatus = new Float64Array(3);
  const consumeRuns = (runs: readonly RecordRun[]): void => {
    const t0 = performance.now();
    const n = nat!;
    const before = n.records;
    let buf: ArrayBufferLike | undefined;
    let data: Uint8Array = EMPTY_BYTES;
    for (const { batch, lo, hi } of runs) {
      const part = perPartition.get(batch.partition);
      if (!part) throw new Error(`reader returned records of partition ${batch.partition}, not in batch ${batchId}`);
      const src = batch.src;
      if (src.buffer !== buf) {
        buf = src.buffer;
        data = new Uint8Array(buf);
      }
      const base = src.byteOffset;
      const end = base + batch.end;
      for (let at = base + batch.at; at < end; ) {
        at = n.consumeRecords(data, at, end, batch.baseOffset, lo, hi, batch.partition, runStatus);
        if (runStatus[0] === STOP.full) sealNative(batch.partition, runStatus[1]!);
        else if (runStatus[0] === STOP.undecided) decideInTypeScript(part, recordAt(batch, runStatus[2]! - base));
        else break;
      }
      batchUnchanged(batch);
    }
    messageCount += n.records - before;
    validateMs += performance.now() - t0;
  };

  /**
   * consumeRuns off the JavaScript thread: the addon reads the round's records on libuv's pool
   * and goes on past the ones it rejects (listed for the TypeScript path to word, in offset
   * order), stopping only at a record the TypeScript path must decide. Counted as validation
   * time while it runs; the JavaScript thread meanwhile serves other work (uploads, commits,
   * the other batch in flight).
   */
  const consumeRunsOffThread = async (runs: readonly RecordRun[]): Promise<void> => {
    const t0 = performance.now();
    const n = nat!;
    const before = n.records;
    const buffers: Uint8Array[] = [];
    const bufferOf = new Map<ArrayBufferLike, number>();
    const desc = new Float64Array(7 * runs.length);
    /** Where each run's batch.src starts in the buffer handed to the addon. */
    const bases = new Float64Array(runs.length);
    runs.forEach(({ batch, lo, hi }, i) => {
      const src = batch.src;
      if (!perPartition.has(batch.partition)) throw new Error(`reader returned records of partition ${batch.partition}, not in batch ${batchId}`);
      let b: number;
      if (src.byteLength < Buffer.poolSize && src.buffer.byteLength > src.byteLength) {
        // A small buffer may be a slice of Node's shared pool, which other code writes while the
        // addon reads on another thread: the addon gets a copy of its own.
        b = buffers.push(new Uint8Array(src)) - 1;
        bases[i] = 0;
      } else {
        let known = bufferOf.get(src.buffer);
        if (known === undefined) {
          bufferOf.set(src.buffer, (known = buffers.length));
          buffers.push(new Uint8Array(src.buffer));
        }
        b = known;
        bases[i] = src.byteOffset;
      }
      desc.set([b, bases[i]! + batch.at, bases[i]! + batch.end, batch.baseOffset, lo, hi, batch.partition], 7 * i);
    });
    const messageAt = (run: number, at: number): KafkaMessage => recordAt(runs[run]!.batch, at - bases[run]!);
    for (let fromRun = 0, fromAt = -1; fromRun >= 0; ) {
      const events = await n.consumeRuns(buffers, desc, fromRun, fromAt);
      const sealed = n.takeSealed();
      const details = n.takeRejectDetails();
      let nextSealed = 0;
      let nextDetail = 0;
      for (let k = 0; k < events.length; k += 3) {
        const kind = events[k]!;
        const a = events[k + 1]!;
        const b = events[k + 2]!;
        if (kind === RUN_EVENT.rejected) {
          const m = messageAt(a, b);
          const v = parseTelemetry(m.value, deps.registry) ?? deps.validate(m.value, deps.registry);
          if (v.ok) throw new NativeDisagreement(m);
          reject(perPartition.get(m.partition)!, m, v);
        } else if (kind === RUN_EVENT.rejectedWithDetail) {
          const m = messageAt(a, b);
          reject(perPartition.get(m.partition)!, m, rejectionOfDetail(m, details, nextDetail, deps.registry, deps.validate));
          nextDetail += 5;
        } else if (kind === RUN_EVENT.sealed) {
          const s = sealed[nextSealed++]!;
          sealNative(s.partition, s.hour, s.batch);
        } else if (kind === RUN_EVENT.undecided) {
          const m = messageAt(a, b);
          decideInTypeScript(perPartition.get(m.partition)!, m);
        } else {
          fromRun = a;
          fromAt = b;
        }
      }
    }
    for (const { batch } of runs) batchUnchanged(batch);
    messageCount += n.records - before;
    validateMs += performance.now() - t0;
  };

  /** Validates messages and files each as a RAW row of its event hour or a DLQ row. */
  const consume = (messages: readonly KafkaMessage[], from: number, to: number): void => {
    if (nat) return consumeNative(messages, from, to);
    const t0 = performance.now();
    let part: PartitionRows | undefined;
    let partNo = -1;
    let lastHour = NaN;
    let last: HourRows | undefined;
    for (let i = from; i < to; i++) {
      const m = messages[i]!;
      if (m.partition !== partNo || !part) {
        part = perPartition.get(m.partition);
        if (!part) throw new Error(`reader returned a message of partition ${m.partition}, not in batch ${batchId}`);
        partNo = m.partition;
        lastHour = NaN;
      }
      messageCount++;
      bytes += m.value?.length ?? 0;
      let hour: number;
      let eventId: string;
      pos.partition = m.partition;
      pos.offset = m.offset;
      const f = fast ? parseTelemetry(m.value, deps.registry) : undefined;
      let row: RawRow | undefined;
      if (f?.ok) {
        ({ hour, eventId } = f);
      } else {
        // Rejected by the fast path (with validateTelemetry's own words), or not decided there:
        // then the contract's validator decides.
        const v = f ?? deps.validate(m.value, deps.registry);
        if (!v.ok) {
          reject(part, m, v);
          continue;
        }
        row = toRawRow(v.event, { topic, partition: m.partition, offset: BigInt(m.offset), ingestedAtMicros });
        eventId = v.event.event_id;
        hour = Math.floor(Number(row.event_ts as bigint) / 1000 / HOUR_MS);
      }
      rowCount++;
      if (eventIds.has(eventId)) duplicates++;
      else eventIds.add(eventId);
      if (hour !== lastHour) {
        last = part.byHour.get(hour);
        if (!last) {
          part.byHour.set(hour, (last = { batch: takeRawBatch(), files: 0 }));
          hoursTouched.add(hour);
        }
        lastHour = hour;
      }
      if (row) last!.batch.appendRow(row);
      else last!.batch.append(f as ParsedTelemetry, pos);
      if (last!.batch.numRows >= fileRows) sealRaw(partNo, hour, last!);
    }
    validateMs += performance.now() - t0;
  };

  if (nat && deps.reader.streamRecords) {
    // As below, with the records left encoded until the addon reads them.
    const offThread = deps.nativeOffThread ?? true;
    try {
      await deps.reader.streamRecords(topic, ranges, async (runs) => {
        stopIfCancelled('reading');
        if (offThread) await consumeRunsOffThread(runs);
        else consumeRuns(runs);
        beat({ stage: 'fetch+validate', messages: messageCount });
      }, { recycle: true });
    } catch (e) {
      if (!(e instanceof NativeDisagreement)) throw e;
      // Read the batch again on this thread (its files, written so far, are written again).
      log('native path disagrees with the contract; reading the batch again on the calling thread', { topic, batchId, error: e.message });
      await Promise.allSettled(rawWrites);
      nat.close();
      return runBatch({ ...deps, nativeOffThread: false }, input);
    }
    timings.fetchMs = Math.max(0, performance.now() - t - validateMs - buildMs);
  } else if (deps.reader.streamRanges) {
    // Pipelined: each fetch round is validated while the next one is fetched. recycle: consume
    // keeps no Buffer of a message (RAW appends copy values; DLQ rows' key and value are copied
    // by the DLQ builder's binary appends, its headers become a string), so the reader may reuse
    // a round's response memory once this callback has returned.
    await deps.reader.streamRanges(topic, ranges, (chunk) => {
      stopIfCancelled('reading');
      consume(chunk, 0, chunk.length);
      beat({ stage: 'fetch+validate', messages: messageCount });
    }, { recycle: true });
    timings.fetchMs = Math.max(0, performance.now() - t - validateMs - buildMs);
  } else {
    const messages = await deps.reader.readRanges(topic, ranges, (n) => beat({ stage: 'fetch', messages: n }));
    timings.fetchMs = performance.now() - t;
    beat({ stage: 'validate', messages: messages.length });
    for (let i = 0; i < messages.length; i += YIELD_EVERY) {
      // Let the event loop breathe so heartbeats go out (and sealed files get built).
      if (i > 0) {
        await yieldToEventLoop();
        beat({ stage: 'validate', messages: i });
      }
      consume(messages, i, Math.min(messages.length, i + YIELD_EVERY));
    }
  }
  timings.validateMs = validateMs;
  // While this batch's files encode, upload and commit, fetch what the next batch will most
  // likely read: the same number of messages per partition from where this one ends.
  if (!input.concurrent) deps.reader.readAhead?.(topic, Object.fromEntries(ranges.map((r) => [r.partition, r.to])), Object.fromEntries(ranges.map((r) => [r.partition, r.to - r.from])));
  // What is left of each hour after the files sealed while reading (a partition's last rows of
  // the hour, and late events): every partition's rest of one hour in one file, partitions in
  // range order, a new file only where fileRows would be passed. Late events scattered over
  // many hours would otherwise cost a small file per partition and hour. Then the DLQ: every
  // partition's rejects in one file, in range order.
  let rejects = 0;
  const rest = new Map<number, RawBatch[]>();
  const dlqParts: ColumnBatchBuilder[] = [];
  for (const r of ranges) {
    const part = perPartition.get(r.partition)!;
    for (const [h, rows] of part.byHour) {
      if (rows.batch.numRows === 0) continue;
      const list = rest.get(h);
      if (list) list.push(rows.batch);
      else rest.set(h, [rows.batch]);
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
    dlq = joined = spareDlqFile.take();
    dlq.append(...dlqParts);
  }
  if (nat) {
    // The addon's builders: every hour's rest, partitions in range order, split at fileRows.
    const files = new Map<number, number>();
    for (const { hour, batch } of nat.rest(ranges.map((r) => r.partition))) {
      const index = files.get(hour) ?? 0;
      files.set(hour, index + 1);
      writeBatch(dataFileName(batchId, `${hourOf(hour * HOUR_MS)}rest`, index), () => sealedColumnBatch(batch, RAW_SCHEMA));
    }
    for (const h of nat.hours()) hoursTouched.add(h);
    rowCount = nat.rows;
    duplicates = nat.duplicates;
    bytes += nat.valueBytes;
    nat.close();
  }
  for (const h of [...rest.keys()].sort((a, b) => a - b)) {
    const name = (i: number): string => dataFileName(batchId, `${hourOf(h * HOUR_MS)}rest`, i);
    let files = 0;
    let into: RawBatch | undefined;
    for (const b of rest.get(h)!) {
      if (!into) into = b;
      else if (into.numRows + b.numRows > fileRows) {
        writeFile(name(files++), into);
        into = b;
      } else into.builder.append(b.builder);
    }
    writeFile(name(files++), into!);
  }
  // Encoded straight from the DLQ builders' buffers (no copy): they go back to the spares only
  // once the write has settled.
  const dlqFiles: RawFile[] = dlq ? [{ name: dataFileName(batchId, 'dlq', 0), batch: borrowingBatch(dlq.build()) }] : [];
  const hours = [...hoursTouched].sort((a, b) => a - b).map((h) => hourOf(h * HOUR_MS));
  const rows = rowCount;

  // Every RAW batch is consumed: the builders go back for the next micro-batch.
  for (const part of perPartition.values()) for (const h of part.byHour.values()) returnRawBatch(h.batch);
  if (!uploading) deps.fault?.('before-upload', batchId);
  beat({ stage: 'upload', messages: messageCount });
  t = performance.now();
  const buildBefore = buildMs;
  const dlqWrite = deps.lake.writeDlq(dlqFiles);
  void dlqWrite.then(
    () => {
      for (const part of perPartition.values()) if (part.dlq) spareDlq.give(part.dlq);
      if (joined) spareDlqFile.give(joined);
    },
    () => undefined,
  );
  const [rawResults, dw] = await Promise.all([Promise.all(rawWrites), dlqWrite]);
  const rw = { handles: rawResults.flatMap((x) => x.handles) };
  // encode: main-thread column building of every file (its encoding runs in worker threads);
  // upload: the wait after the last message for encodes and uploads still running.
  timings.encodeMs = buildMs + dw.encodeMs;
  timings.uploadMs = Math.max(0, performance.now() - t - (buildMs - buildBefore) - dw.encodeMs);
  await deps.fault?.('after-upload', batchId);

  stopIfCancelled('committing');
  if (status === 'waiting') {
    // Pipelined: the batch before this one was still running when this one started. Commit
    // only once RAW holds it (or find this batch committed by an earlier attempt of its own).
    const t0 = performance.now();
    for (;;) {
      stopIfCancelled('waiting for the batch before it');
      beat({ stage: 'wait for previous batch', messages: messageCount });
      state = await deps.lake.readCommitted();
      const now = pipelineStatus(topic, input, positionsFromSummary(topic, state.summary));
      if (now === 'done') {
        log('batch already committed', { topic, batchId });
        return alreadyCommitted(state);
      }
      if (now === 'pending') break;
      await nextCommitOrTimeout(WAIT_POLL_MS);
    }
    timings.waitMs = performance.now() - t0;
  }

  // Every partition's position goes into each RAW snapshot, not only those this batch moved, so
  // the newest snapshot alone tells the whole committed position of the topic.
  const positions: Record<string, string> = {};
  for (const [p, next] of Object.entries(positionsFromSummary(topic, state.summary))) positions[positionKey(topic, Number(p))] = String(next);
  for (const r of ranges) positions[positionKey(topic, r.partition)] = String(r.to);
  const rawSummary = {
    ...positions,
    [BATCH_ID_KEY]: batchId,
    [BATCH_RANGES_KEY]: rangesKey(ranges),
    [AVG_BYTES_KEY]: String(messageCount > 0 ? Math.max(1, Math.round(bytes / messageCount)) : 1),
    'floe.ingest.rows': String(rows),
    'floe.ingest.rejects': String(rejects),
    'floe.ingest.messages-in-ranges': String(messagesInRanges),
  };

  beat({ stage: 'commit', messages: messageCount });
  t = performance.now();
  const maxAttempts = deps.maxCommitAttempts ?? 5;
  let committed: { hash: string; snapshotId: string } | undefined;
  for (let attempt = 1; !committed; attempt++) {
    try {
      committed = await deps.lake.commit({
        expectedHash: state.hash,
        raw: rw.handles,
        dlq: dw.handles,
        rawSummary,
        message: `floe ingest ${topic} ${batchId} ${rangesKey(ranges)}: ${rows} rows, ${rejects} rejects`,
      });
    } catch (err) {
      if (!(err as { conflict?: boolean }).conflict || attempt >= maxAttempts) throw err;
      // Someone committed in between (another table's writer, or a zombie attempt of this
      // very batch): re-read, and stop if our ranges are in RAW now.
      log('commit conflict, re-reading', { topic, batchId, attempt, error: (err as Error).message });
      state = await deps.lake.readCommitted();
      if (batchStatus(topic, ranges, positionsFromSummary(topic, state.summary), input.retentionGapFrom).kind === 'done') {
        timings.commitMs = performance.now() - t;
        return alreadyCommitted(state);
      }
    }
  }
  timings.commitMs = performance.now() - t;
  committedSignal();
  await deps.fault?.('after-commit', batchId);
  log('batch committed', { topic, batchId, rows, rejects, duplicates, hours: hours.length, snapshotId: committed.snapshotId, ...timings });
  return {
    ...base,
    outcome: 'committed',
    messages: messageCount,
    rows,
    rejects,
    duplicates,
    bytes,
    hours,
    dataFiles: rawWrites.length + dlqFiles.length,
    snapshotId: committed.snapshotId,
    commitHash: committed.hash,
    timings,
  };
}
