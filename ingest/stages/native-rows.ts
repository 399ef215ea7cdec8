// Stage 2 (read and validate) through the Rust addon (ingest/native.ts): the addon reads, checks
// and appends every message it accepts into its own builders per partition and hour; each
// message it stops at goes through the TypeScript path (BatchRows), and its row (if accepted
// there) back into the addon's builders, in offset order.
import { contractFieldRejection, unknownDevice, type DeviceLookup, type Rejection } from '../../models/telemetry.js';
import { parseTelemetry } from '../../models/rawRow.js';
import type { KafkaMessage, RecordRun } from '../kafka.js';
import { batchUnchanged, FetchedMessage, recordAt } from '../kafka-fetch.js';
import { DETAIL, eventJson, RUN_EVENT, STOP, type RawIngest, type SealedBatch } from '../native.js';
import { dataFileName, hourName } from './lake.js';
import type { BatchRows, PartitionRows, Validate } from './rows.js';

/**
 * The addon called a record rejected that the TypeScript validator accepts (never expected:
 * native.test.ts holds them to the same contract). The batch is read again on the calling
 * thread, where every record the addon stops at is decided in offset order.
 */
export class NativeDisagreement extends Error {
  constructor(m: KafkaMessage, why = 'which the contract accepts') {
    super(`the native path rejected ${JSON.stringify(m.value?.subarray(0, 200).toString('utf8'))} (partition ${m.partition} offset ${m.offset}), ${why}`);
  }
}

/** One in this many rejects the addon details is also worded from the message, and the two compared. */
export const DETAIL_CHECK_EVERY = 64;
const EMPTY_BYTES = new Uint8Array(0);

export class NativeRows {
  private readonly stop = new Int32Array(2);
  private readonly runStatus = new Float64Array(3);
  private readonly sealedFiles = new Map<string, number>();
  private spans = new Int32Array(2048);
  private offsets = new Float64Array(1024);
  /** Rejects worded from the addon's detail so far (every DETAIL_CHECK_EVERY-th is checked). */
  private detailed = 0;

  constructor(
    readonly nat: RawIngest,
    private readonly rows: BatchRows,
  ) {}

  /** Starts the file of the addon's rows of one partition and hour (sealed by the addon, or its builder taken now). */
  private seal(partition: number, hour: number, sealed?: SealedBatch): void {
    const key = `${partition}:${hour}`;
    const index = this.sealedFiles.get(key) ?? 0;
    this.sealedFiles.set(key, index + 1);
    this.rows.deps.writer.writeNative(dataFileName(this.rows.batchId, `${hourName(hour)}p${partition}`, index), this.nat, partition, hour, sealed);
  }

  /** A message the addon stopped at: the TypeScript path decides, and an accepted row goes back into the addon's builders. */
  private decideInTypeScript(part: PartitionRows, m: KafkaMessage): void {
    const v = this.rows.decide(m);
    if (!v.ok) {
      this.rows.reject(part, m, v);
      return;
    }
    this.nat.appendEvent(eventJson('e' in v ? v.e : v.event), m.partition, m.offset, this.stop);
    if (this.stop[0] === STOP.full) this.seal(m.partition, this.stop[1]!);
  }

  /** Decoded messages (a client library's): runs of one partition whose values share one ArrayBuffer go to the addon at once. */
  consumeMessages(messages: readonly KafkaMessage[], from: number, to: number): void {
    const t0 = performance.now();
    const rows = this.rows;
    for (let i = from; i < to; ) {
      const partition = messages[i]!.partition;
      const part = rows.partition(partition);
      let buf: ArrayBufferLike | undefined;
      let j = i;
      for (; j < to; j++) {
        const m = messages[j]!;
        if (m.partition !== partition) break;
        const k = j - i;
        if (k >= this.offsets.length) this.grow();
        const { spans } = this;
        if (m instanceof FetchedMessage) {
          // The value's place in the response, without a Buffer view of it.
          if (m.valueLength >= 0) {
            const src = m.src;
            if (!buf) buf = src.buffer;
            else if (src.buffer !== buf) break;
            spans[2 * k] = src.byteOffset + m.valueAt;
            rows.bytes += m.valueLength;
          }
          spans[2 * k + 1] = m.valueLength;
        } else {
          const v = m.value;
          if (v) {
            if (!buf) buf = v.buffer;
            else if (v.buffer !== buf) break;
            spans[2 * k] = v.byteOffset;
            spans[2 * k + 1] = v.length;
            rows.bytes += v.length;
          } else spans[2 * k + 1] = -1;
        }
        this.offsets[k] = m.offset;
      }
      const count = j - i;
      rows.messageCount += count;
      const data = buf ? new Uint8Array(buf) : EMPTY_BYTES;
      for (let k = 0; k < count; ) {
        k = this.nat.consume(data, this.spans, this.offsets, partition, k, count, this.stop);
        if (this.stop[0] === STOP.full) this.seal(partition, this.stop[1]!);
        else if (this.stop[0] === STOP.undecided) {
          // Not accepted by the addon: the TypeScript path decides.
          this.decideInTypeScript(part, messages[i + k]!);
          k++;
        }
      }
      i = j;
    }
    rows.validateMs += performance.now() - t0;
  }

  private grow(): void {
    const spans = new Int32Array(4 * this.offsets.length);
    spans.set(this.spans);
    this.spans = spans;
    const offsets = new Float64Array(2 * this.offsets.length);
    offsets.set(this.offsets);
    this.offsets = offsets;
  }

  /** Record runs (the direct fetch path) on this thread: no message object is made except for a record the addon stops at. */
  consumeRuns(runs: readonly RecordRun[]): void {
    const t0 = performance.now();
    const { nat, rows, runStatus } = this;
    const before = nat.records;
    let buf: ArrayBufferLike | undefined;
    let data: Uint8Array = EMPTY_BYTES;
    for (const { batch, lo, hi } of runs) {
      const part = rows.partition(batch.partition);
      const src = batch.src;
      if (src.buffer !== buf) {
        buf = src.buffer;
        data = new Uint8Array(buf);
      }
      const base = src.byteOffset;
      const end = base + batch.end;
      for (let at = base + batch.at; at < end; ) {
        at = nat.consumeRecords(data, at, end, batch.baseOffset, lo, hi, batch.partition, runStatus);
        if (runStatus[0] === STOP.full) this.seal(batch.partition, runStatus[1]!);
        else if (runStatus[0] === STOP.undecided) this.decideInTypeScript(part, recordAt(batch, runStatus[2]! - base));
        else break;
      }
      batchUnchanged(batch);
    }
    rows.messageCount += nat.records - before;
    rows.validateMs += performance.now() - t0;
  }

  /**
   * consumeRuns off the JavaScript thread: the addon reads the round's records on libuv's pool
   * and goes on past the ones it rejects (listed for the TypeScript path to word, in offset
   * order), stopping only at a record the TypeScript path must decide. Counted as validation
   * time while it runs; the JavaScript thread meanwhile serves other work (uploads, commits,
   * the other batch in flight).
   */
  async consumeRunsOffThread(runs: readonly RecordRun[]): Promise<void> {
    const t0 = performance.now();
    const { nat, rows } = this;
    const before = nat.records;
    const { buffers, desc, bases } = runDescriptors(runs, (p) => rows.partition(p));
    const messageAt = (run: number, at: number): KafkaMessage => recordAt(runs[run]!.batch, at - bases[run]!);
    for (let fromRun = 0, fromAt = -1; fromRun >= 0; ) {
      const events = await nat.consumeRuns(buffers, desc, fromRun, fromAt);
      const sealed = nat.takeSealed();
      const details = nat.takeRejectDetails();
      let nextSealed = 0;
      let nextDetail = 0;
      for (let k = 0; k < events.length; k += 3) {
        const kind = events[k]!;
        const a = events[k + 1]!;
        const b = events[k + 2]!;
        if (kind === RUN_EVENT.rejected) {
          const m = messageAt(a, b);
          const v = rows.decide(m);
          if (v.ok) throw new NativeDisagreement(m);
          rows.reject(rows.partition(m.partition), m, v);
        } else if (kind === RUN_EVENT.rejectedWithDetail) {
          const m = messageAt(a, b);
          rows.reject(rows.partition(m.partition), m, this.rejectionOfDetail(m, details, nextDetail));
          nextDetail += 5;
        } else if (kind === RUN_EVENT.sealed) {
          const s = sealed[nextSealed++]!;
          this.seal(s.partition, s.hour, s.batch);
        } else if (kind === RUN_EVENT.undecided) {
          const m = messageAt(a, b);
          this.decideInTypeScript(rows.partition(m.partition), m);
        } else {
          fromRun = a;
          fromAt = b;
        }
      }
    }
    for (const { batch } of runs) batchUnchanged(batch);
    rows.messageCount += nat.records - before;
    rows.validateMs += performance.now() - t0;
  }

  /**
   * The rejection of a record the addon rejected with a detail (RawIngest.takeRejectDetails: the
   * first failing contract property and its value, or the unregistered device), worded as
   * validateTelemetry words it without parsing the message again. Throws NativeDisagreement when
   * the TypeScript checks do not fail that value, and, one time in DETAIL_CHECK_EVERY, when the
   * whole message's validation words it otherwise.
   */
  private rejectionOfDetail(m: KafkaMessage, d: Float64Array, at: number): Rejection {
    const { registry, validate } = this.rows.deps;
    const v = rejectionOfDetail(m, d, at, registry);
    if (++this.detailed % DETAIL_CHECK_EVERY === 0) checkDetailWording(m, v, registry, validate);
    return v;
  }
}

/** The rejection the addon's detail [code, property, value kind, x, y] at `at` stands for. */
export function rejectionOfDetail(m: KafkaMessage, d: Float64Array, at: number, registry: DeviceLookup): Rejection {
  const bytes = m.value!;
  const [code, field, kind, x, y] = [d[at]!, d[at + 1]!, d[at + 2]!, d[at + 3]!, d[at + 4]!];
  const value = kind === DETAIL.absent ? undefined : kind === DETAIL.null ? null : kind === DETAIL.number ? x : bytes.toString('utf8', x, y);
  let v: Rejection | undefined;
  if (code === DETAIL.property) v = contractFieldRejection(field, value);
  else if (code === DETAIL.unregistered && typeof value === 'string' && !registry.has(value)) v = unknownDevice(value);
  if (!v) throw new NativeDisagreement(m, `its detail [${code}, ${field}, ${kind}] is not a reason the contract gives`);
  return v;
}

/** Throws NativeDisagreement unless validating the whole message words its rejection as `v`. */
export function checkDetailWording(m: KafkaMessage, v: Rejection, registry: DeviceLookup, validate: Validate): void {
  const whole = parseTelemetry(m.value!, registry) ?? validate(m.value!, registry);
  if (whole.ok || whole.kind !== v.kind || whole.errorPath !== v.errorPath || whole.errorMessage !== v.errorMessage) {
    throw new NativeDisagreement(m, `worded ${JSON.stringify(v.errorMessage)} from its detail, ${whole.ok ? 'which the contract accepts' : JSON.stringify(whole.errorMessage)} from the message`);
  }
}

/**
 * The runs as the addon's consumeRuns takes them: the distinct buffers, and per run 7 numbers
 * [buffer, at, end, baseOffset, lo, hi, partition]; `bases` is where each run's batch.src starts
 * in its buffer. `partitionOf` throws for a partition not in the batch.
 */
export function runDescriptors(runs: readonly RecordRun[], partitionOf: (p: number) => unknown): { buffers: Uint8Array[]; desc: Float64Array; bases: Float64Array } {
  const buffers: Uint8Array[] = [];
  const bufferOf = new Map<ArrayBufferLike, number>();
  const desc = new Float64Array(7 * runs.length);
  const bases = new Float64Array(runs.length);
  runs.forEach(({ batch, lo, hi }, i) => {
    const src = batch.src;
    partitionOf(batch.partition);
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
  return { buffers, desc, bases };
}
