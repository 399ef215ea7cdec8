// The alerts workflow's orchestration on the real Temporal server, with scripted activities:
// every committed event is published once, in seq order; webhook deliveries survive failures and
// continue-as-new (pending ones are carried over, none is sent twice).
import { afterAll, describe, expect, it } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/activity';
import { loadConfig } from '../../../deploy/config.js';
import { loadWorkflowBundle } from '../../../workers/bundle.js';
import { connectClient } from '../../../workers/client.js';
import type { AlertActivities, PublishAlertsInput } from '../../../activities/alerts.js';
import type { EvaluateResult } from '../../../alerts/evaluator.js';
import type { AlertMessage } from '../../../alerts/rows.js';
import type { AlertsProgress, AlertsWorkflowInput } from '../../../workflows/alerts/alerts.js';
import { eventually } from './harness.js';
import { uniqueName } from '../ingest/helpers.js';

const config = loadConfig();

function scripted() {
  let committed = 0;
  let evaluations = 0;
  let webhookCalls = 0;
  const published: number[] = [];
  const delivered: string[] = [];
  const activities: AlertActivities = {
    async evaluateAlerts(input): Promise<EvaluateResult> {
      evaluations++;
      // Two new events per evaluation for the first six, then nothing new.
      if (evaluations <= 6) committed += 2;
      else await new Promise((r) => setTimeout(r, 100));
      return { outcome: evaluations <= 6 ? 'evaluated' : 'idle', rawSnapshotId: String(evaluations), snapshots: 1, rows: 10, events: evaluations <= 6 ? 2 : 0, lateReadings: 0, seq: committed, published: input.published ?? { seq: 0, scanFrom: {} } };
    },
    async publishAlerts(input: PublishAlertsInput) {
      const through = Math.min(input.throughSeq, input.mark.seq + input.limit);
      const messages: AlertMessage[] = [];
      for (let s = input.mark.seq + 1; s <= through; s++) {
        published.push(s);
        messages.push({ event_id: `ev-${s}`, seq: s } as AlertMessage);
      }
      return { mark: { seq: through, scanFrom: { 0: through } }, produced: messages.length, alreadyThere: 0, webhookMessages: messages };
    },
    async deliverAlertWebhook(message: AlertMessage) {
      webhookCalls++;
      if (webhookCalls <= 4) throw new Error(`webhook down (call ${webhookCalls})`);
      if (message.event_id === 'ev-5') throw ApplicationFailure.create({ type: 'WebhookRejected', nonRetryable: true, message: 'receiver answered 400' });
      delivered.push(message.event_id);
      return { status: 200 };
    },
  };
  return { activities, published, delivered, calls: () => webhookCalls };
}

describe('alerts workflow orchestration (real Temporal, scripted activities)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('publishes each event once in order and delivers each to the webhook once, across continue-as-new', async () => {
    const taskQueue = uniqueName('floe-test-alertswf');
    const s = scripted();
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
