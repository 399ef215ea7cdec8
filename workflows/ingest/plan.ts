// Offset-range planning for ingestion micro-batches. Pure and deterministic: the workflow calls
// it, so every planned range is recorded in workflow history and can be audited. The ranges and
// positions it plans are models/offsets.ts's, which ingestion and `floe verify` share.
import { advance, batchIdOf, type OffsetRange, type PartitionWatermark, type Positions } from '../../models/offsets.js';

export interface BatchLimits {
  /** Most messages one batch may cover. */
  maxRecords: number;
  /** Most message bytes one batch may cover (estimated from avgMessageBytes). */
  maxBytes: number;
  /** Average message size used to turn maxBytes into a record budget; >= 1. */
  avgMessageBytes: number;
}

export interface BatchPlan {
  /** Deterministic from topic and ranges: a retried or re-planned batch has the same id. */
  batchId: string;
  topic: string;
  /** Non-empty ranges, ordered by partition. */
  ranges: OffsetRange[];
  records: number;
}

export interface StartPlan {
  positions: Positions;
  /** Offsets that retention removed before they were ever committed (they cannot be ingested). */
  retentionGaps: OffsetRange[];
}

function checkOffset(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/**
 * Where consumption starts per partition: the committed position, or the low watermark when
 * nothing was committed yet or retention already removed the committed position.
 */
export function startPositions(committed: Positions, watermarks: PartitionWatermark[]): StartPlan {
  const positions: Positions = {};
  const retentionGaps: OffsetRange[] = [];
  for (const w of watermarks) {
    checkOffset(`low watermark of partition ${w.partition}`, w.low);
    checkOffset(`high watermark of partition ${w.partition}`, w.high);
    const c = committed[w.partition];
    if (c === undefined) {
      positions[w.partition] = w.low;
      continue;
    }
    checkOffset(`committed position of partition ${w.partition}`, c);
    if (c > w.high) {
      throw new RangeError(
        `committed position ${c} of partition ${w.partition} is beyond its high watermark ${w.high}: the topic was recreated or RAW belongs to another topic`,
      );
    }
    if (c < w.low) retentionGaps.push({ partition: w.partition, from: c, to: w.low });
    positions[w.partition] = Math.max(c, w.low);
  }
  return { positions, retentionGaps };
}

/** Messages between positions and targets, summed over partitions. */
export function lag(positions: Positions, targets: Positions): number {
  let total = 0;
  for (const [p, high] of Object.entries(targets)) {
    const pos = positions[Number(p)] ?? 0;
    total += Math.max(0, high - pos);
  }
  return total;
}

/** Record budget of one batch: the smaller of maxRecords and maxBytes / avgMessageBytes. */
export function recordBudget(limits: BatchLimits): number {
  if (!Number.isSafeInteger(limits.maxRecords) || limits.maxRecords < 1) {
    throw new RangeError(`maxRecords must be a positive integer, got ${limits.maxRecords}`);
  }
  if (!Number.isSafeInteger(limits.maxBytes) || limits.maxBytes < 1) {
    throw new RangeError(`maxBytes must be a positive integer, got ${limits.maxBytes}`);
  }
  const avg = Math.max(1, limits.avgMessageBytes);
  return Math.max(1, Math.min(limits.maxRecords, Math.floor(limits.maxBytes / avg)));
}

/**
 * Plans the next batch from positions towards targets (high watermarks), splitting the record
 * budget fairly over partitions with lag (water-filling: a partition needing less than its share
 * gives the rest to the others). Returns null when every partition has reached its target.
 */
export function planBatch(topic: string, positions: Positions, targets: Positions, limits: BatchLimits): BatchPlan | null {
  const budget = recordBudget(limits);
  const pending = Object.entries(targets)
    .map(([p, high]) => {
      const partition = Number(p);
      const from = positions[partition] ?? 0;
      checkOffset(`position of partition ${partition}`, from);
      checkOffset(`target of partition ${partition}`, high);
      return { partition, from, lag: Math.max(0, high - from) };
    })
    .filter((x) => x.lag > 0)
    .sort((a, b) => a.partition - b.partition);
  if (pending.length === 0) return null;

  const take = new Map<number, number>();
  let remaining = budget;
  let open = [...pending];
  while (remaining > 0 && open.length > 0) {
    const share = Math.max(1, Math.floor(remaining / open.length));
    const next: typeof open = [];
    for (const x of open) {
      if (remaining === 0) break;
      const already = take.get(x.partition) ?? 0;
      const n = Math.min(share, x.lag - already, remaining);
      take.set(x.partition, already + n);
      remaining -= n;
      if (already + n < x.lag) next.push(x);
    }
    open = next;
  }

  const ranges: OffsetRange[] = pending
    .filter((x) => (take.get(x.partition) ?? 0) > 0)
    .map((x) => ({ partition: x.partition, from: x.from, to: x.from + take.get(x.partition)! }));
  const records = ranges.reduce((s, r) => s + (r.to - r.from), 0);
  return { batchId: batchIdOf(topic, ranges), topic, ranges, records };
}

/** Every batch from positions up to targets, in order. */
export function planBatches(topic: string, positions: Positions, targets: Positions, limits: BatchLimits): BatchPlan[] {
  const out: BatchPlan[] = [];
  let pos = positions;
  for (;;) {
    const b = planBatch(topic, pos, targets, limits);
    if (!b) return out;
    out.push(b);
    pos = advance(pos, b.ranges);
  }
}

