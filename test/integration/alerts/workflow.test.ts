// The alerts workflow's orchestration on the real Temporal server, with scripted activities:
// every committed event is published once, in seq order; webhook deliveries survive failures and
// continue-as-new (pending ones are carried over, none is sent twice).
import { afterAll, describe, expect, it } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../../deploy/config.js';
import { loadWorkflowBundle } from '../../../workers/bundle.js';
import { connectClient } from '../../../workers/client.js';
import type { AlertsProgress, AlertsWorkflowInput } from '../../../workflows/alerts/alerts.js';
import { eventually } from './harness.js';
import { scriptedAlertActivities } from './scripted.js';
import { uniqueName } from '../ingest/helpers.js';

const config = loadConfig();

describe('alerts workflow orchestration (real Temporal, scripted activities)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('publishes each event once in order and delivers each to the webhook once, across continue-as-new', async () => {
    const taskQueue = uniqueName('floe-test-alertswf');
    const s = scriptedAlertActivities();
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const bundle = await loadWorkflowBundle(config.cacheDir);
    const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { code: bundle.code }, activities: s.activities });
    const running = worker.run();
    cleanup.push(async () => {
      worker.shutdown();
      await running;
      await connection.close();
    });
    const client = await connectClient(config);
    cleanup.push(() => client.connection.close());
    const workflowId = `floe-alerts-test-${taskQueue}`;
    const input: AlertsWorkflowInput = { env: 'dev', rawTable: 'x.telemetry', waitMs: 100, publishLimit: 3, maxHistoryEvents: 40 };
    const handle = await client.workflow.start('alerts', { workflowId, taskQueue, args: [input] });
    cleanup.push(async () => void (await handle.terminate('test done').catch(() => undefined)));

    await eventually('11 deliveries (ev-5 refused)', async () => (s.delivered.length >= 11 ? true : undefined), 120_000);
    await new Promise((r) => setTimeout(r, 1500));
    const expected = Array.from({ length: 12 }, (_, i) => `ev-${i + 1}`);
    expect(s.published).toEqual(expected.map((_, i) => i + 1));
    expect(s.delivered).toEqual(expected.filter((e) => e !== 'ev-5'));
    const progress = await client.workflow.getHandle(workflowId).query<AlertsProgress>('alertsProgress');
    expect(progress.generation).toBeGreaterThan(0);
    expect(progress.totals).toMatchObject({ events: 12, produced: 12, webhookDelivered: 11, webhookRejected: 1 });
    expect(progress.webhookPending).toBe(0);
  }, 180_000);
});
