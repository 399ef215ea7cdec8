import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../../deploy/config.js';
import * as activities from './fixtures/smoke-activities.js';

describe('Temporal dev server', () => {
  it('runs a workflow whose activity executes on a worker', async () => {
    const c = loadConfig();
    const taskQueue = `smoke-${randomUUID()}`;
    const nativeConnection = await NativeConnection.connect({ address: c.temporal.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: c.temporal.namespace,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixtures/smoke-workflow.ts', import.meta.url)),
      activities,
    });
    const connection = await Connection.connect({ address: c.temporal.address });
    const client = new Client({ connection, namespace: c.temporal.namespace });
    try {
      const result = await worker.runUntil(
        client.workflow.execute('smokeWorkflow', { taskQueue, workflowId: `smoke-${randomUUID()}`, args: ['hvac-001', 21.456] }),
      );
      expect(result).toBe('hvac-001 reads 21.5°C (attempt 1)');
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });

  it('has floe search attributes registered', async () => {
    const c = loadConfig();
    const connection = await Connection.connect({ address: c.temporal.address });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: c.temporal.namespace });
      expect(Object.keys(res.customAttributes)).toEqual(expect.arrayContaining(['FloeTopic', 'FloeEnv', 'FloeLag', 'FloeRows', 'FloeRejects']));
    } finally {
      await connection.close();
    }
  });
});
