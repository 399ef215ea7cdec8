// RAW rows appended straight into column batches: the ingestion hot path after parseTelemetry()
// writes each accepted event's values into typed column appenders (lake/column-batch.ts), with
// no row object in between. A differential test proves the batches equal those built from
// fastRawRow's row objects.
import { ColumnBatchBuilder, type ColumnBatch, type Schema } from '../lake/index.js';
import type { BinaryAppender, DoubleAppender, IntAppender, LongAppender, StringAppender } from '../lake/column-batch.js';
import { dlqHeaders, RAW_TELEMETRY, RAW_TELEMETRY_DLQ, type TableDef } from '../models/tables.js';
import type { ParsedTelemetry, RawPosition } from '../models/rawRow.js';
import type { Rejection } from '../models/telemetry.js';
import type { KafkaMessage } from './kafka.js';

/** The lake schema of one of floe's table definitions (models/tables.ts). */
export function schemaOfTable(def: TableDef): Schema {
  return { schemaId: 0, fields: def.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, required: c.required, ...(c.doc ? { doc: c.doc } : {}) })) };
}

/** Reading columns, in table order (all double in RAW). */
const READINGS = [
  'temperature', 'humidity', 'pressure', 'air_quality_index', 'pm25', 'noise_level', 'illuminance', 'vibration',
  'power_kw', 'voltage', 'current', 'power_factor', 'energy_kwh', 'battery_level',
] as const;

/** One RAW file being built: the builder and an appender per column. */
export class RawBatch {
  readonly builder: ColumnBatchBuilder;
  private readonly eventId: StringAppender;
  private readonly deviceId: StringAppender;
  private readonly deviceType: StringAppender;
  private readonly buildingId: StringAppender;
  private readonly floor: IntAppender;
  private readonly zone: StringAppender;
  private readonly eventTs: LongAppender;
  private readonly firmwareVersion: StringAppender;
  private readonly status: StringAppender;
  private readonly readings: DoubleAppender[];
  private readonly signalStrength: IntAppender;
  private readonly sequenceNumber: LongAppender;
  private readonly gatewayId: StringAppender;
  private readonly topic: StringAppender;
  private readonly partition: IntAppender;
  private readonly offset: LongAppender;
  private readonly ingestedAt: LongAppender;

  constructor(table = `raw.${RAW_TELEMETRY.name}`) {
    const b = (this.builder = new ColumnBatchBuilder(schemaOfTable(RAW_TELEMETRY), { table }));
    this.eventId = b.strings('event_id');
    this.deviceId = b.strings('device_id');
    this.deviceType = b.strings('device_type');
    this.buildingId = b.strings('building_id');
    this.floor = b.ints('floor');
    this.zone = b.strings('zone');
    this.eventTs = b.longs('event_ts');
    this.firmwareVersion = b.strings('firmware_version');
    this.status = b.strings('status');
    this.readings = READINGS.map((r) => b.doubles(r));
    this.signalStrength = b.ints('signal_strength');
    this.sequenceNumber = b.longs('sequence_number');
    this.gatewayId = b.strings('gateway_id');
    this.topic = b.strings('_kafka_topic');
    this.partition = b.ints('_kafka_partition');
    this.offset = b.longs('_kafka_offset');
    this.ingestedAt = b.longs('_ingested_at');
  }

  get numRows(): number {
    return this.builder.numRows;
  }

  /** Appends the RAW row of an accepted message. */
  append(p: ParsedTelemetry, at: RawPosition): void {
    const e = p.e;
    this.eventId.push(p.eventId);
    this.deviceId.push(e.device_id as string);
    this.deviceType.push(e.device_type as string);
    this.buildingId.push(e.building_id as string);
    this.floor.push(e.floor as number);
    this.zone.push(e.zone as string);
    if (p.micros !== undefined) this.eventTs.push(p.micros);
    else this.eventTs.pushMillis(p.ms);
    this.firmwareVersion.push(e.firmware_version as string);
    this.status.push(e.status as string);
    const r = this.readings;
    for (let i = 0; i < READINGS.length; i++) r[i]!.push(e[READINGS[i]!] as number | null | undefined);
    this.signalStrength.push(e.signal_strength as number | null | undefined);
    this.sequenceNumber.push(e.sequence_number as number | null | undefined);
    this.gatewayId.push(e.gateway_id as string | null | undefined);
    this.appendPosition(at);
  }

  /** Appends a RAW row given as an object (the validator's path, for what the fast path leaves). */
  appendRow(row: Readonly<Record<string, unknown>>): void {
    this.builder.appendRow(row);
  }

  private appendPosition(at: RawPosition): void {
    this.topic.push(at.topic);
    this.partition.push(at.partition);
    this.offset.push(at.offset);
    if (at.ingestedAt instanceof Date) this.ingestedAt.pushMillis(at.ingestedAt.getTime());
    else this.ingestedAt.push(at.ingestedAt);
  }

  /** The batch so far (valid until reset()). */
  build(): ColumnBatch {
    return this.builder.build();
  }

  reset(): void {
    this.builder.reset();
  }
}

/**
 * One partition's DLQ rows being built: each rejected message's columns appended straight from
 * the Kafka message, as toDlqRow's row would give them (a test compares the two).
 */
export class DlqBatch {
  readonly builder: ColumnBatchBuilder;
  private readonly key: BinaryAppender;
  private readonly value: BinaryAppender;
  private readonly headers: StringAppender;
  private readonly errorPath: StringAppender;
  private readonly errorMessage: StringAppender;
  private readonly errorKind: StringAppender;
  private readonly topic: StringAppender;
  private readonly partition: IntAppender;
  private readonly offset: LongAppender;
  private readonly kafkaTimestamp: LongAppender;
  private readonly ingestedAt: LongAppender;

  constructor(table = `raw.${RAW_TELEMETRY_DLQ.name}`) {
    const b = (this.builder = new ColumnBatchBuilder(schemaOfTable(RAW_TELEMETRY_DLQ), { table }));
    this.key = b.binaries('key');
    this.value = b.binaries('value');
    this.headers = b.strings('headers');
    this.errorPath = b.strings('error_path');
    this.errorMessage = b.strings('error_message');
    this.errorKind = b.strings('error_kind');
    this.topic = b.strings('_kafka_topic');
    this.partition = b.ints('_kafka_partition');
    this.offset = b.longs('_kafka_offset');
    this.kafkaTimestamp = b.longs('kafka_timestamp');
    this.ingestedAt = b.longs('_ingested_at');
  }

  /** Appends the DLQ row of a rejected message (`ingestedAtMicros`: the batch's ingestion time). */
  append(m: KafkaMessage, v: Rejection, topic: string, ingestedAtMicros: bigint | number): void {
    this.key.push(m.key);
    this.value.push(m.value);
    this.headers.push(dlqHeaders(m.headers));
    this.errorPath.push(v.errorPath);
    this.errorMessage.push(v.errorMessage);
    this.errorKind.push(v.kind);
    this.topic.push(topic);
    this.partition.push(m.partition);
    this.offset.push(m.offset);
    this.kafkaTimestamp.pushMillis(m.timestamp);
    this.ingestedAt.push(ingestedAtMicros);
  }

  reset(): void {
    this.builder.reset();
  }
}

/** Builders kept between micro-batches, reset, so their grown buffers are reused. */
export class Spares<T extends { reset(): void }> {
  private readonly free: T[] = [];
  constructor(
    private readonly create: () => T,
    private readonly max: number,
  ) {}

  take(): T {
    return this.free.pop() ?? this.create();
  }

  give(b: T): void {
    b.reset();
    if (this.free.length < this.max) this.free.push(b);
  }

  /** Drops the kept builders (their memory goes with them). */
  clear(): void {
    this.free.length = 0;
  }
}
