// The telemetry event contract, versioned. v2 only adds optional fields to v1, which is the
// evolution rule (models/evolution.ts checks it): a v1 producer stays valid under v2, and a v2
// consumer reads v1 events. validateTelemetry() is the single gate between Kafka bytes and RAW:
// it either returns a typed event or a rejection that the dead-letter table stores verbatim.
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { compileObjectCheck } from './fastcheck.js';
import { SENSORS, SENSOR_NAMES, DEVICE_TYPES, DEVICE_STATUSES, type SensorName } from './sensors.js';

/** Messages larger than this are rejected unparsed (a healthy event is ~500 bytes). */
export const MAX_EVENT_BYTES = 16 * 1024;

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const FIRMWARE_PATTERN = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

function reading(name: SensorName) {
  const s = SENSORS[name];
  const base = s.integer ? z.number().int() : z.number();
  return base
    .min(s.physical[0])
    .max(s.physical[1])
    .nullish()
    .meta({ description: `${s.description} [${s.unit || 'ratio'}]; physical range ${s.physical[0]}..${s.physical[1]}, normal ${s.normal[0]}..${s.normal[1]}`, unit: s.unit, 'x-physical-range': [...s.physical], 'x-normal-range': [...s.normal] });
}

const readings = Object.fromEntries(SENSOR_NAMES.map((n) => [n, reading(n)])) as { [K in SensorName]: ReturnType<typeof reading> };

/** v1: identity, location, time, health, and the readings the device type has. */
export const TelemetryV1 = z
  .object({
    event_id: z.uuid().meta({ description: 'unique id of the event; a resend keeps it (SILVER deduplicates on it)' }),
    device_id: z.string().regex(DEVICE_ID_PATTERN).meta({ description: 'registered device id (Kafka message key)' }),
    device_type: z.enum(DEVICE_TYPES),
    building_id: z.string().min(1).max(64),
    floor: z.number().int().min(-10).max(300),
    zone: z.string().min(1).max(64),
    event_ts: z.iso.datetime({ offset: true }).meta({ description: 'when the device took the reading, ISO 8601 with offset' }),
    firmware_version: z.string().regex(FIRMWARE_PATTERN),
    status: z.enum(DEVICE_STATUSES),
    ...readings,
  })
  .meta({ title: 'floe telemetry event v1' });

/** v2 adds optional fields only. */
export const TelemetryV2 = TelemetryV1.extend({
  sequence_number: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish().meta({ description: 'per-device counter, lets consumers see gaps and reordering' }),
  gateway_id: z.string().min(1).max(64).nullish().meta({ description: 'edge gateway that relayed the event' }),
}).meta({ title: 'floe telemetry event v2' });

export type TelemetryEventV1 = z.infer<typeof TelemetryV1>;
export type TelemetryEventV2 = z.infer<typeof TelemetryV2>;
/** What ingestion accepts: the newest contract (a superset of every older one). */
export type TelemetryEvent = TelemetryEventV2;
export const CURRENT_CONTRACT = TelemetryV2;
export const CURRENT_VERSION = 'v2' as const;

export const CONTRACTS = { v1: TelemetryV1, v2: TelemetryV2 } as const;
export type ContractVersion = keyof typeof CONTRACTS;
export const CONTRACT_VERSIONS = Object.keys(CONTRACTS) as ContractVersion[];

export const REJECT_KINDS = [
  'empty',
  'oversized',
  'not_utf8',
  'malformed_json',
  'missing_field',
  'wrong_type',
  'invalid_format',
  'invalid_value',
  'out_of_physical_range',
  'number_out_of_range',
  'unrepresentable_string',
  'unknown_device',
  'unprocessable',
] as const;
export type RejectKind = (typeof REJECT_KINDS)[number];

export interface Rejection {
  ok: false;
  kind: RejectKind;
  /** JSONPath-like location: `$` for the whole message, `$.temperature` for a field. */
  errorPath: string;
  errorMessage: string;
}
export interface Accepted {
  ok: true;
  event: TelemetryEvent;
}
export type Validation = Accepted | Rejection;

/** The device registry as the validator needs it: a Set<string> of device ids fits. */
export interface DeviceLookup {
  has(deviceId: string): boolean;
}

function reject(kind: RejectKind, errorPath: string, errorMessage: string): Rejection {
  return { ok: false, kind, errorPath, errorMessage };
}

function pathString(path: readonly PropertyKey[]): string {
  let s = '$';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * A value as a reason quotes it, at most 60 characters. A value JSON.stringify cannot write (an
 * array nested thousands of levels deep overflows its stack) is named, not quoted: wording a
 * reason never throws.
 */
function describe(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return Array.isArray(v) ? 'an array nested too deeply to quote' : 'an object nested too deeply to quote';
  }
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const decoder = new TextDecoder('utf-8');

let compiled: ReturnType<typeof compileObjectCheck> | undefined;
function fastCheck(): ReturnType<typeof compileObjectCheck> {
  compiled ??= compileObjectCheck(contractJsonSchema(CURRENT_VERSION));
  return compiled;
}

/**
 * Validates one Kafka message value against the current contract and the device registry.
 * Checks run cheapest first: size, UTF-8, JSON, contract, registry. Unknown extra fields are
 * dropped (a newer producer may send fields this version does not know yet).
 */
export function validateTelemetry(bytes: Uint8Array | null | undefined, registry: DeviceLookup): Validation {
  try {
    return validateBytes(bytes, registry);
  } catch (err) {
    return unprocessable(err);
  }
}

function validateBytes(bytes: Uint8Array | null | undefined, registry: DeviceLookup): Validation {
  if (!bytes || bytes.length === 0) return reject('empty', '$', 'message value is empty');
  if (bytes.length > MAX_EVENT_BYTES) {
    return reject('oversized', '$', `message value is ${bytes.length} bytes, limit is ${MAX_EVENT_BYTES}`);
  }
  if (!isUtf8(bytes)) return notUtf8(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    return malformedJson(err);
  }
  return validateParsedTelemetry(parsed, registry);
}

/** The rejection of a value that is not UTF-8 (shared with the ingestion fast path, models/rawRow.ts). */
export function notUtf8(bytes: Uint8Array): Rejection {
  return reject('not_utf8', '$', `message value (${bytes.length} bytes) is not valid UTF-8`);
}

/** The rejection of a value JSON.parse refused with `err`. */
export function malformedJson(err: unknown): Rejection {
  return reject('malformed_json', '$', `message value is not JSON: ${(err as Error).message}`);
}

/**
 * The rejection of a message that made validation itself fail (throw, overflow its stack): no
 * message may stop ingestion, so it goes to the DLQ with what went wrong.
 */
export function unprocessable(err: unknown): Rejection {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return reject('unprocessable', '$', `validating this message failed (${what}); it is kept here unchanged`);
}

/**
 * The rejection of an accepted event holding a string that UTF-8, and so an Iceberg string,
 * cannot hold unchanged (a lone UTF-16 surrogate from a `\ud800` escape), or undefined. Writing
 * it would silently store U+FFFD instead.
 */
export function unrepresentableString(event: Readonly<Record<string, unknown>>, keys: readonly string[] = Object.keys(event)): Rejection | undefined {
  for (const k of keys) {
    const v = event[k];
    if (typeof v !== 'string' || (v as string & { isWellFormed(): boolean }).isWellFormed()) continue;
    const at = loneSurrogateAt(v);
    const unit = v.charCodeAt(at).toString(16).toUpperCase();
    return reject('unrepresentable_string', `$.${k}`, `$.${k} holds a lone UTF-16 surrogate (U+${unit} at index ${at}), which a UTF-8 string (Iceberg's string type) cannot hold unchanged`);
  }
  return undefined;
}

/** Index of the first UTF-16 surrogate of `s` that is not half of a pair (s is not well formed). */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return i;
  }
  return -1;
}

/** The rejection of a contract-valid event whose device is not registered. */
export function unknownDevice(deviceId: string): Rejection {
  return reject('unknown_device', '$.device_id', `device_id ${describe(deviceId)} is not in the device registry`);
}

/**
 * The second half of validateTelemetry: a value JSON.parse returned, against the contract and
 * the registry.
 */
export function validateParsedTelemetry(parsed: unknown, registry: DeviceLookup): Validation {
  let event: TelemetryEvent;
  const fast = fastCheck();
  if (fast.check(parsed)) {
    // Same output as zod's: only the contract's keys, in contract order.
    const out: Record<string, unknown> = {};
    for (const k of fast.keys) {
      const v = parsed[k];
      if (v !== undefined) out[k] = v;
    }
    event = out as TelemetryEvent;
  } else {
    const why = fast.explain(parsed);
    if (why.problem !== 'none') return rejectionFromProblem(why);
    // The fast check and its explanation disagree: let zod decide (never expected; tests compare both).
    const result = CURRENT_CONTRACT.safeParse(parsed);
    if (!result.success) return zodRejection(result.error.issues[0]!, parsed, result.error.issues.length);
    event = result.data;
  }
  const lone = unrepresentableString(event);
  if (lone) return lone;
  if (!registry.has(event.device_id)) return unknownDevice(event.device_id);
  return { ok: true, event };
}

/**
 * The rejection validateTelemetry words for a message whose first failing contract property (in
 * contract order) is property `index`, holding `value` (undefined: absent): what the ingestion
 * addon reports for a message it read whole. undefined when that value does not fail.
 */
export function contractFieldRejection(index: number, value: unknown): Rejection | undefined {
  try {
    const why = fastCheck().explainField(index, value);
    return why ? rejectionFromProblem(why) : undefined;
  } catch (err) {
    return unprocessable(err);
  }
}

/** The rejection of a number JSON could write but a 64-bit float cannot hold (JSON.parse made it ±Infinity). */
function numberOutOfRange(path: string, value: number): Rejection {
  return reject('number_out_of_range', path, `${path} is a number beyond the 64-bit float range (magnitude over 1.8e308; it reads as ${value})`);
}

/**
 * The wording of each reject kind, shared by the production explanation (rejectionFromProblem)
 * and zod's reference mapping (zodRejection), so the two cannot drift apart in their words.
 */
const words = {
  missing: (path: string, more = ''): Rejection => reject('missing_field', path, `required field ${path} is missing${more}`),
  wrongType: (path: string, field: string, expected: string, value: unknown, more = ''): Rejection => reject('wrong_type', path, `${field} must be ${expected}, got ${describe(value)}${more}`),
  /** Outside a reading's physical range (undefined when the field is no reading). */
  outsidePhysical: (path: string, name: PropertyKey | undefined, value: unknown, more = ''): Rejection | undefined => {
    if (typeof name !== 'string' || !(name in SENSORS)) return undefined;
    const s = SENSORS[name as SensorName];
    return reject('out_of_physical_range', path, `${path}=${describe(value)} is outside the physical range ${s.physical[0]}..${s.physical[1]} ${s.unit}${more}`.trimEnd());
  },
  badFormat: (path: string, value: unknown, format: string, more = ''): Rejection => reject('invalid_format', path, `${path}=${describe(value)} is not a valid ${format}${more}`),
  notOneOf: (path: string, value: unknown, values: readonly unknown[], more = ''): Rejection => reject('invalid_value', path, `${path}=${describe(value)} must be one of ${values.map((v) => describe(v)).join(', ')}${more}`),
};

function rejectionFromProblem(why: ReturnType<ReturnType<typeof compileObjectCheck>['explain']>): Rejection {
  const path = pathString(why.path);
  const field = why.path.length ? path : 'message';
  if (why.missing) return words.missing(path);
  switch (why.problem) {
    case 'overflow':
      return numberOutOfRange(path, why.value as number);
    case 'type':
      return words.wrongType(path, field, why.expected, why.value);
    case 'range':
      return words.outsidePhysical(path, why.path[why.path.length - 1], why.value) ?? reject('out_of_physical_range', path, `${path}=${describe(why.value)} is outside ${why.min}..${why.max}`);
    case 'format':
      return words.badFormat(path, why.value, why.format);
    case 'enum':
      return words.notOneOf(path, why.value, why.values);
    default:
      return reject('invalid_value', path, `${path}=${describe(why.value)} is not valid`);
  }
}

/**
 * The rejection zod's first issue maps to: the reference the fast explanation is tested
 * against (test/unit/models/telemetry.test.ts).
 */
export function zodRejection(issue: z.core.$ZodIssue, parsed: unknown, count = 1): Rejection {
  const path = pathString(issue.path);
  const more = count > 1 ? ` (and ${count - 1} more issue${count > 2 ? 's' : ''})` : '';
  const field = issue.path.length ? path : 'message';
  const value = valueAt(parsed, issue.path);
  if (value === undefined && issue.path.length > 0) return words.missing(path, more);
  if (typeof value === 'number' && !Number.isFinite(value)) return numberOutOfRange(path, value);
  switch (issue.code) {
    case 'invalid_type':
      return words.wrongType(path, field, issue.expected, value, more);
    case 'too_small':
    case 'too_big': {
      const physical = words.outsidePhysical(path, issue.path[issue.path.length - 1], value, more);
      if (physical) return physical;
      if (typeof value === 'number') {
        return reject('out_of_physical_range', path, `${path}=${describe(value)}: ${issue.message}${more}`);
      }
      return reject('invalid_format', path, `${path}=${describe(value)}: ${issue.message}${more}`);
    }
    case 'invalid_format':
      return words.badFormat(path, value, issue.format, more);
    case 'invalid_value':
      if (!issue.values.some((v) => typeof v === typeof value)) {
        return reject('wrong_type', path, `${path} must be ${typeof issue.values[0]}, got ${describe(value)}${more}`);
      }
      return words.notOneOf(path, value, issue.values, more);
    default:
      return reject('invalid_value', path, `${path}=${describe(value)}: ${issue.message}${more}`);
  }
}

/** Validates an already parsed value with zod alone (slow; for tests and diagnostics). */
export function validateParsedWithZod(parsed: unknown, registry: DeviceLookup): Validation {
  const result = CURRENT_CONTRACT.safeParse(parsed);
  if (!result.success) return zodRejection(result.error.issues[0]!, parsed, result.error.issues.length);
  if (!registry.has(result.data.device_id)) return unknownDevice(result.data.device_id);
  return { ok: true, event: result.data };
}

/** JSON Schema (draft 2020-12) of a contract version, for producers in other languages. */
export function contractJsonSchema(version: ContractVersion): Record<string, unknown> {
  const schema = z.toJSONSchema(CONTRACTS[version], { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $id: `https://floe.dev/schemas/telemetry/${version}.json`,
    ...schema,
    description: `floe telemetry event, contract ${version}. Kafka topic iot-telemetry, key = device_id, value = this JSON in UTF-8, at most ${MAX_EVENT_BYTES} bytes. Unknown properties are ignored.`,
  };
}
