// Stage 1 of a batch, the plan check: the batch's ranges are well formed, and line up with the
// position committed in RAW (the batch is pending, already committed by an earlier attempt, or
// waiting for the pipelined batch before it).
import type { OffsetRange, Positions } from '../../models/offsets.js';
import { advance, rangesKey } from '../../models/offsets.js';
import type { IngestBatchInput } from '../types.js';
import type { CommittedState, IngestLake } from './lake.js';

export class BatchError extends Error {
  constructor(
    readonly type: 'PositionMismatch' | 'InvalidBatch',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** Summary property names that carry the committed position in the RAW snapshot summary. */
export const positionKey = (topic: string, partition: number): string => `floe.kafka.${topic}.${partition}`;
export const BATCH_ID_KEY = 'floe.ingest.batch-id';
export const BATCH_RANGES_KEY = 'floe.ingest.ranges';
export const AVG_BYTES_KEY = 'floe.ingest.avg-message-bytes';

export function positionsFromSummary(topic: string, summary: Record<string, string>): Positions {
  const prefix = `floe.kafka.${topic}.`;
  const out: Positions = {};
  for (const [k, v] of Object.entries(summary)) {
    if (!k.startsWith(prefix)) continue;
    const p = Number(k.slice(prefix.length));
    const n = Number(v);
    if (Number.isInteger(p) && Number.isSafeInteger(n)) out[p] = n;
  }
  return out;
}

type Status = { kind: 'pending' } | { kind: 'done' };
/** 'waiting': the batch before this one (input.after) is not committed yet; this one comes next. */
export type PipelineStatus = Status['kind'] | 'waiting';

/** Compares the committed position with the batch's ranges: every range starts there, or every range is already behind it. */
export function batchStatus(topic: string, ranges: OffsetRange[], committed: Positions, retentionGapFrom: Record<number, number> = {}): Status {
  let done = 0;
  let pending = 0;
  const bad: string[] = [];
  for (const r of ranges) {
    const c = committed[r.partition];
    if (c !== undefined && c >= r.to) done++;
    else if (c === undefined || c === r.from || (c < r.from && retentionGapFrom[r.partition] === c)) pending++;
    else bad.push(`partition ${r.partition}: committed ${c}, range ${r.from}-${r.to}`);
  }
  if (bad.length > 0 || (done > 0 && pending > 0)) {
    throw new BatchError(
      'PositionMismatch',
      `batch ranges ${rangesKey(ranges)} of ${topic} do not line up with the position committed in RAW (${bad.join('; ') || `${done} ranges committed, ${pending} not`}): another writer changed RAW`,
    );
  }
  return done === ranges.length ? { kind: 'done' } : { kind: 'pending' };
}

/** batchStatus, for a batch that may run while the one before it (`after`) is still in flight. */
export function pipelineStatus(topic: string, input: Pick<IngestBatchInput, 'ranges' | 'after' | 'retentionGapFrom'>, committed: Positions): PipelineStatus {
  if (input.after && batchStatus(topic, input.after, committed).kind === 'pending') {
    // The predecessor is not in RAW yet: this batch must start exactly where it ends.
    const next = batchStatus(topic, input.ranges, advance(committed, input.after), input.retentionGapFrom);
    if (next.kind === 'pending') return 'waiting';
  }
  return batchStatus(topic, input.ranges, committed, input.retentionGapFrom).kind;
}

/** Throws InvalidBatch for a batch without ranges, with a partition twice, or with an empty or negative range. */
export function checkInput(input: Pick<IngestBatchInput, 'batchId' | 'topic' | 'ranges'>): void {
  if (input.ranges.length === 0) throw new BatchError('InvalidBatch', `batch ${input.batchId} of ${input.topic} has no ranges`);
  const seen = new Set<number>();
  for (const r of input.ranges) {
    if (seen.has(r.partition)) throw new BatchError('InvalidBatch', `batch ${input.batchId} has partition ${r.partition} twice`);
    seen.add(r.partition);
    if (!(Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 0 && r.to > r.from)) {
      throw new BatchError('InvalidBatch', `batch ${input.batchId} has an invalid range ${JSON.stringify(r)}`);
    }
  }
}

/**
 * The plan check: the input's shape, then what RAW holds. A retried attempt finds its batch
 * 'done' (committed by an earlier attempt); a pipelined one may find it 'waiting'.
 */
export async function checkPlan(lake: Pick<IngestLake, 'readCommitted'>, input: IngestBatchInput): Promise<{ state: CommittedState; status: PipelineStatus }> {
  checkInput(input);
  const state = await lake.readCommitted();
  return { state, status: pipelineStatus(input.topic, input, positionsFromSummary(input.topic, state.summary)) };
}
