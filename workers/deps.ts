// Real clients for the ingest activities, from the configuration.
import type { FloeConfig } from '../deploy/config.js';
import { createKafkaRangeReader } from '../ingest/kafka.js';
import { TopicDeviceRegistry } from '../ingest/registry.js';
import { createIngestLake, type IngestLakeOptions } from '../ingest/lakeAdapter.js';
import { BatchBuffers, CommitSignal, type IngestLake } from '../ingest/batch.js';
import { validateTelemetry } from '../models/telemetry.js';
import type { IngestActivityDeps } from '../activities/ingest.js';
import { createLake, lakeConfigFrom } from '../lake/index.js';
import { loadModels } from '../models/catalog.js';
import { transformSettings, type TransformDeps } from '../transform/context.js';

type TransformActivityDeps = Omit<TransformDeps, 'heartbeat' | 'log'>;

export interface IngestDeps extends IngestActivityDeps {
  close(): Promise<void>;
}

export interface IngestDepsOptions {
  registryTopic?: string;
  lake?: IngestLakeOptions;
  /** Wrap the lake (fault tests force Nessie conflicts through it). */
  wrapLake?: (lake: IngestLake) => IngestLake;
}

export async function createIngestDeps(config: FloeConfig, opts: IngestDepsOptions = {}): Promise<IngestDeps> {
  const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: `floe-ingest-${config.env}`, fetchClient: config.ingest.fetchClient });
  const registry = new TopicDeviceRegistry(reader, opts.registryTopic ?? config.kafka.registryTopic);
  const real = await createIngestLake(config, opts.lake);
  const lake = opts.wrapLake ? opts.wrapLake(real) : real;
  const buffers = new BatchBuffers();
  return {
    reader,
    registry,
    lake,
    validate: validateTelemetry,
    fileRows: config.ingest.fileRows,
    native: config.ingest.native,
    // One set per worker: its batches reuse grown builders, and a commit wakes the batch after it.
    buffers,
    commits: new CommitSignal(),
    async close() {
      buffers.clear();
      await reader.close();
      await real.close();
    },
  };
}

export interface TransformWorkerDeps extends TransformActivityDeps {
  close(): Promise<void>;
}

/** Real clients for the transform activities. Model declarations are validated here, at worker start. */
export function createTransformDeps(config: FloeConfig): TransformWorkerDeps {
  loadModels();
  const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: `floe-transform-${config.env}`, fetchClient: config.ingest.fetchClient });
  return {
    lake: createLake(lakeConfigFrom(config)),
    reader,
    settings: transformSettings(config),
    async close() {
      await reader.close();
    },
  };
}
