// Threshold alerts on the real stack: produced telemetry -> ingest -> RAW -> the alerts workflow
// -> gold.alerts, the alerts topic and a webhook, with a worker killed between the excursion and
// its recovery and a webhook that fails its first calls.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLake, lakeConfigFrom } from '../../../lake/index.js';
import { loadConfig } from '../../../deploy/config.js';
import { AlertStore } from '../../../alerts/store.js';
import { listAlerts } from '../../../alerts/list.js';
import { streamOf } from '../../../activities/alerts.js';
import type { AlertMessage, StoredAlertEvent } from '../../../alerts/rows.js';
import { createTopic, send, uniqueName } from '../ingest/helpers.js';
import { createKafkaAlertPublisher, PRODUCE_BOUND_MS, PublishDeadlineError } from '../../../alerts/publish.js';
import { AlertsHarness, WebhookReceiver, eventually, readings } from './harness.js';

const RULES = {
  version: 1,
  rules: [
    { id: 'temp-high', reading: 'temperature', direction: 'above', threshold: 30, clear: 28, severity: 'warning', for_seconds: 60 },
    // Never crossed by this test's data: must stay silent.
    { id: 'battery-low', reading: 'battery_level', direction: 'below', threshold: 20, clear: 25, severity: 'critical', for_seconds: 0 },
  ],
};

const BASE = Date.UTC(2026, 0, 12, 9);

describe('threshold alerts (real stack)', () => {
  const webhook = new WebhookReceiver(3);
  let h: AlertsHarness | undefined;
  const workers: ReturnType<AlertsHarness['spawnWorker']>[] = [];

  afterAll(async () => {
    for (const w of workers) {
      w.kill('SIGKILL');
      await w.exited;
    }
    await h?.close();
    await webhook.close();
  });

  it('an excursion opens exactly one alert and its recovery closes it, across a worker kill, with a failing webhook', async () => {
    await webhook.start();
    h = new AlertsHarness('alerts', RULES, webhook.url);
    await h.setup();
    const { devices, partitions, topic } = { devices: h.ingest.devices, partitions: h.ingest.partitions, topic: h.ingest.topic };
    workers.push(h.spawnWorker());
    await h.startAlerts();

    // dev-a: 25 °C, then 35 °C from second 60 on (past 30 for 60 s at second 120: opens once).
    const excursion = (d: string, s: number): number => (d === 'dev-a' && s >= 60 ? 35 : 25);
    await send(topic, readings(devices, partitions, [0, 20, 40, 60, 80, 100, 120, 140, 160], BASE, excursion));
    await h.ingestAll();
    const opened = await eventually('the open event in the alerts topic', async () => {
      const m = await h!.published();
      return m.length >= 1 ? m : undefined;
    });
    expect(opened).toHaveLength(1);

    // Kill the worker (no drain) and start another: state and position come from the lake.
    workers[0]!.kill('SIGKILL');
    await workers[0]!.exited;
    workers.push(h.spawnWorker());

    // Back into the hysteresis band (29: stays open), then below clear (27: closes once).
    const recovery = (d: string, s: number): number => (d !== 'dev-a' ? 25 : s < 220 ? 29 : 27);
    await send(topic, readings(devices, partitions, [180, 200, 220, 240, 260], BASE, recovery));
    await h.ingestAll();
    const messages = await eventually('the close event in the alerts topic', async () => {
      const m = await h!.published();
      return m.length >= 2 ? m : undefined;
    });
    // Nothing more arrives: a replayed or retried step would show up as a third message.
    await new Promise((r) => setTimeout(r, 3000));
    const all = (await h.published()).map((m) => ({ headers: m.headers, body: JSON.parse(m.value!.toString()) as AlertMessage }));
    expect(messages.length).toBe(2);
    expect(all).toHaveLength(2);
    const [open, close] = [...all].sort((a, b) => a.body.seq - b.body.seq).map((m) => m.body);
    expect(open).toMatchObject({ kind: 'open', rule_id: 'temp-high', seq: 1, value: 35, threshold: 30, clear_threshold: 28, severity: 'warning', event_ts: new Date(BASE + 120_000).toISOString(), breach_since: new Date(BASE + 60_000).toISOString(), device: { device_id: 'dev-a', building_id: 'bldg-1' } });
    expect(close).toMatchObject({ kind: 'close', rule_id: 'temp-high', seq: 2, value: 27, alert_id: open!.alert_id, closed_at: new Date(BASE + 220_000).toISOString(), peak: 35 });
    for (const m of all) expect(String(m.headers['floe-event-id'])).toBe(m.body.event_id);

    // The webhook failed its first 3 calls; each transition was delivered exactly once after.
    await eventually('both webhook deliveries', async () => (webhook.delivered.length >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    expect(webhook.delivered.map((m) => m.event_id)).toEqual([open!.event_id, close!.event_id]);
    expect(webhook.attempts.filter((a) => a.status === 503).length).toBe(3);
    expect(webhook.attempts.every((a) => a.eventId === open!.event_id || a.eventId === close!.event_id)).toBe(true);

    // gold.alerts holds the same two events, and `floe alerts` reads them through Trino.
    const store = new AlertStore(createLake(lakeConfigFrom(h.config)), { namespace: h.alertsNamespace, branch: h.config.nessie.branch, stream: streamOf(h.config.env, h.rawTable) });
    const stored = await store.eventsAfter(0, 100, 100);
    expect(stored.map((e) => [e.seq, e.kind, e.eventId])).toEqual([[1n, 'open', open!.event_id], [2n, 'close', close!.event_id]]);
    const position = await store.readPosition();
    expect(position.states.size).toBe(0);
    expect(position.seq).toBe(2);
    const listed = await listAlerts(h.config, {});
    expect(listed.map((a) => [a.alert_id, a.status, a.device_id, a.peak])).toEqual([[open!.alert_id, 'closed', 'dev-a', 35]]);
    expect(await listAlerts(h.config, { open: true })).toEqual([]);
    expect(await listAlerts(h.config, { since: new Date(BASE + 3_600_000).toISOString() })).toEqual([]);
  }, 300_000);

  it('a worker killed right after the evaluation commit and right after the Kafka produce: still one event', async () => {
    const f = new AlertsHarness('alfault', RULES);
    try {
      await f.setup();
      const markers = mkdtempSync(join(tmpdir(), 'floe-alert-fault-'));
      const afterCommit = join(markers, 'after-commit');
      const afterProduce = join(markers, 'after-produce');
      const w1 = f.spawnWorker({ FLOE_ALERTS_FAULT: 'after-commit', FLOE_ALERTS_FAULT_MARKER: afterCommit });
      workers.push(w1);
      await f.startAlerts();
      const excursion = (d: string, s: number): number => (d === 'dev-b' && s >= 60 ? 40 : 25);
      await send(f.ingest.topic, readings(f.ingest.devices, f.ingest.partitions, [0, 30, 60, 90, 120, 150], BASE, excursion));
      await f.ingest.startIngest();
      expect(await w1.exited).toBe(86);
      expect(existsSync(afterCommit)).toBe(true);
      const w2 = f.spawnWorker({ FLOE_ALERTS_FAULT: 'after-produce', FLOE_ALERTS_FAULT_MARKER: afterProduce });
      workers.push(w2);
      expect(await w2.exited).toBe(86);
      expect(existsSync(afterProduce)).toBe(true);
      workers.push(f.spawnWorker());
      expect((await f.ingest.result()).lag).toBe(0);
      const client = await f.ingest.getClient();
      await eventually('the publish retried after the kill', async () => {
        const p = await client.workflow.getHandle(f.workflowId).query<{ published: { seq: number } | null }>('alertsProgress');
        return p.published && p.published.seq >= 1 ? true : undefined;
      });
      const messages = await f.published();
      expect(messages.map((m) => (JSON.parse(m.value!.toString()) as AlertMessage).kind)).toEqual(['open']);
      const store = new AlertStore(createLake(lakeConfigFrom(f.config)), { namespace: f.alertsNamespace, branch: f.config.nessie.branch, stream: streamOf(f.config.env, f.rawTable) });
      expect((await store.eventsAfter(0, 100, 100)).map((e) => [e.seq, e.kind, e.deviceId, e.eventId])).toEqual([[1n, 'open', 'dev-b', String(messages[0]!.headers['floe-event-id'])]]);
    } finally {
      await f.close();
    }
  }, 300_000);

  it('invalid rules show on the pending evaluation, naming the field; fixing the file resumes it', async () => {
    const f = new AlertsHarness('alrules', { version: 1, rules: [{ ...RULES.rules[0], clear: 31 }] });
    try {
      await f.setup();
      workers.push(f.spawnWorker());
      await f.startAlerts();
      const client = await f.ingest.getClient();
      const failure = await eventually('the evaluation failing on the rules', async () => {
        const d = await client.workflow.getHandle(f.workflowId).describe();
        const msg = d.raw.pendingActivities?.[0]?.lastFailure?.message;
        return msg ?? undefined;
      }, 60_000);
      expect(failure).toContain(`invalid alert rules in ${f.env.FLOE_ALERTS_RULES_FILE}`);
      expect(failure).toContain('rules[0].clear: must be at or below threshold 30');
      writeFileSync(f.env.FLOE_ALERTS_RULES_FILE!, JSON.stringify(RULES));
      await send(f.ingest.topic, readings(f.ingest.devices, f.ingest.partitions, [0, 30, 60, 90], BASE, (d) => (d === 'dev-c' ? 39 : 25)));
      await f.ingestAll();
      const messages = await eventually('the open event after the fix', async () => {
        const m = await f.published();
        return m.length >= 1 ? m : undefined;
      }, 90_000);
      expect(messages.map((m) => (JSON.parse(m.value!.toString()) as AlertMessage).device.device_id)).toEqual(['dev-c']);
    } finally {
      await f.close();
    }
  }, 240_000);

  it('the publisher skips events already in the topic, and will not start producing close to its deadline', async () => {
    const topic = `floe_t_${uniqueName('alpub').toLowerCase()}`;
    await createTopic(topic, 2);
    const publisher = createKafkaAlertPublisher({ brokers: loadConfig().kafka.brokers, topic });
    try {
      const ev = (seq: number): StoredAlertEvent => ({
        eventId: `00000000-0000-5000-8000-00000000000${seq}`, alertId: `r/dev-${seq}/1/x`, kind: 'open', ruleId: 'r', reading: 'temperature', direction: 'above', severity: 'info',
        threshold: 1, clear: 0, deviceId: `dev-${seq}`, deviceType: 'environmental_sensor', buildingId: 'b', floor: null, zone: null, value: 2, eventTs: 1n, triggerEventId: 't', peak: 2,
        breachSince: 1n, openedAt: 1n, closedAt: null, seq: BigInt(seq), rawSnapshotId: 1n, stream: 's', evaluatedAt: 1_000_000n,
      });
      const mark = { seq: 0, scanFrom: {} };
      await expect(publisher.publish([ev(1)], mark, { deadlineMs: Date.now() + PRODUCE_BOUND_MS - 1000 })).rejects.toBeInstanceOf(PublishDeadlineError);
      const first = await publisher.publish([ev(1), ev(2)], mark, { deadlineMs: Date.now() + 60_000 });
      expect(first).toMatchObject({ produced: 2, alreadyThere: 0, mark: { seq: 2 } });
      // A retry from the same mark (the first attempt's result was lost) produces nothing again.
      expect(await publisher.publish([ev(1), ev(2)], mark)).toMatchObject({ produced: 0, alreadyThere: 2 });
      expect(await publisher.publish([ev(3)], first.mark)).toMatchObject({ produced: 1, alreadyThere: 0, mark: { seq: 3 } });
    } finally {
      await publisher.close();
    }
  }, 60_000);
});
