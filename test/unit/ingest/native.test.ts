// The Rust addon (native/) against the TypeScript path it replaces for accepted messages. It
// must never accept what the contract or the registry rejects, must build exactly the row the
// TypeScript path builds (same Arrow buffers, same Iceberg metrics, same Parquet bytes), and a
// batch run through it must write the same files under the same names as one run without it.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { FakeReader } from './fake-reader.js';
import { CaptureLake, parquet } from './capture-lake.js';
import { DETAIL, eventJson, nativeAddon, openRawIngest, RUN_EVENT, sealedColumnBatch, STOP, type RawIngest, type SealedBatch } from '../../../ingest/native.js';
import { RawBatch, schemaOfTable } from '../../../ingest/rawColumns.js';
import { runBatch } from '../../../ingest/batch.js';
import type { KafkaMessage } from '../../../ingest/kafka.js';
import { columnBatchRows, type ColumnBatch } from '../../../lake/column-batch.js';
import { encodeParquetWasm } from '../../../lake/parquet-encoder.js';
import { encodeJobOf } from '../../../lake/parquet-writer.js';
import { parseTelemetry } from '../../../models/rawRow.js';
import { RAW_TELEMETRY } from '../../../models/tables.js';
import { contractJsonSchema, validateTelemetry, type DeviceLookup } from '../../../models/telemetry.js';
import { TelemetryGenerator } from '../../../simulator/generator.js';
import { Prng } from '../../../simulator/prng.js';
import { batchIdOf } from '../../../models/offsets.js';

const INGESTED_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const SCHEMA = schemaOfTable(RAW_TELEMETRY);
const enc = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

function open(registry: DeviceLookup, fileRows = 1_000_000): RawIngest {
  const n = openRawIngest('on', registry, 'iot', INGESTED_MS, fileRows);
  if (!n) throw new Error('native addon not opened');
  return n;
}

const asBatch = (b: SealedBatch): ColumnBatch => sealedColumnBatch(b, SCHEMA);


/**
 * Runs values through the addon as ingestion does (one partition, offsets from 0): what it
 * stops at goes through parseTelemetry, and back in by appendEvent when accepted there. Returns
 * the batch and which offsets the addon accepted by itself.
 */
function throughNative(values: Buffer[], registry: DeviceLookup): { batches: ColumnBatch[]; direct: Set<number>; rejected: Set<number> } {
  const n = open(registry);
  const stop = new Int32Array(2);
  const direct = new Set<number>();
  const rejected = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const spans = Int32Array.of(v.byteOffset, v.length);
    const next = n.consume(new Uint8Array(v.buffer), spans, Float64Array.of(i), 0, 0, 1, stop);
    if (next === 1 && stop[0] !== 1) {
      direct.add(i);
      continue;
    }
    const p = parseTelemetry(v, registry);
    const r = p ?? validateTelemetry(v, registry);
    if (!r.ok) rejected.add(i);
    else n.appendEvent(eventJson('e' in r ? r.e : r.event), 0, i, stop);
  }
  const rest = n.rest([0]);
  n.close();
  expect(new Set(rest.map((r) => r.hour)).size).toBe(rest.length);
  return { batches: rest.map((r) => asBatch(r.batch)), direct, rejected };
}

/** The same values through the TypeScript path (a RawBatch per event hour, as runBatch without the addon). */
function throughTypeScript(values: Buffer[], registry: DeviceLookup): { batches: ColumnBatch[]; accepted: Set<number> } {
  const byHour = new Map<number, RawBatch>();
  const accepted = new Set<number>();
  const at = { topic: 'iot', partition: 0, offset: 0, ingestedAt: new Date(INGESTED_MS) };
  values.forEach((v, i) => {
    const p = parseTelemetry(v, registry);
    at.offset = i;
    if (p?.ok) {
      let b = byHour.get(p.hour);
      if (!b) byHour.set(p.hour, (b = new RawBatch()));
      b.append(p, at);
      accepted.add(i);
    } else if (!p && validateTelemetry(v, registry).ok) throw new Error('not decided by parseTelemetry (never expected)');
  });
  return { batches: [...byHour.keys()].sort((a, b) => a - b).map((h) => byHour.get(h)!.build()), accepted };
}

/** Both paths over the same values of one partition: the same batches (one per event hour), rows, metrics and Parquet bytes. */
function expectSameBatch(values: Buffer[], registry: DeviceLookup): { direct: number; fallback: number; rejected: number } {
  const ts = throughTypeScript(values, registry);
  const nat = throughNative(values, registry);
  for (const i of nat.direct) expect(ts.accepted.has(i), `addon accepted what TypeScript rejects: ${values[i]!.toString('utf8').slice(0, 300)}`).toBe(true);
  for (const i of ts.accepted) expect(nat.rejected.has(i), `rejected at ${i}`).toBe(false);
  expect(nat.direct.size + values.length - nat.direct.size - nat.rejected.size).toBe(ts.accepted.size);
  expect(nat.batches).toHaveLength(ts.batches.length);
  ts.batches.forEach((b, i) => {
    const n = nat.batches[i]!;
    expect(n.metrics).toEqual(b.metrics);
    expect(columnBatchRows(n)).toEqual(columnBatchRows(b));
    expect(parquet(n)).toBe(parquet(b));
  });
  return { direct: nat.direct.size, fallback: ts.accepted.size - nat.direct.size, rejected: nat.rejected.size };
}

const base = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00',
  device_id: 'dev-1',
  device_type: 'hvac_unit',
  building_id: 'b',
  floor: 1,
  zone: 'z',
  event_ts: '2026-01-01T10:00:00Z',
  firmware_version: '1.0.0',
  status: 'ok',
  temperature: 21.5,
  ...over,
});
const reg = new Set(['dev-1', 'dev.2:x-y_z']);
/** A valid event's JSON text with `field`'s value replaced by raw JSON text. */
const withRaw = (field: string, raw: string): Buffer => enc(JSON.stringify(base({ [field]: '__RAW__' })).replace('"__RAW__"', raw));

describe('native ingestion addon', () => {
  it('names the numbers of its protocol as ingest/native.ts does', () => {
    expect(JSON.parse(nativeAddon().addon!.protocol())).toEqual({ stop: STOP, event: RUN_EVENT, detail: DETAIL });
  });

  it('is built (npm ci builds it with cargo; FLOE_INGEST_NATIVE=auto runs without it)', () => {
    expect(nativeAddon().error).toBeUndefined();
  });

  it('builds the same batch as the TypeScript path from generated mixed traffic, accepting every valid event itself', () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 40, buildings: 3, count: 4000, seed: 'native-mixed', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const values: Buffer[] = [];
    for (let m = gen.next(); m; m = gen.next()) values.push(m.value);
    const r = expectSameBatch(values, registry);
    expect(r.direct).toBeGreaterThan(3000);
    // The generator's valid events are plain ASCII JSON: the addon takes every one itself.
    expect(r.fallback).toBe(0);
    expect(r.rejected).toBeGreaterThan(100);
  });

  it('never accepts a randomly mutated event the contract rejects, and builds the same rows for those it accepts', () => {
    const gen = new TelemetryGenerator({ scenario: 'valid', devices: 40, buildings: 3, count: 3000, seed: 'native-mut', startMs: Date.UTC(2025, 0, 1), stepMs: 250 });
    const rnd = new Prng('native-mutate');
    const pool: unknown[] = [null, 'x', '', 1, -1, 0, -0, 0.5, 1e300, -1e300, true, {}, [], [1], '2025-01-01T00:00:00Z', '2025-01-01T00:00:00.123456+02:00', '2.0.0', 'ok', 'hvac_unit', 9007199254740993, 2 ** 31, 'Zürich ☃ 🏢', 'a"b\\c\n', '\ud800', 'DEV-1', '2024-02-29T23:59:59.9999999-23:59'];
    const keys = Object.keys(contractJsonSchema('v2').properties as object);
    const registry = new Set(['dev-1']);
    const values: Buffer[] = [];
    for (let m = gen.next(); m; m = gen.next()) {
      const obj = JSON.parse(m.value.toString('utf8')) as Record<string, unknown>;
      obj.device_id = rnd.next() < 0.9 ? 'dev-1' : 'dev-2';
      if (rnd.next() < 0.8) obj[rnd.pick(keys)] = rnd.pick(pool);
      if (rnd.next() < 0.2) delete obj[rnd.pick(keys)];
      if (rnd.next() < 0.1) obj.extra_field = { nested: [1, 'two', { three: null }] };
      let text = JSON.stringify(obj);
      const cut = rnd.next();
      if (cut < 0.05) text = text.slice(0, Math.floor(rnd.next() * text.length));
      else if (cut < 0.1) text = ` \n\t${text}\r\n `;
      values.push(enc(text));
    }
    const r = expectSameBatch(values, registry);
    expect(r.direct).toBeGreaterThan(300);
    expect(r.rejected).toBeGreaterThan(1000);
  });

  it.each([
    ['whitespace everywhere', enc(' {\n\t"event_id" : "0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00" ,"device_id":"dev-1","device_type":"hvac_unit","building_id":"b","floor":1,"zone":"z","event_ts":"2026-01-01T10:00:00Z","firmware_version":"1.0.0","status":"ok"}\r\n'), 'direct'],
    ['keys in another order, a registered id with every allowed symbol', enc({ status: 'warn', zone: 'z', device_id: 'dev.2:x-y_z', ...base(), device_type: 'power_meter' }), 'direct'],
    ['a repeated key: the last value counts (valid last)', enc(JSON.stringify(base()).replace('"floor":1', '"floor":"x","floor":3')), 'direct'],
    ['a repeated key: the last value counts (invalid last)', enc(JSON.stringify(base()).replace('"floor":1', '"floor":3,"floor":"x"')), 'rejected'],
    ['an escaped key', enc(JSON.stringify(base()).replace('"zone"', '"\\u007aone"')), 'direct'],
    ['escapes in a string', withRaw('zone', '"a\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00"'), 'direct'],
    ['raw UTF-8 text', enc(base({ zone: 'Zürich ☃ 🏢', building_id: '東京' })), 'direct'],
    ['64 UTF-16 units with astral characters', enc(base({ zone: `${'🏢'.repeat(31)}ab` })), 'direct'],
    ['65 UTF-16 units with astral characters', enc(base({ zone: `${'🏢'.repeat(32)}a` })), 'rejected'],
    ['a lone surrogate escape (valid JSON, but no UTF-8 string holds it)', withRaw('zone', '"a\\ud800b"'), 'rejected'],
    ['a byte order mark (TextDecoder drops it)', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc(base())]), 'fallback'],
    ['unknown fields of every JSON kind', enc(base({ x: { a: [1, -2.5e-3, true, false, null, 'y', {}], b: [] }, __proto__x: 1 })), 'direct'],
    ['unknown fields nested deeper than the addon reads', enc(JSON.stringify(base()).replace('}', `,"deep":${'['.repeat(100)}${']'.repeat(100)}}`)), 'fallback'],
    ['a malformed unknown field', enc(JSON.stringify(base()).replace('}', ',"x":[1,]}')), 'rejected'],
    ['a bare word in an unknown field', enc(JSON.stringify(base()).replace('}', ',"x":tru}')), 'rejected'],
    ['trailing text', enc(`${JSON.stringify(base())} x`), 'rejected'],
    ['two objects', enc(`${JSON.stringify(base())}{}`), 'rejected'],
    ['a raw control character in a string', enc(JSON.stringify(base()).replace('"z"', '"z\u0001"')), 'rejected'],
    ['not UTF-8', Buffer.concat([enc(JSON.stringify(base()).slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]), 'rejected'],
    ['a surrogate encoded in UTF-8', Buffer.concat([enc(JSON.stringify(base()).slice(0, -1)), Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])]), 'rejected'],
    ['an exponent', withRaw('floor', '1E2'), 'direct'],
    ['an integer written with a fraction', withRaw('floor', '2.0'), 'direct'],
    ['a fraction for an integer', withRaw('floor', '2.5'), 'rejected'],
    ['a leading zero', withRaw('floor', '01'), 'rejected'],
    ['a bare fraction point', withRaw('temperature', '1.'), 'rejected'],
    ['a leading point', withRaw('temperature', '.5'), 'rejected'],
    ['a plus sign', withRaw('temperature', '+1'), 'rejected'],
    ['negative zero', withRaw('temperature', '-0'), 'direct'],
    ['negative zero for an int and a long', enc(JSON.stringify(base({ sequence_number: 5 })).replace('"floor":1', '"floor":-0').replace('"sequence_number":5', '"sequence_number":-0.0')), 'direct'],
    ['a number that rounds', withRaw('temperature', '21.500000000000000001'), 'direct'],
    ...['0.1', '-12.5', '9.999999999999999', '0.000000000000001', '99.99999999999999', '1.7976931348623157', '123.45678901234567', '1000.0000000000001', '-0.0'].map(
      (x) => [`the decimal ${x}, exact to the bit`, withRaw('illuminance', x.replace('-12.5', '12.5')), 'direct'] as const,
    ),
    ['a long mantissa', withRaw('pressure', '1013.2500000000000000000000000000000001e0'), 'direct'],
    ['an overflowing number', withRaw('temperature', '1e400'), 'rejected'],
    ['the largest safe sequence number', withRaw('sequence_number', '9007199254740991'), 'direct'],
    ['an unsafe sequence number', withRaw('sequence_number', '9007199254740992'), 'rejected'],
    ['null optional fields', enc(base({ sequence_number: null, gateway_id: null, temperature: null })), 'direct'],
    ['an empty gateway id', enc(base({ gateway_id: '' })), 'rejected'],
    ['a null required field', enc(base({ zone: null })), 'rejected'],
    ['a missing required field', enc(JSON.stringify(base()).replace('"zone":"z",', '')), 'rejected'],
    ['physical range edges', enc(base({ temperature: -40, humidity: 100, signal_strength: -150, power_factor: 0 })), 'direct'],
    ['outside the physical range', enc(base({ humidity: 100.0000001 })), 'rejected'],
    ['a boolean reading', enc(base({ humidity: true })), 'rejected'],
    ['an upper-case uuid', enc(base({ event_id: '0B6F2C9E-3F0A-4C1E-9A53-1F7E2B9C1D00' })), 'direct'],
    ['the nil uuid', enc(base({ event_id: '00000000-0000-0000-0000-000000000000' })), 'direct'],
    ['a uuid of version 9', enc(base({ event_id: '0b6f2c9e-3f0a-9c1e-9a53-1f7e2b9c1d00' })), 'rejected'],
    ['a uuid with a trailing newline', enc(base({ event_id: '0b6f2c9e-3f0a-4c1e-9a53-1f7e2b9c1d00\n' })), 'rejected'],
    ['a firmware pre-release', enc(base({ firmware_version: '10.20.30-rc.1' })), 'direct'],
    ['a firmware with two suffixes (the contract allows one)', enc(base({ firmware_version: '10.20.30-rc.1+b.7' })), 'rejected'],
    ['a firmware with full-width digits', enc(base({ firmware_version: '１.0.0' })), 'rejected'],
    ['an unknown device', enc(base({ device_id: 'dev-9' })), 'rejected'],
    ['a device id with a space', enc(base({ device_id: 'dev 1' })), 'rejected'],
    ['a leap day', enc(base({ event_ts: '2024-02-29T23:59:59.999999999+05:30' })), 'direct'],
    ['no leap day', enc(base({ event_ts: '2023-02-29T00:00:00Z' })), 'rejected'],
    ['before 1970 with microseconds', enc(base({ event_ts: '1969-12-31T23:59:59.000001Z' })), 'direct'],
    ['year 0', enc(base({ event_ts: '0000-01-01T00:00:00.1-23:59' })), 'direct'],
    ['year 9999', enc(base({ event_ts: '9999-12-31T23:59:59.9999+23:59' })), 'direct'],
    ['no offset', enc(base({ event_ts: '2026-01-01T10:00:00' })), 'rejected'],
    ['hour 24', enc(base({ event_ts: '2026-01-01T24:00:00Z' })), 'rejected'],
    ['a top-level array', enc([base()]), 'rejected'],
    ['a top-level string', enc('"x"'), 'rejected'],
    ['an empty object', enc({}), 'rejected'],
    ['empty', Buffer.alloc(0), 'rejected'],
    ['oversized', enc(base({ x: 'y'.repeat(17_000) })), 'rejected'],
  ] as const)('%s', (_name, value, expected) => {
    const r = expectSameBatch([value], reg);
    expect(r.direct ? 'direct' : r.fallback ? 'fallback' : 'rejected').toBe(expected);
  });

  it('keeps rows of each partition and hour apart, seals a builder at fileRows, and merges the rest in partition order', () => {
    const n = open(reg, 3);
    const stop = new Int32Array(2);
    const ev = (ts: string) => enc(base({ event_id: randomUUID(), event_ts: ts }));
    const values = [ev('2026-01-01T10:00:00Z'), ev('2026-01-01T11:00:00Z'), ev('2026-01-01T10:30:00Z'), ev('2026-01-01T10:59:59.999999Z')];
    const spans = new Int32Array(values.flatMap((v) => [v.byteOffset, v.length]));
    // Each value in its own ArrayBuffer would stop a run; one buffer holds them all here.
    const all = Buffer.concat(values);
    let at = 0;
    values.forEach((v, i) => {
      spans[2 * i] = at;
      at += v.length;
    });
    const offsets = Float64Array.of(0, 1, 2, 3);
    expect(n.consume(all, spans, offsets, 5, 0, 4, stop)).toBe(4);
    expect([...stop]).toEqual([2, Date.UTC(2026, 0, 1, 10) / 3_600_000]);
    const sealed = columnBatchRows(asBatch(n.take(5, stop[1]!)));
    expect(sealed.map((r) => r._kafka_offset)).toEqual([0n, 2n, 3n]);
    expect(n.consume(all, spans, offsets, 7, 0, 2, stop)).toBe(2);
    expect(stop[0]).toBe(0);
    const rest = n.rest([7, 5]);
    expect(rest.map((r) => [r.hour, columnBatchRows(asBatch(r.batch)).map((x) => `${x._kafka_partition}@${x._kafka_offset}`)])).toEqual([
      [Date.UTC(2026, 0, 1, 10) / 3_600_000, ['7@0']],
      [Date.UTC(2026, 0, 1, 11) / 3_600_000, ['7@1', '5@1']],
    ]);
    expect(n.hours()).toEqual([Date.UTC(2026, 0, 1, 10) / 3_600_000, Date.UTC(2026, 0, 1, 11) / 3_600_000]);
    expect(n.rows).toBe(6);
    n.close();
  });

  it('a sealed batch encodes itself (natively, consuming it) to the bytes parquet-wasm writes for its columns', async () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 20, buildings: 2, count: 3000, seed: 'native-encode', startMs: Date.UTC(2025, 0, 1), stepMs: 1000 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const values: Buffer[] = [];
    for (let m = gen.next(); m; m = gen.next()) values.push(m.value);
    const all = Buffer.concat(values);
    const spans = new Int32Array(2 * values.length);
    values.reduce((at, v, i) => ((spans[2 * i] = at), (spans[2 * i + 1] = v.length), at + v.length), 0);
    const n = open(registry, 1000);
    const stop = new Int32Array(2);
    const sealed: SealedBatch[] = [];
    for (let k = 0; k < values.length; ) {
      k = n.consume(all, spans, Float64Array.from(values, (_, i) => i), 4, k, values.length, stop);
      if (stop[0] === 2) sealed.push(n.take(4, stop[1]!));
      else if (stop[0] === 1) k++;
    }
    sealed.push(...n.rest([4]).map((r) => r.batch));
    n.close();
    expect(sealed.length).toBeGreaterThan(2);
    for (const s of sealed) {
      const b = asBatch(s);
      const wasm = encodeParquetWasm(encodeJobOf(b, { rowGroupSize: 400 }));
      const self = await b.encode!({ compression: 'zstd', rowGroupSize: 400 });
      expect(wasm.ok && self.ok).toBe(true);
      if (!wasm.ok || !self.ok) return;
      expect(Buffer.from(self.bytes).equals(Buffer.from(wasm.bytes))).toBe(true);
      expect(self.columnSizes).toEqual(wasm.columnSizes);
      // Consumed: the rows went to the encoder (and the builder back to the spares).
      expect(() => s.columns()).toThrow(/handed to the Parquet encoder/);
      await expect(b.encode!({ compression: 'zstd' })).resolves.toMatchObject({ ok: false });
    }
  });

  it('matches uuids, timestamps, device ids and firmware versions by hand exactly as the contract\'s RegExps do', () => {
    const props = (contractJsonSchema('v2') as { properties: Record<string, { pattern?: string }> }).properties;
    const rnd = new Prng('fast-patterns');
    const pick = (chars: string): string => chars[rnd.int(0, chars.length - 1)]!;
    const hex = '0123456789abcdefABCDEF';
    const noise = `${hex}gGzZT:.+- 0189é\u0000`;
    /** Random edits: replace, delete or insert characters (one to three). */
    const mutate = (s: string): string => {
      let out = s;
      for (let k = rnd.int(1, 3); k > 0; k--) {
        const at = rnd.int(0, Math.max(0, out.length - 1));
        const op = rnd.int(0, 2);
        out = op === 0 ? out.slice(0, at) + pick(noise) + out.slice(at + 1) : op === 1 ? out.slice(0, at) + out.slice(at + 1) : out.slice(0, at) + pick(noise) + out.slice(at);
      }
      return out;
    };
    const d2 = (lo: number, hi: number): string => String(rnd.int(lo, hi)).padStart(2, '0');
    const uuids: string[] = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '00000000-0000-0000-0000-00000000000', ''];
    for (let i = 0; i < 20_000; i++) {
      const u = [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => pick(hex)).join('')).join('-');
      uuids.push(u, mutate(u), randomUUID(), mutate(randomUUID()));
    }
    const stamps: string[] = ['2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2000-02-29T23:59:59.999999999+14:00', '1900-02-29T00:00:00Z', '0000-02-29T00:00:00Z', '2026-01-01T00:00:00z', '2026-01-01t00:00:00Z', '2026-01-01T00:00:00.Z', ''];
    for (let i = 0; i < 20_000; i++) {
      const y = String(rnd.int(0, 9999)).padStart(4, '0');
      const frac = rnd.int(0, 3) === 0 ? '' : `.${Array.from({ length: rnd.int(0, 10) }, () => pick('0123456789')).join('')}`;
      const zone = [() => 'Z', () => `+${d2(0, 25)}:${d2(0, 61)}`, () => `-${d2(0, 24)}:${d2(0, 60)}`, () => `+${d2(0, 23)}${d2(0, 59)}`][rnd.int(0, 3)]!();
      const t = `${y}-${d2(0, 13)}-${d2(0, 32)}T${d2(0, 24)}:${d2(0, 60)}:${d2(0, 60)}${frac}${zone}`;
      const leap = `${y}-02-29T${d2(0, 23)}:${d2(0, 59)}:${d2(0, 59)}Z`;
      stamps.push(t, mutate(t), leap, new Date(rnd.int(-62_000_000_000_000, 250_000_000_000_000)).toISOString());
    }
    const idChars = 'abcXYZ019._:-';
    const ids: string[] = ['a', '0', '.a', '-', 'a'.repeat(64), 'a'.repeat(65), 'dev-0001\n', 'dév-1', ''];
    for (let i = 0; i < 20_000; i++) {
      const id = `${pick('aZ09')}${Array.from({ length: rnd.int(0, 70) }, () => pick(idChars)).join('')}`;
      ids.push(id, mutate(id), `dev-${String(i).padStart(6, '0')}`, mutate(`gw-${i}`), `${id.slice(0, rnd.int(0, 64))}${pick(' é+/\u0000#')}`);
    }
    const fws: string[] = ['1.2.3', '1.2.3-', '1.2.3+', '1.2.3-a.b-c', '01.002.3+build.7', '1..2.3', '.1.2.3', '1.2.3.4', '1.2', '1.2.3-é', '1.2.3\n', ''];
    for (let i = 0; i < 20_000; i++) {
      const suffix = rnd.int(0, 2) === 0 ? '' : `${pick('-+')}${Array.from({ length: rnd.int(0, 6) }, () => pick('aZ09.-')).join('')}`;
      const fw = `${rnd.int(0, 120)}.${rnd.int(0, 20)}.${rnd.int(0, 999)}${suffix}`;
      fws.push(fw, mutate(fw), mutate(mutate(fw)));
    }
    const addon = nativeAddon().addon!;
    for (const [field, values] of [['event_id', uuids], ['event_ts', stamps], ['device_id', ids], ['firmware_version', fws]] as const) {
      const pattern = props[field]!.pattern!;
      const re = new RegExp(pattern);
      const fast = addon.fastPatternMatches(pattern, values);
      const disagree = values.filter((v, i) => fast[i] !== re.test(v));
      expect(disagree, field).toEqual([]);
      // Both answers occur in numbers: the generated values test the matcher both ways.
      const accepted = fast.filter(Boolean).length;
      expect(accepted, field).toBeGreaterThan(values.length / 5);
      expect(values.length - accepted, field).toBeGreaterThan(values.length / 5);
    }
    expect(() => addon.fastPatternMatches('^a$', ['a'])).toThrow(/no hand-written matcher/);
  });

  it('counts repeated event ids across partitions as duplicates', () => {
    const n = open(reg);
    const stop = new Int32Array(2);
    const v = enc(base());
    for (const p of [0, 1, 0]) n.consume(v, Int32Array.of(0, v.length), Float64Array.of(p), p, 0, 1, stop);
    expect(n.rows).toBe(3);
    expect(n.duplicates).toBe(2);
    n.close();
  });

  it('counts a duplicate only for the same id string: case variants of a uuid are different ids', () => {
    // The addon keeps lowercase uuids as 128-bit numbers and every other id as bytes; an id's
    // case must not make two ids one, nor one id two. The 35-character, non-hex and `evt-` ids
    // fail the contract: their messages are rejected and count as neither rows nor duplicates.
    const rnd = new Prng('duplicate-ids');
    const pool: string[] = [];
    for (let i = 0; i < 300; i++) {
      const u = randomUUID();
      const mixed = [...u].map((c) => (rnd.int(0, 1) ? c.toUpperCase() : c)).join('');
      pool.push(u, u.toUpperCase(), mixed, `${u.slice(0, 35)}g`, u.slice(0, 35), `evt-${i}`);
    }
    const ids = Array.from({ length: 6_000 }, () => pool[rnd.int(0, pool.length - 1)]!);
    const n = open(reg);
    const stop = new Int32Array(2);
    for (const [i, id] of ids.entries()) {
      const v = enc(base({ event_id: id }));
      n.consume(v, Int32Array.of(0, v.length), Float64Array.of(i), 0, 0, 1, stop);
    }
    const accepted = ids.filter((id) => validateTelemetry(enc(base({ event_id: id })), reg).ok);
    expect(accepted.length).toBeGreaterThan(2_000);
    expect(n.rows).toBe(accepted.length);
    expect(n.duplicates).toBe(accepted.length - new Set(accepted).size);
    n.close();
  });

  it('a registry change reaches the addon; a device it does not know yet goes the TypeScript way', () => {
    const registry = new Set(['dev-1']);
    const v = enc(base({ device_id: 'dev-new' }));
    expect(expectSameBatch([v], registry).rejected).toBe(1);
    registry.add('dev-new');
    expect(expectSameBatch([v], registry).direct).toBe(1);
    // A lookup that cannot list its ids: nothing is accepted natively, everything still right.
    const opaque = { has: (id: string) => id === 'dev-1' };
    expect(expectSameBatch([enc(base())], opaque)).toEqual({ direct: 0, fallback: 1, rejected: 0 });
  });
});

/** A topic whose partitions hold `values`, every 7 messages' values in one Kafka-like response buffer. */
function topicOf(values: Buffer[][]): Map<number, KafkaMessage[]> {
  return new Map(
    values.map((vs, partition) => {
      const out: KafkaMessage[] = [];
      for (let i = 0; i < vs.length; i += 7) {
        const group = vs.slice(i, i + 7);
        const buf = Buffer.concat(group.flatMap((v) => [Buffer.from('hdr'), v]));
        let at = 0;
        group.forEach((v, k) => {
          at += 3;
          out.push({ partition, offset: i + k, timestamp: 1_700_000_000_000 + i + k, key: Buffer.from('dev-1'), value: v.length ? buf.subarray(at, at + v.length) : null, headers: {} });
          at += v.length;
        });
      }
      return [partition, out];
    }),
  );
}


describe('runBatch with and without the addon', () => {
  it('writes the same RAW files (names and Parquet bytes) and the same DLQ, with the same counts', async () => {
    const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 30, buildings: 3, count: 3000, seed: 'native-batch', startMs: Date.UTC(2025, 0, 1, 9, 50), stepMs: 500 });
    const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
    const parts: Buffer[][] = [[], [], []];
    let i = 0;
    for (let m = gen.next(); m; m = gen.next()) parts[i++ % 3]!.push(m.value);
    // Values only the TypeScript path accepts, in the middle of a partition's run.
    const valid = JSON.parse(parts[0]!.find((v) => validateTelemetry(v, registry).ok)!.toString('utf8')) as Record<string, unknown>;
    parts[1]!.splice(100, 0, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc(valid)]), enc(JSON.stringify({ ...valid, event_id: randomUUID() }).replace(/"zone":"[^"]*"/, '"zone":"x\\udfff"')), Buffer.alloc(0));
    const ranges = parts.map((p, partition) => ({ partition, from: 0, to: p.length }));
    const input = { topic: 'iot', batchId: batchIdOf('iot', ranges), ranges, ingestedAt: INGESTED_MS };
    const run = async (native: 'on' | 'off') => {
      const lake = new CaptureLake();
      const r = await runBatch({ reader: new FakeReader(topicOf(parts)), lake, registry, validate: validateTelemetry, fileRows: 400, native }, input);
      return { lake, r };
    };
    const off = await run('off');
    const on = await run('on');
    expect(on.lake.files.length).toBeGreaterThan(5);
    expect(on.lake.files.map((f) => f.name)).toEqual(off.lake.files.map((f) => f.name));
    expect(on.lake.files.map((f) => f.metrics)).toEqual(off.lake.files.map((f) => f.metrics));
    expect(on.lake.files.map((f) => f.parquet)).toEqual(off.lake.files.map((f) => f.parquet));
    expect(on.lake.dlq).toEqual(off.lake.dlq);
    const counts = (r: typeof on.r) => ({ messages: r.messages, rows: r.rows, rejects: r.rejects, duplicates: r.duplicates, bytes: r.bytes, hours: r.hours, dataFiles: r.dataFiles });
    expect(counts(on.r)).toEqual(counts(off.r));
    expect(on.r.rows + on.r.rejects).toBe(on.r.messages);
    expect(on.r.duplicates).toBeGreaterThan(0);
  });
});
