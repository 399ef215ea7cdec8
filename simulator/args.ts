// Turns `floe produce` options into a ProduceRun, or a UsageError naming the bad option and value.
// Kept apart from the command so tests can check every rule without Kafka.
import { z } from 'zod';
import type { FloeConfig } from '../deploy/config.js';
import { UsageError } from '../cli/usage.js';
import { SCENARIOS, isScenario } from './scenarios.js';
import { KAFKA_CLIENTS, COMPRESSIONS, DEFAULT_CLIENT, DEFAULT_COMPRESSION, type KafkaClientName, type Compression } from './kafka.js';
import { DEFAULT_DEVICE_INTERVAL_MS, type ProduceRun } from './produce.js';

export interface ProduceCliOptions {
  scenario?: string;
  devices?: string;
  buildings?: string;
  rate?: string;
  duration?: string;
  count?: string;
  seed?: string;
  topic?: string;
  start?: string;
  span?: string;
  manifest?: string;
  manifestEventIds?: boolean;
  client?: string;
  compression?: string;
  batchSize?: string;
  registry?: boolean;
  quiet?: boolean;
}

function bad(option: string, value: unknown, why: string): UsageError {
  return new UsageError(`invalid ${option} ${JSON.stringify(value)}: ${why}`);
}

function positiveInt(option: string, value: string, max = 1e9): number {
  if (!/^\d+$/.test(value.trim())) throw bad(option, value, 'must be a positive integer');
  const n = Number(value);
  if (n < 1 || n > max) throw bad(option, value, `must be between 1 and ${max}`);
  return n;
}

/** "90" (seconds), "90s", "15m", "24h", "2d", "500ms" -> milliseconds. */
export function parseDuration(option: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw bad(option, value, 'must be a duration like 90s, 15m, 24h or 2d');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw bad(option, value, 'must be longer than zero');
  return ms;
}

export function parseProduceOptions(o: ProduceCliOptions, config: FloeConfig, now: () => number = Date.now): ProduceRun {
  const scenario = o.scenario ?? 'mixed';
  if (!isScenario(scenario)) throw bad('--scenario', scenario, `must be one of ${SCENARIOS.join(', ')}`);
  const devices = positiveInt('--devices', o.devices ?? '100', 10_000_000);
  const buildings = positiveInt('--buildings', o.buildings ?? '5', 100_000);
  if (buildings > devices) throw bad('--buildings', o.buildings, `cannot exceed --devices (${devices})`);

  let count: number;
  let rate: number | undefined;
  if (o.count !== undefined) {
    if (o.rate !== undefined || o.duration !== undefined) throw bad('--count', o.count, 'give either --count or --rate with --duration, not both');
    count = positiveInt('--count', o.count, 1e10);
  } else {
    if (o.rate === undefined || o.duration === undefined) {
      const missing = o.rate === undefined ? '--rate' : '--duration';
      throw new UsageError(`missing ${missing}: give --count N, or --rate R with --duration S`);
    }
    rate = Number(o.rate);
    if (!/^\d+(\.\d+)?$/.test(o.rate.trim()) || !(rate > 0)) throw bad('--rate', o.rate, 'must be a positive number of messages per second');
    const durationMs = parseDuration('--duration', o.duration);
    count = Math.round((rate * durationMs) / 1000);
    if (count < 1) throw bad('--duration', o.duration, `at --rate ${o.rate} that is less than one message`);
  }

  let mode: 'live' | 'history' = 'live';
  let startMs = Math.floor(now());
  let stepMs: number;
  if (o.start !== undefined) {
    const isoStart = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
    if (!isoStart.safeParse(o.start.trim()).success) throw bad('--start', o.start, 'must be an ISO 8601 date or time with offset, e.g. 2025-03-01 or 2025-03-01T00:00:00Z');
    const ms = Date.parse(o.start.trim());
    if (Number.isNaN(ms)) throw bad('--start', o.start, 'is not a valid date');
    mode = 'history';
    startMs = ms;
    const spanMs = parseDuration('--span', o.span ?? '24h');
    stepMs = spanMs / count;
  } else {
    if (o.span !== undefined) throw bad('--span', o.span, 'needs --start (history mode)');
    stepMs = rate ? 1000 / rate : DEFAULT_DEVICE_INTERVAL_MS / devices;
  }

  const client = (o.client ?? DEFAULT_CLIENT) as KafkaClientName;
  if (!KAFKA_CLIENTS.includes(client)) throw bad('--client', o.client, `must be one of ${KAFKA_CLIENTS.join(', ')}`);
  const compression = (o.compression ?? (client === 'kafkajs' ? 'gzip' : DEFAULT_COMPRESSION)) as Compression;
  if (!COMPRESSIONS.includes(compression)) throw bad('--compression', o.compression, `must be one of ${COMPRESSIONS.join(', ')}`);
  if (client === 'kafkajs' && (compression === 'lz4' || compression === 'snappy')) throw bad('--compression', compression, 'kafkajs supports only none and gzip');
  if (client === 'direct' && compression === 'gzip') throw bad('--compression', compression, 'the direct client supports none, lz4 and snappy');
  const batchSize = positiveInt('--batch-size', o.batchSize ?? '10000', 1_000_000);
  const seed = o.seed ?? String(Math.floor(now()));
  if (seed.trim() === '') throw bad('--seed', o.seed, 'must not be empty');
  const topic = o.topic ?? config.kafka.telemetryTopic;
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) throw bad('--topic', o.topic, 'is not a valid Kafka topic name');

  return {
    scenario,
    devices,
    buildings,
    count,
    seed,
    topic,
    registryTopic: config.kafka.registryTopic,
    partitions: config.kafka.telemetryPartitions,
    mode,
    startMs,
    stepMs,
    ...(mode === 'live' && rate ? { paceRate: rate } : {}),
    brokers: config.kafka.brokers,
    client,
    compression,
    batchSize,
    inFlight: 4,
    publishRegistry: o.registry !== false,
    ...(o.manifest ? { manifestFile: o.manifest } : {}),
    includeEventIds: o.manifestEventIds ?? false,
  };
}
