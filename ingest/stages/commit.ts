// Stage 6 of a batch, the commit: RAW and DLQ files in ONE Nessie commit whose RAW snapshot
// summary carries the topic's new Kafka positions, retried on a conflict unless the batch turns
// out to be committed meanwhile (a zombie attempt of the same batch).
import { rangesKey } from '../../models/offsets.js';
import type { IngestBatchInput } from '../types.js';
import type { BatchLog, CommittedState, IngestLake } from './lake.js';
import { AVG_BYTES_KEY, BATCH_ID_KEY, BATCH_RANGES_KEY, batchStatus, positionKey, positionsFromSummary } from './plan-check.js';

/** What the batch wrote, for the RAW snapshot summary and the commit message. */
export interface BatchCounts {
  messages: number;
  bytes: number;
  rows: number;
  rejects: number;
}

/**
 * The RAW snapshot summary of the commit: every partition's position, not only those this batch
 * moved, so the newest snapshot alone tells the whole committed position of the topic.
 */
export function rawSummaryOf(input: Pick<IngestBatchInput, 'topic' | 'batchId' | 'ranges'>, committed: Record<string, string>, counts: BatchCounts): Record<string, string> {
  const { topic, ranges } = input;
  const positions: Record<string, string> = {};
  for (const [p, next] of Object.entries(positionsFromSummary(topic, committed))) positions[positionKey(topic, Number(p))] = String(next);
  for (const r of ranges) positions[positionKey(topic, r.partition)] = String(r.to);
  return {
    ...positions,
    [BATCH_ID_KEY]: input.batchId,
    [BATCH_RANGES_KEY]: rangesKey(ranges),
    [AVG_BYTES_KEY]: String(counts.messages > 0 ? Math.max(1, Math.round(counts.bytes / counts.messages)) : 1),
    'floe.ingest.rows': String(counts.rows),
    'floe.ingest.rejects': String(counts.rejects),
    'floe.ingest.messages-in-ranges': String(ranges.reduce((s, r) => s + r.to - r.from, 0)),
  };
}

export interface CommitDeps {
  lake: Pick<IngestLake, 'readCommitted' | 'commit'>;
  log: BatchLog;
  /** Commit attempts on Nessie conflict before giving up (the activity retries after that). */
  maxAttempts?: number;
}

export type CommitOutcome = { outcome: 'committed'; hash: string; snapshotId: string } | { outcome: 'already-committed'; state: CommittedState };

/** Commits the uploaded files on `state` (the head the batch checked), re-reading after each conflict. */
export async function commitBatch(deps: CommitDeps, input: IngestBatchInput, state: CommittedState, files: { raw: unknown[]; dlq: unknown[] }, counts: BatchCounts): Promise<CommitOutcome> {
  const { topic, batchId, ranges } = input;
  const rawSummary = rawSummaryOf(input, state.summary, counts);
  const maxAttempts = deps.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      const c = await deps.lake.commit({
        expectedHash: state.hash,
        raw: files.raw,
        dlq: files.dlq,
        rawSummary,
        message: `floe ingest ${topic} ${batchId} ${rangesKey(ranges)}: ${counts.rows} rows, ${counts.rejects} rejects`,
      });
      return { outcome: 'committed', ...c };
    } catch (err) {
      if (!(err as { conflict?: boolean }).conflict || attempt >= maxAttempts) throw err;
      // Someone committed in between (another table's writer, or a zombie attempt of this
      // very batch): re-read, and stop if our ranges are in RAW now.
      deps.log('commit conflict, re-reading', { topic, batchId, attempt, error: (err as Error).message });
      state = await deps.lake.readCommitted();
      if (batchStatus(topic, ranges, positionsFromSummary(topic, state.summary), input.retentionGapFrom).kind === 'done') return { outcome: 'already-committed', state };
    }
  }
}
