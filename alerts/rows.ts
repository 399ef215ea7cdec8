// Alert events and states as table rows and as JSON messages (Kafka value, webhook body), and back.
import type { AlertEvent, AlertState } from './evaluate.js';
import type { Severity } from './rules.js';
import type { SensorName } from '../models/sensors.js';

/** An event as stored: the evaluated event with its place in the stream. */
export interface StoredAlertEvent extends AlertEvent {
  seq: bigint;
  rawSnapshotId: bigint;
  stream: string;
  evaluatedAt: bigint;
}

type Row = Record<string, string | number | bigint | null>;

export function eventToRow(e: StoredAlertEvent): Row {
  return {
    event_id: e.eventId,
    alert_id: e.alertId,
    kind: e.kind,
    seq: e.seq,
    rule_id: e.ruleId,
    reading: e.reading,
    direction: e.direction,
    severity: e.severity,
    threshold: e.threshold,
    clear_threshold: e.clear,
    device_id: e.deviceId,
    device_type: e.deviceType,
    building_id: e.buildingId,
    floor: e.floor,
    zone: e.zone,
    value: e.value,
    peak: e.peak,
    event_ts: e.eventTs,
    breach_since: e.breachSince,
    opened_at: e.openedAt,
    closed_at: e.closedAt,
    trigger_event_id: e.triggerEventId,
    raw_snapshot_id: e.rawSnapshotId,
    stream: e.stream,
    evaluated_at: e.evaluatedAt,
  };
}

const micros = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(Math.round(Number(v) * 1000)));
const microsOrNull = (v: unknown): bigint | null => (v === null || v === undefined ? null : micros(v));
const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));

/** From a row as Arrow gives it (timestamps as milliseconds, longs as bigint). */
export function eventFromRow(r: Record<string, unknown>): StoredAlertEvent {
  return {
    eventId: r.event_id as string,
    alertId: r.alert_id as string,
    kind: r.kind as 'open' | 'close',
    seq: big(r.seq),
    ruleId: r.rule_id as string,
    reading: r.reading as SensorName,
    direction: r.direction as 'above' | 'below',
    severity: r.severity as Severity,
    threshold: r.threshold as number,
    clear: r.clear_threshold as number,
    deviceId: r.device_id as string,
    deviceType: (r.device_type as string | null) ?? '',
    buildingId: (r.building_id as string | null) ?? '',
    floor: (r.floor as number | null) ?? null,
    zone: (r.zone as string | null) ?? null,
    value: r.value as number,
    peak: r.peak as number,
    eventTs: micros(r.event_ts),
    breachSince: micros(r.breach_since),
    openedAt: micros(r.opened_at),
    closedAt: microsOrNull(r.closed_at),
    triggerEventId: r.trigger_event_id as string,
    rawSnapshotId: big(r.raw_snapshot_id),
    stream: r.stream as string,
    evaluatedAt: micros(r.evaluated_at),
  };
}

export function stateToRow(s: AlertState, stream: string): Row {
  return {
    rule_id: s.ruleId,
    device_id: s.deviceId,
    phase: s.phase,
    breach_since: s.breachSince,
    opened_at: s.openedAt,
    alert_id: s.alertId,
    recover_since: s.recoverSince,
    last_ts: s.lastTs,
    peak: s.peak,
    device_type: s.deviceType,
    building_id: s.buildingId,
    floor: s.floor,
    zone: s.zone,
    stream,
  };
}

export function stateFromRow(r: Record<string, unknown>): AlertState {
  return {
    ruleId: r.rule_id as string,
    deviceId: r.device_id as string,
    phase: r.phase as 'pending' | 'open',
    breachSince: micros(r.breach_since),
    openedAt: microsOrNull(r.opened_at),
    alertId: (r.alert_id as string | null) ?? null,
    recoverSince: microsOrNull(r.recover_since),
    lastTs: micros(r.last_ts),
    peak: r.peak as number,
    deviceType: (r.device_type as string | null) ?? '',
    buildingId: (r.building_id as string | null) ?? '',
    floor: (r.floor as number | null) ?? null,
    zone: (r.zone as string | null) ?? null,
  };
}

const iso = (us: bigint): string => new Date(Number(us / 1000n)).toISOString();

/** The published message: what Kafka consumers and the webhook receive. Plain JSON, ISO times. */
export interface AlertMessage {
  schema: 'floe.alert.v1';
  event_id: string;
  alert_id: string;
  kind: 'open' | 'close';
  seq: number;
  stream: string;
  rule_id: string;
  reading: string;
  direction: 'above' | 'below';
  severity: Severity;
  threshold: number;
  clear_threshold: number;
  device: { device_id: string; device_type: string; building_id: string; floor: number | null; zone: string | null };
  value: number;
  peak: number;
  event_ts: string;
  breach_since: string;
  opened_at: string;
  closed_at: string | null;
  trigger_event_id: string;
  raw_snapshot_id: string;
  evaluated_at: string;
}

export function toMessage(e: StoredAlertEvent): AlertMessage {
  return {
    schema: 'floe.alert.v1',
    event_id: e.eventId,
    alert_id: e.alertId,
    kind: e.kind,
    seq: Number(e.seq),
    stream: e.stream,
    rule_id: e.ruleId,
    reading: e.reading,
    direction: e.direction,
    severity: e.severity,
    threshold: e.threshold,
    clear_threshold: e.clear,
    device: { device_id: e.deviceId, device_type: e.deviceType, building_id: e.buildingId, floor: e.floor, zone: e.zone },
    value: e.value,
    peak: e.peak,
    event_ts: iso(e.eventTs),
    breach_since: iso(e.breachSince),
    opened_at: iso(e.openedAt),
    closed_at: e.closedAt === null ? null : iso(e.closedAt),
    trigger_event_id: e.triggerEventId,
    raw_snapshot_id: String(e.rawSnapshotId),
    evaluated_at: iso(e.evaluatedAt),
  };
}
