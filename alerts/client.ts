// Client side of the alerts workflow: start (or join) the single evaluator of a RAW table.
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FloeConfig } from '../deploy/config.js';
import { connectClient } from '../workers/client.js';
import { alertsWorkflowId, type AlertsWorkflowInput } from '../workflows/alerts/alerts.js';
import { FloeEnv, FloeLayer } from '../workflows/ingest/searchAttributes.js';

export interface StartAlertsOptions {
  startFrom?: 'latest' | 'beginning';
  waitMs?: number;
  taskQueue?: string;
}

export function alertsInput(config: FloeConfig, opts: StartAlertsOptions = {}): AlertsWorkflowInput {
  return {
    env: config.env,
    rawTable: `${config.ingest.rawNamespace}.telemetry`,
    startFrom: opts.startFrom ?? 'latest',
    ...(opts.waitMs ? { waitMs: opts.waitMs } : {}),
  };
}

export async function startAlerts(config: FloeConfig, opts: StartAlertsOptions = {}, client?: Client): Promise<{ handle: WorkflowHandle; client: Client; ui: string }> {
  const c = client ?? (await connectClient(config));
  const input = alertsInput(config, opts);
  const workflowId = alertsWorkflowId(input.env, input.rawTable);
  const handle = await c.workflow.start('alerts', {
    workflowId,
    taskQueue: opts.taskQueue ?? config.workers.ingestTaskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: FloeEnv, value: input.env },
      { key: FloeLayer, value: 'alerts' },
    ],
  });
  return { handle, client: c, ui: `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}` };
}
