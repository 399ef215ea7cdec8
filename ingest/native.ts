// The Rust addon (native/, built by `npm ci` through native/build.mjs) for ingestion's
// per-message work: JSON reading, the contract check, the registry lookup and RAW's columns with
// their Iceberg metrics, for every message it accepts. It never rejects: a message it does not
// accept comes back to the TypeScript path (models/rawRow.ts), which rejects it to the DLQ with
// its reason or accepts it (its row then goes into the native builders, in offset order).
// Differential tests (test/unit/ingest/native.test.ts) prove its batches equal RawBatch's.
//
// FLOE_INGEST_NATIVE: auto (default: use it when built), on (fail when it is missing), off.
import { loadNativeAddon } from '../native/addon.js';
import { contractJsonSchema, CURRENT_VERSION, MAX_EVENT_BYTES, type DeviceLookup } from '../models/telemetry.js';
import { RAW_TELEMETRY } from '../models/tables.js';
import type { ColumnBatch } from '../lake/column-batch.js';
import type { ColumnMetrics } from '../lake/metrics.js';
import type { ColumnBuffers, EncodeResult } from '../lake/parquet-encoder.js';
import type { Schema } from '../lake/schema.js';
import { FAST_ROW_COLUMNS } from '../models/rawRow.js';

/**
 * The numbers the addon and this module exchange (native/src/protocol.rs names the same ones;
 * test/unit/ingest/native.test.ts compares them with the addon's protocol()).
 */
export const STOP = { end: 0, undecided: 1, full: 2 } as const;
/** consumeRuns' events, three numbers each: [kind, a, b]. */
export const RUN_EVENT = { next: 0, undecided: 1, sealed: 2, rejected: 3, rejectedWithDetail: 4 } as const;
/** A reject's detail: [code, property, value kind, x, y]. */
export const DETAIL = { none: 0, property: 1, unregistered: 2, absent: 0, null: 1, number: 2, string: 3 } as const;

/** One RAW file's rows, held by the addon until lake/ encodes them. */
export interface SealedBatch {
  readonly numRows: number;
  metrics(): ColumnMetrics[];
  /** Copies of the Arrow buffers (for tests and inspection; encoding does not need them). */
  columns(): ColumnBuffers[];
  /** Encodes on libuv's pool, consuming the batch: lake/'s encodeParquet(encodeJobOf(batch)), natively. */
  encode(fields: string, compression: string, rowGroupSize: number, stringStatistics: boolean): Promise<EncodeResult>;
}

export interface DeviceSet {
  readonly size: number;
}
interface RawSpec {
  readonly __spec?: never;
}
/**
 * The addon's classes and functions as declared here, in lake/parquet-encoder.ts (NativeEncoder)
 * and in ingest/kafka-codecs.ts: test/unit/ingest/native-interface.test.ts checks them against
 * native/src (names, getters, parameter counts) and the built addon.
 */
export interface RawIngest {
  consume(data: Uint8Array, spans: Int32Array, offsets: Float64Array, partition: number, from: number, to: number, status: Int32Array): number;
  /** consume over one Kafka record batch's encoded records in [lo, hi) (see native/src/raw_ingest.rs). */
  consumeRecords(data: Uint8Array, at: number, end: number, baseOffset: number, lo: number, hi: number, partition: number, status: Float64Array): number;
  /**
   * consumeRecords over many runs, on libuv's pool (see native/src/runs.rs): runs are 7 numbers
   * each, [buffer, at, end, baseOffset, lo, hi, partition]; resolves to events of 3 numbers.
   */
  consumeRuns(buffers: Uint8Array[], runs: Float64Array, fromRun: number, fromAt: number): Promise<Float64Array>;
  /** The builders consumeRuns sealed, in the order of its events. */
  takeSealed(): { partition: number; hour: number; batch: SealedBatch }[];
  /** The details of the rejects consumeRuns reported as events 4, five numbers each, in order. */
  takeRejectDetails(): Float64Array;
  appendEvent(json: Uint8Array, partition: number, offset: number, status: Int32Array): void;
  take(partition: number, hour: number): SealedBatch;
  /**
   * Every hour's remaining rows as files, partitions in the given order, split at fileRows: the
   * builders are handed over (a file may hold several, concatenated when it is encoded), so once per batch.
   */
  rest(partitions: number[]): { hour: number; batch: SealedBatch }[];
  hours(): number[];
  readonly rows: number;
  readonly duplicates: number;
  /** Records consumeRecords counted, and their values' bytes. */
  readonly records: number;
  readonly valueBytes: number;
  close(): void;
}
interface Addon {
  RawSpec: new (schema: string, columns: string, maxBytes: number) => RawSpec;
  DeviceSet: new (ids: string[], complete: boolean) => DeviceSet;
  RawIngest: new (spec: RawSpec, devices: DeviceSet, topic: string, ingestedAtMs: number, fileRows: number) => RawIngest;
  /** The addon's hand-written matcher of a contract pattern, on each value (for tests). */
  fastPatternMatches(pattern: string, values: string[]): boolean[];
  /** Its names for STOP, RUN_EVENT and DETAIL, as JSON (for the test that compares them). */
  protocol(): string;
}

/** The addon, or why it is not there. */
export function nativeAddon(): { addon?: Addon; error?: string } {
  return loadNativeAddon<Addon>();
}

let spec: RawSpec | undefined;

/** The contract's JSON Schema (with its properties' order) and RAW's columns, compiled by the addon once. */
function rawSpec(addon: Addon): RawSpec {
  if (spec) return spec;
  const schema = contractJsonSchema(CURRENT_VERSION) as { properties: Record<string, unknown> };
  return (spec = new addon.RawSpec(
    // The addon checks properties in contract order (so its first failing one is the validator's).
    JSON.stringify({ ...schema, 'x-property-order': Object.keys(schema.properties) }),
    JSON.stringify(RAW_TELEMETRY.columns.map((c) => ({ name: c.name, type: c.type, required: c.required }))),
    MAX_EVENT_BYTES,
  ));
}

/** A registry whose device ids the addon can hold (TopicDeviceRegistry; a Set<string> too). */
interface EnumerableRegistry extends DeviceLookup {
  /** Changes whenever the set of ids changes (a Set's size stands in for it). */
  readonly version?: number;
  readonly size?: number;
  ids?(): Iterable<string>;
  [Symbol.iterator]?(): Iterator<string>;
}

const deviceSets = new WeakMap<object, { version: number; set: DeviceSet }>();
const EMPTY: string[] = [];

/**
 * The registry's ids as the addon holds them, rebuilt when the registry's version changes. A
 * registry that cannot list its ids gets an empty set: every message then goes the TypeScript
 * way (correct, only slower). A stale set costs the same for the devices it misses, never
 * correctness: the TypeScript path asks the registry itself.
 */
function deviceSetOf(addon: Addon, registry: EnumerableRegistry): DeviceSet {
  const version = registry.version ?? registry.size ?? -1;
  const hit = deviceSets.get(registry);
  if (hit && hit.version === version) return hit.set;
  const listed = registry.ids ? [...registry.ids()] : registry[Symbol.iterator] ? [...(registry as Iterable<string>)] : undefined;
  const set = new addon.DeviceSet(listed ?? EMPTY, listed !== undefined);
  deviceSets.set(registry, { version, set });
  return set;
}

export type NativeMode = 'auto' | 'on' | 'off';

/** A RawIngest for one batch, or undefined when the addon is off or missing in auto mode. */
export function openRawIngest(mode: NativeMode, registry: DeviceLookup, topic: string, ingestedAtMs: number, fileRows: number): RawIngest | undefined {
  if (mode === 'off') return undefined;
  const { addon, error } = nativeAddon();
  if (!addon) {
    if (mode === 'on') throw new Error(`FLOE_INGEST_NATIVE=on, but the native addon is unavailable: ${error}`);
    return undefined;
  }
  return new addon.RawIngest(rawSpec(addon), deviceSetOf(addon, registry as EnumerableRegistry), topic, ingestedAtMs, fileRows);
}

/**
 * A sealed batch as the lake takes a column batch: metrics at once, columns copied out only if
 * read, and `encode` (which lake/parquet-writer.ts prefers) straight from the addon's buffers.
 */
const fieldsJson = new WeakMap<Schema, string>();

export function sealedColumnBatch(sealed: SealedBatch, schema: Schema): ColumnBatch {
  let fields = fieldsJson.get(schema);
  if (fields === undefined) fieldsJson.set(schema, (fields = JSON.stringify(schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required })))));
  let columns: ColumnBuffers[] | undefined;
  return {
    schema,
    numRows: sealed.numRows,
    metrics: sealed.metrics(),
    get columns(): ColumnBuffers[] {
      return (columns ??= sealed.columns());
    },
    encode: async (o) => {
      try {
        return await sealed.encode(fields, o.compression, o.rowGroupSize ?? 0, o.stringStatistics ?? false);
      } catch (e) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}

const CONTRACT_KEYS = FAST_ROW_COLUMNS.filter((c) => !c.startsWith('_'));

/**
 * An accepted event's contract fields as JSON, for RawIngest.appendEvent: the values exactly
 * as the TypeScript path holds them (-0 kept, which JSON.stringify would write as 0).
 */
export function eventJson(e: Readonly<Record<string, unknown>>): Buffer {
  let s = '';
  for (const k of CONTRACT_KEYS) {
    const v = e[k];
    if (v === undefined) continue;
    s += `${s ? ',' : '{'}"${k}":${Object.is(v, -0) ? '-0' : JSON.stringify(v)}`;
  }
  return Buffer.from(`${s || '{'}}`);
}
