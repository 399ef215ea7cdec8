// RAW and DLQ Iceberg table definitions as plain data, for the lake library to create and write.
// Field ids are assigned here, by hand, once: Iceberg (and Trino, pyiceberg) match Parquet
// columns by id, so an id must never move or be reused. A new contract field gets the next
// free id in CONTRACT_FIELD_IDS; test/unit/models/tables.test.ts snapshots the assignment.
import { isUtf8 } from 'node:buffer';
import { contractJsonSchema, CURRENT_VERSION, type TelemetryEvent, type Rejection } from './telemetry.js';
import { SENSORS, type SensorName } from './sensors.js';

export type IcebergType = 'string' | 'double' | 'long' | 'int' | 'timestamptz' | 'boolean' | 'binary' | 'date';

export interface ColumnDef {
  readonly id: number;
  readonly name: string;
  readonly type: IcebergType;
  readonly required: boolean;
  readonly doc?: string;
}

export interface PartitionFieldDef {
  /** Partition field id (Iceberg reserves 1000+ for these). */
  readonly fieldId: number;
  readonly sourceColumn: string;
  readonly transform: 'hour' | 'day' | 'identity';
  readonly name: string;
}

export interface TableDef {
  readonly namespace: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly partitionSpec: readonly PartitionFieldDef[];
  readonly doc: string;
}

/**
 * Column names the Iceberg spec reserves for metadata columns (and Spark's, Trino's and
 * pyiceberg's readers add): a table column of one of these names makes readers refuse or
 * shadow it. Every table floe defines is checked against them (checkTableDef).
 */
export const ICEBERG_RESERVED_COLUMNS: ReadonlySet<string> = new Set([
  '_file', '_pos', '_deleted', '_spec_id', '_partition', '_row_id', '_last_updated_sequence_number',
  '_change_type', '_change_ordinal', '_commit_snapshot_id', 'file_path', 'pos', 'row',
]);

/** Throws naming the table and column when a definition uses a reserved name, a name twice or an id twice. */
export function checkTableDef(def: TableDef): TableDef {
  const names = new Set<string>();
  const ids = new Set<number>();
  for (const c of def.columns) {
    const where = `table ${def.namespace}.${def.name}, column ${JSON.stringify(c.name)} (field id ${c.id})`;
    if (ICEBERG_RESERVED_COLUMNS.has(c.name)) throw new Error(`${where}: the name is reserved by Iceberg for a metadata column; choose another`);
    if (names.has(c.name)) throw new Error(`${where}: the name is used twice`);
    if (ids.has(c.id)) throw new Error(`${where}: the field id is used twice`);
    names.add(c.name);
    ids.add(c.id);
  }
  return def;
}

/** Ids of contract fields in RAW. Append only. */
export const CONTRACT_FIELD_IDS = {
  // v1
  event_id: 1,
  device_id: 2,
  device_type: 3,
  building_id: 4,
  floor: 5,
  zone: 6,
  event_ts: 7,
  firmware_version: 8,
  status: 9,
  temperature: 10,
  humidity: 11,
  pressure: 12,
  air_quality_index: 13,
  pm25: 14,
  noise_level: 15,
  illuminance: 16,
  vibration: 17,
  power_kw: 18,
  voltage: 19,
  current: 20,
  power_factor: 21,
  energy_kwh: 22,
  battery_level: 23,
  signal_strength: 24,
  // v2
  sequence_number: 25,
  gateway_id: 26,
} as const satisfies Record<keyof TelemetryEvent, number>;

/** Ingestion metadata columns of RAW. Ids 900+ keep them apart from contract fields. */
export const RAW_META_FIELD_IDS = { _kafka_topic: 900, _kafka_partition: 901, _kafka_offset: 902, _ingested_at: 903 } as const;

export const DLQ_FIELD_IDS = {
  key: 1,
  value: 2,
  headers: 3,
  error_path: 4,
  error_message: 5,
  error_kind: 6,
  _kafka_topic: 7,
  _kafka_partition: 8,
  _kafka_offset: 9,
  kafka_timestamp: 10,
  _ingested_at: 11,
} as const;

interface JsonProp { type?: string; format?: string; anyOf?: JsonProp[]; description?: string }

function icebergTypeOf(name: string, prop: JsonProp): IcebergType {
  const p = prop.anyOf?.find((a) => a.type !== 'null') ?? prop;
  if (p.type === 'string') return p.format === 'date-time' ? 'timestamptz' : 'string';
  if (p.type === 'boolean') return 'boolean';
  if (p.type === 'number') return 'double';
  if (p.type === 'integer') return name === 'sequence_number' ? 'long' : 'int';
  if (p.type === undefined && Array.isArray((p as { enum?: unknown[] }).enum)) return 'string';
  throw new Error(`tables: no Iceberg type for contract field ${name} (${JSON.stringify(prop)})`);
}

function contractColumns(): ColumnDef[] {
  const schema = contractJsonSchema(CURRENT_VERSION) as { properties: Record<string, JsonProp>; required: string[] };
  const required = new Set(schema.required);
  return Object.entries(schema.properties).map(([name, prop]) => {
    const id = (CONTRACT_FIELD_IDS as Record<string, number>)[name];
    if (id === undefined) throw new Error(`tables: contract field ${name} has no RAW field id; add it to CONTRACT_FIELD_IDS`);
    const sensor = (SENSORS as Record<string, (typeof SENSORS)[SensorName] | undefined>)[name];
    const doc = sensor ? `${sensor.description} [${sensor.unit || 'ratio'}]` : prop.description;
    return { id, name, type: icebergTypeOf(name, prop), required: required.has(name), ...(doc ? { doc } : {}) };
  });
}

export const RAW_TELEMETRY: TableDef = checkTableDef({
  namespace: 'raw',
  name: 'telemetry',
  doc: 'every valid telemetry message as received, typed by the contract, with its Kafka position',
  columns: [
    ...contractColumns(),
    { id: RAW_META_FIELD_IDS._kafka_topic, name: '_kafka_topic', type: 'string', required: true, doc: 'Kafka topic' },
    { id: RAW_META_FIELD_IDS._kafka_partition, name: '_kafka_partition', type: 'int', required: true, doc: 'Kafka partition' },
    { id: RAW_META_FIELD_IDS._kafka_offset, name: '_kafka_offset', type: 'long', required: true, doc: 'Kafka offset' },
    { id: RAW_META_FIELD_IDS._ingested_at, name: '_ingested_at', type: 'timestamptz', required: true, doc: 'when ingestion wrote the row' },
  ],
  partitionSpec: [{ fieldId: 1000, sourceColumn: 'event_ts', transform: 'hour', name: 'event_ts_hour' }],
});

export const RAW_TELEMETRY_DLQ: TableDef = checkTableDef({
  namespace: 'raw',
  name: 'telemetry_dlq',
  doc: 'every message that failed the telemetry contract, with the reason',
  columns: [
    { id: DLQ_FIELD_IDS.key, name: 'key', type: 'binary', required: false, doc: 'Kafka message key bytes' },
    { id: DLQ_FIELD_IDS.value, name: 'value', type: 'binary', required: false, doc: 'Kafka message value bytes, exactly as received' },
    { id: DLQ_FIELD_IDS.headers, name: 'headers', type: 'string', required: false, doc: 'Kafka headers as a JSON object of name -> UTF-8 string (or "base64:..." for binary values)' },
    { id: DLQ_FIELD_IDS.error_path, name: 'error_path', type: 'string', required: true, doc: 'where the message failed: $ or $.field' },
    { id: DLQ_FIELD_IDS.error_message, name: 'error_message', type: 'string', required: true },
    { id: DLQ_FIELD_IDS.error_kind, name: 'error_kind', type: 'string', required: true, doc: 'one of REJECT_KINDS' },
    { id: DLQ_FIELD_IDS._kafka_topic, name: '_kafka_topic', type: 'string', required: true },
    { id: DLQ_FIELD_IDS._kafka_partition, name: '_kafka_partition', type: 'int', required: true },
    { id: DLQ_FIELD_IDS._kafka_offset, name: '_kafka_offset', type: 'long', required: true },
    { id: DLQ_FIELD_IDS.kafka_timestamp, name: 'kafka_timestamp', type: 'timestamptz', required: false, doc: 'Kafka message timestamp' },
    { id: DLQ_FIELD_IDS._ingested_at, name: '_ingested_at', type: 'timestamptz', required: true },
  ],
  partitionSpec: [{ fieldId: 1000, sourceColumn: '_ingested_at', transform: 'day', name: '_ingested_at_day' }],
});

/** Where a message came from, as ingestion knows it. Timestamps are epoch microseconds. */
export interface KafkaPosition {
  topic: string;
  partition: number;
  offset: bigint;
  ingestedAtMicros: bigint;
}

/** A RAW row by column name: strings, numbers, bigint for long/timestamptz (epoch µs), null for absent. */
export type RawTelemetryRow = Record<string, string | number | bigint | null>;

/** Epoch microseconds of an ISO 8601 timestamp with offset, keeping sub-millisecond digits. */
export function isoToMicros(iso: string): bigint {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(iso)}`);
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? '';
  const subMs = frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0;
  return BigInt(ms) * 1000n + BigInt(subMs);
}

const rawContractColumns = RAW_TELEMETRY.columns.filter((c) => c.id < 900);

/** The RAW row for a validated event. */
export function toRawRow(event: TelemetryEvent, at: KafkaPosition): RawTelemetryRow {
  const row: RawTelemetryRow = {};
  const e = event as Record<string, unknown>;
  for (const c of rawContractColumns) {
    const v = e[c.name];
    if (v === undefined || v === null) row[c.name] = null;
    else if (c.type === 'timestamptz') row[c.name] = isoToMicros(v as string);
    else if (c.type === 'long') row[c.name] = BigInt(v as number);
    else row[c.name] = v as string | number;
  }
  row._kafka_topic = at.topic;
  row._kafka_partition = at.partition;
  row._kafka_offset = at.offset;
  row._ingested_at = at.ingestedAtMicros;
  return row;
}

export interface KafkaMessageBytes {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: Record<string, Uint8Array | string | undefined>;
  /** Kafka timestamp, epoch milliseconds. */
  timestampMs?: number;
}

export type DlqRow = Record<string, string | number | bigint | Uint8Array | null>;

/** The DLQ row for a rejected message. */
export function toDlqRow(message: KafkaMessageBytes, rejection: Rejection, at: KafkaPosition): DlqRow {
  return {
    key: message.key,
    value: message.value,
    headers: dlqHeaders(message.headers),
    error_path: rejection.errorPath,
    error_message: rejection.errorMessage,
    error_kind: rejection.kind,
    _kafka_topic: at.topic,
    _kafka_partition: at.partition,
    _kafka_offset: at.offset,
    kafka_timestamp: message.timestampMs === undefined ? null : BigInt(message.timestampMs) * 1000n,
    _ingested_at: at.ingestedAtMicros,
  };
}

/**
 * The DLQ's headers column: a JSON object of name -> UTF-8 string (`base64:...` for a value that
 * is not UTF-8), null when there are none. An array value (a repeated header) keeps its last;
 * an undefined one is left out.
 */
export function dlqHeaders(headers: Readonly<Record<string, Uint8Array | string | (Uint8Array | string)[] | undefined>> | undefined): string | null {
  const keys = headers ? Object.keys(headers) : [];
  if (keys.length === 0) return null;
  const h: Record<string, string> = {};
  for (const k of keys) {
    let v = headers![k];
    if (Array.isArray(v)) v = v[v.length - 1];
    if (v === undefined) continue;
    if (typeof v === 'string') h[k] = v;
    else {
      const text = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      h[k] = isUtf8(text) ? text.toString('utf8') : `base64:${text.toString('base64')}`;
    }
  }
  return JSON.stringify(h);
}

