// The ingestion hot path from Kafka bytes to a RAW row, in one pass: UTF-8 check, decode,
// JSON.parse, the compiled contract check, the registry lookup, and a RAW
// row object of one fixed shape built straight from the parsed value. No intermediate event
// object, no per-row BigInt, no regex for the timestamp, and the event hour comes back as a
// number. A message it does not accept gets the rejection validateTelemetry() gives it, from
// the same helpers, without decoding and parsing it a second time (and without capturing
// stack traces for the parse errors of malformed messages). A differential test
// (test/unit/models/rawRow.test.ts) proves rows equal toRawRow(validateTelemetry(...)) and
// rejections equal validateTelemetry's.
import { isUtf8 } from 'node:buffer';
import { compileObjectCheck } from './fastcheck.js';
import { contractJsonSchema, CURRENT_VERSION, MAX_EVENT_BYTES, malformedJson, notUtf8, unknownDevice, unprocessable, unrepresentableString, validateParsedTelemetry, validateTelemetry, type DeviceLookup, type Rejection } from './telemetry.js';
import { isoToMicros, RAW_TELEMETRY } from './tables.js';

/**
 * A RAW row as the lake writer takes it: event_ts and _ingested_at as a Date when exact to the
 * millisecond (bigint microseconds otherwise), _kafka_offset and sequence_number as safe integers.
 */
export type FastRawRow = Record<string, string | number | bigint | Date | null>;

export interface RawPosition {
  topic: string;
  partition: number;
  offset: number;
  /** Shared by every row of a batch (the lake reads it, never mutates it). */
  ingestedAt: Date | bigint;
}

export interface FastAccepted {
  ok: true;
  row: FastRawRow;
  /** Hours since the epoch of event_ts (its RAW hour partition). */
  hour: number;
  eventId: string;
}

const HOUR_MS = 3_600_000;
const HOUR_MICROS = 3_600_000_000n;
const decoder = new TextDecoder('utf-8', { fatal: true });

let compiled: ReturnType<typeof compileObjectCheck> | undefined;
const check = (): ReturnType<typeof compileObjectCheck> => (compiled ??= compileObjectCheck(contractJsonSchema(CURRENT_VERSION)));

/** The RAW columns this builder fills, in table order (a test compares them with RAW_TELEMETRY). */
export const FAST_ROW_COLUMNS = [
  'event_id', 'device_id', 'device_type', 'building_id', 'floor', 'zone', 'event_ts', 'firmware_version', 'status',
  'temperature', 'humidity', 'pressure', 'air_quality_index', 'pm25', 'noise_level', 'illuminance', 'vibration',
  'power_kw', 'voltage', 'current', 'power_factor', 'energy_kwh', 'battery_level', 'signal_strength',
  'sequence_number', 'gateway_id', '_kafka_topic', '_kafka_partition', '_kafka_offset', '_ingested_at',
] as const;

/**
 * Milliseconds of an ISO timestamp that the contract already accepted, or NaN when it has more
 * than three fraction digits (then only bigint microseconds are exact).
 */
function exactMillis(ts: string): number {
  const dot = ts.indexOf('.', 19);
  if (dot !== -1) {
    let end = dot + 1;
    while (end < ts.length && ts.charCodeAt(end) >= 48 && ts.charCodeAt(end) <= 57) end++;
    if (end - dot - 1 > 3) return NaN;
  }
  return Date.parse(ts);
}

/** A message the contract and registry accept, parsed once: what a RAW row is built from. */
export interface ParsedTelemetry {
  ok: true;
  /** The parsed event (the contract's fields, checked). */
  e: Readonly<Record<string, string | number | null | undefined>>;
  /** event_ts in epoch milliseconds when exact to the millisecond, else NaN (then see micros). */
  ms: number;
  /** event_ts in epoch microseconds when it has more than three fraction digits. */
  micros?: bigint;
  /** Hours since the epoch of event_ts (its RAW hour partition). */
  hour: number;
  eventId: string;
}

/**
 * Parses and checks one message: the accepted event, or its rejection exactly as
 * validateTelemetry() words it. `undefined` only in the case validateTelemetry settles with zod
 * (its compiled check and explanation disagree, never seen): then ask validateTelemetry.
 */
export function parseTelemetry(bytes: Uint8Array | null | undefined, registry: DeviceLookup): ParsedTelemetry | Rejection | undefined {
  try {
    return parse(bytes, registry);
  } catch (err) {
    return unprocessable(err);
  }
}

function parse(bytes: Uint8Array | null | undefined, registry: DeviceLookup): ParsedTelemetry | Rejection | undefined {
  if (!bytes || bytes.length === 0 || bytes.length > MAX_EVENT_BYTES) return validateTelemetry(bytes, registry) as Rejection;
  let o: unknown;
  let escapes = false;
  // Parse errors are only ever read for their message: no stack trace to capture (~20 µs each).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    // Checked before decoding: a fatal decoder's exception costs ~8 µs, isUtf8 ~0.1 µs.
    if (!isUtf8(bytes)) return notUtf8(bytes);
    const text = decoder.decode(bytes);
    escapes = text.includes('\\u');
    try {
      o = JSON.parse(text);
    } catch (err) {
      return malformedJson(err);
    }
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (!check().check(o)) {
    const v = validateParsedTelemetry(o, registry);
    return v.ok ? undefined : v;
  }
  const e = o as Record<string, string | number | null | undefined>;
  // Only a \u escape can make a lone surrogate (the bytes are valid UTF-8).
  const lone = escapes ? unrepresentableString(e, check().keys) : undefined;
  if (lone) return lone;
  const deviceId = e.device_id as string;
  if (!registry.has(deviceId)) return unknownDevice(deviceId);
  const ts = e.event_ts as string;
  const ms = exactMillis(ts);
  if (Number.isNaN(ms)) {
    const micros = isoToMicros(ts);
    const hour = Number(micros >= 0n ? micros / HOUR_MICROS : -((-micros + HOUR_MICROS - 1n) / HOUR_MICROS));
    return { ok: true, e, ms, micros, hour, eventId: e.event_id as string };
  }
  return { ok: true, e, ms, hour: Math.floor(ms / HOUR_MS), eventId: e.event_id as string };
}

/**
 * The RAW row of a message the contract and registry accept, or its rejection exactly as
 * validateTelemetry() words it (see parseTelemetry; `undefined`: ask validateTelemetry).
 */
export function fastRawRow(bytes: Uint8Array | null | undefined, registry: DeviceLookup, at: RawPosition): FastAccepted | Rejection | undefined {
  const p = parseTelemetry(bytes, registry);
  if (!p?.ok) return p;
  const e = p.e;
  const row: FastRawRow = {
    event_id: p.eventId,
    device_id: e.device_id as string,
    device_type: e.device_type as string,
    building_id: e.building_id as string,
    floor: e.floor as number,
    zone: e.zone as string,
    event_ts: p.micros ?? new Date(p.ms),
    firmware_version: e.firmware_version as string,
    status: e.status as string,
    temperature: e.temperature ?? null,
    humidity: e.humidity ?? null,
    pressure: e.pressure ?? null,
    air_quality_index: e.air_quality_index ?? null,
    pm25: e.pm25 ?? null,
    noise_level: e.noise_level ?? null,
    illuminance: e.illuminance ?? null,
    vibration: e.vibration ?? null,
    power_kw: e.power_kw ?? null,
    voltage: e.voltage ?? null,
    current: e.current ?? null,
    power_factor: e.power_factor ?? null,
    energy_kwh: e.energy_kwh ?? null,
    battery_level: e.battery_level ?? null,
    signal_strength: e.signal_strength ?? null,
    sequence_number: e.sequence_number ?? null,
    gateway_id: e.gateway_id ?? null,
    _kafka_topic: at.topic,
    _kafka_partition: at.partition,
    _kafka_offset: at.offset,
    _ingested_at: at.ingestedAt,
  };
  return { ok: true, row, hour: p.hour, eventId: p.eventId };
}

/** Columns of RAW the fast row must cover exactly (checked once, at first use, and by a test). */
export function fastRowColumnsMatchRaw(): boolean {
  const raw = RAW_TELEMETRY.columns.map((c) => c.name);
  return raw.length === FAST_ROW_COLUMNS.length && raw.every((n, i) => n === FAST_ROW_COLUMNS[i]);
}
