// Client side of the transform workflow: start (or join) the run of an env and day, and wait.
import { WorkflowIdConflictPolicy, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FloeConfig } from '../deploy/config.js';
import { connectClient, withProgress } from './client.js';
import { transformProgressQuery, transformWorkflowId, type TransformInput, type TransformProgress, type TransformResult } from '../workflows/transform/transform.js';
import { FloeEnv, FloeLayer, FloePartition } from '../workflows/ingest/searchAttributes.js';
import { FloeCodeVersion, FloeDay, FloePipeline } from '../workflows/searchAttributes.js';
import { codeVersion } from './codeVersion.js';

export async function startTransform(config: FloeConfig, input: TransformInput, opts: { client?: Client; taskQueue?: string } = {}): Promise<{ handle: WorkflowHandle; runId: string; client: Client }> {
  const client = opts.client ?? (await connectClient(config));
  const handle = await client.workflow.start('transform', {
    workflowId: transformWorkflowId(input.env, input.day),
    taskQueue: opts.taskQueue ?? config.workers.transformTaskQueue,
    args: [input],
    // One run of a day at a time: a second start joins the running one.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: FloeEnv, value: input.env },
      { key: FloeLayer, value: 'silver+gold' },
      { key: FloePartition, value: input.day },
      { key: FloeDay, value: input.day },
      { key: FloePipeline, value: 'transform' },
      { key: FloeCodeVersion, value: codeVersion() },
    ],
  });
  return { handle, runId: handle.firstExecutionRunId, client };
}

export type TransformOutcome = { ok: true; result: TransformResult } | { ok: false; message: string; result?: TransformResult };

/** Waits for the run; a failed run's message (and its result, when checks failed) instead of a throw. */
export async function waitTransform(client: Client, workflowId: string, runId?: string, onProgress?: (p: TransformProgress) => void, everyMs = 2000): Promise<TransformOutcome> {
  const handle = client.workflow.getHandle(workflowId, runId);
  return withProgress(handle, transformProgressQuery, onProgress, everyMs, async (): Promise<TransformOutcome> => {
    try {
      return { ok: true, result: (await handle.result()) as TransformResult };
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      let cause: unknown = err.cause;
      const details = (cause as { details?: unknown[] } | undefined)?.details;
      while (cause instanceof Error && cause.cause) cause = cause.cause;
      const message = cause instanceof Error ? cause.message : String(err.message);
      return { ok: false, message, ...(details?.[0] ? { result: details[0] as TransformResult } : {}) };
    }
  });
}
