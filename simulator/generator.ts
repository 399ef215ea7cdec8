// Generates the simulator's messages: a pure, deterministic function of the options (seed,
// fleet, scenario, count, start time, spacing). Nothing here touches Kafka or the clock, so the
// same options give byte-identical messages, and a manifest that says exactly what ingestion
// must put in RAW and in the dead-letter table.
//
// The healthy path is hand-serialized (no intermediate objects, no JSON.stringify): one process
// must generate and send well over 100k messages/s.
import { SENSORS, STUCK_CANDIDATES, type SensorName } from '../models/sensors.js';
import { Prng } from './prng.js';
import { makeFleet, type SimDevice, type Building } from './fleet.js';
import { EDGE_KINDS, INVALID_KINDS, type Scenario, type Label, type EdgeKind, type InvalidKind } from './scenarios.js';
import { ManifestBuilder } from './manifest.js';
import { GeneratedMessage } from './message.js';
import { INVALID_LABELS, invalidMessage } from './invalid.js';
import { TRANSPORT_KINDS, assignAilments, deviceMixes, type Ailment, type DeviceMix } from './ailments.js';

export { GeneratedMessage } from './message.js';

/** The seed's recalibration rate: how fast drift is pulled back toward the mean each reading. */
export const RECALIBRATION_RATE = 0.2;
/** Battery % a healthy device uses per day, whatever its reporting interval. */
export const HEALTHY_BATTERY_DRAIN_PER_DAY = 2;
/** Drift keeps half of each reading's variance: stationary AR(1) var = σd² / (1 - (1-r)²). */
const DRIFT_SIGMA = Math.sqrt(0.5 * (1 - (1 - RECALIBRATION_RATE) ** 2));

export interface GeneratorOptions {
  scenario: Scenario;
  devices: number;
  buildings: number;
  /** Total messages to generate. */
  count: number;
  seed: string;
  /** Event time of the first message, epoch ms. */
  startMs: number;
  /** Event-time spacing between consecutive messages (ms); each device reports every devices × stepMs. */
  stepMs: number;
}

/** Readings a device's physics derive rather than draw (and that anomalies never target). */
const DERIVED: ReadonlySet<SensorName> = new Set(['current', 'energy_kwh', 'battery_level']);

interface DeviceState {
  device: SimDevice;
  key: Buffer;
  /** JSON between the event id and the event time: the device's constant fields. */
  jsonIdentity: string;
  jsonTail: string;
  sensors: readonly SensorName[];
  /** Per sensor (same order as `sensors`): scaled mean, scaled sigma, drift state, current value. */
  mean: Float64Array;
  sigma: Float64Array;
  drift: Float64Array;
  values: Float64Array;
  /** Normal range per sensor, for flagging anomalies without lookups. */
  normalLo: Float64Array;
  normalHi: Float64Array;
  /** Decimal places each reading is written with. */
  decimals: Uint8Array;
  /** `,"<sensor>":` per sensor: the constant JSON before each reading. */
  fieldPrefix: readonly string[];
  /** Physical range and rounding scale (0: integer) per sensor: roundReading without lookups by name. */
  physLo: Float64Array;
  physHi: Float64Array;
  roundScale: Float64Array;
  drawn: readonly number[];
  iVoltage: number;
  iPower: number;
  iPf: number;
  iCurrent: number;
  iEnergy: number;
  iBattery: number;
  energyKwh: number;
  battery: number;
  /** Battery % lost per reading: HEALTHY_BATTERY_DRAIN_PER_DAY spread over the day's readings, a few % while a failing battery drains. */
  batteryDrain: number;
  stuck: { index: number; value: number; remaining: number } | undefined;
  /** In `mixed`: the device's chance of each label (ailments.ts). */
  mix: DeviceMix | undefined;
  /** In `mixed`, on a device whose ailment is stuck_sensor: the reading that sticks, one that cannot repeat by chance. */
  faultySensor: number | undefined;
  offlineTurns: number;
  lastEventMs: number;
  seq: number;
  /** The last message that went to RAW, for the duplicate edge case. */
  lastRawMessage: GeneratedMessage | undefined;
}

function roundReading(name: SensorName, v: number): number {
  const spec = SENSORS[name];
  const [lo, hi] = spec.physical;
  const clamped = v < lo ? lo : v > hi ? hi : v;
  if (spec.integer) return Math.round(clamped);
  const scale = name === 'power_factor' || name === 'energy_kwh' ? 1000 : 100;
  const r = Math.round(clamped * scale) / scale;
  return r < lo ? lo : r > hi ? hi : r;
}

/** roundReading for sensor `i` of a device, from its precomputed range and scale (same arithmetic). */
function roundAt(st: DeviceState, i: number, v: number): number {
  const lo = st.physLo[i]!;
  const hi = st.physHi[i]!;
  const clamped = v < lo ? lo : v > hi ? hi : v;
  const scale = st.roundScale[i]!;
  if (scale === 0) return Math.round(clamped);
  const r = Math.round(clamped * scale) / scale;
  return r < lo ? lo : r > hi ? hi : r;
}

export class TelemetryGenerator {
  readonly fleet: { buildings: Building[]; devices: SimDevice[] };
  readonly manifest: ManifestBuilder;
  /** Each device's ailment in `mixed`, by device index (undefined: healthy); empty otherwise. */
  readonly ailments: readonly (Ailment | undefined)[] = [];
  private readonly rnd: Prng;
  /** Battery % a healthy device loses per reading. */
  private readonly healthyDrain: number;
  private readonly states: DeviceState[];
  private produced = 0;
  private slot = 0;
  private lastRawGlobal: GeneratedMessage | undefined;

  constructor(readonly options: GeneratorOptions) {
    if (!Number.isSafeInteger(options.devices) || options.devices < 1) throw new RangeError(`devices must be a positive integer, got ${options.devices}`);
    if (!Number.isSafeInteger(options.buildings) || options.buildings < 1) throw new RangeError(`buildings must be a positive integer, got ${options.buildings}`);
    if (!Number.isSafeInteger(options.count) || options.count < 0) throw new RangeError(`count must be a non-negative integer, got ${options.count}`);
    if (!Number.isFinite(options.startMs) || !Number.isFinite(options.stepMs) || options.stepMs < 0) throw new RangeError('startMs and stepMs must be finite, stepMs >= 0');
    this.fleet = makeFleet(options.devices, options.buildings);
    this.rnd = new Prng(`floe-sim:${options.seed}`);
    this.healthyDrain = (HEALTHY_BATTERY_DRAIN_PER_DAY * options.stepMs * options.devices) / 86_400_000;
    this.manifest = new ManifestBuilder();
    this.states = this.fleet.devices.map((d) => this.initialState(d));
    if (options.scenario === 'mixed') {
      this.ailments = assignAilments(options.devices);
      const mixes = deviceMixes(this.ailments);
      this.states.forEach((st, i) => {
        if (this.ailments[i] === 'stuck_sensor') st.faultySensor = st.drawn.find((j) => STUCK_CANDIDATES.includes(st.sensors[j]!)) ?? st.drawn[0]!;
        st.mix = mixes[i];
      });
    }
  }

  private initialState(device: SimDevice): DeviceState {
    const rec = device.record;
    const sensors = device.sensors;
    const n = sensors.length;
    const mean = new Float64Array(n);
    const sigma = new Float64Array(n);
    const drift = new Float64Array(n);
    const drawn: number[] = [];
    const normalLo = new Float64Array(n);
    const normalHi = new Float64Array(n);
    const decimals = new Uint8Array(n);
    const physLo = new Float64Array(n);
    const physHi = new Float64Array(n);
    const roundScale = new Float64Array(n);
    sensors.forEach((name, i) => {
      physLo[i] = SENSORS[name].physical[0];
      physHi[i] = SENSORS[name].physical[1];
      roundScale[i] = SENSORS[name].integer ? 0 : name === 'power_factor' || name === 'energy_kwh' ? 1000 : 100;
      normalLo[i] = SENSORS[name].normal[0];
      normalHi[i] = SENSORS[name].normal[1];
      decimals[i] = SENSORS[name].integer ? 0 : name === 'power_factor' || name === 'energy_kwh' ? 3 : 2;
      const scale = name === 'power_kw' ? (rec.rated_power_kw ?? 1) : 1;
      mean[i] = SENSORS[name].mean * scale;
      sigma[i] = SENSORS[name].sigma * scale;
      drift[i] = this.rnd.normal() * Math.SQRT1_2;
      if (!DERIVED.has(name)) drawn.push(i);
    });
    const identity = { device_id: rec.device_id, device_type: rec.device_type, building_id: rec.building_id, floor: rec.floor, zone: rec.zone, firmware_version: rec.firmware_version };
    return {
      device,
      key: Buffer.from(rec.device_id),
      jsonIdentity: JSON.stringify(identity).slice(1, -1),
      jsonTail: device.contractVersion === 2 ? `,"gateway_id":${JSON.stringify(device.gatewayId)}}` : '}',
      sensors,
      mean,
      sigma,
      drift,
      values: new Float64Array(n),
      normalLo,
      normalHi,
      decimals,
      fieldPrefix: sensors.map((name) => `,${JSON.stringify(name)}:`),
      physLo,
      physHi,
      roundScale,
      drawn,
      iVoltage: sensors.indexOf('voltage'),
      iPower: sensors.indexOf('power_kw'),
      iPf: sensors.indexOf('power_factor'),
      iCurrent: sensors.indexOf('current'),
      iEnergy: sensors.indexOf('energy_kwh'),
      iBattery: sensors.indexOf('battery_level'),
      energyKwh: Math.round(this.rnd.uniform(100, 50_000)),
      battery: this.rnd.uniform(60, 100),
      batteryDrain: this.healthyDrain,
      stuck: undefined,
      mix: undefined,
      faultySensor: undefined,
      offlineTurns: 0,
      lastEventMs: -Infinity,
      seq: this.rnd.int(0, 1000),
      lastRawMessage: undefined,
    };
  }

  get remaining(): number {
    return this.options.count - this.produced;
  }

  /** The next message, or undefined when `count` messages have been generated. */
  next(): GeneratedMessage | undefined {
    if (this.produced >= this.options.count) return undefined;
    const eventMs = this.options.startMs + this.produced * this.options.stepMs;
    // Round-robin over devices; an offline device lets its turns pass (the gap).
    let st: DeviceState;
    for (;;) {
      st = this.states[this.slot % this.states.length]!;
      this.slot++;
      if (st.offlineTurns > 0) {
        st.offlineTurns--;
        continue;
      }
      break;
    }
    const msg = this.generateFor(st, eventMs, this.drawLabel(st));
    this.produced++;
    this.manifest.add(msg);
    if (msg.eventId !== undefined) {
      st.lastRawMessage = msg;
      this.lastRawGlobal = msg;
    }
    return msg;
  }

  private drawLabel(st: DeviceState): Label {
    const r = this.rnd;
    switch (this.options.scenario) {
      case 'valid':
        return VALID;
      case 'anomaly':
        return ANOMALY;
      case 'edge_case':
        return EDGE_LABELS[r.pick(EDGE_KINDS)];
      case 'invalid_schema':
        return INVALID_LABELS[r.pick(INVALID_KINDS)];
      case 'mixed': {
        const mix = st.mix!;
        let u = r.next();
        if ((u -= mix.anomaly) < 0) return ANOMALY;
        if ((u -= mix.invalid) < 0) return INVALID_LABELS[r.pick(INVALID_KINDS)];
        if ((u -= mix.transport) < 0) return EDGE_LABELS[r.pick(TRANSPORT_KINDS)];
        for (const [kind, p] of mix.faults) if ((u -= p) < 0) return EDGE_LABELS[kind];
        return VALID;
      }
    }
  }

  /** Healthy readings into st.values: mean + drift (mean-reverting at the recalibration rate) + jitter. */
  private draw(st: DeviceState): void {
    const r = this.rnd;
    const { values, drift, mean, sigma } = st;
    for (const i of st.drawn) {
      // Drift carries half the variance, jitter the other half, so each reading is N(mean, sigma).
      const d = drift[i]! * (1 - RECALIBRATION_RATE) + r.normal() * DRIFT_SIGMA;
      drift[i] = d;
      values[i] = roundAt(st, i, mean[i]! + sigma[i]! * (d + r.normal() * Math.SQRT1_2));
    }
    if (st.stuck) {
      values[st.stuck.index] = st.stuck.value;
      if (--st.stuck.remaining <= 0) st.stuck = undefined;
    }
    this.derive(st);
  }

  /** The readings physics ties to others: current from power, energy accumulated, battery drained. */
  private derive(st: DeviceState): void {
    const { values } = st;
    const voltage = st.iVoltage >= 0 ? values[st.iVoltage]! : 230;
    const power = st.iPower >= 0 ? values[st.iPower]! : 0;
    const pf = st.iPf >= 0 ? values[st.iPf]! : 0.92;
    if (st.iCurrent >= 0) values[st.iCurrent] = roundAt(st, st.iCurrent, voltage > 0 && pf > 0 ? (power * 1000) / (voltage * pf) : 0);
    if (st.iEnergy >= 0) {
      st.energyKwh += (power * this.options.stepMs * this.states.length) / 3_600_000;
      values[st.iEnergy] = roundAt(st, st.iEnergy, st.energyKwh);
    }
    if (st.iBattery >= 0) {
      // Healthy batteries get swapped before they leave the normal range; a failing one runs flat first.
      if (st.battery <= 0 || (st.battery < 25 && st.batteryDrain < 1)) {
        st.battery = 100;
        st.batteryDrain = this.healthyDrain;
      } else {
        st.battery = Math.max(0, st.battery - this.rnd.uniform(0, 2 * st.batteryDrain));
      }
      values[st.iBattery] = roundAt(st, st.iBattery, st.battery);
    }
  }

  private statusFor(st: DeviceState): string {
    if (this.anomaliesOf(st).length) return 'warn';
    return this.rnd.next() < 0.002 ? 'error' : 'ok';
  }

  private anomaliesOf(st: DeviceState): SensorName[] {
    let out: SensorName[] | undefined;
    const { values, normalLo, normalHi } = st;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < normalLo[i]! || v > normalHi[i]!) (out ??= []).push(st.sensors[i]!);
    }
    return out ?? NONE;
  }

  private isoMinute = NaN;
  private isoMinutePrefix = '';

  /** Date#toISOString, with the minute prefix cached (consecutive events share it). */
  private isoTime(ms: number): string {
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.isoMinute || ms < 0) {
      if (ms < 0) return new Date(ms).toISOString();
      this.isoMinute = minute;
      this.isoMinutePrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    }
    const inMinute = ms - minute * 60_000;
    const sec = Math.floor(inMinute / 1000);
    const milli = Math.floor(inMinute - sec * 1000);
    return `${this.isoMinutePrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  }

  /** Serializes the device's current readings (or none) as one event. */
  private json(st: DeviceState, eventId: string, eventMs: number, status: string, withReadings: boolean): string {
    let s = `{"event_id":"${eventId}",${st.jsonIdentity},"event_ts":"${this.isoTime(eventMs)}","status":"${status}"`;
    if (withReadings) {
      const { fieldPrefix, values, decimals } = st;
      for (let i = 0; i < fieldPrefix.length; i++) s += fieldPrefix[i]! + formatFixed(values[i]!, decimals[i]!);
    }
    st.seq++;
    if (st.device.contractVersion === 2) s += `,"sequence_number":${st.seq}`;
    return s + st.jsonTail;
  }

  private raw(st: DeviceState, label: Label, eventMs: number, arrivalMs: number, status: string, withReadings = true): GeneratedMessage {
    const eventId = this.rnd.uuid();
    st.lastEventMs = Math.max(st.lastEventMs, arrivalMs);
    const text = this.json(st, eventId, eventMs, status, withReadings);
    return new GeneratedMessage(st.key, text, undefined, st.device.contractVersion === 2 ? 'v2' : 'v1', label, eventId, withReadings ? this.anomaliesOf(st) : NONE);
  }

  private generateFor(st: DeviceState, eventMs: number, label: Label): GeneratedMessage {
    switch (label.group) {
      case 'valid':
        this.draw(st);
        return this.raw(st, label, eventMs, eventMs, this.statusFor(st));
      case 'anomaly':
        return this.anomaly(st, eventMs, label);
      case 'edge_case':
        return this.edgeCase(st, eventMs, label.kind);
      case 'invalid_schema':
        return this.invalid(st, eventMs, label.kind);
    }
  }

  /** A reading outside its normal range but inside its physical one: kept in RAW, flagged later. */
  private anomaly(st: DeviceState, eventMs: number, label: Label): GeneratedMessage {
    const r = this.rnd;
    this.draw(st);
    const i = r.pick(st.drawn);
    const name = st.sensors[i]!;
    const spec = SENSORS[name];
    const [plo, phi] = spec.physical;
    const [nlo, nhi] = spec.normal;
    const high = phi > nhi && (nlo <= plo || r.next() < 0.7);
    const room = high ? phi - nhi : nlo - plo;
    const scale = Math.min(room * 0.9, Math.max(st.sigma[i]! * 20, room * 0.1));
    const step = spec.integer ? Math.max(1, Math.round(scale * r.uniform(0.1, 0.9))) : scale * r.uniform(0.1, 0.9);
    let v = roundReading(name, high ? nhi + step : nlo - step);
    // Rounding must not pull the value back inside the normal range.
    if (v >= nlo && v <= nhi) v = roundReading(name, high ? nhi + (spec.integer ? 1 : 0.01) : nlo - (spec.integer ? 1 : 0.01));
    st.values[i] = v;
    this.derive(st);
    return this.raw(st, label, eventMs, eventMs, 'warn');
  }

  private edgeCase(st: DeviceState, eventMs: number, kind: EdgeKind): GeneratedMessage {
    const r = this.rnd;
    const label = EDGE_LABELS[kind];
    switch (kind) {
      case 'offline':
        // A last heartbeat saying "offline" (no readings), then silence for a few of its turns.
        st.offlineTurns = r.int(3, 8);
        return this.raw(st, label, eventMs, eventMs, 'offline', false);
      case 'stuck_sensor': {
        this.draw(st);
        // A device whose ailment this is has one faulty sensor; elsewhere any sensor may stick.
        const i = st.faultySensor ?? r.pick(st.drawn);
        st.stuck = { index: i, value: st.values[i]!, remaining: r.int(5, 20) };
        return this.raw(st, label, eventMs, eventMs, this.statusFor(st));
      }
      case 'battery_drain':
        if (st.iBattery < 0) {
          // Mains-powered devices have no battery: their failing supply is a brown-out instead.
          this.draw(st);
          if (st.iVoltage >= 0) {
            st.values[st.iVoltage] = roundReading('voltage', r.uniform(150, 200));
            this.derive(st);
          }
          return this.raw(st, label, eventMs, eventMs, 'warn');
        }
        // The battery fails: it drops to a low level and runs flat within a few readings.
        st.battery = r.uniform(5, 15);
        st.batteryDrain = r.uniform(1, 3);
        this.draw(st);
        return this.raw(st, label, eventMs, eventMs, 'warn');
      case 'late':
        this.draw(st);
        return this.raw(st, label, eventMs - r.uniform(1, 6) * 3_600_000, eventMs, this.statusFor(st));
      case 'duplicate': {
        const prev = st.lastRawMessage ?? this.lastRawGlobal;
        if (prev) return prev.relabel(label);
        // Nothing sent yet to duplicate: the first message cannot be a resend.
        return this.edgeCase(st, eventMs, 'late');
      }
      case 'out_of_order': {
        // Event time before this device's previous event, so it arrives out of order.
        this.draw(st);
        const before = Number.isFinite(st.lastEventMs) ? st.lastEventMs : eventMs;
        const back = r.uniform(1, Math.max(2, this.options.stepMs * this.states.length * 3));
        return this.raw(st, label, Math.round(before - back), eventMs, this.statusFor(st));
      }
      case 'clock_skew':
        this.draw(st);
        return this.raw(st, label, eventMs + Math.round(r.uniform(10, 180) * 60_000), eventMs, this.statusFor(st));
    }
  }

  private invalid(st: DeviceState, eventMs: number, kind: InvalidKind): GeneratedMessage {
    this.draw(st);
    const text = this.json(st, this.rnd.uuid(), eventMs, this.statusFor(st), true);
    return invalidMessage(this.rnd, kind, { key: st.key, text, eventMs, deviceIndex: st.device.index, sensors: st.sensors, contract: st.device.contractVersion === 2 ? 'v2' : 'v1' });
  }
}

/**
 * A reading as JSON, with exactly `decimals` places ("25.80"): integer formatting is several
 * times faster than Number#toString on doubles, and the JSON number parses to the same value.
 */
export function formatFixed(v: number, decimals: number): string {
  if (decimals === 0) return String(Math.round(v));
  const scale = decimals === 3 ? 1000 : 100;
  const n = Math.round(Math.abs(v) * scale);
  const int = Math.floor(n / scale);
  const frac = n - int * scale;
  const sign = v < 0 && n !== 0 ? '-' : '';
  const pad = decimals === 3 ? (frac < 10 ? '00' : frac < 100 ? '0' : '') : frac < 10 ? '0' : '';
  return `${sign}${int}.${pad}${frac}`;
}

const NONE: SensorName[] = [];
const VALID: Label = { group: 'valid' };
const ANOMALY: Label = { group: 'anomaly' };
const EDGE_LABELS = Object.fromEntries(EDGE_KINDS.map((kind) => [kind, { group: 'edge_case', kind }])) as Record<EdgeKind, Label>;
