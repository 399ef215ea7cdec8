// Workflows an earlier, interrupted test run left running. Test workflows run on task queues named
// `floe-test-…` whose workers live only as long as their test file, so before a run starts no
// worker serves any of them: every one still running is an orphan. Its id (a transform's env and
// day, a backfill's range) could be picked again by this run, and a start that joins the running
// one (USE_EXISTING) would then wait for a worker that never comes.
import { Client, Connection } from '@temporalio/client';
import type { FloeConfig } from '../../deploy/config.js';

export const TEST_TASK_QUEUE = /^floe-test-/;

/** Terminates every running workflow on a test task queue; returns their ids. */
export async function terminateOrphanTestWorkflows(c: FloeConfig): Promise<string[]> {
  const connection = await Connection.connect({ address: c.temporal.address });
  try {
    const client = new Client({ connection, namespace: c.temporal.namespace });
    const orphans: { workflowId: string; runId: string }[] = [];
    for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
      if (TEST_TASK_QUEUE.test(w.taskQueue)) orphans.push({ workflowId: w.workflowId, runId: w.runId });
    }
    for (const o of orphans) {
      await client.workflow.getHandle(o.workflowId, o.runId).terminate('orphan of an interrupted test run (no worker serves its test task queue)');
    }
    return orphans.map((o) => o.workflowId);
  } finally {
    await connection.close();
  }
}
