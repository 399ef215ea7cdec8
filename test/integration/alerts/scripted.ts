// Scripted alert activities for the orchestration test and the replay recorder: six
// evaluations of two events each, then idle ones; publishing returns what it is asked for; the
// webhook fails its first four calls and refuses ev-5 (a 400), delivering the rest.
import { ApplicationFailure } from '@temporalio/activity';
import type { AlertActivities, PublishAlertsInput } from '../../../activities/alerts.js';
import type { EvaluateResult } from '../../../alerts/evaluator.js';
import type { AlertMessage } from '../../../alerts/rows.js';

export function scriptedAlertActivities() {
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
