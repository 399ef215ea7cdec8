// The alerts' Iceberg tables, declared as models/tables.ts declares RAW: field ids assigned here
// by hand, once, never moved or reused (test/unit/alerts/tables.test.ts pins them).
//   <ns>.alerts       every open and close event, as published (gold.alerts by default)
//   <ns>.alert_state  the (rule, device) pairs that are not normal after the last evaluation
// Both are written by the alerts workflow only, in one Nessie commit per evaluated RAW batch;
// the alerts table's snapshot summary carries the RAW snapshot evaluated through.
import type { TableDef } from '../models/tables.js';

export const ALERT_EVENT_FIELD_IDS = {
  event_id: 1,
  alert_id: 2,
  kind: 3,
  seq: 4,
  rule_id: 5,
  reading: 6,
  direction: 7,
  severity: 8,
  threshold: 9,
  clear_threshold: 10,
  device_id: 11,
  device_type: 12,
  building_id: 13,
  floor: 14,
  zone: 15,
  value: 16,
  peak: 17,
  event_ts: 18,
  breach_since: 19,
  opened_at: 20,
  closed_at: 21,
  trigger_event_id: 22,
  raw_snapshot_id: 23,
  stream: 24,
  evaluated_at: 25,
} as const;

export const ALERT_STATE_FIELD_IDS = {
  rule_id: 1,
  device_id: 2,
  phase: 3,
  breach_since: 4,
  opened_at: 5,
  alert_id: 6,
  recover_since: 7,
  last_ts: 8,
  peak: 9,
  device_type: 10,
  building_id: 11,
  floor: 12,
  zone: 13,
  stream: 14,
} as const;

const E = ALERT_EVENT_FIELD_IDS;
const S = ALERT_STATE_FIELD_IDS;

export function alertEventsTable(namespace: string): TableDef {
  return {
    namespace,
    name: 'alerts',
    doc: 'threshold alert events: one row per open and per close, exactly as published to Kafka and the webhook',
    columns: [
      { id: E.event_id, name: 'event_id', type: 'string', required: true, doc: 'deterministic id of the transition (UUID-shaped digest of alert_id and kind): consumers dedupe by it' },
      { id: E.alert_id, name: 'alert_id', type: 'string', required: true, doc: 'rule/device/breach start/stream: the open and the close of one alert share it' },
      { id: E.kind, name: 'kind', type: 'string', required: true, doc: 'open or close' },
      { id: E.seq, name: 'seq', type: 'long', required: true, doc: 'position of the event in its stream, from 1, without gaps' },
      { id: E.rule_id, name: 'rule_id', type: 'string', required: true, doc: 'the rule in the rules file (FLOE_ALERTS_RULES_FILE)' },
      { id: E.reading, name: 'reading', type: 'string', required: true, doc: 'the RAW reading column the rule watches' },
      { id: E.direction, name: 'direction', type: 'string', required: true, doc: 'above or below' },
      { id: E.severity, name: 'severity', type: 'string', required: true, doc: 'info, warning or critical' },
      { id: E.threshold, name: 'threshold', type: 'double', required: true, doc: 'level past which the alert opens (after overrides)' },
      { id: E.clear_threshold, name: 'clear_threshold', type: 'double', required: true, doc: 'level back past which it closes (hysteresis)' },
      { id: E.device_id, name: 'device_id', type: 'string', required: true },
      { id: E.device_type, name: 'device_type', type: 'string', required: false },
      { id: E.building_id, name: 'building_id', type: 'string', required: false },
      { id: E.floor, name: 'floor', type: 'int', required: false },
      { id: E.zone, name: 'zone', type: 'string', required: false },
      { id: E.value, name: 'value', type: 'double', required: true, doc: 'the reading that made the transition' },
      { id: E.peak, name: 'peak', type: 'double', required: true, doc: 'worst value since the breach started' },
      { id: E.event_ts, name: 'event_ts', type: 'timestamptz', required: true, doc: 'event time of the reading that made the transition' },
      { id: E.breach_since, name: 'breach_since', type: 'timestamptz', required: true, doc: 'event time the reading first went past the threshold' },
      { id: E.opened_at, name: 'opened_at', type: 'timestamptz', required: true },
      { id: E.closed_at, name: 'closed_at', type: 'timestamptz', required: false, doc: 'close events only' },
      { id: E.trigger_event_id, name: 'trigger_event_id', type: 'string', required: true, doc: 'RAW event_id of the reading that made the transition' },
      { id: E.raw_snapshot_id, name: 'raw_snapshot_id', type: 'long', required: true, doc: 'the RAW snapshot (ingest batch) the reading arrived in' },
      { id: E.stream, name: 'stream', type: 'string', required: true, doc: 'environment and RAW table evaluated, e.g. dev/raw.telemetry' },
      { id: E.evaluated_at, name: 'evaluated_at', type: 'timestamptz', required: true, doc: 'when the evaluation that found the transition ran' },
    ],
    partitionSpec: [{ fieldId: 1000, sourceColumn: 'event_ts', transform: 'day', name: 'event_ts_day' }],
  };
}

export function alertStateTable(namespace: string): TableDef {
  return {
    namespace,
    name: 'alert_state',
    doc: 'the (rule, device) pairs past a threshold after the last evaluation: pending (not yet long enough) or open',
    columns: [
      { id: S.rule_id, name: 'rule_id', type: 'string', required: true },
      { id: S.device_id, name: 'device_id', type: 'string', required: true },
      { id: S.phase, name: 'phase', type: 'string', required: true, doc: 'pending or open' },
      { id: S.breach_since, name: 'breach_since', type: 'timestamptz', required: true },
      { id: S.opened_at, name: 'opened_at', type: 'timestamptz', required: false },
      { id: S.alert_id, name: 'alert_id', type: 'string', required: false },
      { id: S.recover_since, name: 'recover_since', type: 'timestamptz', required: false, doc: 'open alerts back past clear, waiting for clear_for_seconds' },
      { id: S.last_ts, name: 'last_ts', type: 'timestamptz', required: true, doc: 'newest reading applied to the pair' },
      { id: S.peak, name: 'peak', type: 'double', required: true },
      { id: S.device_type, name: 'device_type', type: 'string', required: false },
      { id: S.building_id, name: 'building_id', type: 'string', required: false },
      { id: S.floor, name: 'floor', type: 'int', required: false },
      { id: S.zone, name: 'zone', type: 'string', required: false },
      { id: S.stream, name: 'stream', type: 'string', required: true },
    ],
    // A stream replaces its own partition after each evaluation that changed its states.
    partitionSpec: [{ fieldId: 1000, sourceColumn: 'stream', transform: 'identity', name: 'stream' }],
  };
}
