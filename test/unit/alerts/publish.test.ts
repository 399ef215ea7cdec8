import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, redact, WebhookError } from '../../../alerts/publish.js';
import { toMessage, eventFromRow, eventToRow, type StoredAlertEvent } from '../../../alerts/rows.js';
import { loadConfig, redactedConfig } from '../../../deploy/config.js';

const event: StoredAlertEvent = {
  eventId: '11111111-2222-5333-8444-555555555555', alertId: 'temp-high/dev-a/1/abcd', kind: 'open', ruleId: 'temp-high', reading: 'temperature', direction: 'above', severity: 'warning',
  threshold: 30, clear: 28, deviceId: 'dev-a', deviceType: 'environmental_sensor', buildingId: 'bldg-1', floor: 2, zone: null, value: 35, eventTs: 1_768_046_460_000_000n,
  triggerEventId: 'e1', peak: 36, breachSince: 1_768_046_400_000_000n, openedAt: 1_768_046_460_000_000n, closedAt: null, seq: 7n, rawSnapshotId: 123456789012345678n, stream: 'dev/raw.telemetry', evaluatedAt: 1_768_046_470_000_000n,
};

describe('alert messages', () => {
  it('carry the event as plain JSON with ISO times', () => {
    const m = toMessage(event);
    expect(m).toMatchObject({ schema: 'floe.alert.v1', event_id: event.eventId, seq: 7, opened_at: '2026-01-10T12:01:00.000Z', breach_since: '2026-01-10T12:00:00.000Z', closed_at: null, raw_snapshot_id: '123456789012345678', device: { device_id: 'dev-a', floor: 2, zone: null } });
  });

  it('a row read back as Arrow gives it (timestamps in ms) is the same event', () => {
    const row = eventToRow(event);
    const arrowLike = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' && k !== 'seq' && k !== 'raw_snapshot_id' ? Number(v) / 1000 : v]));
    expect(eventFromRow(arrowLike)).toEqual(event);
  });
});

describe('webhook delivery', () => {
  let server: Server;
  let url = '';
  const seen: { key: string | undefined; body: string }[] = [];
  let answer = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=s3cret`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs the message with the event id as idempotency key', async () => {
    answer = 204;
    expect(await postWebhook(url, toMessage(event))).toEqual({ status: 204 });
    expect(seen.at(-1)!.key).toBe(event.eventId);
    expect(JSON.parse(seen.at(-1)!.body)).toMatchObject({ event_id: event.eventId, kind: 'open' });
  });

  it('5xx, 429 and unreachable are retryable; other 4xx are not; the token never shows in errors', async () => {
    for (const [status, retryable] of [[503, true], [429, true], [408, true], [400, false], [404, false]] as const) {
      answer = status;
      const err = await postWebhook(url, toMessage(event)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebhookError);
      expect({ status: (err as WebhookError).status, retryable: (err as WebhookError).retryable }).toEqual({ status, retryable });
      expect((err as Error).message).not.toContain('s3cret');
    }
    const down = await postWebhook('http://127.0.0.1:1/hook?token=s3cret', toMessage(event), 2000).catch((e: unknown) => e);
    expect(down).toMatchObject({ retryable: true, status: undefined });
    expect((down as Error).message).not.toContain('s3cret');
    expect(redact(url)).not.toContain('s3cret');
  });

  it('floe config masks the webhook URL', () => {
    const c = loadConfig({ FLOE_ALERTS_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/s3cret' });
    expect(c.alerts.webhookUrl).toContain('s3cret');
    expect(JSON.stringify(redactedConfig(c))).not.toContain('s3cret');
    expect(() => loadConfig({ FLOE_ALERTS_WEBHOOK_URL: 'not a url' })).toThrow(/FLOE_ALERTS_WEBHOOK_URL/);
  });
});
