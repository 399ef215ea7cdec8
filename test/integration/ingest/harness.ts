// An ingest environment of its own for one test file: unique topics, RAW namespace and task
// queue on the shared stack, and a worker (in-process, or a child process that can be killed).
import { spawn, type ChildProcess } from 'node:child_process';
import { WORKER_NODE_FLAGS } from '../../../deploy/stack/worker.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { loadConfig, type FloeConfig } from '../../../deploy/config.js';
import { createIngestActivities } from '../../../activities/ingest.js';
import { WORKER_HEARTBEAT_THROTTLE } from '../../../activities/heartbeat.js';
import { createIngestDeps, type IngestDepsOptions } from '../../../workers/deps.js';
import { loadWorkflowBundle } from '../../../workers/bundle.js';
import { connectClient, ingestInput } from '../../../workers/client.js';
import { ingestWorkflowId, type IngestRunResult } from '../../../workflows/ingest/ingest.js';
import { createKafkaRangeReader } from '../../../ingest/kafka.js';
import { createIngestLake, type RealIngestLake } from '../../../ingest/lakeAdapter.js';
import { readLakeOffsets, verifyIngest } from '../../../ingest/verify.js';
import { createTopic, send, uniqueName } from './helpers.js';
import { registryMessages, telemetryMessages, type Produced, type TelemetryPlan } from './telemetry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export class IngestHarness {
  readonly topic: string;
  readonly registryTopic: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly env: Record<string, string>;
  readonly config: FloeConfig;
  readonly devices = ['dev-a', 'dev-b', 'dev-c', 'dev-d'];
  readonly produced: Produced[][] = [];
  private client?: Client;

  constructor(name: string, readonly partitions = 3, extraEnv: Record<string, string> = {}) {
    const id = uniqueName(name).toLowerCase();
    this.topic = `floe_t_${id}`;
    this.registryTopic = `floe_r_${id}`;
    this.namespace = `t_${id}`;
    this.taskQueue = `floe-test-${id}`;
    this.env = { FLOE_RAW_NAMESPACE: this.namespace, FLOE_REGISTRY_TOPIC: this.registryTopic, FLOE_TELEMETRY_TOPIC: this.topic, FLOE_TASK_QUEUE: this.taskQueue, ...extraEnv };
    this.config = loadConfig({ ...process.env, ...this.env });
  }

  async setup(): Promise<void> {
    const brokers = this.config.kafka.brokers;
    await createTopic(this.topic, this.partitions, brokers);
    await createTopic(this.registryTopic, 1, brokers);
    await send(this.registryTopic, registryMessages(this.devices), 5000, 'none', brokers);
  }

  /** Produces telemetry; returns the messages with partition order kept (offsets are assigned in order per partition). */
  async produce(plan: Omit<TelemetryPlan, 'partitions' | 'devices'>): Promise<Produced[]> {
    const msgs = telemetryMessages({ ...plan, partitions: this.partitions, devices: this.devices });
    await send(this.topic, msgs, 5000, 'none', this.config.kafka.brokers);
    this.produced.push(msgs);
    return msgs;
  }

  /** Expected (partition, offset) -> message, given every produce() went in order to an initially empty topic. */
  expected(): Map<string, Produced> {
    const next = new Map<number, number>();
    const out = new Map<string, Produced>();
    for (const m of this.produced.flat()) {
      const o = next.get(m.partition) ?? 0;
      next.set(m.partition, o + 1);
      out.set(`${m.partition}:${o}`, m);
    }
    return out;
  }

  async startInProcessWorker(depsOptions: IngestDepsOptions = {}): Promise<{ stop: () => Promise<void> }> {
    const bundle = await loadWorkflowBundle(this.config.cacheDir);
    const deps = await createIngestDeps(this.config, depsOptions);
    const { NativeConnection } = await import('@temporalio/worker');
    const connection = await NativeConnection.connect({ address: this.config.temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.taskQueue,
      workflowBundle: { code: bundle.code },
      activities: createIngestActivities(deps),
      maxHeartbeatThrottleInterval: WORKER_HEARTBEAT_THROTTLE,
    });
    const running = worker.run();
    return {
      stop: async () => {
        worker.shutdown();
        await running;
        await deps.close();
        await connection.close();
      },
    };
  }

  /** The floe worker as a child process, with the fault hook that extra environment can set (faults-hook.ts). */
  spawnWorker(extraEnv: Record<string, string> = {}): ChildProcess & { exited: Promise<number | null>; output: { log: string } } {
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', join(root, 'test', 'integration', 'ingest', 'fault-worker.ts')], {
      cwd: root,
      env: { ...process.env, ...this.env, ...extraEnv },
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

  async getClient(): Promise<Client> {
    this.client ??= await connectClient(this.config);
    return this.client;
  }

  get workflowId(): string {
    return ingestWorkflowId(this.topic, this.config.env);
  }

  async startIngest(opts: { maxRecords?: number; maxBatchesPerRun?: number; heartbeatTimeout?: string; pipelineDepth?: number } = {}): Promise<void> {
    const client = await this.getClient();
    await client.workflow.start('ingest', {
      workflowId: this.workflowId,
      taskQueue: this.taskQueue,
      args: [ingestInput(this.config, { topic: this.topic, ...opts })],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }

  async result(): Promise<IngestRunResult> {
    const client = await this.getClient();
    return (await client.workflow.getHandle(this.workflowId).result()) as IngestRunResult;
  }

  async lake(): Promise<RealIngestLake> {
    return createIngestLake(this.config);
  }

  /** RAW + DLQ against what was produced: by offset and by event id. */
  async reconcile(): Promise<{ verifyOk: boolean; missing: string[]; extra: string[]; wrongTable: string[]; rawEventIds: string[]; expectedEventIds: string[]; contentProblems: string[] }> {
    const reader = createKafkaRangeReader({ brokers: this.config.kafka.brokers });
    try {
      const lake = await this.lake();
      // Contents too (every stored row against Kafka's bytes), and nothing left behind.
      const report = await verifyIngest(reader, lake, { topic: this.topic, content: true, caughtUp: true });
      const expected = this.expected();
      const all = [...expected.keys()].map((k) => k.split(':').map(Number) as [number, number]);
      const maxByP = new Map<number, number>();
      for (const [p, o] of all) maxByP.set(p, Math.max(maxByP.get(p) ?? 0, o + 1));
      const ranges = [...maxByP].map(([partition, to]) => ({ partition, from: 0, to }));
      const rows = await readLakeOffsets(lake, this.topic, ranges, undefined, true);
      const seen = new Map<string, number>();
      const wrongTable: string[] = [];
      for (const r of rows) {
        const k = `${r.partition}:${r.offset}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        const m = expected.get(k);
        if (m && (m.defect ? r.table !== 'dlq' : r.table !== 'raw' || r.eventId !== m.eventId)) wrongTable.push(`${k} in ${r.table}`);
      }
      const missing = [...expected.keys()].filter((k) => !seen.has(k));
      const extra = [...seen].filter(([k, n]) => n > 1 || !expected.has(k)).map(([k, n]) => `${k} x${n}`);
      return {
        verifyOk: report.ok && report.kafkaMessages === expected.size,
        missing,
        extra,
        wrongTable,
        rawEventIds: rows.filter((r) => r.table === 'raw').map((r) => r.eventId!).sort(),
        expectedEventIds: [...expected.values()].filter((m) => !m.defect).map((m) => m.eventId!).sort(),
        contentProblems: (report.content?.problems ?? []).map((p) => `${p.partition}@${p.offset} ${p.table}.${p.column}: ${p.stored} != ${p.expected}`),
      };
    } finally {
      await reader.close();
    }
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
  }
}

/** A harness for a whole test file, with an in-process worker started before and stopped after it. */
export function useIngestHarnessWithWorker(name: string): IngestHarness {
  const h = new IngestHarness(name);
  let worker: { stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    await h.setup();
    worker = await h.startInProcessWorker();
  });
  afterAll(async () => {
    await worker?.stop();
    await h.close();
  });
  return h;
}

/** RAW + DLQ hold exactly what was produced, by offset and by event id, and `verify` agrees. */
export async function expectExactlyOnce(h: IngestHarness): Promise<void> {
  const rec = await h.reconcile();
  expect(rec.missing).toEqual([]);
  expect(rec.extra).toEqual([]);
  expect(rec.wrongTable).toEqual([]);
  expect(rec.rawEventIds).toEqual(rec.expectedEventIds);
  expect(rec.contentProblems).toEqual([]);
  expect(rec.verifyOk).toBe(true);
}
