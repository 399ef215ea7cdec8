// Temporal activities of the ingest workflow: thin wrappers over ingest/ with heartbeats and
// failure types. Built by a factory from injected clients so tests can pass real or fake ones.
import { Context, ApplicationFailure } from '@temporalio/activity';
import { AVG_BYTES_KEY, BatchError, positionsFromSummary, runBatch, type BatchDeps } from '../ingest/batch.js';
import { TopicNotFoundError } from '../ingest/kafka.js';
import type { IngestBatchInput, IngestBatchResult, IngestState, ReadIngestStateInput } from '../ingest/types.js';

/** Size assumed before any batch was committed (a healthy event is ~500 bytes). */
export const DEFAULT_AVG_MESSAGE_BYTES = 600;

export type IngestActivityDeps = Omit<BatchDeps, 'heartbeat' | 'log'>;

/**
 * How often a running activity heartbeats, whatever it is waiting on (an upload, a commit, the
 * batch before it): a worker that dies is then noticed within the workflow's heartbeat timeout
 * (15 s) rather than the activity's whole timeout. Workers send heartbeats at most this often
 * too (WORKER_HEARTBEAT_THROTTLE), so none is held back past the timeout.
 */
export const HEARTBEAT_EVERY_MS = 2_000;
export const WORKER_HEARTBEAT_THROTTLE = '2s';

/** Runs `work` heartbeating every HEARTBEAT_EVERY_MS with its latest progress, outside an activity too (tests). */
async function heartbeating<T>(ctx: Context | undefined, work: (beat: (progress: unknown) => void) => Promise<T>): Promise<T> {
  if (!ctx) return work(() => undefined);
  let last: unknown;
  const beat = (progress: unknown): void => {
    last = progress;
    ctx.heartbeat(progress);
  };
  const timer = setInterval(() => ctx.heartbeat(last), HEARTBEAT_EVERY_MS);
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

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
