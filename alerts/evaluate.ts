// The alert state machine, pure: given the states carried from the last evaluation and a batch
// of readings, the transitions (open, close) and the states to carry on. Per rule and device:
//   normal --past threshold--> pending --still past after for_seconds--> open (event)
//   pending --back inside threshold--> normal
//   open --back past clear (hysteresis) for clear_for_seconds--> normal (event)
// Time is event time (the readings' event_ts), so re-evaluating the same readings gives the same
// events with the same ids: a retried evaluation can never publish a different story.
import { createHash } from 'node:crypto';
import { effectiveRule, type EffectiveRule, type RulesFile, type Severity } from './rules.js';
import type { SensorName } from '../models/sensors.js';

/** One RAW reading, narrowed to what the rules need. Timestamps are epoch microseconds. */
export interface Reading {
  eventId: string;
  deviceId: string;
  deviceType: string;
  buildingId: string;
  floor: number | null;
  zone: string | null;
  eventTs: bigint;
  values: Partial<Record<SensorName, number | null>>;
}

/** A (rule, device) pair that is not normal: pending (past threshold, not yet long enough) or open. */
export interface AlertState {
  ruleId: string;
  deviceId: string;
  phase: 'pending' | 'open';
  /** When the reading first went past the threshold. */
  breachSince: bigint;
  /** Open only: when the alert opened, and its id. */
  openedAt: bigint | null;
  alertId: string | null;
  /** Open only: since when the reading has been back past `clear` (null while still past it). */
  recoverSince: bigint | null;
  /** Newest reading applied; older ones arriving later are ignored for this pair. */
  lastTs: bigint;
  /** Worst value seen since breachSince. */
  peak: number;
  deviceType: string;
  buildingId: string;
  floor: number | null;
  zone: string | null;
}

export type AlertKind = 'open' | 'close';

export interface AlertEvent {
  eventId: string;
  alertId: string;
  kind: AlertKind;
  ruleId: string;
  reading: SensorName;
  direction: 'above' | 'below';
  severity: Severity;
  threshold: number;
  clear: number;
  deviceId: string;
  deviceType: string;
  buildingId: string;
  floor: number | null;
  zone: string | null;
  /** The reading that made the transition: its value, time and event id. */
  value: number;
  eventTs: bigint;
  triggerEventId: string;
  peak: number;
  breachSince: bigint;
  openedAt: bigint;
  /** Close events only. */
  closedAt: bigint | null;
}

export function stateKey(ruleId: string, deviceId: string): string {
  return `${ruleId}\u0000${deviceId}`;
}

/**
 * The id of an alert: stable across retries and replays, unique per stream (environment and RAW
 * table), rule, device and breach start.
 */
export function alertIdOf(stream: string, ruleId: string, deviceId: string, breachSince: bigint): string {
  return `${ruleId}/${deviceId}/${breachSince}/${hash(stream).slice(0, 8)}`;
}

/** A transition's event id: a UUID-shaped digest of its alert id and kind (deterministic). */
export function eventIdOf(alertId: string, kind: AlertKind): string {
  const h = hash(`${alertId}\u0000${kind}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function past(r: EffectiveRule, v: number): boolean {
  return r.direction === 'above' ? v > r.threshold : v < r.threshold;
}

function back(r: EffectiveRule, v: number): boolean {
  return r.direction === 'above' ? v <= r.clear : v >= r.clear;
}

function worse(r: EffectiveRule, a: number, b: number): number {
  return r.direction === 'above' ? Math.max(a, b) : Math.min(a, b);
}

export interface EvaluationResult {
  events: AlertEvent[];
  /** Every non-normal pair after the batch (pairs back to normal are dropped). */
  states: Map<string, AlertState>;
  /** Readings older than the newest already applied to their pair, ignored for it. */
  lateReadings: number;
}

/**
 * Readings grouped by device (devices in id order), each device's in event time (then event id):
 * the order is the same whatever order the files were read in, so evaluation is deterministic.
 * Grouping first sorts many small lists instead of one large one.
 */
function byDeviceAndTime(readings: readonly Reading[]): Reading[] {
  const byDevice = new Map<string, Reading[]>();
  for (const r of readings) {
    const list = byDevice.get(r.deviceId);
    if (list) list.push(r);
    else byDevice.set(r.deviceId, [r]);
  }
  const out: Reading[] = [];
  for (const id of [...byDevice.keys()].sort()) {
    const list = byDevice.get(id)!;
    list.sort((a, b) => (a.eventTs !== b.eventTs ? (a.eventTs < b.eventTs ? -1 : 1) : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    for (const r of list) out.push(r);
  }
  return out;
}

export function evaluate(rules: RulesFile, stream: string, carried: ReadonlyMap<string, AlertState>, readings: readonly Reading[]): EvaluationResult {
  const states = new Map(carried);
  const events: AlertEvent[] = [];
  let lateReadings = 0;
  const sorted = byDeviceAndTime(readings);
  // Overrides depend on device type and building only: resolve a device's rules once (again if
  // they change). Most readings are normal for a device with no open or pending pair: those are
  // passed over without touching the state map.
  const resolved = new Map<string, { type: string; building: string; rules: EffectiveRule[] }>();
  const withState = new Map<string, number>();
  for (const s of states.values()) withState.set(s.deviceId, (withState.get(s.deviceId) ?? 0) + 1);
  for (const reading of sorted) {
    let device = resolved.get(reading.deviceId);
    if (!device || device.type !== reading.deviceType || device.building !== reading.buildingId) {
      const at = { device_type: reading.deviceType, building_id: reading.buildingId };
      device = { type: reading.deviceType, building: reading.buildingId, rules: rules.rules.map((spec) => effectiveRule(spec, at)) };
      resolved.set(reading.deviceId, device);
    }
    for (const rule of device.rules) {
      const v = reading.values[rule.reading];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      if (!withState.has(reading.deviceId) && !past(rule, v)) continue;
      const key = stateKey(rule.ruleId, reading.deviceId);
      const s = states.get(key);
      if (s && reading.eventTs < s.lastTs) {
        lateReadings++;
        continue;
      }
      const next = step(rule, stream, s, reading, v, events);
      if (next) states.set(key, next);
      else states.delete(key);
      const delta = (next ? 1 : 0) - (s ? 1 : 0);
      if (delta) {
        const n = (withState.get(reading.deviceId) ?? 0) + delta;
        if (n > 0) withState.set(reading.deviceId, n);
        else withState.delete(reading.deviceId);
      }
    }
  }
  events.sort((a, b) => (a.eventTs !== b.eventTs ? (a.eventTs < b.eventTs ? -1 : 1) : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return { events, states, lateReadings };
}

/** One reading applied to one pair: the pair's next state (undefined: normal), events pushed. */
function step(rule: EffectiveRule, stream: string, s: AlertState | undefined, r: Reading, v: number, events: AlertEvent[]): AlertState | undefined {
  const device = { deviceType: r.deviceType, buildingId: r.buildingId, floor: r.floor, zone: r.zone };
  if (!s || s.phase === 'pending') {
    if (!past(rule, v)) return undefined;
    const pending: AlertState = s
      ? { ...s, ...device, lastTs: r.eventTs, peak: worse(rule, s.peak, v) }
      : { ruleId: rule.ruleId, deviceId: r.deviceId, phase: 'pending', breachSince: r.eventTs, openedAt: null, alertId: null, recoverSince: null, lastTs: r.eventTs, peak: v, ...device };
    if (r.eventTs - pending.breachSince < rule.forMicros) return pending;
    const alertId = alertIdOf(stream, rule.ruleId, r.deviceId, pending.breachSince);
    const open: AlertState = { ...pending, phase: 'open', openedAt: r.eventTs, alertId };
    events.push(eventOf(rule, open, 'open', r, v, null));
    return open;
  }
  // Open: stays open inside the hysteresis band; closes once back past `clear` long enough.
  const peak = past(rule, v) ? worse(rule, s.peak, v) : s.peak;
  if (!back(rule, v)) return { ...s, ...device, lastTs: r.eventTs, peak, recoverSince: null };
  const recoverSince = s.recoverSince ?? r.eventTs;
  if (r.eventTs - recoverSince < rule.clearForMicros) return { ...s, ...device, lastTs: r.eventTs, peak, recoverSince };
  events.push(eventOf(rule, { ...s, ...device, peak }, 'close', r, v, r.eventTs));
  return undefined;
}

function eventOf(rule: EffectiveRule, s: AlertState, kind: AlertKind, r: Reading, v: number, closedAt: bigint | null): AlertEvent {
  const alertId = s.alertId!;
  return {
    eventId: eventIdOf(alertId, kind),
    alertId,
    kind,
    ruleId: rule.ruleId,
    reading: rule.reading,
    direction: rule.direction,
    severity: rule.severity,
    threshold: rule.threshold,
    clear: rule.clear,
    deviceId: s.deviceId,
    deviceType: s.deviceType,
    buildingId: s.buildingId,
    floor: s.floor,
    zone: s.zone,
    value: v,
    eventTs: r.eventTs,
    triggerEventId: r.eventId,
    peak: s.peak,
    breachSince: s.breachSince,
    openedAt: s.openedAt!,
    closedAt,
  };
}
