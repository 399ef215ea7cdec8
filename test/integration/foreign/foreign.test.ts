// floe against clients that are not its own: batches from librdkafka in every compression type
// Kafka has (zstd included, on every supported Node.js), and RAW read back by pyiceberg through
// Nessie's Iceberg REST endpoint, with the S3 credentials the stack gives Nessie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestHarness, expectExactlyOnce } from '../ingest/harness.js';
import { telemetryMessages } from '../ingest/telemetry.js';
import { runPython } from './python.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

describe('floe and other clients (real stack)', () => {
  const h = new IngestHarness('foreign');
  let worker: { stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    await h.setup();
    worker = await h.startInProcessWorker();
  }, 600_000);
  afterAll(async () => {
    await worker?.stop();
    await h.close();
  });

  it('ingests record batches librdkafka wrote in each of none, gzip, snappy, lz4 and zstd, exactly once and unchanged', async () => {
    const msgs = telemetryMessages({ count: 1500, partitions: h.partitions, devices: h.devices, defectEvery: 13, duplicateEvery: 41 });
    const lines = msgs.map((m, i) => JSON.stringify({
      partition: m.partition,
      key: m.key,
      value_b64: m.value === null ? null : Buffer.from(m.value).toString('base64'),
      compression: CODECS[Math.floor((i * CODECS.length) / msgs.length)],
    }));
    const sent = await runPython(h.config.cacheDir, 'produce.py', [h.config.kafka.brokers.join(','), h.topic], { stdin: lines.join('\n') + '\n' });
    expect(Number(sent)).toBe(msgs.length);
    h.produced.push(msgs);
    await h.startIngest({ maxRecords: 400 });
    expect((await h.result()).lag).toBe(0);
    await expectExactlyOnce(h);
  }, 600_000);

  it("pyiceberg reads RAW and the DLQ through Nessie's Iceberg REST catalog (columns by their new names, rows as committed)", async () => {
    const rest = `${h.config.nessie.uri.replace(/\/api\/v2\/?$/, '')}/iceberg/${h.config.nessie.branch}`;
    const env = { FLOE_S3_ACCESS_KEY_ID: h.config.s3.accessKeyId, FLOE_S3_SECRET_ACCESS_KEY: h.config.s3.secretAccessKey, FLOE_S3_REGION: h.config.s3.region };
    const expected = [...h.expected().values()];
    for (const [table, rows] of [['telemetry', expected.filter((m) => !m.defect).length], ['telemetry_dlq', expected.filter((m) => m.defect).length]] as const) {
      const out = JSON.parse(await runPython(h.config.cacheDir, 'pyiceberg_read.py', [rest, h.config.s3.endpoint, `${h.namespace}.${table}`, h.topic], { env })) as { columns: string[]; rows: number; topics: string[] };
      expect(out.columns).toEqual(expect.arrayContaining(['_kafka_topic', '_kafka_partition', '_kafka_offset', '_ingested_at']));
      expect(out.columns).not.toContain('_partition');
      expect(out.rows).toBe(rows);
      expect(out.topics).toEqual([h.topic]);
    }
  }, 600_000);
});
