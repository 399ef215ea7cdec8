// What the dashboard's API handlers share: the configuration and clients opened once per server
// (Kafka metadata, the lake, Temporal), each closed when the server stops.
import type { Client } from '@temporalio/client';
import type { FloeConfig } from '../../deploy/config.js';
import { createLake, lakeConfigFrom, type Lake } from '../../lake/index.js';
import { createKafkaRangeReader, type RangeReader } from '../../ingest/kafka.js';
import { connectClient } from '../../workers/client.js';

export interface DashboardContext {
  readonly config: FloeConfig;
  readonly lake: Lake;
  readonly kafka: RangeReader;
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

export function createContext(config: FloeConfig): DashboardContext {
  const kafka = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: 'floe-dashboard' });
  let temporal: Promise<Client> | undefined;
  return {
    config,
    lake: createLake(lakeConfigFrom(config)),
    kafka,
    temporal() {
      temporal ??= connectClient(config).catch((e: unknown) => {
        temporal = undefined;
        throw e;
      });
      return temporal;
    },
    async close() {
      await kafka.close().catch(() => undefined);
      if (temporal) await (await temporal.catch(() => undefined))?.connection.close();
    },
  };
}

/** A Trino error that means "the table is not there (yet)": shown as such, not as a failure. */
export function isMissingTable(e: unknown): boolean {
  const name = (e as { errorName?: string }).errorName;
  return name === 'TABLE_NOT_FOUND' || name === 'SCHEMA_NOT_FOUND';
}
