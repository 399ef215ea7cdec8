// A batch's rows while it is read (stage 2, read and validate): each message validated against
// the contract and filed as a RAW row of its Kafka partition and event hour, or as a DLQ row of
// its partition. Rows and rejects are kept per partition and concatenated in range order at the
// end, so a file's rows are in (partition, offset) order however fetch rounds interleave
// partitions: every attempt of a batch writes byte-identical files. This is the TypeScript
// path; ingest/stages/native-rows.ts drives the addon over the same state.
import type { DeviceLookup, Rejection, Validation } from '../../models/telemetry.js';
import { toRawRow } from '../../models/tables.js';
import { fastRowColumnsMatchRaw, parseTelemetry, type ParsedTelemetry, type RawPosition } from '../../models/rawRow.js';
import type { IngestBatchInput } from '../types.js';
import type { KafkaMessage } from '../kafka.js';
import type { DlqBatch, RawBatch } from '../rawColumns.js';
import type { BatchBuffers } from './buffers.js';
import { dataFileName, hourName } from './lake.js';
import type { RawFileWriter } from './seal-encode.js';

const HOUR_MS = 3_600_000;
/** The fast row builder covers exactly RAW's columns (else a contract change outran it: use the slow path). */
const FAST_ROWS_OK = fastRowColumnsMatchRaw();

/** One Kafka partition's accepted rows of one hour not yet sealed into a file, and the files sealed so far. */
export interface HourRows {
  batch: RawBatch;
  files: number;
}
export interface PartitionRows {
  byHour: Map<number, HourRows>;
  /** Rejected messages of this partition, in offset order (the batch's DLQ file holds every partition's, in range order). */
  dlq: DlqBatch | undefined;
  rejects: number;
}

export type Validate = (bytes: Uint8Array | null, registry: DeviceLookup) => Validation;

export interface RowsDeps {
  registry: DeviceLookup;
  validate: Validate;
  buffers: BatchBuffers;
  writer: RawFileWriter;
  /** RAW rows per data file. */
  fileRows: number;
  /** Use the one-pass bytes -> RAW row path (models/rawRow.ts) before `validate`. */
  fastPath: boolean;
}

export class BatchRows {
  readonly topic: string;
  readonly batchId: string;
  readonly fileRows: number;
  /** Whether the one-pass fast path is on (and covers RAW's columns). */
  readonly fast: boolean;
  readonly hoursTouched = new Set<number>();
  duplicates = 0;
  bytes = 0;
  messageCount = 0;
  rowCount = 0;
  validateMs = 0;
  private readonly perPartition: Map<number, PartitionRows>;
  private readonly eventIds = new Set<string>();
  private readonly ingestedAtMicros: bigint;
  /** The same as a number when exact (no bigint arithmetic per DLQ row). */
  private readonly ingestedAtDlq: number | bigint;
  private readonly pos: RawPosition;

  constructor(
    readonly deps: RowsDeps,
    input: Pick<IngestBatchInput, 'topic' | 'batchId' | 'ranges' | 'ingestedAt'>,
  ) {
    this.topic = input.topic;
    this.batchId = input.batchId;
    this.fileRows = Math.max(1, deps.fileRows);
    this.fast = deps.fastPath && FAST_ROWS_OK;
    this.ingestedAtMicros = BigInt(input.ingestedAt) * 1000n;
    this.ingestedAtDlq = Number.isSafeInteger(input.ingestedAt * 1000) ? input.ingestedAt * 1000 : this.ingestedAtMicros;
    // Rows of the fast path share one ingestion time; a Date is exact (the workflow gives ms).
    this.pos = { topic: input.topic, partition: 0, offset: 0, ingestedAt: new Date(input.ingestedAt) };
    this.perPartition = new Map(input.ranges.map((r) => [r.partition, { byHour: new Map(), dlq: undefined, rejects: 0 }]));
  }

  /** The rows of a partition of the batch; a message of another partition is a reader's error. */
  partition(p: number): PartitionRows {
    const part = this.perPartition.get(p);
    if (!part) throw new Error(`reader returned a message of partition ${p}, not in batch ${this.batchId}`);
    return part;
  }

  /** Files a message the contract or the registry rejects as a DLQ row of its partition. */
  reject(part: PartitionRows, m: KafkaMessage, v: Rejection): void {
    (part.dlq ??= this.deps.buffers.dlq.take()).append(m, v, this.topic, this.ingestedAtDlq);
    part.rejects++;
  }

  /** The TypeScript path's decision on one message: the fast path's, or else the contract validator's. */
  decide(m: KafkaMessage): ParsedTelemetry | Validation {
    return parseTelemetry(m.value, this.deps.registry) ?? this.deps.validate(m.value, this.deps.registry);
  }

  /** Seals one partition's rows of one hour as a file, its encode and upload starting now. */
  private seal(partition: number, hour: number, h: HourRows): void {
    this.deps.writer.writeRows(dataFileName(this.batchId, `${hourName(hour)}p${partition}`, h.files++), h.batch);
  }

  /** Validates messages [from, to) and files each as a RAW row of its event hour or a DLQ row. */
  consume(messages: readonly KafkaMessage[], from: number, to: number): void {
    const t0 = performance.now();
    const { registry, validate } = this.deps;
    const pos = this.pos;
    let part: PartitionRows | undefined;
    let partNo = -1;
    let lastHour = NaN;
    let last: HourRows | undefined;
    for (let i = from; i < to; i++) {
      const m = messages[i]!;
      if (m.partition !== partNo || !part) {
        part = this.partition(m.partition);
        partNo = m.partition;
        lastHour = NaN;
      }
      this.messageCount++;
      this.bytes += m.value?.length ?? 0;
      let hour: number;
      let eventId: string;
      pos.partition = m.partition;
      pos.offset = m.offset;
      const f = this.fast ? parseTelemetry(m.value, registry) : undefined;
      let row: ReturnType<typeof toRawRow> | undefined;
      if (f?.ok) {
        ({ hour, eventId } = f);
      } else {
        // Rejected by the fast path (with validateTelemetry's own words), or not decided there:
        // then the contract's validator decides.
        const v = f ?? validate(m.value, registry);
        if (!v.ok) {
          this.reject(part, m, v);
          continue;
        }
        row = toRawRow(v.event, { topic: this.topic, partition: m.partition, offset: BigInt(m.offset), ingestedAtMicros: this.ingestedAtMicros });
        eventId = v.event.event_id;
        hour = Math.floor(Number(row.event_ts as bigint) / 1000 / HOUR_MS);
      }
      this.rowCount++;
      if (this.eventIds.has(eventId)) this.duplicates++;
      else this.eventIds.add(eventId);
      if (hour !== lastHour) {
        last = part.byHour.get(hour);
        if (!last) {
          part.byHour.set(hour, (last = { batch: this.deps.buffers.raw.take(), files: 0 }));
          this.hoursTouched.add(hour);
        }
        lastHour = hour;
      }
      if (row) last!.batch.appendRow(row);
      else last!.batch.append(f as ParsedTelemetry, pos);
      if (last!.batch.numRows >= this.fileRows) this.seal(partNo, hour, last!);
    }
    this.validateMs += performance.now() - t0;
  }

  /** Every partition's RAW builders go back to the spares (once their rows are written). */
  returnRawBatches(): void {
    for (const part of this.perPartition.values()) for (const h of part.byHour.values()) this.deps.buffers.raw.give(h.batch);
  }

  /** The partitions' DLQ builders (given back by the upload stage once the DLQ write settled). */
  dlqBatches(): DlqBatch[] {
    return [...this.perPartition.values()].flatMap((p) => (p.dlq ? [p.dlq] : []));
  }
}
