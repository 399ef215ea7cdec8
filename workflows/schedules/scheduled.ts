// The workflows Temporal schedules start. Each one is small: it works out what the tick means
// (for the daily transform: which day, from the schedule's scheduled time, never the wall clock),
// starts the real run as a child with its well-known workflow id, and waits for it, so a failed
// run fails the scheduled action (and pauses a schedule that pauses on failure).
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  executeChild,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ingest, IngestRunResult, IngestWorkflowInput } from '../ingest/ingest.js';
import { ingestWorkflowId } from '../ingest/ingest.js';
import { FloeDay, FloeEnv, FloeLayer, FloePartition, FloePipeline, FloeTopic, FloeCodeVersion } from '../searchAttributes.js';
import { dayDueAt } from '../backfill/days.js';
import { TRANSFORM_WORKFLOW_TYPE, transformWorkflowId, type TransformRunInput } from '../common/transformContract.js';
import { inheritedCodeVersion } from '../common/codeVersion.js';

/** Set by the Temporal server on every workflow a schedule starts. */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export type ScheduledOutcome<R> = { started: true; workflowId: string; result: R } | { started: false; workflowId: string; reason: string };

export interface ScheduledIngestInput {
  ingest: IngestWorkflowInput;
}

/**
 * One tick of scheduled ingestion: runs the topic's ingest workflow until caught up. If that run
 * is already going (started by hand, or a long catch-up), the tick leaves it alone.
 */
export async function scheduledIngest(input: ScheduledIngestInput): Promise<ScheduledOutcome<IngestRunResult>> {
  const { topic, env } = input.ingest;
  const workflowId = ingestWorkflowId(topic, env);
  upsertSearchAttributes([
    { key: FloeEnv, value: env },
    { key: FloePipeline, value: 'schedule' },
    { key: FloeLayer, value: 'raw' },
    { key: FloeTopic, value: topic },
  ]);
  const version = inheritedCodeVersion();
  setCurrentDetails(`scheduled ingest of \`${topic}\` (${env}): run \`${workflowId}\``);
  try {
    const result = await executeChild<typeof ingest>('ingest', {
      workflowId,
      args: [input.ingest],
      // The ingest run is the topic's single RAW writer: it outlives a tick that is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: FloeTopic, value: topic },
        { key: FloeEnv, value: env },
        { key: FloeLayer, value: 'raw' },
        { key: FloePipeline, value: 'ingest' },
        { key: FloeCodeVersion, value: version },
      ],
      staticSummary: `ingest ${topic} (${env}), scheduled`,
    });
    setCurrentDetails(`scheduled ingest of \`${topic}\` (${env}): ${result.totals.rows} rows, ${result.totals.rejects} rejects, lag ${result.lag}`);
    return { started: true, workflowId, result };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('ingest already running: tick skipped', { workflowId });
      return { started: false, workflowId, reason: 'the ingest run was already running' };
    }
    throw err;
  }
}

export interface ScheduledTransformInput {
  env: string;
  /** Allowed lateness: the day transformed is the last one that ended at least this long before the scheduled time. */
  latenessMs: number;
  /** Only for a start outside a schedule (no scheduled time): the day to transform. */
  day?: string;
}

/** The day a scheduled transform works on: from the schedule's scheduled time, or the input's day. */
export function scheduledDay(input: ScheduledTransformInput, scheduledAt: Date | undefined): string {
  if (scheduledAt) return dayDueAt(scheduledAt.getTime(), input.latenessMs);
  if (input.day) return input.day;
  throw new Error('scheduledTransform was started outside a schedule without a day: pass { day: "YYYY-MM-DD" }');
}

/**
 * One tick of the daily transform. A day that was already published is not redone (its
 * transform run completed under the same workflow id); a day whose earlier run failed runs again.
 */
export async function scheduledTransform(input: ScheduledTransformInput): Promise<ScheduledOutcome<unknown>> {
  const day = scheduledDay(input, workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTime));
  const workflowId = transformWorkflowId(input.env, day);
  upsertSearchAttributes([
    { key: FloeEnv, value: input.env },
    { key: FloePipeline, value: 'schedule' },
    { key: FloeDay, value: day },
  ]);
  const version = inheritedCodeVersion();
  setCurrentDetails(`scheduled transform of ${day} (${input.env}): run \`${workflowId}\``);
  const args: TransformRunInput = { env: input.env, day };
  try {
    const result = await executeChild(TRANSFORM_WORKFLOW_TYPE, {
      workflowId,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: FloeEnv, value: input.env },
        { key: FloeDay, value: day },
        { key: FloePipeline, value: 'transform' },
        { key: FloeLayer, value: 'silver+gold' },
        { key: FloePartition, value: day },
        { key: FloeCodeVersion, value: version },
      ],
      staticSummary: `transform ${day} (${input.env}), scheduled`,
    });
    setCurrentDetails(`scheduled transform of ${day} (${input.env}): done, run \`${workflowId}\``);
    return { started: true, workflowId, result };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      log.info('transform of the day already published or running: tick skipped', { workflowId, day });
      setCurrentDetails(`scheduled transform of ${day} (${input.env}): skipped, \`${workflowId}\` already published or running`);
      return { started: false, workflowId, reason: 'the day was already published or is running' };
    }
    throw err;
  }
}
