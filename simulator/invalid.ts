// Invalid messages for the `invalid_schema` kinds: a valid event of the device, broken in the way
// its kind names, with the JSON path validation must report. Each lands in the DLQ.
import { MAX_EVENT_BYTES } from '../models/telemetry.js';
import { SENSORS, type SensorName } from '../models/sensors.js';
import { INVALID_KINDS, type InvalidKind, type Label } from './scenarios.js';
import { GeneratedMessage } from './message.js';
import type { Prng } from './prng.js';

export const INVALID_LABELS = Object.fromEntries(INVALID_KINDS.map((kind) => [kind, { group: 'invalid_schema', kind }])) as Record<InvalidKind, Label>;
const REQUIRED_FIELDS = ['event_id', 'device_id', 'device_type', 'building_id', 'floor', 'zone', 'event_ts', 'firmware_version', 'status'] as const;

/** The device's valid event as JSON text, and what breaking it needs to know of the device. */
export interface ValidEvent {
  key: Buffer;
  text: string;
  eventMs: number;
  deviceIndex: number;
  sensors: readonly SensorName[];
  contract: 'v1' | 'v2';
}

export function invalidMessage(r: Prng, kind: InvalidKind, { key, text, eventMs, deviceIndex, sensors, contract }: ValidEvent): GeneratedMessage {
  const label = INVALID_LABELS[kind];
  const e = JSON.parse(text) as Record<string, unknown>;
  const out = (value: Buffer, expectedErrorPath: string, k: Buffer = key): GeneratedMessage => GeneratedMessage.ofBytes(k, value, contract, label, expectedErrorPath);
  switch (kind) {
    case 'malformed_json':
      // Any proper prefix of a JSON object is not JSON.
      return out(Buffer.from(text.slice(0, r.int(1, text.length - 1))), '$');
    case 'missing_field': {
      const field = r.pick(REQUIRED_FIELDS);
      delete e[field];
      return out(Buffer.from(JSON.stringify(e)), `$.${field}`);
    }
    case 'wrong_type': {
      const choice = r.int(0, 5);
      let field: string;
      if (choice === 0) { field = 'floor'; e.floor = String(e.floor); }
      else if (choice === 1) { field = 'status'; e.status = 1; }
      else if (choice === 2) { field = 'event_ts'; e.event_ts = eventMs; }
      else if (choice === 3) { field = 'device_id'; e.device_id = deviceIndex + 1; }
      else { field = r.pick(sensors); e[field] = String(e[field]); }
      return out(Buffer.from(JSON.stringify(e)), `$.${field}`);
    }
    case 'out_of_physical_range': {
      const name = r.pick(sensors);
      const [lo, hi] = SENSORS[name].physical;
      const high = !(lo === 0 && r.next() < 0.5) || lo < 0 ? r.next() < 0.5 || lo === 0 : false;
      const delta = Math.max(1, Math.min(hi - lo, 1000) * r.uniform(0.05, 0.5));
      const v = high ? hi + delta : lo - delta;
      e[name] = SENSORS[name].integer ? Math.round(v) : Math.round(v * 100) / 100;
      return out(Buffer.from(JSON.stringify(e)), `$.${name}`);
    }
    case 'unknown_device': {
      const ghost = `ghost-${r.hex(8)}`;
      e.device_id = ghost;
      return out(Buffer.from(JSON.stringify(e)), '$.device_id', Buffer.from(ghost));
    }
    case 'oversized':
      e.debug_dump = 'x'.repeat(MAX_EVENT_BYTES + r.int(1, 16_384));
      return out(Buffer.from(JSON.stringify(e)), '$');
    case 'not_utf8': {
      // A Latin-1 "ö" where UTF-8 is required, inside the zone string: right shape, wrong encoding.
      const json = Buffer.from(JSON.stringify({ ...e, zone: '@@ZONE@@' }));
      const at = json.indexOf('@@ZONE@@');
      return out(Buffer.concat([json.subarray(0, at), Buffer.from([0x5a, 0xf6, 0x6e, 0x65]), json.subarray(at + 8)]), '$');
    }
    case 'empty':
      return out(Buffer.alloc(0), '$');
  }
}
