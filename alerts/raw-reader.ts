// Reads what RAW gained since a snapshot: the snapshots committed after it (oldest first), the
// data files each one added (its own manifests' ADDED entries, not a scan of the whole table),
// and the readings in those files. Only appends add readings; other operations (a rewrite that
// compacts files) move rows that were already evaluated and are skipped.
import { tableFromIPC, type Table } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import type { DataFile, Lake, LoadedTable, Snapshot } from '../lake/index.js';
import { EntryStatus } from '../lake/manifest.js';
import { readEntries, readManifestListOf } from '../lake/table.js';
import type { SensorName } from '../models/sensors.js';
import type { Reading } from './evaluate.js';

export class RawPositionError extends Error {
  override name = 'RawPositionLost';
}

/**
 * Snapshots of the table newer than `after`, oldest first. `after` null: every snapshot. A
 * position that is not in the current ancestry (expired, or RAW was replaced) cannot be resumed
 * from: that is an error for a person, not something to guess around.
 */
export function snapshotsAfter(t: LoadedTable, after: bigint | null): Snapshot[] {
  const byId = new Map(t.metadata.snapshots.map((s) => [s.snapshotId, s]));
  const out: Snapshot[] = [];
  let s = t.metadata.currentSnapshotId === null ? undefined : byId.get(t.metadata.currentSnapshotId);
  while (s && s.snapshotId !== after) {
    out.push(s);
    s = s.parentSnapshotId === null ? undefined : byId.get(s.parentSnapshotId);
  }
  if (after !== null && !s) {
    throw new RawPositionError(`alerts position: RAW snapshot ${after} is not in the history of ${t.name} at ${t.ref.name}@${t.ref.hash}`);
  }
  return out.reverse();
}

/** The data files a snapshot added (appends only). */
export async function addedFiles(lake: Lake, t: LoadedTable, s: Snapshot): Promise<DataFile[]> {
  if (s.summary.operation !== 'append') return [];
  const manifests = await readManifestListOf(lake.io, t, s);
  const out: DataFile[] = [];
  for (const m of manifests) {
    if (m.content !== 0 || m.addedSnapshotId !== s.snapshotId || m.addedFilesCount === 0) continue;
    for (const e of await readEntries(lake.io, t, m)) {
      if (e.status === EntryStatus.ADDED && (e.snapshotId === null || e.snapshotId === s.snapshotId)) out.push(e.dataFile);
    }
  }
  return out;
}

const DEVICE_COLUMNS = ['event_id', 'device_id', 'device_type', 'building_id', 'floor', 'zone', 'event_ts'] as const;

/** The readings of one RAW data file, with the given reading columns (null where absent). */
export async function readReadings(lake: Lake, file: DataFile, readings: readonly SensorName[]): Promise<Reading[]> {
  const bytes = await lake.io.read(file.filePath);
  let table: Table;
  try {
    table = tableFromIPC(pw.readParquet(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { columns: [...DEVICE_COLUMNS, ...readings] }).intoIPCStream());
  } catch (e) {
    throw new Error(`cannot read RAW data file ${file.filePath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const col = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new Error(`RAW data file ${file.filePath} has no column ${name}`);
    return c;
  };
  // Whole columns at once (typed arrays for numbers): per-cell Vector.get is several times slower.
  const column = <T>(name: string): (i: number) => T | null => {
    const c = col(name);
    const values = c.toArray() as ArrayLike<T>;
    return c.nullCount === 0 ? (i) => values[i]! : (i) => (c.isValid(i) ? values[i]! : null);
  };
  const eventId = column<string>('event_id'), deviceId = column<string>('device_id'), deviceType = column<string>('device_type');
  const building = column<string>('building_id'), floor = column<number>('floor'), zone = column<string>('zone');
  const ts = column<bigint | number>('event_ts');
  const values = readings.map((r) => [r, column<number>(r)] as const);
  const out: Reading[] = new Array<Reading>(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const v: Reading['values'] = {};
    for (const [name, c] of values) v[name] = c(i);
    out[i] = {
      eventId: eventId(i)!,
      deviceId: deviceId(i)!,
      deviceType: deviceType(i) ?? '',
      buildingId: building(i) ?? '',
      floor: floor(i),
      zone: zone(i),
      eventTs: micros(ts(i)),
      values: v,
    };
  }
  return out;
}

/** Arrow gives timestamp(µs) as bigint or as a number of milliseconds, by version: microseconds either way. */
function micros(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.round(v * 1000));
  if (v instanceof Date) return BigInt(v.getTime()) * 1000n;
  throw new Error(`RAW event_ts is not a timestamp: ${String(v)}`);
}
