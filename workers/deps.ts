// Real clients for the ingest activities, from the configuration.
import type { FloeConfig } from '../deploy/config.js';
import { createKafkaRangeReader } from '../ingest/kafka.js';
import { TopicDeviceRegistry } from '../ingest/registry.js';
import { createIngestLake } from '../ingest/lakeAdapter.js';
import { validateTelemetry } from '../models/telemetry.js';
import type { IngestActivityDeps } from '../activities/ingest.js';

export interface IngestDeps extends IngestActivityDeps {
  close(): Promise<void>;
}

export async function createIngestDeps(config: FloeConfig, opts: { registryTopic?: string } = {}): Promise<IngestDeps> {
  const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: `floe-ingest-${config.env}` });
  const registry = new TopicDeviceRegistry(reader, opts.registryTopic ?? config.kafka.registryTopic);
  const lake = await createIngestLake(config);
  return {
    reader,
    registry,
    lake,
    validate: validateTelemetry,
    async close() {
      await reader.close();
      await lake.close?.();
    },
  };
}
