// Ingestion benchmark on the local stack: messages produced by `floe produce` into a fresh topic,
// then ingested by the real workflow + activities (worker in this process) into a RAW/DLQ
// namespace of its own. Reports end-to-end msgs/s and MB/s, the per-batch split (fetch,
// validate, encode, upload, commit, from the batch results in workflow history), worker RSS,
// fetch-only throughput of both Kafka clients, and produced-to-queryable-in-Trino latency.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
import { createKafkaRangeReader, FETCH_CLIENTS } from '../ingest/kafka.js';
import type { IngestBatchResult } from '../ingest/types.js';
import { paths, SERVICE_NAMES } from '../deploy/stack/index.js';
import { groupCpuMs, liveRecord } from '../deploy/stack/process.js';
import { deleteTopics } from '../simulator/kafka.js';
import type { Figure } from './figure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Long enough for a sustained rate: at the default 200k-message batches, 15 batches per run. */
const MESSAGES = Number(process.env.FLOE_BENCH_INGEST_MESSAGES ?? 3_000_000);
/** End-to-end runs over the same produced topic (each into a fresh RAW namespace); medians are reported. */
const RUNS = Number(process.env.FLOE_BENCH_INGEST_RUNS ?? 3);
/**
 * Untimed runs first (a worker that has run for a while has its hot code compiled; the first run
 * in a fresh process measured 15-30% slower), over the same topic into their own tables.
 */
const WARMUPS = Number(process.env.FLOE_BENCH_INGEST_WARMUPS ?? 1);

const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length === 0 ? NaN : a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * CPU (ms) of this process's main thread and of the Temporal core's tokio threads, from
 * /proc/self/task (Linux; zeros elsewhere). The rest of cpuMs() is the encoder worker threads,
 * V8's GC and compiler helpers and libuv's pool.
 */
function threadCpuMs(): { main: number; tokio: number; byThread: Map<string, number> } {
  const out = { main: 0, tokio: 0, byThread: new Map<string, number>() };
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3, utime 14, stime 15 (clock ticks, 100/s).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      out.byThread.set(`${t} ${readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim()}`, ms);
      if (Number(t) === process.pid) out.main += ms;
      else if (readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('tokio')) out.tokio += ms;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** CPU (ms) used so far by each running stack service (its whole process group). */
function serviceCpuMs(c: ReturnType<typeof loadConfig>): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of SERVICE_NAMES) {
    const rec = liveRecord(paths(c, name).pid);
    if (rec) out.set(name, groupCpuMs(rec.pid));
  }
  return out;
}

/**
 * CPU per message of the ingestion stages without Kafka or S3 (in-process, insensitive to
 * other load on the machine): validate + RAW rows (fast path vs validateTelemetry + toRawRow),
 * and column building + Parquet encoding (zstd, the lake's default) of the rows; and the path
 * ingestion takes now, parsed values appended straight into RAW column batches.
 */
async function cpuComponents(): Promise<Figure[]> {
  const { TelemetryGenerator } = await import('../simulator/generator.js');
  const { validateTelemetry } = await import('../models/telemetry.js');
  const { fastRawRow, parseTelemetry } = await import('../models/rawRow.js');
  const { RawBatch } = await import('../ingest/rawColumns.js');
  const { toRawRow, toDlqRow, RAW_TELEMETRY } = await import('../models/tables.js');
  const { schemaOfTable } = await import('../ingest/lakeAdapter.js');
  const { buildColumns } = await import('../lake/parquet-writer.js');
  const { encodeParquet } = await import('../lake/parquet-encoder.js');
  const n = 50_000;
  const gen = new TelemetryGenerator({ scenario: 'mixed', devices: 100, buildings: 5, count: n, seed: 'bench', startMs: Date.UTC(2026, 0, 1), stepMs: 10 });
  const values: Buffer[] = [];
  for (let m = gen.next(); m; m = gen.next()) values.push(m.value);
  const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
  const at = { topic: 't', partition: 0, offset: 0, ingestedAt: new Date() };
  const fastRuns: number[] = [];
  const columnRuns: number[] = [];
  const nativeRuns: number[] = [];
  const { openRawIngest, eventJson } = await import('../ingest/native.js');
  // The values as a fetch response holds them: in one buffer, with record framing in between.
  const response = Buffer.concat(values.flatMap((v) => [Buffer.alloc(20), v]));
  const spans = new Int32Array(2 * n);
  for (let i = 0, p = 0; i < n; i++) {
    p += 20;
    spans[2 * i] = p;
    spans[2 * i + 1] = values[i]!.length;
    p += values[i]!.length;
  }
  const offsets = Float64Array.from({ length: n }, (_, i) => i);
  const refRuns: number[] = [];
  const batch = new RawBatch();
  const buildRuns: number[] = [];
  const encodeRuns: Record<string, number[]> = { zstd: [], lz4: [], snappy: [] };
  const sizes: Record<string, number> = {};
  const schema = schemaOfTable(RAW_TELEMETRY);
  for (let rep = 0; rep < 5; rep++) {
    let t = cpuMs();
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < values.length; i++) {
      at.offset = i;
      const r = fastRawRow(values[i], registry, at);
      if (r?.ok) rows.push(r.row);
      else if (r) toDlqRow({ key: null, value: values[i]!, timestampMs: 0 }, r, { topic: 't', partition: 0, offset: BigInt(i), ingestedAtMicros: 0n });
    }
    fastRuns.push(((cpuMs() - t) * 1000) / n);
    // What ingestion runs now: parse and check, then append straight into RAW column batches
    // (25k rows per file, built and reset as the batch activity seals them).
    t = cpuMs();
    batch.reset();
    for (let i = 0; i < values.length; i++) {
      at.offset = i;
      const p = parseTelemetry(values[i], registry);
      if (p?.ok) {
        batch.append(p, at);
        if (batch.numRows >= 25_000) {
          batch.build();
          batch.reset();
        }
      } else if (p) toDlqRow({ key: null, value: values[i]!, timestampMs: 0 }, p, { topic: 't', partition: 0, offset: BigInt(i), ingestedAtMicros: 0n });
    }
    batch.build();
    columnRuns.push(((cpuMs() - t) * 1000) / n);
    // The same through the Rust addon (ingest/native.ts), as runBatch drives it: what it does not
    // accept goes through parseTelemetry (rejects to DLQ rows, the rare accepted one back in).
    const nat = openRawIngest('on', registry, 't', Date.now(), 25_000);
    if (nat) {
      const stop = new Int32Array(2);
      t = cpuMs();
      for (let k = 0; k < n; ) {
        k = nat.consume(response, spans, offsets, 0, k, n, stop);
        if (stop[0] === 2) nat.take(0, stop[1]!);
        else if (stop[0] === 1) {
          const p = parseTelemetry(values[k], registry);
          if (p?.ok) nat.appendEvent(eventJson(p.e), 0, k, stop);
          else if (p) toDlqRow({ key: null, value: values[k]!, timestampMs: 0 }, p, { topic: 't', partition: 0, offset: BigInt(k), ingestedAtMicros: 0n });
          k++;
        }
      }
      nat.rest([0]);
      nat.close();
      nativeRuns.push(((cpuMs() - t) * 1000) / n);
    }
    t = cpuMs();
    for (let i = 0; i < values.length; i++) {
      const pos = { topic: 't', partition: 0, offset: BigInt(i), ingestedAtMicros: 0n };
      const v = validateTelemetry(values[i], registry);
      if (v.ok) toRawRow(v.event, pos);
      else toDlqRow({ key: null, value: values[i]!, timestampMs: 0 }, v, pos);
    }
    refRuns.push(((cpuMs() - t) * 1000) / n);
    t = cpuMs();
    const { job } = buildColumns(schema, rows, { table: 'bench', file: 'bench' });
    buildRuns.push(((cpuMs() - t) * 1000) / n);
    for (const c of ['zstd', 'lz4', 'snappy'] as const) {
      t = cpuMs();
      const r = encodeParquet({ ...job, compression: c });
      encodeRuns[c]!.push(((cpuMs() - t) * 1000) / n);
      if (r.ok) sizes[c] = r.bytes.length;
    }
  }
  const f = (name: string, runs: number[]): Figure => ({ name: `ingest cpu: ${name}`, value: Number(median(runs).toFixed(2)), unit: 'µs/msg' });
  return [
    ...(nativeRuns.length ? [f('validate + append into RAW column batches, sealed every 25k rows, native addon (the ingest hot path; mixed, 10% rejects)', nativeRuns)] : []),
    f('validate + append into RAW column batches + build them, TypeScript (FLOE_INGEST_NATIVE=off)', columnRuns),
    f('validate + RAW row objects, one-pass fast path (session 1)', fastRuns),
    f('validate + RAW row objects, validateTelemetry + toRawRow (before that)', refRuns),
    f('lake column build from row objects (session 1; now skipped)', buildRuns),
    ...(['zstd', 'lz4', 'snappy'] as const).flatMap((c) => [
      f(`Parquet encode ${c}`, encodeRuns[c]!),
      { name: `ingest cpu: Parquet ${c} bytes per row`, value: Number((sizes[c]! / n).toFixed(1)), unit: 'B' },
    ]),
  ];
}


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

/** Starts the V8 CPU profiler of this process; the returned function stops it and writes the profile. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * FLOE_BENCH_INGEST_TOPIC=floe_bench_<id>: the end-to-end runs only, over a topic an earlier
 * bench produced and kept (FLOE_BENCH_KEEP_TOPIC=1), for comparing changes on the same data.
 */
const REUSE_TOPIC = process.env.FLOE_BENCH_INGEST_TOPIC;

export default async function ingestBench(): Promise<Figure[]> {
  if (REUSE_TOPIC !== undefined && !/^floe_bench_[a-z0-9]+_[0-9a-f]{6}$/.test(REUSE_TOPIC)) throw new Error(`FLOE_BENCH_INGEST_TOPIC=${REUSE_TOPIC}: expected a topic a bench produced, floe_bench_<id>`);
  // Tables and task queues are fresh on every invocation; the topics only when not reused.
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const id = REUSE_TOPIC?.slice('floe_bench_'.length) ?? run;
  const env = {
    FLOE_TELEMETRY_TOPIC: `floe_bench_${id}`,
    FLOE_REGISTRY_TOPIC: `floe_bench_reg_${id}`,
    FLOE_RAW_NAMESPACE: `bench_${run}`,
    FLOE_TASK_QUEUE: `floe-bench-${run}`,
  };
  const config = loadConfig({ ...process.env, ...env });
  const topic = config.kafka.telemetryTopic;
  if (REUSE_TOPIC) return ingestFigures(env, config);
  await createTopics(config.kafka.brokers, [
    { topic, numPartitions: config.kafka.telemetryPartitions },
    { topic: config.kafka.registryTopic, numPartitions: 1 },
  ]);
  try {
    return await ingestFigures(env, config);
  } finally {
    // The produced topic is about 1 GB, and the stack's state directory outlives the bench.
    if (process.env.FLOE_BENCH_KEEP_TOPIC === '1') process.stderr.write(`kept ${topic} (rerun the runs over it: FLOE_BENCH_INGEST_TOPIC=${topic})\n`);
    else await deleteTopics(config.kafka.brokers, [topic, config.kafka.registryTopic]);
  }
}

/** 1. Produce. */
async function produce(env: Record<string, string>): Promise<Figure[]> {
  const t = performance.now();
  await floe(['produce', '--count', String(MESSAGES), '--scenario', 'mixed', '--seed', '1', '--quiet'], env);
  return [{ name: 'ingest: produce (floe produce, for reference)', value: Math.round(MESSAGES / ((performance.now() - t) / 1000)), unit: 'msg/s' }];
}

/**
 * Fetch-only throughput of each Kafka fetch path (production and fallback) over the same ranges. Measured after the
 * end-to-end runs: each read holds all 1.5M messages, and the heap it leaves made the runs
 * after it slower.
 */
async function fetchOnly(config: ReturnType<typeof loadConfig>): Promise<Figure[]> {
  const topic = config.kafka.telemetryTopic;
  const figures: Figure[] = [];
  let t: number;
  for (const fetchClient of FETCH_CLIENTS) {
    const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, fetchClient });
    const marks = await reader.watermarks(topic);
    t = performance.now();
    const c0 = cpuMs();
    const n = (await reader.readRanges(topic, marks.map((w) => ({ partition: w.partition, from: w.low, to: w.high })))).length;
    figures.push({ name: `ingest: fetch only, ${fetchClient}`, value: Math.round(n / ((performance.now() - t) / 1000)), unit: 'msg/s' });
    figures.push({ name: `ingest cpu: fetch only, ${fetchClient} (this process, decode included)`, value: Number((((cpuMs() - c0) * 1000) / n).toFixed(2)), unit: 'µs/msg' });
    await reader.close();
  }
  return figures;
}

async function ingestFigures(env: Record<string, string>, config: ReturnType<typeof loadConfig>): Promise<Figure[]> {
  const topic = config.kafka.telemetryTopic;
  const figures: Figure[] = [];

  if (!REUSE_TOPIC) figures.push(...(await produce(env)));
  let t = performance.now();

  // 3. End to end through the workflow, worker in this process; RUNS times over the same topic,
  // each into a fresh RAW namespace and task queue, medians reported.
  const bundle = await loadWorkflowBundle(config.cacheDir);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const client = await connectClient(config);
  const runs: { sustained: number; rate: number; mbs: number; cpuUs: number; mainUs: number; tokioUs: number; serviceUs: Map<string, number>; rss: number; batches: IngestBatchResult[]; count: number }[] = [];
  let last: { cfg: typeof config; deps: Awaited<ReturnType<typeof createIngestDeps>>; worker: Worker; running: Promise<void> } | undefined;
  const stopLast = async (): Promise<void> => {
    if (!last) return;
    last.worker.shutdown();
    await last.running;
    await last.deps.close();
    last = undefined;
  };
  try {
    for (let run = -WARMUPS; run < RUNS; run++) {
      await stopLast();
      const tag = run < 0 ? `w${-run}` : `r${run}`;
      const runEnv = { ...env, FLOE_RAW_NAMESPACE: `${env.FLOE_RAW_NAMESPACE}_${tag}`, FLOE_TASK_QUEUE: `${env.FLOE_TASK_QUEUE}-${tag}` };
      const cfg = loadConfig({ ...process.env, ...runEnv });
      const deps = await createIngestDeps(cfg);
      const worker = await Worker.create({
        connection,
        namespace: cfg.temporal.namespace,
        taskQueue: cfg.temporal.taskQueue,
        workflowBundle: { code: bundle.code },
        activities: createIngestActivities(deps),
      });
      last = { cfg, deps, worker, running: worker.run() };
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
      const workflowId = `${ingestWorkflowId(topic, cfg.env)}-${tag}`;
      // FLOE_BENCH_PROFILE=<file>: a CPU profile of one end-to-end run (FLOE_BENCH_PROFILE_RUN, default the first; open it in
      // Chrome DevTools), without the produce, fetch-only and component phases around it.
      const profiling = run === Number(process.env.FLOE_BENCH_PROFILE_RUN ?? 1) - 1 && process.env.FLOE_BENCH_PROFILE ? await startProfile() : undefined;
      try {
        t = performance.now();
        const cpu0 = cpuMs();
        const threads0 = threadCpuMs();
        const services0 = serviceCpuMs(cfg);
        const handle = await client.workflow.start('ingest', { workflowId, taskQueue: cfg.temporal.taskQueue, args: [ingestInput(cfg, { topic })] });
        const r = (await handle.result()) as IngestRunResult;
        if (profiling) await profiling(process.env.FLOE_BENCH_PROFILE!);
        const seconds = (performance.now() - t) / 1000;
        const cpuUs = ((cpuMs() - cpu0) * 1000) / Math.max(1, r.totals.messages);
        const threads1 = threadCpuMs();
        const perMsg = (ms: number): number => (ms * 1000) / Math.max(1, r.totals.messages);
        const mainUs = perMsg(threads1.main - threads0.main);
        const tokioUs = perMsg(threads1.tokio - threads0.tokio);
        const serviceUs = new Map([...serviceCpuMs(cfg)].map(([k, v]) => [k, perMsg(v - (services0.get(k) ?? v))]));
        if (process.env.FLOE_BENCH_THREADS) {
          const top = [...threads1.byThread].map(([k, v]) => [k, perMsg(v - (threads0.byThread.get(k) ?? 0))] as const).sort((a, b) => b[1] - a[1]).slice(0, 12);
          process.stderr.write(`threads (µs/msg): ${top.map(([k, v]) => `${k}=${v.toFixed(1)}`).join(', ')}\n`);
        }
        const batches: IngestBatchResult[] = [];
        const completedMs: number[] = [];
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        for (const e of history.events ?? []) {
          const p = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
          if (!p) continue;
          const v = JSON.parse(Buffer.from(p).toString('utf8')) as Partial<IngestBatchResult>;
          if (v.timings && v.outcome === 'committed') {
            batches.push(v as IngestBatchResult);
            completedMs.push(Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6);
          }
        }
        // Sustained: the batches after the first, over the time between the first batch's
        // completion and the last one's (start-up, the first fetch and the pipeline's fill excluded).
        const span = (completedMs.at(-1)! - completedMs[0]!) / 1000;
        const sustained = batches.length > 2 ? batches.slice(1).reduce((sum, b) => sum + b.messages, 0) / span : NaN;
        if (run < 0) {
          process.stderr.write(`ingest bench warm-up run: ${Math.round(r.totals.messages / seconds)} msg/s (sustained ${Math.round(sustained)}), not counted\n`);
          continue;
        }
        runs.push({ sustained, rate: r.totals.messages / seconds, mbs: r.totals.bytes / 1e6 / seconds, cpuUs, mainUs, tokioUs, serviceUs, rss: peakRss, batches, count: r.totals.batches });
        const services = [...serviceUs].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
        process.stderr.write(
          `ingest bench run ${run + 1}/${RUNS}: ${Math.round(r.totals.messages / seconds)} msg/s (sustained ${Math.round(sustained)}), ${cpuUs.toFixed(1)} CPU µs/msg (main thread ${mainUs.toFixed(1)}, Temporal core ${tokioUs.toFixed(1)}), RSS ${Math.round(peakRss / 2 ** 20)} MiB; services µs/msg: ${services}\n`,
        );
      } finally {
        clearInterval(sampler);
      }
    }
    const depth = last?.cfg.ingest.pipelineDepth ?? config.ingest.pipelineDepth;
    figures.push({
      name: `ingest: sustained, Kafka -> RAW+DLQ committed (${depth} batch${depth > 1 ? 'es' : ''} in flight; batches 2..n over first to last completion), median of ${RUNS}`,
      value: Math.round(median(runs.map((x) => x.sustained))),
      unit: 'msg/s',
      target: '>= 150000',
    });
    figures.push({ name: `ingest: end to end, whole run of ${MESSAGES} msgs (workflow start to result), median of ${RUNS}`, value: Math.round(median(runs.map((x) => x.rate))), unit: 'msg/s' });
    figures.push({ name: 'ingest: sustained, best run', value: Math.round(Math.max(...runs.map((x) => x.sustained))), unit: 'msg/s' });
    figures.push({ name: 'ingest: end to end', value: Number(median(runs.map((x) => x.mbs)).toFixed(1)), unit: 'MB/s' });
    figures.push({
      name: 'ingest: worker process CPU per message (all threads; fetch, validate, build, encode, upload, Temporal)',
      value: Number(median(runs.map((x) => x.cpuUs)).toFixed(1)),
      unit: 'µs/msg',
      target: '<= 13.3 (2 cores / 150k msg/s)',
    });
    figures.push({ name: 'ingest: of which the main thread (fetch, validate, column appends, S3 and Nessie calls)', value: Number(median(runs.map((x) => x.mainUs)).toFixed(1)), unit: 'µs/msg' });
    figures.push({ name: 'ingest: of which the Temporal core threads', value: Number(median(runs.map((x) => x.tokioUs)).toFixed(1)), unit: 'µs/msg' });
    figures.push({ name: 'ingest: of which the other threads (Parquet encoders, GC, libuv)', value: Number(median(runs.map((x) => x.cpuUs - x.mainUs - x.tokioUs)).toFixed(1)), unit: 'µs/msg' });
    for (const name of runs[0]?.serviceUs.keys() ?? []) {
      figures.push({ name: `ingest: stack service CPU per message during the runs, ${name}`, value: Number(median(runs.map((x) => x.serviceUs.get(name) ?? 0)).toFixed(1)), unit: 'µs/msg' });
    }
    figures.push({ name: 'ingest: batches', value: runs[0]?.count ?? 0, unit: `of <= ${config.ingest.maxRecords} msgs (FLOE_INGEST_MAX_RECORDS)` });
    figures.push({ name: 'ingest: data files per batch (RAW + DLQ)', value: Number(median(runs.map((x) => x.batches.reduce((sum, b) => sum + b.dataFiles, 0) / Math.max(1, x.batches.length))).toFixed(1)), unit: 'files' });
    // With batches in flight together, fetch and validate of one overlap the others' stages:
    // the split is per batch, not a division of the run's wall time.
    for (const k of ['fetchMs', 'validateMs', 'encodeMs', 'uploadMs', 'waitMs', 'commitMs'] as const) {
      if (k === 'waitMs' && depth === 1) continue;
      const perRun = runs.map((x) => x.batches.reduce((sum, b) => sum + (b.timings[k] ?? 0), 0) / Math.max(1, x.batches.length));
      const note = k === 'fetchMs' ? ' (not hidden by validation)' : k === 'waitMs' ? ' (for the batch before it to commit)' : '';
      figures.push({ name: `ingest: per batch ${k.replace('Ms', '')}${note}`, value: Math.round(median(perRun)), unit: 'ms' });
    }
    figures.push({ name: 'ingest: worker RSS peak (worker in bench process)', value: Math.round(median(runs.map((x) => x.rss)) / 2 ** 20), unit: 'MiB' });
    if (REUSE_TOPIC) return figures;
    figures.push(...(await fetchOnly(config)));
    figures.push(...(await cpuComponents()));

    const cfg = last!.cfg;
    const workflowId = `${ingestWorkflowId(topic, cfg.env)}-r${RUNS - 1}`;
    // 4. Produced -> queryable in Trino, for a small burst ingested by a fresh run.
    await floe(['produce', '--count', '5000', '--scenario', 'valid', '--seed', '2', '--quiet', '--no-registry'], env);
    const produced = performance.now();
    const before = Number((await trinoQuery(cfg, `SELECT count(*) FROM ${cfg.ingest.rawNamespace}.telemetry`)).rows[0]![0]);
    await client.workflow.start('ingest', { workflowId, taskQueue: cfg.temporal.taskQueue, args: [ingestInput(cfg, { topic })] });
    for (;;) {
      const n = Number((await trinoQuery(cfg, `SELECT count(*) FROM ${cfg.ingest.rawNamespace}.telemetry`)).rows[0]![0]);
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
    await stopLast();
    await connection.close();
    await client.connection.close();
  }
  return figures;
}
