// The `alerts` workflow: one per environment and RAW table (its workflow id makes it the only
// writer of the stream's alert position). It runs for as long as the pipeline does:
//   evaluate: wait for RAW snapshots committed after the stream's position, evaluate them, and
//             commit events + states + position in one Nessie commit (activity evaluateAlerts);
//   publish:  produce the committed events not yet in Kafka (publishAlerts), in seq order;
//   deliver:  POST each published event to the webhook, one retried activity per event, in
//             order, on its own lane so a failing webhook never holds evaluation back.
// Only seqs, marks and small messages cross the boundary; rows stay in the lake.
import { condition, continueAsNew, defineQuery, log, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo, ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { AlertActivities } from '../../activities/alerts.js';
import type { AlertMessage } from '../../alerts/rows.js';
import type { PublishedMark } from '../../alerts/store.js';
import { FloeEnv, FloeLayer } from '../ingest/searchAttributes.js';

const { evaluateAlerts } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '10 minutes',
  // A worker that dies mid-evaluation is noticed after this long (it heartbeats every poll and
  // after each RAW snapshot), and the step retried elsewhere: it commits exactly once.
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: ['RawPositionLost'] },
});

const { publishAlerts } = proxyActivities<AlertActivities>({
  // Short: publishing a few hundred small events takes well under a second, and a worker that
  // died mid-publish is only noticed when this runs out. An attempt produces only while at least
  // PRODUCE_BOUND_MS (12 s) of it remain, so none is still producing when the next one starts.
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: ['AlertEventsMissing'] },
});

// A webhook that is down is retried for as long as it takes (no attempt limit): each transition
// is delivered once it comes back. A receiver that refuses a message (4xx) is not retried.
const { deliverAlertWebhook } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '12s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '60s', nonRetryableErrorTypes: ['WebhookRejected', 'WebhookNotConfigured'] },
});

export interface AlertsTotals {
  evaluations: number;
  rows: number;
  events: number;
  produced: number;
  webhookDelivered: number;
  webhookRejected: number;
}

export interface AlertsWorkflowInput {
  env: string;
  rawTable: string;
  startFrom?: 'latest' | 'beginning';
  /** How long one evaluation waits for new RAW snapshots before returning (default 20 s). */
  waitMs?: number;
  /** RAW rows per evaluation, about (default 500k). */
  maxRows?: number;
  /** Events per publish activity (default 200). */
  publishLimit?: number;
  /** Continue-as-new when history has this many events (default 2000). */
  maxHistoryEvents?: number;
  /** Carried over by continue-as-new. */
  carried?: { published: PublishedMark | null; webhookQueue: AlertMessage[]; totals: AlertsTotals; generation: number };
}

export interface AlertsProgress {
  env: string;
  rawTable: string;
  generation: number;
  committedSeq: number;
  published: PublishedMark | null;
  webhookPending: number;
  lastEvaluation?: { outcome: string; rawSnapshotId: string | null; rows: number; events: number };
  totals: AlertsTotals;
}

export const alertsProgressQuery = defineQuery<AlertsProgress>('alertsProgress');

/** Workflow id of the single alerts evaluator of a RAW table in an environment. */
export function alertsWorkflowId(env: string, rawTable: string): string {
  return `floe-alerts-${env}-${rawTable}`;
}

export async function alerts(input: AlertsWorkflowInput): Promise<never> {
  const { env, rawTable } = input;
  const generation = input.carried?.generation ?? 0;
  const totals: AlertsTotals = input.carried?.totals ?? { evaluations: 0, rows: 0, events: 0, produced: 0, webhookDelivered: 0, webhookRejected: 0 };
  const webhookQueue: AlertMessage[] = [...(input.carried?.webhookQueue ?? [])];
  let published: PublishedMark | null = input.carried?.published ?? null;
  const progress: AlertsProgress = { env, rawTable, generation, committedSeq: published?.seq ?? 0, published, webhookPending: webhookQueue.length, totals };
  setHandler(alertsProgressQuery, () => ({ ...progress, published, webhookPending: webhookQueue.length }));
  upsertSearchAttributes([
    { key: FloeEnv, value: env },
    { key: FloeLayer, value: 'alerts' },
  ]);

  let stopping = false;
  const deliverLane = (async () => {
    for (;;) {
      await condition(() => webhookQueue.length > 0 || stopping);
      if (stopping) return;
      const message = webhookQueue[0]!;
      try {
        await deliverAlertWebhook(message);
        totals.webhookDelivered++;
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        if (!(cause instanceof ApplicationFailure && cause.nonRetryable)) throw err;
        totals.webhookRejected++;
        log.warn('webhook refused an alert event; not retried', { eventId: message.event_id, error: cause.message });
      }
      webhookQueue.shift();
    }
  })();

  const show = (): void => {
    setCurrentDetails(
      [
        `**alerts** \`${rawTable}\` (${env}), generation ${generation}`,
        `${totals.evaluations} evaluations, ${totals.rows} rows, ${totals.events} events; committed through seq ${progress.committedSeq}, published through ${published?.seq ?? 0}; ${webhookQueue.length} webhook deliveries pending`,
      ].join('\n\n'),
    );
  };

  for (;;) {
    const r = await evaluateAlerts({
      rawTable,
      startFrom: input.startFrom ?? 'latest',
      waitMs: input.waitMs ?? 20_000,
      maxRows: input.maxRows ?? 500_000,
      ...(published ? { published } : {}),
    });
    totals.evaluations++;
    totals.rows += r.rows;
    totals.events += r.events;
    let mark: PublishedMark = published && published.seq >= r.published.seq ? published : r.published;
    progress.committedSeq = r.seq;
    progress.lastEvaluation = { outcome: r.outcome, rawSnapshotId: r.rawSnapshotId, rows: r.rows, events: r.events };
    if (r.outcome === 'evaluated') log.info('evaluated', { rawTable, rawSnapshotId: r.rawSnapshotId, rows: r.rows, events: r.events, seq: r.seq });
    while (mark.seq < r.seq) {
      const p = await publishAlerts({ rawTable, mark, throughSeq: r.seq, limit: input.publishLimit ?? 200 });
      mark = p.mark;
      totals.produced += p.produced;
      webhookQueue.push(...p.webhookMessages);
    }
    published = mark;
    show();
    const info = workflowInfo();
    if (info.historyLength >= (input.maxHistoryEvents ?? 2000) || info.continueAsNewSuggested) {
      // A delivery in flight finishes first (its result belongs to this run's history); the
      // lane starts no other once it sees `stopping`.
      stopping = true;
      await deliverLane;
      await continueAsNew<typeof alerts>({ ...input, carried: { published, webhookQueue, totals, generation: generation + 1 } });
    }
  }
}
