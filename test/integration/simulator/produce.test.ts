// A real `floe produce` of every scenario to the stack's Kafka, consumed back and reconciled
// with the manifest: what ingestion will see is exactly what the manifest promises.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { createKafkaRangeReader, type KafkaMessage } from '../../../ingest/kafka.js';
import { TopicDeviceRegistry } from '../../../ingest/registry.js';
import { loadConfig } from '../../../deploy/config.js';
import { validateTelemetry } from '../../../models/telemetry.js';
import { eventIdsSha256, type Manifest } from '../../../simulator/manifest.js';
import { SCENARIOS } from '../../../simulator/scenarios.js';

const config = loadConfig();
const bin = fileURLToPath(new URL('../../../bin/floe.js', import.meta.url));
const runId = `${Date.now().toString(36)}-${process.pid}`;
const registryTopic = `floe-test-registry-${runId}`;
const dir = mkdtempSync(join(tmpdir(), 'floe-produce-it-'));
const kafka = new Kafka({ clientId: 'floe-produce-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();

interface Consumed { partition: number; message: KafkaMessage }

// Read back with ingestion's own range reader (no consumer group; decodes lz4, which kafkajs cannot).
const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: 'floe-produce-test' });

async function consumeAll(topic: string, expected: number): Promise<Consumed[]> {
  const marks = await reader.watermarks(topic);
  const messages = await reader.readRanges(topic, marks.map((w) => ({ partition: w.partition, from: w.low, to: w.high })));
  expect(messages.length, `messages in ${topic}`).toBe(expected);
  return messages.map((message) => ({ partition: message.partition, message }));
}

function floeProduce(args: string[]): { manifest: Manifest; stdout: string; stderr: string } {
  const manifestFile = join(dir, `${args.join('_').replace(/[^a-z0-9_-]/gi, '')}.json`);
  const r = spawnSync(process.execPath, [bin, 'produce', ...args, '--manifest', manifestFile], {
    encoding: 'utf8',
    env: { ...process.env, FLOE_REGISTRY_TOPIC: registryTopic },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`floe produce ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { manifest: JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
  await reader.close();
});

describe.each(SCENARIOS)('floe produce --scenario %s', (scenario) => {
  const topic = `floe-test-telemetry-${scenario.replace('_', '-')}-${runId}`;
  const count = scenario === 'mixed' ? 12_000 : 4_000;

  it('lands exactly what the manifest says', async () => {
    const { manifest, stderr, stdout } = floeProduce(['--scenario', scenario, '--devices', '40', '--buildings', '3', '--count', String(count), '--seed', `it-${scenario}`, '--topic', topic, '--start', '2025-03-01T00:00:00Z', '--span', '6h']);
    expect(stderr).toMatch(/sent [\d,]+\/[\d,]+ \(100\.0%\)/);
    expect(stdout).toContain(`expect RAW ${manifest.expected.raw}`);
    expect(manifest.messages).toBe(count);

    // The topic was created with the configured partition count, and the run's offsets cover it.
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions).toHaveLength(config.kafka.telemetryPartitions);
    const offsets = manifest.offsets!;
    const span = Object.values(offsets).reduce((n, o) => n + Number(BigInt(o.toExclusive) - BigInt(o.from)), 0);
    expect(span).toBe(count);

    const registry = new TopicDeviceRegistry(reader, registryTopic);
    await registry.refresh();
    expect(registry.size).toBe(40);
    expect(registry.invalid).toEqual([]);

    const consumed = await consumeAll(topic, count);
    expect(consumed).toHaveLength(count);
    const perPartition = new Map<number, number>();
    const partitionOfDevice = new Map<string, number>();
    const rawIds: string[] = [];
    const dlq: Record<string, number> = {};
    let anomalous = 0;
    for (const { partition, message } of consumed) {
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
      const key = message.key!.toString();
      // Keyed by device id: one device, one partition.
      expect(partitionOfDevice.get(key) ?? partition).toBe(partition);
      partitionOfDevice.set(key, partition);
      const v = validateTelemetry(message.value, registry);
      if (v.ok) {
        expect(v.event.device_id).toBe(key);
        rawIds.push(v.event.event_id);
        if (Object.entries(v.event).some(([k, x]) => typeof x === 'number' && k !== 'floor' && k !== 'sequence_number' && isAnomalous(k, x))) anomalous++;
      } else {
        const k = `${v.kind} ${v.errorPath}`;
        dlq[k] = (dlq[k] ?? 0) + 1;
      }
    }
    for (const [p, o] of Object.entries(offsets)) expect(perPartition.get(Number(p)) ?? 0).toBe(Number(BigInt(o.toExclusive) - BigInt(o.from)));
    expect(rawIds.length).toBe(manifest.expected.raw);
    expect(rawIds.length + Object.values(dlq).reduce((a, b) => a + b, 0)).toBe(count);
    expect(dlq).toEqual(manifest.expected.dlqByKindAndPath);
    expect(eventIdsSha256(rawIds)).toBe(manifest.expected.rawEventIdsSha256);
    expect(new Set(rawIds).size).toBe(manifest.expected.distinctEventIds);
    expect(anomalous).toBe(manifest.expected.anomalousEvents);
    if (scenario === 'valid') expect(manifest.expected.dlq).toBe(0);
    if (scenario === 'invalid_schema') expect(manifest.expected.raw).toBe(0);
    if (scenario === 'anomaly') expect(manifest.expected.anomalousEvents).toBe(count);
    if (scenario === 'edge_case') expect(manifest.expected.duplicates).toBeGreaterThan(0);
  });
});

import { SENSORS, type SensorName } from '../../../models/sensors.js';
function isAnomalous(name: string, v: number): boolean {
  const s = SENSORS[name as SensorName];
  return s !== undefined && (v < s.normal[0] || v > s.normal[1]);
}

describe('topics', () => {
  it('the device registry topic is compacted', async () => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: registryTopic, configNames: ['cleanup.policy'] }], includeSynonyms: false });
    expect(res.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
  });

  it('the same seed sends the same messages in the same order per partition, with every Kafka client and codec', async () => {
    const args = ['--scenario', 'mixed', '--devices', '20', '--buildings', '2', '--count', '2000', '--seed', 'same', '--start', '2025-03-01', '--no-registry', '--batch-size', '300'];
    const variants = [
      ['--client', 'direct', '--compression', 'none'],
      ['--client', 'direct', '--compression', 'lz4'],
      ['--client', 'direct', '--compression', 'snappy'],
      ['--client', 'platformatic', '--compression', 'lz4'],
      ['--client', 'kafkajs', '--compression', 'gzip'],
    ];
    // Per partition, in offset order: same partition for the same key (Java-compatible murmur2), same bytes, same order.
    const view = (cs: Consumed[]) =>
      [...cs].sort((x, y) => x.partition - y.partition || x.message.offset - y.message.offset).map((c) => `${c.partition} ${c.message.key?.toString('hex')} ${c.message.value?.toString('hex')}`);
    let first: { expected: Manifest['expected']; view: string[] } | undefined;
    for (const [i, v] of variants.entries()) {
      const topic = `floe-test-det-${i}-${runId}`;
      const m = floeProduce([...args, '--topic', topic, ...v]).manifest;
      const seen = view(await consumeAll(topic, 2000));
      if (!first) first = { expected: m.expected, view: seen };
      expect(m.expected, v.join(' ')).toEqual(first.expected);
      expect(seen, v.join(' ')).toEqual(first.view);
    }
  });

  it('--rate/--duration paces a live run', () => {
    const t = performance.now();
    const { manifest } = floeProduce(['--scenario', 'valid', '--devices', '5', '--buildings', '1', '--rate', '400', '--duration', '3s', '--topic', `floe-test-live-${runId}`, '--no-registry']);
    const secs = (performance.now() - t) / 1000;
    expect(manifest.messages).toBe(1200);
    expect(manifest.run.mode).toBe('live');
    expect(manifest.run.seconds).toBeGreaterThan(2.5);
    expect(secs).toBeLessThan(30);
  });
});
