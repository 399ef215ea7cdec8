// The schedules an environment should have, derived from its configuration alone (pure, so the
// same config always yields the same schedules and `floe schedules sync` is idempotent).
//
// Policies, chosen on purpose (README "Schedules"):
// - ingest: overlap SKIP. A run ingests up to the high watermark it finds, so a tick that falls
//   while a run is still going has nothing to add; piling ticks up would only queue empty runs.
//   Catch-up window one cadence: after an outage one tick runs and catches everything up, older
//   missed ticks are redundant. No pause on failure: a failed tick (a broker restart, say) must
//   not stop ingestion; the next tick retries and the failure stays visible in the UI.
// - transform: overlap BUFFER_ALL. Every day must be transformed, in order, one at a time (two
//   run branches merging SILVER at once would conflict in Nessie). Catch-up window of days
//   (FLOE_SCHEDULE_TRANSFORM_CATCHUP): days missed during an outage are transformed when the
//   server is back. Pause on failure: a day that fails its blocking checks stops the daily
//   line until a person looks (`floe schedules unpause` after the fix, or a backfill).
import type { FloeConfig } from '../deploy/config.js';
import { ingestInput } from '../workers/client.js';
import type { ScheduledIngestInput, ScheduledTransformInput } from '../workflows/schedules/scheduled.js';
import { durationMs } from './durations.js';

export type OverlapPolicy = 'SKIP' | 'BUFFER_ALL';

export interface ScheduleDefinition {
  id: string;
  kind: 'ingest' | 'transform';
  /** Interval the schedule fires at, and its offset from the Unix epoch (UTC), in ms. */
  everyMs: number;
  offsetMs: number;
  workflowType: 'scheduledIngest' | 'scheduledTransform';
  /** Temporal appends the scheduled time to this id for each action. */
  workflowId: string;
  taskQueue: string;
  args: [ScheduledIngestInput] | [ScheduledTransformInput];
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  summary: string;
}

/** Every floe schedule of an environment has an id starting with this. */
export function scheduleIdPrefix(config: FloeConfig, env: string = config.env): string {
  return `${config.schedules.idPrefix}-${env}-`;
}

export function desiredSchedules(config: FloeConfig): ScheduleDefinition[] {
  const env = config.env;
  const prefix = scheduleIdPrefix(config);
  const ingestEvery = durationMs(config.schedules.ingestEvery);
  const lateness = durationMs(config.schedules.transformLateness);
  if (lateness >= 86_400_000) {
    throw new Error(`FLOE_SCHEDULE_TRANSFORM_LATENESS must be under 1d (the daily transform runs that long after midnight UTC), got ${config.schedules.transformLateness}`);
  }
  const ingest = ingestInput(config);
  return [
    {
      id: `${prefix}ingest`,
      kind: 'ingest',
      everyMs: ingestEvery,
      offsetMs: 0,
      workflowType: 'scheduledIngest',
      workflowId: `${prefix}ingest-tick`,
      taskQueue: config.workers.ingestTaskQueue,
      args: [{ ingest }],
      overlap: 'SKIP',
      catchupWindowMs: Math.max(ingestEvery, 10_000),
      pauseOnFailure: false,
      summary: `ingest ${ingest.topic} (${env}) every ${config.schedules.ingestEvery}`,
    },
    {
      id: `${prefix}transform`,
      kind: 'transform',
      everyMs: 86_400_000,
      offsetMs: lateness,
      workflowType: 'scheduledTransform',
      workflowId: `${prefix}transform-tick`,
      taskQueue: config.workers.transformTaskQueue,
      args: [{ env, latenessMs: lateness }],
      overlap: 'BUFFER_ALL',
      catchupWindowMs: durationMs(config.schedules.transformCatchup),
      pauseOnFailure: true,
      summary: `transform yesterday (${env}) daily at ${config.schedules.transformLateness} after midnight UTC`,
    },
  ];
}
