// Payloads between the ingest workflow and its activities. They stay small (ranges, counts,
// snapshot ids, never rows): Temporal rejects payloads over 2 MB and history holds every one.
import type { OffsetRange, PartitionWatermark, Positions } from '../models/offsets.js';

export interface ReadIngestStateInput {
  topic: string;
}

export interface IngestState {
  topic: string;
  /** Next offset per partition as committed in the RAW snapshot summary. */
  committed: Positions;
  watermarks: PartitionWatermark[];
  /** Average message size observed (from the last committed batch, or a sample); >= 1. */
  avgMessageBytes: number;
  /** Nessie hash of main when read, for logs. */
  ref?: string;
}

export interface IngestBatchInput {
  topic: string;
  batchId: string;
  ranges: OffsetRange[];
  /** Ingestion time (ms), fixed by the workflow so every attempt writes byte-identical files. */
  ingestedAt: number;
  /**
   * Partition -> committed position the batch may start from although its range starts later:
   * retention removed [committed, from) before it was ingested (the workflow logged the gap).
   */
  retentionGapFrom?: Record<number, number>;
  /**
   * Ranges of the batch the workflow started just before this one and has not seen finish
   * (pipelined batches). RAW may still be at their start: this batch then reads, validates and
   * uploads meanwhile, and commits once that batch has committed.
   */
  after?: OffsetRange[];
  /** The workflow runs batches concurrently: no read-ahead (the next batch reads for itself). */
  concurrent?: boolean;
}

export interface BatchTimings {
  fetchMs: number;
  validateMs: number;
  encodeMs: number;
  uploadMs: number;
  commitMs: number;
  /** Pipelined batches: time spent waiting for the batch before this one to commit. */
  waitMs?: number;
}

export interface IngestBatchResult {
  batchId: string;
  topic: string;
  ranges: OffsetRange[];
  /** 'committed' by this attempt, or 'already-committed' by an earlier attempt. */
  outcome: 'committed' | 'already-committed';
  messages: number;
  rows: number;
  rejects: number;
  /** Rows whose event id repeats one earlier in the same batch (kept in RAW; SILVER dedups). */
  duplicates: number;
  bytes: number;
  /** Hour partitions touched, ISO `YYYY-MM-DDTHH`. */
  hours: string[];
  dataFiles: number;
  snapshotId?: string;
  commitHash?: string;
  timings: BatchTimings;
}

export interface IngestTotals {
  batches: number;
  messages: number;
  rows: number;
  rejects: number;
  duplicates: number;
  bytes: number;
}

