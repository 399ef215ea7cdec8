// Client side of the ingest workflow: start (or join) the single run of a topic+env, and wait.
import { Client, Connection, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { FloeConfig } from '../deploy/config.js';
import { ensureSearchAttributes } from './searchAttributes.js';
import { ingestProgressQuery, ingestWorkflowId, type IngestProgress, type IngestRunResult, type IngestWorkflowInput } from '../workflows/ingest/ingest.js';
import { FloeEnv, FloeLayer, FloeTopic } from '../workflows/ingest/searchAttributes.js';
import { FloeCodeVersion, FloePipeline } from '../workflows/searchAttributes.js';
import { codeVersion } from './codeVersion.js';

export interface StartIngestOptions {
  topic?: string;
  maxRecords?: number;
  maxBytes?: number;
  maxBatchesPerRun?: number;
  heartbeatTimeout?: string;
  /** Batches in flight at once (default config.ingest.pipelineDepth). */
  pipelineDepth?: number;
}

export async function connectClient(config: FloeConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  await ensureSearchAttributes(connection, config.temporal.namespace);
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function ingestInput(config: FloeConfig, opts: StartIngestOptions = {}): IngestWorkflowInput {
  return {
    topic: opts.topic ?? config.kafka.telemetryTopic,
    env: config.env,
    maxRecords: opts.maxRecords ?? config.ingest.maxRecords,
    maxBytes: opts.maxBytes ?? config.ingest.maxBytes,
    pipelineDepth: opts.pipelineDepth ?? config.ingest.pipelineDepth,
    ...(opts.maxBatchesPerRun ? { maxBatchesPerRun: opts.maxBatchesPerRun } : {}),
    ...(opts.heartbeatTimeout ? { heartbeatTimeout: opts.heartbeatTimeout } : {}),
  };
}

/**
 * Starts the ingest run of the topic, or joins the one already running: the workflow id is
 * derived from topic and env, so there is only ever one writer.
 */
export async function startIngest(
  config: FloeConfig,
  opts: StartIngestOptions = {},
  client?: Client,
): Promise<{ handle: WorkflowHandle; runId: string; client: Client }> {
  const c = client ?? (await connectClient(config));
  const input = ingestInput(config, opts);
  const workflowId = ingestWorkflowId(input.topic, input.env);
  const handle = await c.workflow.start('ingest', {
    workflowId,
    taskQueue: config.workers.ingestTaskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: FloeTopic, value: input.topic },
      { key: FloeEnv, value: input.env },
      { key: FloeLayer, value: 'raw' },
      { key: FloePipeline, value: 'ingest' },
      { key: FloeCodeVersion, value: codeVersion() },
    ],
  });
  return { handle, runId: handle.firstExecutionRunId, client: c };
}

/**
 * Runs `wait` (a workflow's result), and meanwhile asks the workflow `query` every `everyMs` and
 * hands the answer to `onProgress`. A query that fails (the run not started yet, between runs of
 * a continue-as-new, or just finished) is asked again next time.
 */
export async function withProgress<P, T>(handle: WorkflowHandle, query: QueryDefinition<P>, onProgress: ((p: P) => void) | undefined, everyMs: number, wait: () => Promise<T>): Promise<T> {
  let done = false;
  const poll = async (): Promise<void> => {
    while (!done) {
      await new Promise((r) => setTimeout(r, everyMs));
      if (done) return;
      try {
        onProgress?.(await handle.query(query));
      } catch {
        // asked again next time
      }
    }
  };
  const poller = onProgress ? poll() : Promise.resolve();
  try {
    return await wait();
  } finally {
    done = true;
    await poller;
  }
}

/** Waits for the run (following continue-as-new), reporting progress every few seconds. */
export async function waitIngest(client: Client, workflowId: string, onProgress?: (p: IngestProgress) => void, everyMs = 3000): Promise<IngestRunResult> {
  // No run id: queries reach the latest run, and result() follows continue-as-new.
  const handle = client.workflow.getHandle(workflowId);
  return withProgress(handle, ingestProgressQuery, onProgress, everyMs, async () => (await handle.result()) as IngestRunResult);
}
