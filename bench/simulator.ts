// `npm run bench simulator`: the telemetry contract and the device simulator.
// - validations/s: validateTelemetry on one core (ingestion's budget: 150k/s on 2 cores).
// - generated/s: the simulator's message generation alone.
// - produced/s: `floe produce` end to end to the local Kafka, per client and compression, with the
//   process's CPU per message and the bytes sent (one process must sustain >= 100k/s so it never
//   limits ingestion benchmarks).
import { cpus, loadavg } from 'node:os';
import type { Figure } from './figure.js';
import { loadConfig } from '../deploy/config.js';
import { validateTelemetry } from '../models/telemetry.js';
import { TelemetryGenerator } from '../simulator/generator.js';
import { produce } from '../simulator/produce.js';
import { DEFAULT_CLIENT, DEFAULT_COMPRESSION, deleteTopics, type KafkaClientName, type Compression } from '../simulator/kafka.js';
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Generation alone (messages as the direct client takes them: healthy ones as text), with its CPU per message. */
function generationRate(scenario: Scenario): { rate: number; cpuMicros: number } {
  const gen = generate(scenario, 300_000);
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  let n = 0;
  for (let m = gen.next(); m; m = gen.next()) if (m.payload) n++;
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / ((performance.now() - t) / 1000), cpuMicros: (cpu.user + cpu.system) / n };
}

interface ProduceFigures { rate: number; cpuMicros: number; batchBytes: number | undefined; valueBytes: number }

async function produceRate(client: KafkaClientName, compression: Compression, count: number): Promise<ProduceFigures> {
  const config = loadConfig();
  const tag = `${Date.now().toString(36)}-${client}-${compression}`;
  const cpu0 = process.cpuUsage();
  const topics = [`floe-bench-sim-${tag}`, `floe-bench-sim-registry-${tag}`];
  try {
    const { manifest, batchBytes } = await produce({
      scenario: 'valid', devices: 1000, buildings: 20, count, seed: 'bench', topic: topics[0]!, registryTopic: topics[1]!,
      partitions: config.kafka.telemetryPartitions, mode: 'history', startMs: Date.UTC(2025, 0, 1), stepMs: 86_400_000 / count,
      brokers: config.kafka.brokers, client, compression, batchSize: 10_000, inFlight: 4, publishRegistry: false,
    });
    const cpu = process.cpuUsage(cpu0);
    // CPU of this process (all threads) for the whole run, manifest included; the broker's is not counted.
    return { rate: manifest.run.messagesPerSecond, cpuMicros: (cpu.user + cpu.system) / count, batchBytes, valueBytes: manifest.bytes };
  } finally {
    await deleteTopics(config.kafka.brokers, topics);
  }
}

export default async function simulatorSuite(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const load = () => loadavg()[0]!;
  figures.push({ name: 'machine load average (1 min) at start', value: load(), unit: `on ${cpus().length} cpus` });
  figures.push({ name: 'validateTelemetry, valid messages, 1 core', value: validationRate('valid'), unit: 'validations/s', target: '>= 75000 (150k/s on 2 cores)' });
  figures.push({ name: 'validateTelemetry, mixed messages, 1 core', value: validationRate('mixed'), unit: 'validations/s' });
  for (const scenario of ['valid', 'mixed'] as const) {
    const g = generationRate(scenario);
    figures.push({ name: `generate, ${scenario}`, value: g.rate, unit: 'msg/s' });
    figures.push({ name: `generate, ${scenario}, CPU per message`, value: g.cpuMicros, unit: 'µs' });
  }
  const count = Number(process.env.FLOE_BENCH_SIM_COUNT ?? 500_000);
  // Other benchmarks share the machine: the direct client's variants report the median of several runs.
  const runs = Number(process.env.FLOE_BENCH_SIM_RUNS ?? 3);
  const variants: [KafkaClientName, Compression, number][] = [
    [DEFAULT_CLIENT, DEFAULT_COMPRESSION, runs],
    ...(['none', 'lz4', 'snappy'] as const).filter((c) => c !== DEFAULT_COMPRESSION).map((c): [KafkaClientName, Compression, number] => ['direct', c, runs]),
    ['platformatic', 'lz4', 1],
    ['kafkajs', 'none', 1],
  ];
  for (const [client, compression, times] of variants) {
    const isDefault = client === DEFAULT_CLIENT && compression === DEFAULT_COMPRESSION;
    const n = client === 'kafkajs' ? Math.min(count, 200_000) : count;
    const rs: ProduceFigures[] = [];
    for (let i = 0; i < times; i++) rs.push(await produceRate(client, compression, n));
    const of = times > 1 ? `median of ${times}, ` : '';
    figures.push({ name: `produce ${client}/${compression}${isDefault ? ' (default)' : ''}, ${of}${n} valid msgs`, value: median(rs.map((r) => r.rate)), unit: 'msg/s', ...(isDefault ? { target: '>= 100000' } : {}) });
    figures.push({ name: `produce ${client}/${compression}, ${of}CPU per message (this process, all threads)`, value: median(rs.map((r) => r.cpuMicros)), unit: 'µs' });
    const b = rs[0]!.batchBytes;
    if (b !== undefined) figures.push({ name: `produce ${client}/${compression}, record batch bytes per message (values ${Math.round(rs[0]!.valueBytes / n)} B)`, value: b / n, unit: 'B' });
  }
  figures.push({ name: 'machine load average (1 min) at end', value: load(), unit: `on ${cpus().length} cpus` });
  return figures;
}
