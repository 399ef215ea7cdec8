// Temporal activities of the alerts workflow: thin wrappers over alerts/ with heartbeats and
// failure types, made by a factory from injected clients (tests pass real or fake ones).
import { ApplicationFailure } from '@temporalio/activity';
import { inActivity } from './heartbeat.js';
import type { Lake } from '../lake/index.js';
import { evaluateStep, type EvaluateInput, type EvaluateResult } from '../alerts/evaluator.js';
import { postWebhook, WebhookError, type AlertPublisher } from '../alerts/publish.js';
import { RawPositionError } from '../alerts/raw-reader.js';
import { toMessage, type AlertMessage } from '../alerts/rows.js';
import { RulesError, type RulesFile } from '../alerts/rules.js';
import { AlertStore, type PublishedMark } from '../alerts/store.js';

/** after-commit: an evaluation committed events; after-produce: events were produced to Kafka (both before the activity returns). */
export const ALERT_FAULT_POINTS = ['after-commit', 'after-produce'] as const;
export type AlertFaultPoint = (typeof ALERT_FAULT_POINTS)[number];
/** Called at each fault point: the fault tests' worker exits there (test/integration/alerts/fault-worker.ts). */
export type AlertFaultHook = (at: AlertFaultPoint, detail: string) => void;

export interface AlertActivityDeps {
  lake: Lake;
  branch: string;
  /** Namespace of the alerts tables (`gold`). */
  namespace: string;
  env: string;
  /** Loaded on every evaluation, so a rules change needs no worker restart. */
  rules: () => RulesFile;
  publisher: AlertPublisher;
  /** From the configuration (it may carry a token): never part of workflow history. */
  webhookUrl?: string;
  pollMs: number;
  /** Fault tests only. */
  fault?: AlertFaultHook;
}

export interface EvaluateAlertsInput extends EvaluateInput {
  rawTable: string;
}

export interface PublishAlertsInput {
  rawTable: string;
  /** Publish events with seq in (mark.seq, throughSeq], at most `limit` of them. */
  mark: PublishedMark;
  throughSeq: number;
  limit: number;
}

export interface PublishAlertsResult {
  mark: PublishedMark;
  produced: number;
  alreadyThere: number;
  /** The published messages, for the webhook deliveries (empty when no webhook is configured). */
  webhookMessages: AlertMessage[];
}

/** The stream an alerts workflow evaluates: environment and RAW table. */
export function streamOf(env: string, rawTable: string): string {
  return `${env}/${rawTable}`;
}

export function createAlertActivities(deps: AlertActivityDeps) {
  const stores = new Map<string, AlertStore>();
  const storeFor = (rawTable: string): AlertStore => {
    let s = stores.get(rawTable);
    if (!s) stores.set(rawTable, (s = new AlertStore(deps.lake, { namespace: deps.namespace, branch: deps.branch, stream: streamOf(deps.env, rawTable) })));
    return s;
  };

  return {
    async evaluateAlerts(input: EvaluateAlertsInput): Promise<EvaluateResult> {
      const ctx = inActivity();
      try {
        const r = await evaluateStep(
          {
            lake: deps.lake,
            store: storeFor(input.rawTable),
            rawTable: input.rawTable,
            branch: deps.branch,
            rules: deps.rules,
            pollMs: deps.pollMs,
            heartbeat: (d) => ctx?.heartbeat(d),
            ...(ctx ? { signal: ctx.cancellationSignal } : {}),
          },
          input,
        );
        if (r.events > 0) deps.fault?.('after-commit', `seq ${r.seq}`);
        return r;
      } catch (err) {
        // Invalid rules are retried: the error shows on the pending activity in the Temporal UI,
        // and evaluation resumes on its own once the file is fixed (it is read on every step).
        if (err instanceof RulesError) throw ApplicationFailure.create({ type: err.name, message: err.message });
        if (err instanceof RawPositionError) throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
        throw err;
      }
    },

    async publishAlerts(input: PublishAlertsInput): Promise<PublishAlertsResult> {
      const events = await storeFor(input.rawTable).eventsAfter(input.mark.seq, input.throughSeq, input.limit);
      const expected = Math.min(input.limit, input.throughSeq - input.mark.seq);
      if (events.length !== expected) {
        // The table must hold every seq it committed: a gap is corruption, not a transient state.
        throw ApplicationFailure.create({ type: 'AlertEventsMissing', nonRetryable: true, message: `alerts of ${input.rawTable}: expected ${expected} events after seq ${input.mark.seq}, found ${events.length}` });
      }
      const info = inActivity()?.info;
      // This attempt's deadline, conservatively: start-to-close counted from when the attempt was
      // scheduled (it started no earlier). Past it Temporal retries elsewhere (alerts/publish.ts).
      const deadlineMs = info ? info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs : undefined;
      const r = await deps.publisher.publish(events, input.mark, deadlineMs === undefined ? {} : { deadlineMs });
      if (r.produced > 0) deps.fault?.('after-produce', `seq ${r.mark.seq}`);
      return { ...r, webhookMessages: deps.webhookUrl ? events.map(toMessage) : [] };
    },

    async deliverAlertWebhook(message: AlertMessage): Promise<{ status: number }> {
      if (!deps.webhookUrl) throw ApplicationFailure.create({ type: 'WebhookNotConfigured', nonRetryable: true, message: 'FLOE_ALERTS_WEBHOOK_URL is not set on this worker' });
      try {
        return await postWebhook(deps.webhookUrl, message);
      } catch (err) {
        if (err instanceof WebhookError && !err.retryable) throw ApplicationFailure.create({ type: 'WebhookRejected', nonRetryable: true, message: err.message });
        throw err;
      }
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
