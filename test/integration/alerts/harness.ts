// An alerts environment of its own for one test file, on top of an ingest harness: its own
// alerts namespace, alerts topic, rules file and webhook receiver on the shared stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_NODE_FLAGS } from '../../../deploy/stack/worker.js';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type FloeConfig } from '../../../deploy/config.js';
import { createKafkaRangeReader, type KafkaMessage } from '../../../ingest/kafka.js';
import { IngestHarness } from '../ingest/harness.js';
import { createTopic, type Outgoing } from '../ingest/helpers.js';
import { alertsWorkflowId, type AlertsWorkflowInput } from '../../../workflows/alerts/alerts.js';
import type { AlertMessage } from '../../../alerts/rows.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A webhook receiver that answers 503 to its first `failFirst` calls, then 200. */
export class WebhookReceiver {
  readonly attempts: { eventId: string; status: number }[] = [];
  readonly delivered: AlertMessage[] = [];
  private server?: Server;
  url = '';

  constructor(private failFirst: number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const eventId = String(req.headers['idempotency-key'] ?? '');
        const status = this.failFirst > 0 ? 503 : 200;
        if (this.failFirst > 0) this.failFirst--;
        this.attempts.push({ eventId, status });
        if (status === 200) this.delivered.push(JSON.parse(body) as AlertMessage);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hooks/alerts?token=test-secret`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export class AlertsHarness {
  readonly ingest: IngestHarness;
  readonly alertsTopic: string;
  readonly alertsNamespace: string;
  readonly env: Record<string, string>;
  readonly config: FloeConfig;

  constructor(name: string, rules: unknown, webhookUrl?: string) {
    this.ingest = new IngestHarness(name);
    this.alertsTopic = `${this.ingest.topic}_alerts`;
    this.alertsNamespace = `${this.ingest.namespace}_gold`;
    const rulesFile = join(mkdtempSync(join(tmpdir(), 'floe-alert-rules-')), 'rules.json');
    writeFileSync(rulesFile, JSON.stringify(rules));
    this.env = {
      FLOE_ALERTS_TOPIC: this.alertsTopic,
      FLOE_ALERTS_NAMESPACE: this.alertsNamespace,
      FLOE_ALERTS_RULES_FILE: rulesFile,
      FLOE_ALERTS_POLL_MS: '300',
      ...(webhookUrl ? { FLOE_ALERTS_WEBHOOK_URL: webhookUrl } : {}),
    };
    this.config = loadConfig({ ...process.env, ...this.ingest.env, ...this.env });
  }

  async setup(): Promise<void> {
    await this.ingest.setup();
    await createTopic(this.alertsTopic, 2, this.config.kafka.brokers);
  }

  /** The floe worker with the alerts fault hook (fault-worker.ts) as a child process; extraEnv sets FLOE_ALERTS_FAULT. */
  spawnWorker(extraEnv: Record<string, string> = {}): ChildProcess & { exited: Promise<number | null>; output: { log: string } } {
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', join(root, 'test', 'integration', 'alerts', 'fault-worker.ts')], {
      cwd: root,
      env: { ...process.env, ...this.ingest.env, ...this.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const output = { log: '' };
    child.stderr!.on('data', (d: Buffer) => {
      output.log = (output.log + d.toString()).slice(-20_000);
      if (process.env.FLOE_TEST_VERBOSE) process.stderr.write(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return Object.assign(child, { exited, output });
  }

  get rawTable(): string {
    return `${this.ingest.namespace}.telemetry`;
  }

  get workflowId(): string {
    return alertsWorkflowId(this.config.env, this.rawTable);
  }

  async startAlerts(opts: Partial<AlertsWorkflowInput> = {}): Promise<void> {
    const client = await this.ingest.getClient();
    const input: AlertsWorkflowInput = { env: this.config.env, rawTable: this.rawTable, startFrom: 'beginning', waitMs: 5000, ...opts };
    await client.workflow.start('alerts', { workflowId: this.workflowId, taskQueue: this.ingest.taskQueue, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
  }

  async stopAlerts(): Promise<void> {
    const client = await this.ingest.getClient();
    await client.workflow.getHandle(this.workflowId).terminate('test done').catch(() => undefined);
  }

  /** Every message in the alerts topic. */
  async published(): Promise<KafkaMessage[]> {
    const reader = createKafkaRangeReader({ brokers: this.config.kafka.brokers });
    try {
      const w = await reader.watermarks(this.alertsTopic);
      const ranges = w.filter((x) => x.high > x.low).map((x) => ({ partition: x.partition, from: x.low, to: x.high }));
      return ranges.length ? await reader.readRanges(this.alertsTopic, ranges) : [];
    } finally {
      await reader.close();
    }
  }

  async ingestAll(): Promise<void> {
    await this.ingest.startIngest();
    const r = await this.ingest.result();
    if (r.lag !== 0) throw new Error(`ingest ended with lag ${r.lag}`);
  }

  async close(): Promise<void> {
    await this.stopAlerts();
    await this.ingest.close();
  }
}

/** Valid telemetry of the harness's registered devices (environmental sensors in bldg-1). */
export function readings(devices: string[], partitions: number, seconds: number[], baseMs: number, temperatureOf: (device: string, second: number) => number): Outgoing[] {
  const out: Outgoing[] = [];
  for (const sec of seconds) {
    devices.forEach((device, i) => {
      const event = {
        event_id: randomUUID(),
        device_id: device,
        device_type: 'environmental_sensor',
        building_id: 'bldg-1',
        floor: 1,
        zone: 'east',
        event_ts: new Date(baseMs + sec * 1000).toISOString(),
        firmware_version: '1.0.0',
        status: 'ok',
        temperature: temperatureOf(device, sec),
        humidity: 45,
        pressure: 1013,
        air_quality_index: 30,
        pm25: 8.5,
        noise_level: 40,
        illuminance: 300,
        battery_level: 90,
        signal_strength: -60,
      };
      out.push({ partition: i % partitions, key: device, value: JSON.stringify(event) });
    });
  }
  return out;
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
