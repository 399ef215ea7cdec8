// `floe worker` serves Prometheus metrics: an ingest run on a worker process of its own, then
// /metrics scraped and parsed as Prometheus text (and checked by promtool where Debian's
// prometheus package is installed, e.g. in CI), with the SDK's and the pipeline's metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { IngestHarness } from '../ingest/harness.js';
import { parsePrometheusText, sum } from './prometheusText.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function promtool(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const h = new IngestHarness('metrics');
let port = 0;
let worker: ReturnType<IngestHarness['spawnWorker']> | undefined;

beforeAll(async () => {
  await h.setup();
  port = await freePort();
  worker = h.spawnWorker({ FLOE_METRICS_PORT: String(port) });
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker?.exited;
  await h.close();
});

describe('worker /metrics', () => {
  it('exports the SDK metrics and ingestion metrics as valid Prometheus text', async () => {
    await h.produce({ count: 400, defectEvery: 10, duplicateEvery: 37 });
    await h.startIngest({ maxRecords: 150 });
    const result = await h.result();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const e = parsePrometheusText(text);
    // The SDK's own: pollers on both of this worker's task queues.
    const queues = new Set(e.samples.filter((s) => s.name === 'temporal_num_pollers').map((s) => s.labels.task_queue));
    expect(queues).toEqual(new Set([h.taskQueue, `${h.taskQueue}-transform`]));
    expect(sum(e, 'temporal_workflow_completed', { task_queue: h.taskQueue })).toBeGreaterThanOrEqual(1);
    // The pipeline's: messages by outcome, batches, lag per partition, rows per layer.
    const topic = { topic: h.topic };
    expect(sum(e, 'floe_ingest_messages', { ...topic, outcome: 'rejected' })).toBe(result.totals.rejects);
    expect(sum(e, 'floe_ingest_messages', { ...topic, outcome: 'raw' }) + sum(e, 'floe_ingest_messages', { ...topic, outcome: 'duplicate' })).toBe(result.totals.rows);
    expect(sum(e, 'floe_ingest_batch_duration_count', topic)).toBe(result.totals.batches);
    const lag = e.samples.filter((s) => s.name === 'floe_ingest_lag' && s.labels.topic === h.topic);
    expect(lag.map((s) => s.labels.partition).sort()).toEqual(['0', '1', '2']);
    expect(lag.every((s) => s.value === 0)).toBe(true);
    expect(sum(e, 'floe_layer_rows', { layer: 'raw' })).toBeGreaterThanOrEqual(result.totals.rows);
    expect(e.types.get('floe_ingest_batch_duration')).toBe('histogram');
    const tool = promtool();
    if (tool) {
      const check = spawnSync(tool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // promtool exits 1 for lint advice (e.g. counters without _total) and 3+ for parse errors.
      expect(check.status === 0 || !/error while linting|parse/i.test(check.stderr + check.stdout)).toBe(true);
    }
  });
});
