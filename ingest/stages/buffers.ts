// The builders a worker's batches reuse, with their grown buffers: buffers allocated afresh for
// every batch were most of the new memory ingestion asked for, each ~64 MB of it starting a full
// V8 marking cycle. One BatchBuffers per worker (its deps); nothing is kept at module level.
import { ColumnBatchBuilder } from '../../lake/index.js';
import { RAW_TELEMETRY_DLQ } from '../../models/tables.js';
import { DlqBatch, RawBatch, schemaOfTable, Spares } from '../rawColumns.js';

const DLQ_SCHEMA = schemaOfTable(RAW_TELEMETRY_DLQ);

export class BatchBuffers {
  /** Two batches in flight, each with a builder per Kafka partition and event hour touched. */
  readonly raw = new Spares(() => new RawBatch(), 48);
  /** A batch's rejects per partition hold whole payloads (up to MAX_EVENT_BYTES each). */
  readonly dlq = new Spares(() => new DlqBatch('dlq'), 8);
  /** The builders a batch's partitions' rejects are joined into (kept grown: a batch's dead letters can be tens of MB). */
  readonly dlqFile = new Spares(() => new ColumnBatchBuilder(DLQ_SCHEMA, { table: 'dlq' }), 3);

  /** Drops every kept builder (a closed worker's deps may outlive it, its hundreds of MB of buffers need not). */
  clear(): void {
    this.raw.clear();
    this.dlq.clear();
    this.dlqFile.clear();
  }
}
