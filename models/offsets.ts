// Kafka offset ranges and positions: the domain values ingestion plans (workflows/ingest/plan.ts),
// reads (ingest/) and verifies (`floe verify`), and the deterministic batch id made of them.
// Pure: the workflow bundle includes this module.

/** A half-open Kafka offset range `[from, to)` of one partition. */
export interface OffsetRange {
  partition: number;
  from: number;
  to: number;
}

/** Low and high watermark of one partition: offsets `[low, high)` are readable. */
export interface PartitionWatermark {
  partition: number;
  low: number;
  high: number;
}

/** Positions: partition -> next offset to consume. */
export type Positions = Record<number, number>;

/** Applies a batch's ranges to positions (returns a new object). */
export function advance(positions: Positions, ranges: OffsetRange[]): Positions {
  const next: Positions = { ...positions };
  for (const r of ranges) next[r.partition] = r.to;
  return next;
}

/** Canonical text of ranges, e.g. `0:100-200,2:5-9`. */
export function rangesKey(ranges: OffsetRange[]): string {
  return [...ranges]
    .sort((a, b) => a.partition - b.partition)
    .map((r) => `${r.partition}:${r.from}-${r.to}`)
    .join(',');
}

/** 64-bit FNV-1a of a string, as 16 hex digits (no crypto: this runs inside workflows). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** Deterministic batch id from topic and ranges. */
export function batchIdOf(topic: string, ranges: OffsetRange[]): string {
  return `b-${fnv1a64(`${topic}|${rangesKey(ranges)}`)}`;
}
