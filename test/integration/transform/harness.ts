// A transform environment of its own for one test file: unique topics, namespaces for every
// layer, task queue and day on the shared stack; data made by `floe produce` (the simulator),
// ingested by the ingest workflow, transformed by the transform workflow, all in one worker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { loadConfig, type FloeConfig } from '../../../deploy/config.js';
import { createIngestActivities } from '../../../activities/ingest.js';
import { createTransformActivities } from '../../../activities/transform.js';
import { createIngestDeps, createTransformDeps } from '../../../workers/deps.js';
import { loadWorkflowBundle } from '../../../workers/bundle.js';
import { connectClient, ingestInput } from '../../../workers/client.js';
import { startTransform, waitTransform, type TransformOutcome } from '../../../workers/transformClient.js';
import { transformWorkflowId } from '../../../workflows/transform/transform.js';
import { FloeDqStatus, FloeNessieBranch } from '../../../workflows/searchAttributes.js';
import { ingestWorkflowId, type IngestRunResult } from '../../../workflows/ingest/ingest.js';
import { createLake, lakeConfigFrom, type Lake } from '../../../lake/index.js';
import { transformSettings, type TransformSettings } from '../../../transform/context.js';
import { listRunBranches } from '../../../transform/branches.js';
import { createTopic, uniqueName } from '../ingest/helpers.js';
import type { Manifest } from '../../../simulator/manifest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export class TransformHarness {
  readonly topic: string;
  readonly registryTopic: string;
  readonly ns: string;
  readonly taskQueue: string;
  readonly env: Record<string, string>;
  readonly config: FloeConfig;
  readonly settings: TransformSettings;
  readonly lake: Lake;
  /** A day of its own (the transform workflow id is per env and day). */
  readonly day: string;
  private client?: Client;
  private stopWorker?: () => Promise<void>;

  constructor(name: string) {
    const id = uniqueName(name).toLowerCase();
    this.topic = `floe_t_${id}`;
    this.registryTopic = `floe_r_${id}`;
    this.ns = `t_${id}`;
    this.taskQueue = `floe-test-${id}`;
    this.env = {
      FLOE_RAW_NAMESPACE: this.ns,
      FLOE_SILVER_NAMESPACE: `${this.ns}_silver`,
      FLOE_GOLD_NAMESPACE: `${this.ns}_gold`,
      FLOE_DQ_NAMESPACE: `${this.ns}_dq`,
      FLOE_REGISTRY_TOPIC: this.registryTopic,
      FLOE_TELEMETRY_TOPIC: this.topic,
      FLOE_TASK_QUEUE: this.taskQueue,
      // One worker serves both here; the CLI starts transforms on the transform queue.
      FLOE_TRANSFORM_TASK_QUEUE: this.taskQueue,
      FLOE_TRANSFORM_MEMORY_LIMIT: '512MB',
      // A test day (a few thousand rows) then has several SILVER files and runs the per-device
      // GOLD models by device ranges, as a day of millions does.
      FLOE_TRANSFORM_ROWS_PER_FILE: '1200',
      FLOE_TRANSFORM_ROWS_PER_CHUNK: '1000',
    };
    this.config = loadConfig({ ...process.env, ...this.env });
    this.settings = transformSettings(this.config);
    this.lake = createLake(lakeConfigFrom(this.config));
    // A day in 2025-2026 (after every simulated install) from the run's random name: its workflow id is its own.
    const n = parseInt(id.slice(-6), 16) % 600;
    this.day = new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  }

  async setup(): Promise<void> {
    await createTopic(this.topic, 3, this.config.kafka.brokers);
    await createTopic(this.registryTopic, 1, this.config.kafka.brokers);
    const bundle = await loadWorkflowBundle(this.config.cacheDir);
    const ingestDeps = await createIngestDeps(this.config);
    const transformDeps = createTransformDeps(this.config);
    const connection = await NativeConnection.connect({ address: this.config.temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.taskQueue,
      workflowBundle: { code: bundle.code },
      activities: { ...createIngestActivities(ingestDeps), ...createTransformActivities(transformDeps) },
    });
    const running = worker.run();
    this.stopWorker = async () => {
      worker.shutdown();
      await running;
      await ingestDeps.close();
      await transformDeps.close();
      await connection.close();
    };
  }

  /** `floe produce` into the harness's topics (the simulator publishes the registry too); its manifest. */
  produce(args: { count: number; devices?: number; buildings?: number; start?: string; span?: string; seed?: number; scenario?: string }): Manifest {
    const manifest = join(mkdtempSync(join(tmpdir(), 'floe-manifest-')), 'manifest.json');
    const argv = [
      join(root, 'bin', 'floe.js'), 'produce', '--topic', this.topic, '--scenario', args.scenario ?? 'mixed', '--devices', String(args.devices ?? 12), '--buildings', String(args.buildings ?? 2),
      '--count', String(args.count), '--start', args.start ?? `${this.day}T00:00:00Z`, '--span', args.span ?? '24h', '--seed', String(args.seed ?? 7),
      '--manifest', manifest,
    ];
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...this.env }, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`floe produce exited ${r.status}: ${r.stderr}`);
    return JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
  }

  async getClient(): Promise<Client> {
    this.client ??= await connectClient(this.config);
    return this.client;
  }

  /** Runs the ingest workflow until caught up. */
  async ingest(): Promise<IngestRunResult> {
    const client = await this.getClient();
    const handle = await client.workflow.start('ingest', {
      workflowId: ingestWorkflowId(this.topic, this.config.env),
      taskQueue: this.taskQueue,
      args: [ingestInput(this.config, { topic: this.topic, maxRecords: 2000 })],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return (await handle.result()) as IngestRunResult;
  }

  async transform(opts: { force?: boolean; day?: string } = {}): Promise<TransformOutcome> {
    const client = await this.getClient();
    const { handle, runId } = await startTransform(this.config, { env: this.config.env, day: opts.day ?? this.day, ...(opts.force ? { force: true } : {}) }, { client, taskQueue: this.taskQueue });
    // The start joins a run of the day that is already going: fail now if no worker of ours serves it.
    const { taskQueue } = await handle.describe();
    if (taskQueue !== this.taskQueue) throw new Error(`${handle.workflowId} is already running on task queue ${taskQueue}, not this test's ${this.taskQueue}`);
    return waitTransform(client, handle.workflowId, runId);
  }

  /** The run branch and DQ status the day's latest transform shows in the Temporal UI. */
  async uiStatus(day = this.day): Promise<{ branch?: string; dq?: string }> {
    const client = await this.getClient();
    const d = await client.workflow.getHandle(transformWorkflowId(this.config.env, day)).describe();
    return { branch: d.typedSearchAttributes.get(FloeNessieBranch), dq: d.typedSearchAttributes.get(FloeDqStatus) };
  }

  table(layer: 'raw' | 'silver' | 'gold' | 'dq', name: string): string {
    return `${this.settings.namespaces[layer]}.${name}`;
  }

  async close(): Promise<void> {
    // Run branches a failed test left behind (its days are this harness's own).
    const days = [0, 1, 2].map((n) => new Date(Date.parse(`${this.day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10));
    for (const b of await listRunBranches(this.lake).catch(() => [])) {
      if (days.some((d) => b.name.startsWith(`transform-${this.config.env}-${d}-`))) await this.lake.deleteBranch(b.name).catch(() => {});
    }
    await this.stopWorker?.();
    await this.client?.connection.close();
  }
}

export function useTransformHarness(name: string): TransformHarness {
  const h = new TransformHarness(name);
  beforeAll(async () => {
    await h.setup();
  });
  afterAll(async () => {
    await h.close();
  });
  return h;
}
