// The manifest of one `floe produce` run: what was sent, and what ingestion must therefore hold.
// For any offset range that covers the run, RAW rows + DLQ rows = messages, and:
//   RAW rows        = expected.raw        (event ids: expected.rawEventIdsSha256, with duplicates)
//   DLQ rows        = expected.dlq        (per kind: expected.dlqByKind; per kind+path: expected.dlqByKindAndPath)
//   distinct events = expected.distinctEventIds (what SILVER keeps after deduplication)
import { createHash } from 'node:crypto';
import type { SensorName } from '../models/sensors.js';
import { EDGE_KINDS, INVALID_KINDS, type EdgeKind, type Group, type InvalidKind } from './scenarios.js';
import type { GeneratedMessage } from './generator.js';
import type { Ailment } from './ailments.js';

export interface Manifest {
  manifestVersion: 1;
  run: {
    scenario: string;
    seed: string;
    devices: number;
    buildings: number;
    topic: string;
    registryTopic: string;
    /** Event time of the first message and the span the event times cover (ISO, ms). */
    start: string;
    spanMs: number;
    mode: 'live' | 'history';
    client: string;
    startedAt: string;
    finishedAt: string;
    seconds: number;
    messagesPerSecond: number;
  };
  messages: number;
  bytes: number;
  byGroup: Record<Group, number>;
  byEdgeKind: Record<EdgeKind, number>;
  byInvalidKind: Record<InvalidKind, number>;
  byContract: { v1: number; v2: number };
  expected: {
    raw: number;
    dlq: number;
    dlqByKind: Record<InvalidKind, number>;
    /** "kind $.path" -> count: exactly the (error_kind, error_path) pairs of DLQ rows. */
    dlqByKindAndPath: Record<string, number>;
    duplicates: number;
    distinctEventIds: number;
    /** RAW rows with at least one reading outside its normal range (flagged later, never rejected). */
    anomalousEvents: number;
    anomaliesBySensor: Partial<Record<SensorName, number>>;
    /** sha256 over the sorted event ids of RAW rows (duplicates included), one per line ("\n"-joined). */
    rawEventIdsSha256: string;
  };
  /** Per partition of the topic: offsets [from, toExclusive) this run's messages occupy. */
  offsets?: Record<string, { from: string; toExclusive: string }>;
  /** RAW event ids, sorted, when asked for (--manifest-event-ids). */
  rawEventIds?: string[];
  /** In `mixed`: the device ids each ailment afflicts (simulator/ailments.ts); the rest are healthy. */
  ailingDevices?: Partial<Record<Ailment, string[]>>;
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class ManifestBuilder {
  messages = 0;
  bytes = 0;
  readonly byGroup: Record<Group, number> = { valid: 0, anomaly: 0, edge_case: 0, invalid_schema: 0 };
  readonly byEdgeKind = zeroes(EDGE_KINDS);
  readonly byInvalidKind = zeroes(INVALID_KINDS);
  readonly byContract = { v1: 0, v2: 0 };
  readonly dlqByKindAndPath: Record<string, number> = {};
  readonly anomaliesBySensor: Partial<Record<SensorName, number>> = {};
  anomalousEvents = 0;
  duplicates = 0;
  private readonly rawIds: string[] = [];

  add(m: GeneratedMessage): void {
    this.messages++;
    this.bytes += m.byteLength;
    this.byGroup[m.label.group]++;
    if (m.label.group === 'edge_case') this.byEdgeKind[m.label.kind]++;
    if (m.label.group === 'invalid_schema') {
      this.byInvalidKind[m.label.kind]++;
      const k = `${m.label.kind} ${m.expectedErrorPath ?? '$'}`;
      this.dlqByKindAndPath[k] = (this.dlqByKindAndPath[k] ?? 0) + 1;
      return;
    }
    if (m.eventId === undefined) throw new Error('manifest: a RAW-bound message has no event id');
    this.byContract[m.contract]++;
    this.rawIds.push(m.eventId);
    // A duplicate is a resend of an earlier RAW message (same event id); event ids are 122 random bits otherwise.
    if (m.label.group === 'edge_case' && m.label.kind === 'duplicate') this.duplicates++;
    const odd = m.anomalies ?? [];
    if (odd.length) {
      this.anomalousEvents++;
      for (const s of odd) this.anomaliesBySensor[s] = (this.anomaliesBySensor[s] ?? 0) + 1;
    }
  }

  sortedRawEventIds(): string[] {
    return sortEventIds(this.rawIds);
  }

  build(run: Manifest['run'], extra: { offsets?: Manifest['offsets']; includeEventIds?: boolean; ailingDevices?: Manifest['ailingDevices'] } = {}): Manifest {
    const sorted = this.sortedRawEventIds();
    const dlq = INVALID_KINDS.reduce((n, k) => n + this.byInvalidKind[k], 0);
    const m: Manifest = {
      manifestVersion: 1,
      run,
      messages: this.messages,
      bytes: this.bytes,
      byGroup: { ...this.byGroup },
      byEdgeKind: { ...this.byEdgeKind },
      byInvalidKind: { ...this.byInvalidKind },
      byContract: { ...this.byContract },
      expected: {
        raw: this.messages - dlq,
        dlq,
        dlqByKind: { ...this.byInvalidKind },
        dlqByKindAndPath: Object.fromEntries(Object.entries(this.dlqByKindAndPath).sort()),
        duplicates: this.duplicates,
        distinctEventIds: this.rawIds.length - this.duplicates,
        anomalousEvents: this.anomalousEvents,
        anomaliesBySensor: { ...this.anomaliesBySensor },
        rawEventIdsSha256: sortedEventIdsSha256(sorted),
      },
    };
    if (extra.offsets) m.offsets = extra.offsets;
    if (extra.includeEventIds) m.rawEventIds = sorted;
    if (extra.ailingDevices) m.ailingDevices = extra.ailingDevices;
    return m;
  }
}

/** The digest the manifest states for a list of event ids (sorted here, duplicates kept). */
export function eventIdsSha256(ids: readonly string[]): string {
  return sortedEventIdsSha256(sortEventIds(ids));
}

/** eventIdsSha256 of ids already sorted: hashed in large joined chunks, not one update per id. */
function sortedEventIdsSha256(sorted: readonly string[]): string {
  const h = createHash('sha256');
  const CHUNK = 8192;
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const part = sorted.slice(i, i + CHUNK).join('\n');
    h.update(i ? `\n${part}` : part);
  }
  return h.digest('hex');
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * The ids in code-unit order, as Array#sort() gives. Event ids are lowercase hex UUIDs, so they
 * are bucketed by their first three hex digits and each small bucket sorted (3-4x faster than one
 * sort of a million ids); anything else falls back to a plain sort.
 */
export function sortEventIds(ids: readonly string[]): string[] {
  const buckets: string[][] = Array.from({ length: 4096 }, () => []);
  for (const id of ids) {
    const k = ((HEX_VALUE[id.charCodeAt(0)] ?? -1) << 8) | ((HEX_VALUE[id.charCodeAt(1)] ?? -1) << 4) | (HEX_VALUE[id.charCodeAt(2)] ?? -1);
    if (k < 0 || id.length < 3) return [...ids].sort();
    buckets[k]!.push(id);
  }
  const out: string[] = new Array<string>(ids.length);
  let n = 0;
  for (const b of buckets) {
    b.sort();
    for (const id of b) out[n++] = id;
  }
  return out;
}
