// Temporal activities of the ingest workflow: thin wrappers over ingest/ with heartbeats and
// failure types. Built by a factory from injected clients so tests can pass real or fake ones.
import { ApplicationFailure } from '@temporalio/activity';
import { heartbeating, inActivity } from './heartbeat.js';
import { AVG_BYTES_KEY, BatchError, positionsFromSummary, runBatch, type BatchDeps } from '../ingest/batch.js';
import { TopicNotFoundError } from '../ingest/kafka.js';
import type { IngestBatchInput, IngestBatchResult, IngestState, ReadIngestStateInput } from '../ingest/types.js';

/** Size assumed before any batch was committed (a healthy event is ~500 bytes). */
export const DEFAULT_AVG_MESSAGE_BYTES = 600;

export type IngestActivityDeps = Omit<BatchDeps, 'heartbeat' | 'log'>;

export function createIngestActivities(deps: IngestActivityDeps) {
  return {
    readIngestState(input: ReadIngestStateInput): Promise<IngestState> {
      return heartbeating(inActivity(), () => readIngestState(input));
    },

    async ingestBatch(input: IngestBatchInput): Promise<IngestBatchResult> {
      const ctx = inActivity();
      const logger = ctx?.log;
      try {
        return await heartbeating(ctx, (beat) =>
          runBatch(
            {
              ...deps,
              heartbeat: beat,
              ...(ctx ? { signal: ctx.cancellationSignal } : {}),
              log: (msg, fields) => logger?.info(msg, fields),
            },
            input,
          ),
        );
      } catch (err) {
        if (err instanceof BatchError) {
          throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },
  };

  async function readIngestState(input: ReadIngestStateInput): Promise<IngestState> {
    let watermarks;
    try {
      watermarks = await deps.reader.watermarks(input.topic);
    } catch (err) {
      if (err instanceof TopicNotFoundError) throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
      throw err;
    }
    const state = await deps.lake.readCommitted();
    const avg = Number(state.summary[AVG_BYTES_KEY]);
    return {
      topic: input.topic,
      committed: positionsFromSummary(input.topic, state.summary),
      watermarks,
      avgMessageBytes: Number.isFinite(avg) && avg >= 1 ? avg : DEFAULT_AVG_MESSAGE_BYTES,
      ref: state.hash,
    };
  }
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;
