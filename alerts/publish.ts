// Publishing alert events exactly once: to the Kafka topic (iot-alerts) and to a webhook.
// Kafka: before producing, the publisher reads the topic from an offset known to precede every
// unpublished event of the stream (PublishedMark.scanFrom) and skips the events whose id it
// finds there; within one attempt the producer is idempotent (no duplicate on its own retries).
// So an attempt killed halfway is followed by one that produces only the rest.
// Webhook: one POST per event, `Idempotency-Key: <event id>`; Temporal retries the delivery.
import kafkajs, { type Producer } from 'kafkajs';
import { createKafkaRangeReader, type RangeReader } from '../ingest/kafka.js';
import type { PublishedMark } from './store.js';
import { toMessage, type AlertMessage, type StoredAlertEvent } from './rows.js';

const { Kafka, logLevel } = kafkajs;

export const EVENT_ID_HEADER = 'floe-event-id';

/**
 * The longest a produce call can take: kafkajs's request timeout times its attempts, plus backoff.
 * A publish attempt produces only while at least this long remains before its deadline, so an
 * attempt that Temporal gave up on (and retries elsewhere) can never still be producing when the
 * retry reads the topic: the retry would otherwise miss those events and produce them again.
 */
export const PRODUCE_BOUND_MS = 12_000;
const REQUEST_TIMEOUT_MS = 3_000;

export class PublishDeadlineError extends Error {
  override name = 'PublishDeadline';
}

export interface AlertPublisher {
  /**
   * Produces the events that are not in the topic yet; returns the mark after them. With
   * `deadlineMs`, refuses to start producing later than PRODUCE_BOUND_MS before it.
   */
  publish(events: readonly StoredAlertEvent[], mark: PublishedMark, opts?: { deadlineMs?: number }): Promise<{ mark: PublishedMark; produced: number; alreadyThere: number }>;
  close(): Promise<void>;
}

export function createKafkaAlertPublisher(opts: { brokers: string[]; topic: string; clientId?: string }): AlertPublisher {
  const reader: RangeReader = createKafkaRangeReader({ brokers: opts.brokers, clientId: opts.clientId ?? 'floe-alerts' });
  // 3 attempts of at most 3 s each, with at most 1 s between them: within PRODUCE_BOUND_MS.
  const kafka = new Kafka({ clientId: opts.clientId ?? 'floe-alerts', brokers: opts.brokers, logLevel: logLevel.NOTHING, requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: REQUEST_TIMEOUT_MS, retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 } });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;

  async function connected(): Promise<Producer> {
    if (producer) return producer;
    connecting ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await p.connect();
      producer = p;
      return p;
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  return {
    async publish(events, mark, publishOpts = {}) {
      const watermarks = await reader.watermarks(opts.topic);
      const ranges = watermarks
        .map((w) => ({ partition: w.partition, from: Math.min(w.high, Math.max(w.low, mark.scanFrom[w.partition] ?? w.low)), to: w.high }))
        .filter((r) => r.to > r.from);
      const present = new Set<string>();
      if (events.length && ranges.length) {
        for (const m of await reader.readRanges(opts.topic, ranges)) {
          const id = m.headers[EVENT_ID_HEADER];
          if (id !== undefined) present.add(String(Array.isArray(id) ? id[id.length - 1] : id));
        }
      }
      const missing = events.filter((e) => !present.has(e.eventId));
      if (missing.length) {
        const p = await connected();
        if (publishOpts.deadlineMs !== undefined && Date.now() > publishOpts.deadlineMs - PRODUCE_BOUND_MS) {
          throw new PublishDeadlineError(`not producing ${missing.length} alert events: less than ${PRODUCE_BOUND_MS} ms left before this attempt's deadline (the next attempt publishes them)`);
        }
        await p.send({
          topic: opts.topic,
          acks: -1,
          messages: missing.map((e) => ({
            key: e.deviceId,
            value: JSON.stringify(toMessage(e)),
            headers: { [EVENT_ID_HEADER]: e.eventId, 'floe-alert-kind': e.kind, 'floe-alert-severity': e.severity },
            timestamp: String(Number(e.evaluatedAt / 1000n)),
          })),
        });
      }
      const last = events.length ? Number(events[events.length - 1]!.seq) : mark.seq;
      // Offsets read before this send: every event after `last` will be produced past them.
      const scanFrom = Object.fromEntries(watermarks.map((w) => [w.partition, w.high]));
      return { mark: { seq: last, scanFrom }, produced: missing.length, alreadyThere: events.length - missing.length };
    },
    async close() {
      await producer?.disconnect().catch(() => undefined);
      await reader.close();
    },
  };
}

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean) {
    super(message);
  }
}

/**
 * POSTs one alert message. 2xx: delivered. 408, 425, 429, 5xx and network errors: retryable;
 * other statuses mean the receiver refuses this message, which retrying cannot change.
 */
export async function postWebhook(url: string, message: AlertMessage, timeoutMs = 8_000): Promise<{ status: number }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': message.event_id, 'user-agent': 'floe-alerts' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new WebhookError(`webhook ${redact(url)} unreachable for event ${message.event_id}: ${e instanceof Error ? e.message : String(e)}`, undefined, true);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return { status: res.status };
  const retryable = res.status >= 500 || [408, 425, 429].includes(res.status);
  throw new WebhookError(`webhook ${redact(url)} answered ${res.status} for event ${message.event_id}`, res.status, retryable);
}

/** The URL without path or query, which may carry a token: for errors and logs. */
export function redact(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}
