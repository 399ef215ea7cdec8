// The worker's Prometheus endpoint. Temporal's Core runtime serves `/metrics` itself (the SDK's
// worker, poller, workflow and activity metrics); the pipeline's own metrics go through the same
// runtime meter, so one scrape has both: ingestion here (activity results), transforms from the
// workflow side (workflows/metricsInterceptor.ts).
import { createServer } from 'node:net';
import type { MetricMeter } from '@temporalio/common';
import type { IngestActivities } from '../activities/ingest.js';

/** Whether host:port can be bound now (a busy port must not stop the worker, only its metrics). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export interface PipelineMetrics {
  messages: (topic: string, outcome: 'raw' | 'rejected' | 'duplicate', n: number) => void;
  batchSeconds: (topic: string, seconds: number) => void;
  lag: (topic: string, partition: number, messages: number) => void;
  layerRows: (layer: string, table: string, n: number) => void;
}

export function pipelineMetrics(meter: MetricMeter, env: string): PipelineMetrics {
  const messages = meter.createCounter('floe_ingest_messages', '1', 'Kafka messages ingested, by outcome: raw (valid), rejected (to the DLQ), duplicate (event id seen before in the batch)');
  const batch = meter.createHistogram('floe_ingest_batch_duration', 'float', 's', 'ingest batch duration (read, validate, write, commit)');
  const lag = meter.createGauge('floe_ingest_lag', 'int', '1', 'messages in Kafka not yet committed to RAW, per partition');
  const rows = meter.createCounter('floe_layer_rows', '1', 'rows written per layer and table');
  return {
    messages: (topic, outcome, n) => n > 0 && messages.withTags({ env, topic, outcome }).add(n),
    batchSeconds: (topic, s) => batch.withTags({ env, topic }).record(s),
    lag: (topic, partition, n) => lag.withTags({ env, topic, partition: String(partition) }).set(Math.max(0, n)),
    layerRows: (layer, table, n) => n > 0 && rows.withTags({ env, layer, table }).add(n),
  };
}

/** The ingest activities, observed: the activities themselves stay free of metrics code. */
export function instrumentIngestActivities(a: IngestActivities, m: PipelineMetrics): IngestActivities {
  return {
    async readIngestState(input) {
      const state = await a.readIngestState(input);
      for (const w of state.watermarks) m.lag(state.topic, w.partition, w.high - Math.max(state.committed[w.partition] ?? 0, w.low));
      return state;
    },
    async ingestBatch(input) {
      const started = performance.now();
      const r = await a.ingestBatch(input);
      m.batchSeconds(r.topic, (performance.now() - started) / 1000);
      if (r.outcome === 'committed') {
        m.messages(r.topic, 'raw', r.rows - r.duplicates);
        m.messages(r.topic, 'duplicate', r.duplicates);
        m.messages(r.topic, 'rejected', r.rejects);
        m.layerRows('raw', 'telemetry', r.rows);
        m.layerRows('dlq', 'telemetry_dlq', r.rejects);
      }
      return r;
    },
  };
}
