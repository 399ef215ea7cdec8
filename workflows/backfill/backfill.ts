// The `backfill` workflow: transforms a list of days, each through a child `transform` run whose
// workflow id is derived from env and day, at most `concurrency` at once. The day-derived ids make
// each day's run unique: a day already published is skipped (its completed run holds the id)
// unless `force`, a day that failed before runs again, and a worker or server restart resumes
// where the backfill was without running any day twice.
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  defineQuery,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { FloeCodeVersion, FloeDay, FloeDqStatus, FloeEnv, FloeLayer, FloePartition, FloePipeline } from '../searchAttributes.js';
import { inheritedCodeVersion } from '../common/codeVersion.js';
import { TRANSFORM_WORKFLOW_TYPE, transformWorkflowId, type TransformRunInput } from '../common/transformContract.js';

export const MAX_BACKFILL_DAYS = 366;
export const MAX_BACKFILL_CONCURRENCY = 16;

export interface BackfillInput {
  env: string;
  /** The days to transform, `YYYY-MM-DD`, in the order to start them. */
  days: string[];
  concurrency: number;
  /** Layers to build (default: all). */
  layers?: string[];
  /** Rerun days already published. */
  force?: boolean;
  /** The backfill this one retries the failed days of, if any. */
  retryOf?: string;
}

export type DayStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface DayState {
  day: string;
  status: DayStatus;
  workflowId: string;
  /** Workflow time (ms) the day's run started and finished. */
  startedAt?: number;
  finishedAt?: number;
  error?: string;
}

export interface BackfillProgress {
  env: string;
  concurrency: number;
  force: boolean;
  layers?: string[];
  retryOf?: string;
  startedAt: number;
  days: DayState[];
  counts: Record<DayStatus, number>;
  finished: boolean;
}

export type BackfillResult = BackfillProgress;

export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

export function countDays(days: DayState[]): Record<DayStatus, number> {
  const counts: Record<DayStatus, number> = { pending: 0, running: 0, done: 0, skipped: 0, failed: 0 };
  for (const d of days) counts[d.status] += 1;
  return counts;
}

/** Checks what a client could get wrong; the CLI checks the same before it starts anything. */
export function validateBackfillInput(input: BackfillInput): void {
  if (input.days.length === 0) throw new Error('a backfill needs at least one day');
  if (input.days.length > MAX_BACKFILL_DAYS) throw new Error(`a backfill covers at most ${MAX_BACKFILL_DAYS} days, got ${input.days.length}`);
  if (new Set(input.days).size !== input.days.length) throw new Error('a backfill lists each day once');
  if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > MAX_BACKFILL_CONCURRENCY) {
    throw new Error(`concurrency must be 1 to ${MAX_BACKFILL_CONCURRENCY}, got ${input.concurrency}`);
  }
}

function errorMessage(err: unknown): string {
  let e: unknown = err;
  // A child failure wraps the transform's own error: name the innermost cause.
  while (e instanceof Error && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  validateBackfillInput(input);
  const { env } = input;
  const progress: BackfillProgress = {
    env,
    concurrency: input.concurrency,
    force: input.force ?? false,
    ...(input.layers ? { layers: input.layers } : {}),
    ...(input.retryOf ? { retryOf: input.retryOf } : {}),
    startedAt: workflowInfo().startTime.getTime(),
    days: input.days.map((day) => ({ day, status: 'pending', workflowId: transformWorkflowId(env, day) })),
    counts: countDays([]),
    finished: false,
  };
  const show = (): void => {
    progress.counts = countDays(progress.days);
    const c = progress.counts;
    setCurrentDetails(
      [
        `**backfill** ${input.days[0]} .. ${input.days.at(-1)} (${env}), ${input.days.length} days, ${input.concurrency} at once${input.force ? ', forced' : ''}`,
        `done ${c.done}, skipped ${c.skipped} (already published), running ${c.running}, failed ${c.failed}, pending ${c.pending}`,
        ...progress.days.filter((d) => d.status === 'failed').map((d) => `failed ${d.day}: ${d.error ?? ''}`),
      ].join('\n\n'),
    );
  };
  setHandler(backfillProgressQuery, () => {
    progress.counts = countDays(progress.days);
    return progress;
  });
  upsertSearchAttributes([
    { key: FloeEnv, value: env },
    { key: FloePipeline, value: 'backfill' },
    { key: FloeDay, value: input.days[0]! },
    { key: FloeDqStatus, value: 'pending' },
  ]);
  const version = inheritedCodeVersion();
  show();

  let running = 0;
  const runDay = async (state: DayState): Promise<void> => {
    state.status = 'running';
    state.startedAt = Date.now();
    show();
    const args: TransformRunInput = { env, day: state.day, ...(input.force ? { force: true } : {}), ...(input.layers ? { layers: input.layers } : {}) };
    try {
      const child = await startChild(TRANSFORM_WORKFLOW_TYPE, {
        workflowId: state.workflowId,
        args: [args],
        // Without --force a completed run keeps its id: the day is skipped. A failed one runs again.
        workflowIdReusePolicy: input.force ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        // Cancelling the backfill cancels the days it is running.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: FloeEnv, value: env },
          { key: FloeDay, value: state.day },
          { key: FloePipeline, value: 'transform' },
          { key: FloeLayer, value: 'silver+gold' },
          { key: FloePartition, value: state.day },
          { key: FloeCodeVersion, value: version },
        ],
        staticSummary: `transform ${state.day} (${env}), backfill ${workflowInfo().workflowId}`,
      });
      await child.result();
      state.status = 'done';
    } catch (err) {
      // The backfill was cancelled: its days are cancelled with it, and it ends cancelled.
      if (isCancellation(err)) throw err;
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        state.status = 'skipped';
        state.error = 'already published, or running outside this backfill';
      } else {
        state.status = 'failed';
        state.error = errorMessage(err);
        log.warn('day failed', { day: state.day, error: state.error });
      }
    }
    state.finishedAt = Date.now();
    show();
  };

  const pending: Promise<void>[] = [];
  for (const state of progress.days) {
    await condition(() => running < input.concurrency);
    running += 1;
    pending.push(runDay(state).finally(() => (running -= 1)));
  }
  await Promise.all(pending);
  progress.finished = true;
  upsertSearchAttributes([{ key: FloeDqStatus, value: progress.days.some((d) => d.status === 'failed') ? 'failed' : 'passed' }]);
  show();
  return progress;
}
