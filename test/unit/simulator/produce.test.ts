import { describe, it, expect } from 'vitest';
import { produce, type ProduceRun } from '../../../simulator/produce.js';
import { MemorySink } from '../../../simulator/kafka.js';
import { validateTelemetry } from '../../../models/telemetry.js';
import { applyRegistryMessage, type DeviceRecord } from '../../../models/deviceRegistry.js';
import { eventIdsSha256 } from '../../../simulator/manifest.js';

const base: ProduceRun = {
  scenario: 'mixed', devices: 25, buildings: 3, count: 3000, seed: 's', topic: 't', registryTopic: 'r', partitions: 3, mode: 'history',
  startMs: Date.UTC(2025, 0, 1), stepMs: 28.8, brokers: [], client: 'kafkajs', compression: 'none', batchSize: 700, inFlight: 3, publishRegistry: true,
};

describe('produce (in-memory sink)', () => {
  it('sends the registry first, then every message once, and a manifest that reconciles', async () => {
    const sink = new MemorySink();
    const lines: string[] = [];
    const { manifest } = await produce({ ...base, progress: (l) => lines.push(l) }, sink);
    const registry = new Map<string, DeviceRecord>();
    const reg = sink.sent.filter((s) => s.topic === 'r');
    expect(reg).toHaveLength(25);
    expect(sink.sent.findIndex((s) => s.topic === 't')).toBe(25);
    for (const { message } of reg) applyRegistryMessage(registry, message.key.toString(), message.value);
    const tel = sink.sent.filter((s) => s.topic === 't').map((s) => s.message);
    expect(tel).toHaveLength(3000);
    const kinds: Record<string, number> = {};
    const ids: string[] = [];
    for (const m of tel) {
      const v = validateTelemetry(m.value, registry);
      if (v.ok) ids.push(v.event.event_id);
      else kinds[`${v.kind} ${v.errorPath}`] = (kinds[`${v.kind} ${v.errorPath}`] ?? 0) + 1;
    }
    expect(ids.length).toBe(manifest.expected.raw);
    expect(kinds).toEqual(manifest.expected.dlqByKindAndPath);
    expect(eventIdsSha256(ids)).toBe(manifest.expected.rawEventIdsSha256);
    expect(lines.at(-1)).toMatch(/^sent 3,000\/3,000 \(100\.0%\)  [\d,]+ msg\/s  invalid [\d,]+  send errors 0/);
    const last = Date.parse(manifest.run.start) + manifest.run.spanMs;
    expect(last).toBe(Date.UTC(2025, 0, 1) + 3000 * 28.8);
  });

  it('paces at --rate', async () => {
    const sink = new MemorySink();
    const t = performance.now();
    await produce({ ...base, count: 300, paceRate: 1000, mode: 'live', publishRegistry: false }, sink);
    const secs = (performance.now() - t) / 1000;
    expect(secs).toBeGreaterThan(0.2);
    expect(secs).toBeLessThan(2);
  });

  it('fails, naming the topic, when the sink fails', async () => {
    const sink = new MemorySink();
    sink.send = async () => { throw new Error('broker said no'); };
    await expect(produce({ ...base, publishRegistry: false }, sink)).rejects.toThrow(/topic t failed after 0 messages: broker said no/);
  });
});
