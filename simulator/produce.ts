// One `floe produce` run: set up topics, publish the fleet to the device registry, generate and
// send the telemetry in big pipelined batches (paced for --rate, flat out for history), report
// progress, and return the manifest. Errors from Kafka abort the run: a manifest must never
// describe messages that were not sent.
import { writeFileSync } from 'node:fs';
import { TelemetryGenerator, type GeneratedMessage, type GeneratorOptions } from './generator.js';
import { ensureTopics, topicEndOffsets, createSink, keyPartition, type MessageSink, type OutgoingMessage, type KafkaClientName, type Compression } from './kafka.js';
import { registryMessages } from './registry.js';
import { DirectSink } from './direct-producer.js';
import type { Manifest } from './manifest.js';
import { ailingDeviceIds } from './ailments.js';

/** With --count and no --rate, each device reports this often (event time). */
export const DEFAULT_DEVICE_INTERVAL_MS = 10_000;

/** A produce run: what to generate (GeneratorOptions) and where and how to send it. */
export interface ProduceRun extends GeneratorOptions {
  topic: string;
  registryTopic: string;
  partitions: number;
  mode: 'live' | 'history';
  /** Messages per second to pace at (live mode with --rate); undefined: as fast as possible. */
  paceRate?: number;
  brokers: string[];
  client: KafkaClientName;
  compression: Compression;
  batchSize: number;
  /** Batches in flight at once. */
  inFlight: number;
  publishRegistry: boolean;
  manifestFile?: string;
  includeEventIds?: boolean;
  /** Called with a progress line about once a second, and once at the end. */
  progress?: (line: string, final: boolean) => void;
}

export interface ProduceResult {
  manifest: Manifest;
  /** With the direct client: RecordBatch bytes sent (after compression). */
  batchBytes?: number;
}


/** A partition's share of one batch, at ~450 bytes per healthy message, so builders rarely grow. */
function initialBytesPerPartition(run: ProduceRun, partitions: number): number {
  return Math.max(16 * 1024, Math.ceil((Math.min(run.batchSize, run.count) * 512) / partitions));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function produce(run: ProduceRun, sinkOverride?: MessageSink): Promise<ProduceResult> {
  const gen = new TelemetryGenerator({
    scenario: run.scenario,
    devices: run.devices,
    buildings: run.buildings,
    count: run.count,
    seed: run.seed,
    startMs: run.startMs,
    stepMs: run.stepMs,
  });
  const useKafka = sinkOverride === undefined;
  let partitions = run.partitions;
  if (useKafka) {
    const counts = await ensureTopics(run.brokers, [
      { topic: run.topic, partitions: run.partitions },
      // Compaction keeps the latest record per device id: the topic is the registry.
      { topic: run.registryTopic, partitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ]);
    // An existing topic keeps its own partition count.
    partitions = counts[run.topic] ?? partitions;
  }
  // Partition once per key (device), not once per message.
  const partitionOf = new Map<Buffer, number>();
  const partitionFor = (m: GeneratedMessage): number => {
    // Unknown-device messages carry one-off keys: not worth caching.
    if (m.label.group === 'invalid_schema' && m.label.kind === 'unknown_device') return keyPartition(m.key, partitions);
    let p = partitionOf.get(m.key);
    if (p === undefined) partitionOf.set(m.key, (p = keyPartition(m.key, partitions)));
    return p;
  };
  const sink = sinkOverride ?? (await createSink(run.client, run.brokers, run.compression));
  const startedAt = new Date();
  let before: Record<string, string> | undefined;
  try {
    if (run.publishRegistry) await sink.send(run.registryTopic, registryMessages(gen.fleet.devices));
    if (useKafka) before = await topicEndOffsets(run.brokers, run.topic);
    const writer = sink instanceof DirectSink ? await sink.writer(run.topic, initialBytesPerPartition(run, partitions)) : undefined;
    if (writer && writer.partitions !== partitions) throw new Error(`topic ${run.topic}: metadata says ${writer.partitions} partitions, the topic was created with ${partitions}`);

    // kafkajs does not keep the order of concurrent sends to a partition (seen in the integration
    // test): one batch at a time keeps each partition's messages in generation order.
    const maxInFlight = sink.client === 'kafkajs' ? 1 : run.inFlight;
    const t0 = performance.now();
    let sent = 0;
    let lastReport = t0;
    const inflight = new Set<Promise<void>>();
    let failure: unknown;
    const report = (final: boolean) => {
      if (!run.progress) return;
      const secs = (performance.now() - t0) / 1000;
      const m = gen.manifest;
      const pct = run.count ? ((100 * sent) / run.count).toFixed(1) : '100.0';
      run.progress(
        `sent ${sent.toLocaleString('en-US')}/${run.count.toLocaleString('en-US')} (${pct}%)  ${Math.round(sent / Math.max(secs, 1e-3)).toLocaleString('en-US')} msg/s  invalid ${m.byGroup.invalid_schema.toLocaleString('en-US')}  send errors ${failure ? 1 : 0}  ${secs.toFixed(1)}s`,
        final,
      );
    };
    while (gen.remaining > 0 && failure === undefined) {
      if (run.paceRate) {
        // Hold the batch until its messages are due.
        const dueMs = ((run.count - gen.remaining) / run.paceRate) * 1000;
        const wait = dueMs - (performance.now() - t0);
        if (wait > 0) await sleep(wait);
      }
      const size = Math.min(run.batchSize, gen.remaining, run.paceRate ? Math.max(1, Math.ceil(run.paceRate / 10)) : Infinity);
      let sending: Promise<void>;
      if (writer) {
        // Encoded in place, one record at a time: no message objects for the client to copy.
        for (let i = 0; i < size; i++) {
          const m = gen.next()!;
          writer.append(partitionFor(m), m.key, m.payload);
        }
        sending = writer.flush();
      } else {
        const batch: OutgoingMessage[] = new Array(size);
        for (let i = 0; i < size; i++) {
          const m = gen.next()!;
          batch[i] = { key: m.key, value: m.value, partition: partitionFor(m) };
        }
        sending = sink.send(run.topic, batch);
      }
      const p: Promise<void> = sending.then(
        () => {
          sent += size;
          inflight.delete(p);
        },
        (err: unknown) => {
          failure ??= err;
          inflight.delete(p);
        },
      );
      inflight.add(p);
      if (inflight.size >= maxInFlight) await Promise.race(inflight);
      const now = performance.now();
      if (now - lastReport >= 1000) {
        lastReport = now;
        report(false);
      }
    }
    await Promise.all(inflight);
    if (failure !== undefined) {
      throw new Error(`sending to topic ${run.topic} failed after ${sent} messages: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    report(true);
    const seconds = (performance.now() - t0) / 1000;
    const after = useKafka ? await topicEndOffsets(run.brokers, run.topic) : undefined;
    const offsets = before && after ? Object.fromEntries(Object.keys(after).sort((a, b) => Number(a) - Number(b)).map((p) => [p, { from: before![p] ?? '0', toExclusive: after[p]! }])) : undefined;
    const spanMs = run.stepMs * run.count;
    const manifest = gen.manifest.build(
      {
        scenario: run.scenario,
        seed: run.seed,
        devices: run.devices,
        buildings: run.buildings,
        topic: run.topic,
        registryTopic: run.registryTopic,
        start: new Date(run.startMs).toISOString(),
        spanMs,
        mode: run.mode,
        client: sink.client,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        seconds: Math.round(seconds * 1000) / 1000,
        messagesPerSecond: Math.round(sent / Math.max(seconds, 1e-6)),
      },
      { ...(offsets ? { offsets } : {}), includeEventIds: run.includeEventIds ?? false, ...(gen.ailments.length ? { ailingDevices: ailingDeviceIds(gen.ailments, gen.fleet.devices.map((d) => d.record.device_id)) } : {}) },
    );
    if (run.manifestFile) writeFileSync(run.manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    return { manifest, ...(writer ? { batchBytes: writer.batchBytes } : {}) };
  } finally {
    await sink.close();
  }
}
