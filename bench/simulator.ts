// `npm run bench simulator`: the telemetry contract and the device simulator.
// - validations/s: validateTelemetry on one core (ingestion's budget: 150k/s on 2 cores).
// - generated/s: the simulator's message generation alone.
// - produced/s: `floe produce` end to end to the local Kafka, per client and compression
//   (one process must sustain >= 100k/s so it never limits ingestion benchmarks).
import { cpus, loadavg } from 'node:os';
import type { Figure } from './figure.js';
import { loadConfig } from '../deploy/config.js';
import { validateTelemetry } from '../models/telemetry.js';
import { TelemetryGenerator } from '../simulator/generator.js';
import { produce } from '../simulator/produce.js';
import { DEFAULT_CLIENT, DEFAULT_COMPRESSION, type KafkaClientName, type Compression } from '../simulator/kafka.js';
import type { Scenario } from '../simulator/scenarios.js';

function generate(scenario: Scenario, count: number) {
  return new TelemetryGenerator({ scenario, devices: 1000, buildings: 20, count, seed: 'bench', startMs: Date.UTC(2025, 0, 1), stepMs: 10 });
}

function validationRate(scenario: Scenario): number {
  const gen = generate(scenario, 200_000);
  const registry = new Set(gen.fleet.devices.map((d) => d.record.device_id));
  const values: Buffer[] = [];
  for (let m = gen.next(); m; m = gen.next()) values.push(m.value);
  for (let i = 0; i < 20_000; i++) validateTelemetry(values[i]!, registry);
  const t = performance.now();
  let ok = 0;
  for (const v of values) if (validateTelemetry(v, registry).ok) ok++;
  if (ok === 0 && scenario !== 'invalid_schema') throw new Error('no message validated');
  return values.length / ((performance.now() - t) / 1000);
}

function generationRate(scenario: Scenario): number {
  const gen = generate(scenario, 300_000);
  const t = performance.now();
  let n = 0;
  for (let m = gen.next(); m; m = gen.next()) n++;
  return n / ((performance.now() - t) / 1000);
}

async function produceRate(client: KafkaClientName, compression: Compression, count: number): Promise<{ rate: number; cpuMicros: number }> {
  const config = loadConfig();
  const tag = `${Date.now().toString(36)}-${client}-${compression}`;
  const cpu0 = process.cpuUsage();
  const { manifest } = await produce({
    scenario: 'valid', devices: 1000, buildings: 20, count, seed: 'bench', topic: `floe-bench-sim-${tag}`, registryTopic: `floe-bench-sim-registry-${tag}`,
    partitions: config.kafka.telemetryPartitions, mode: 'history', startMs: Date.UTC(2025, 0, 1), stepMs: 86_400_000 / count,
    brokers: config.kafka.brokers, client, compression, batchSize: 10_000, inFlight: 4, publishRegistry: false,
  });
  const cpu = process.cpuUsage(cpu0);
  return { rate: manifest.run.messagesPerSecond, cpuMicros: (cpu.user + cpu.system) / count };
}

export default async function simulatorSuite(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const load = () => loadavg()[0]!;
  figures.push({ name: 'machine load average (1 min) at start', value: load(), unit: `on ${cpus().length} cpus` });
  figures.push({ name: 'validateTelemetry, valid messages, 1 core', value: validationRate('valid'), unit: 'validations/s', target: '>= 75000 (150k/s on 2 cores)' });
  figures.push({ name: 'validateTelemetry, mixed messages, 1 core', value: validationRate('mixed'), unit: 'validations/s' });
  figures.push({ name: 'generate, valid', value: generationRate('valid'), unit: 'msg/s' });
  figures.push({ name: 'generate, mixed', value: generationRate('mixed'), unit: 'msg/s' });
  const count = Number(process.env.FLOE_BENCH_SIM_COUNT ?? 500_000);
  const variants: [KafkaClientName, Compression][] = [
    [DEFAULT_CLIENT, DEFAULT_COMPRESSION],
    ['platformatic', 'none'],
    ['platformatic-thread', 'lz4'],
    ['kafkajs', 'none'],
    ['kafkajs', 'gzip'],
  ];
  for (const [client, compression] of variants) {
    const isDefault = client === DEFAULT_CLIENT && compression === DEFAULT_COMPRESSION;
    const n = client === 'kafkajs' ? Math.min(count, 200_000) : count;
    const r = await produceRate(client, compression, n);
    figures.push({ name: `produce ${client}/${compression}${isDefault ? ' (default)' : ''}, ${n} valid msgs`, value: r.rate, unit: 'msg/s', ...(isDefault ? { target: '>= 100000' } : {}) });
    figures.push({ name: `produce ${client}/${compression} CPU per message (all threads)`, value: r.cpuMicros, unit: 'µs' });
  }
  figures.push({ name: 'machine load average (1 min) at end', value: load(), unit: `on ${cpus().length} cpus` });
  return figures;
}
