// Kafka restarts in the middle of an ingest run. The shared stack's Kafka is used by everyone,
// so this test starts a Kafka of its own through the stack code (other ports, its own state
// dir), restarts that one, and stops it at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../deploy/config.js';
import { down, up } from '../../../deploy/stack/index.js';
import { createIngestLake } from '../../../ingest/lakeAdapter.js';
import { IngestHarness, expectExactlyOnce } from './harness.js';

const kafkaEnv = {
  FLOE_KAFKA_PORT: String(29000 + (process.pid % 500) * 2),
  FLOE_KAFKA_CONTROLLER_PORT: String(29001 + (process.pid % 500) * 2),
  FLOE_STATE_DIR: mkdtempSync(join(tmpdir(), 'floe-kafka-restart-')),
};
const kafkaConfig = loadConfig({ ...process.env, ...kafkaEnv });

describe('ingest across a Kafka restart', () => {
  beforeAll(async () => {
    await up(kafkaConfig, { only: ['kafka'] });
  }, 180_000);
  afterAll(async () => {
    await down(kafkaConfig, ['kafka']);
  }, 60_000);

  it('a run whose Kafka restarts mid-way still commits every message exactly once', async () => {
    const h = new IngestHarness('krestart', 3, { FLOE_KAFKA_PORT: kafkaEnv.FLOE_KAFKA_PORT, FLOE_KAFKA_CONTROLLER_PORT: kafkaEnv.FLOE_KAFKA_CONTROLLER_PORT });
    await h.setup();
    await h.produce({ count: 4000, defectEvery: 19 });
    const worker = await h.startInProcessWorker();
    try {
      await h.startIngest({ maxRecords: 250, heartbeatTimeout: '10s' });
      // Wait until some batches are committed, then restart Kafka under the running workflow.
      const lake = await createIngestLake(h.config);
      for (let i = 0; ; i++) {
        const s = await lake.readCommitted();
        if (Object.keys(s.summary).some((k) => k.startsWith(`floe.kafka.${h.topic}.`))) break;
        if (i > 600) throw new Error('no batch committed within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      await down(kafkaConfig, ['kafka']);
      await new Promise((r) => setTimeout(r, 3000));
      await up(kafkaConfig, { only: ['kafka'] });
      const r = await h.result();
      expect(r.lag).toBe(0);
    } finally {
      await worker.stop();
    }
    await expectExactlyOnce(h);
    await h.close();
  }, 300_000);
});
