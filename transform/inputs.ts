// The relations model SQL reads, with their columns: RAW as the transform reads it (by field
// id, under the names SILVER keeps), the device registry topic as rows, and every model's output.
import { RAW_TELEMETRY, type IcebergType } from '../models/tables.js';
import { loadModels } from '../models/catalog.js';
import { relationOf } from './model.js';
import { FILE_POSITION_COLUMNS } from './duck.js';

export interface InputColumn {
  id: number;
  name: string;
  type: IcebergType;
}

/** RAW ingestion metadata, by field id (models/tables.ts RAW_META_FIELD_IDS), under SILVER's names. */
const RAW_META_NAMES: Readonly<Record<number, string>> = { 900: '_kafka_topic', 901: '_kafka_partition', 902: '_kafka_offset', 903: '_ingested_at' };

export const RAW_INPUT_COLUMNS: readonly InputColumn[] = RAW_TELEMETRY.columns.map((c) => ({ id: c.id, name: RAW_META_NAMES[c.id] ?? c.name, type: c.type }));

/** `kafka.device_registry`: one row per registry topic message (a tombstone has only its key). */
export const REGISTRY_COLUMNS: readonly InputColumn[] = (
  [
    ['kafka_partition', 'int'], ['kafka_offset', 'long'], ['kafka_timestamp', 'timestamptz'], ['device_id', 'string'], ['tombstone', 'boolean'],
    ['change', 'string'], ['changed_at', 'timestamptz'], ['device_type', 'string'], ['building_id', 'string'], ['building_name', 'string'],
    ['city', 'string'], ['timezone', 'string'], ['floor', 'int'], ['zone', 'string'], ['installed_on', 'date'], ['rated_power_kw', 'double'],
    ['firmware_version', 'string'], ['thresholds', 'string'],
  ] as const
).map(([name, type], i) => ({ id: i + 1, name, type }));

/**
 * Columns of a relation a model or check can read, by relation name (`raw_telemetry`,
 * `gold_dim_devices`, …). RAW's also carry each row's file position (FILE_POSITION_COLUMNS,
 * id 0: not read by field id).
 */
export function relationColumns(relation: string): readonly InputColumn[] {
  if (relation === 'raw_telemetry') return [...RAW_INPUT_COLUMNS, ...FILE_POSITION_COLUMNS.map((c) => ({ ...c, id: 0 }))];
  if (relation === 'kafka_device_registry') return REGISTRY_COLUMNS;
  for (const m of loadModels()) {
    if (relationOf(m.name) === relation || relation === `previous_${m.table}`) return m.columns;
  }
  throw new Error(`no relation ${JSON.stringify(relation)}: not RAW, the registry or a model`);
}

/** The Kafka position columns of RAW and of the DLQ, by field id (models/tables.ts), under one set of names. */
export const RAW_POSITION_COLUMNS: readonly InputColumn[] = RAW_INPUT_COLUMNS.filter((c) => c.id >= 900 && c.id <= 902);
export const DLQ_POSITION_COLUMNS: readonly InputColumn[] = [
  { id: 7, name: '_kafka_topic', type: 'string' },
  { id: 8, name: '_kafka_partition', type: 'int' },
  { id: 9, name: '_kafka_offset', type: 'long' },
];
