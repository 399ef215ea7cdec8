// Ingestion benchmark on the local stack: messages produced by `floe produce` into a fresh topic,
// then ingested by the real workflow + activities (worker in this process) into a RAW/DLQ
// namespace of its own. Reports end-to-end msgs/s and MB/s, the per-batch split (fetch,
// validate, encode, upload, commit, from the batch results in workflow history), worker RSS,
// fetch-only throughput of both Kafka clients, and produced-to-queryable-in-Trino latency.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import kafkajs from 'kafkajs';
import { loadConfig } from '../deploy/config.js';
import { trinoQuery } from '../deploy/trino.js';
import { createIngestActivities } from '../activities/ingest.js';
import { createIngestDeps } from '../workers/deps.js';
import { loadWorkflowBundle } from '../workers/bundle.js';
import { connectClient, ingestInput } from '../workers/client.js';
import { ingestWorkflowId, type IngestRunResult } from '../workflows/ingest/ingest.js';
import { createKafkaRangeReader, type FetchClient } from '../ingest/kafka.js';
import type { IngestBatchResult } from '../ingest/types.js';
import type { Figure } from './figure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MESSAGES = Number(process.env.FLOE_BENCH_INGEST_MESSAGES ?? 400_000);
const BATCH = Number(process.env.FLOE_BENCH_INGEST_BATCH ?? 100_000);

function floe(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(root, 'bin', 'floe.js'), ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`floe ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout),
    ),
  );
}

async function createTopics(brokers: string[], topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: 'floe-bench', brokers, logLevel: kafkajs.logLevel.ERROR }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export default async function ingestBench(): Promise<Figure[]> {
  const id = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const env = {
    FLOE_TELEMETRY_TOPIC: `floe_bench_${id}`,
    FLOE_REGISTRY_TOPIC: `floe_bench_reg_${id}`,
    FLOE_RAW_NAMESPACE: `bench_${id}`,
    FLOE_TASK_QUEUE: `floe-bench-${id}`,
  };
  const config = loadConfig({ ...process.env, ...env });
  const topic = config.kafka.telemetryTopic;
  await createTopics(config.kafka.brokers, [
    { topic, numPartitions: config.kafka.telemetryPartitions },
    { topic: config.kafka.registryTopic, numPartitions: 1 },
  ]);
  const figures: Figure[] = [];

  // 1. Produce.
  let t = performance.now();
  await floe(['produce', '--count', String(MESSAGES), '--scenario', 'mixed', '--seed', '1', '--quiet', '--client', 'platformatic'], env);
  figures.push({ name: 'ingest: produce (floe produce, for reference)', value: Math.round(MESSAGES / ((performance.now() - t) / 1000)), unit: 'msg/s' });

  // 2. Fetch-only throughput of each Kafka client over the same ranges.
  for (const fetchClient of ['platformatic', 'kafkajs'] as FetchClient[]) {
    const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, fetchClient });
    const marks = await reader.watermarks(topic);
    t = performance.now();
    const n = (await reader.readRanges(topic, marks.map((w) => ({ partition: w.partition, from: w.low, to: w.high })))).length;
    figures.push({ name: `ingest: fetch only, ${fetchClient}`, value: Math.round(n / ((performance.now() - t) / 1000)), unit: 'msg/s' });
    await reader.close();
  }

  // 3. End to end through the workflow, worker in this process.
  const bundle = await loadWorkflowBundle(config.cacheDir);
  const deps = await createIngestDeps(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: { code: bundle.code },
    activities: createIngestActivities(deps),
  });
  const running = worker.run();
  const client = await connectClient(config);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const workflowId = ingestWorkflowId(topic, config.env);
    t = performance.now();
    const handle = await client.workflow.start('ingest', { workflowId, taskQueue: config.temporal.taskQueue, args: [ingestInput(config, { topic, maxRecords: BATCH })] });
    const r = (await handle.result()) as IngestRunResult;
    const seconds = (performance.now() - t) / 1000;
    figures.push({ name: 'ingest: end to end (Kafka -> RAW+DLQ committed)', value: Math.round(r.totals.messages / seconds), unit: 'msg/s', target: '>= 150000' });
    figures.push({ name: 'ingest: end to end', value: Number((r.totals.bytes / 1e6 / seconds).toFixed(1)), unit: 'MB/s' });
    figures.push({ name: 'ingest: batches', value: r.totals.batches, unit: `of <= ${BATCH} msgs` });

    const batches: IngestBatchResult[] = [];
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const e of history.events ?? []) {
      const p = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      if (!p) continue;
      const v = JSON.parse(Buffer.from(p).toString('utf8')) as Partial<IngestBatchResult>;
      if (v.timings && v.outcome === 'committed') batches.push(v as IngestBatchResult);
    }
    for (const k of ['fetchMs', 'validateMs', 'encodeMs', 'uploadMs', 'commitMs'] as const) {
      const perBatch = batches.reduce((s, b) => s + b.timings[k], 0) / Math.max(1, batches.length);
      figures.push({ name: `ingest: per batch ${k.replace('Ms', '')}`, value: Math.round(perBatch), unit: 'ms' });
    }
    figures.push({ name: 'ingest: worker RSS peak (worker in bench process)', value: Math.round(peakRss / 2 ** 20), unit: 'MiB' });

    // 4. Produced -> queryable in Trino, for a small burst ingested by a fresh run.
    await floe(['produce', '--count', '5000', '--scenario', 'valid', '--seed', '2', '--quiet', '--no-registry', '--client', 'platformatic'], env);
    const produced = performance.now();
    const before = Number((await trinoQuery(config, `SELECT count(*) FROM ${env.FLOE_RAW_NAMESPACE}.telemetry`)).rows[0]![0]);
    await client.workflow.start('ingest', { workflowId, taskQueue: config.temporal.taskQueue, args: [ingestInput(config, { topic })] });
    for (;;) {
      const n = Number((await trinoQuery(config, `SELECT count(*) FROM ${env.FLOE_RAW_NAMESPACE}.telemetry`)).rows[0]![0]);
      if (n >= before + 5000) break;
      if (performance.now() - produced > 120_000) throw new Error('burst not queryable in Trino after 120 s');
      await new Promise((res) => setTimeout(res, 250));
    }
    figures.push({
      name: `ingest: produced -> queryable in Trino (run started on produce; a schedule adds up to ${config.ingest.intervalSeconds} s)`,
      value: Number(((performance.now() - produced) / 1000).toFixed(1)),
      unit: 's',
      target: `<= ${30 - config.ingest.intervalSeconds}`,
    });
    await client.workflow.getHandle(workflowId).result();
  } finally {
    clearInterval(sampler);
    worker.shutdown();
    await running;
    await deps.close();
    await connection.close();
    await client.connection.close();
  }
  return figures;
}
