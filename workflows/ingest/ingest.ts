// The `ingest` workflow: one per topic and environment (its workflow id makes it the only writer
// of RAW). A run reads the position committed in RAW, plans offset ranges up to the high
// watermark, runs each batch through the `ingestBatch` activity, and repeats until caught up.
// It continues-as-new before its history grows large. Only ranges and counts cross the
// workflow-activity boundary, never rows.
import {
  continueAsNew,
  defineQuery,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createIngestActivities } from '../../activities/ingest.js';
import type { IngestBatchResult, IngestTotals } from '../../ingest/types.js';
import { lag, planBatch, startPositions, type BatchPlan } from './plan.js';
import { advance, type Positions } from '../../models/offsets.js';
import { FloeEnv, FloeLag, FloeLayer, FloeRejects, FloeRows, FloeTopic } from './searchAttributes.js';

type IngestActivities = ReturnType<typeof createIngestActivities>;

/**
 * A worker killed while running an activity is noticed after this long without a heartbeat (the
 * activities heartbeat every 2 s, whatever they wait on), and the activity retried elsewhere.
 */
const HEARTBEAT_TIMEOUT = '15s';

const { readIngestState } = proxyActivities<IngestActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

function batchActivity(heartbeatTimeout: string): IngestActivities['ingestBatch'] {
  return proxyActivities<IngestActivities>({
    startToCloseTimeout: '15 minutes',
    // A worker that dies mid-batch is noticed after this long, and the batch retried elsewhere.
    heartbeatTimeout,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '20s',
      // A position that matches neither end of the batch means another writer touched RAW:
      // retrying cannot fix that, a person must look.
      nonRetryableErrorTypes: ['PositionMismatch', 'InvalidBatch'],
    },
  }).ingestBatch;
}

export interface IngestWorkflowInput {
  topic: string;
  env: string;
  maxRecords: number;
  maxBytes: number;
  /** Continue-as-new after this many batches in one run (default 100). */
  maxBatchesPerRun?: number;
  /** Continue-as-new when history has this many events (default 4000). */
  maxHistoryEvents?: number;
  /**
   * Batches in flight at once: FLOE_INGEST_PIPELINE_DEPTH (default 2), which workers/client.ts
   * always passes. With 2, the next batch reads and validates while the previous one encodes,
   * uploads and commits; commits stay in order (each batch waits for the one before it, see
   * IngestBatchInput.after). Absent only in the input of runs started before the setting
   * existed, which ran one batch at a time: 1 then, so their histories replay unchanged.
   */
  pipelineDepth?: number;
  /** Heartbeat timeout of the batch activity (default 15 s). */
  heartbeatTimeout?: string;
  /** Carried over by continue-as-new. */
  carried?: { totals: IngestTotals; generation: number };
}

export interface IngestProgress {
  topic: string;
  env: string;
  generation: number;
  positions: Positions;
  targets: Positions;
  lag: number;
  totals: IngestTotals;
  lastBatch?: Pick<IngestBatchResult, 'batchId' | 'ranges' | 'rows' | 'rejects' | 'outcome' | 'snapshotId' | 'timings'>;
}

export interface IngestRunResult {
  topic: string;
  env: string;
  totals: IngestTotals;
  positions: Positions;
  lag: number;
}

export const ingestProgressQuery = defineQuery<IngestProgress>('ingestProgress');

/** Workflow id of the single RAW writer for a topic in an environment. */
export function ingestWorkflowId(topic: string, env: string): string {
  return `floe-ingest-${env}-${topic}`;
}

/**
 * The workflow's loop. A little over this project's ~120-line guide on purpose: it is the
 * command sequence recorded histories replay (test/replay), kept in one function so its order
 * of timers, activities and continue-as-new reads top to bottom.
 */
export async function ingest(input: IngestWorkflowInput): Promise<IngestRunResult> {
  const { topic, env } = input;
  const maxBatches = input.maxBatchesPerRun ?? 100;
  const maxHistory = input.maxHistoryEvents ?? 4000;
  const totals: IngestTotals = input.carried?.totals ?? { batches: 0, messages: 0, rows: 0, rejects: 0, duplicates: 0, bytes: 0 };
  const generation = input.carried?.generation ?? 0;
  const ingestBatch = batchActivity(input.heartbeatTimeout ?? HEARTBEAT_TIMEOUT);
  const depth = Math.max(1, Math.min(4, Math.floor(input.pipelineDepth ?? 1)));
  const progress: IngestProgress = { topic, env, generation, positions: {}, targets: {}, lag: 0, totals };
  setHandler(ingestProgressQuery, () => progress);

  const show = (): void => {
    upsertSearchAttributes([
      { key: FloeTopic, value: topic },
      { key: FloeEnv, value: env },
      { key: FloeLayer, value: 'raw' },
      { key: FloeLag, value: progress.lag },
      { key: FloeRows, value: totals.rows },
      { key: FloeRejects, value: totals.rejects },
    ]);
    const b = progress.lastBatch;
    setCurrentDetails(
      [
        `**ingest** \`${topic}\` (${env}), generation ${generation}`,
        `lag ${progress.lag} messages; ${totals.batches} batches, ${totals.rows} rows, ${totals.rejects} rejects, ${totals.duplicates} duplicate event ids`,
        b ? `last batch ${b.batchId} (${b.outcome}): ${b.rows} rows, ${b.rejects} rejects, snapshot ${b.snapshotId ?? '-'}` : 'no batch yet',
      ].join('\n\n'),
    );
  };

  let batchesThisRun = 0;
  for (;;) {
    const state = await readIngestState({ topic });
    const start = startPositions(state.committed, state.watermarks);
    // Offsets retention removed before they were ingested cannot be had any more: say so, and
    // let the first batch of each such partition start past the gap.
    const gapFrom: Record<number, number> = {};
    if (start.retentionGaps.length > 0) {
      log.warn('offsets removed by retention before ingestion', { topic, gaps: start.retentionGaps });
      for (const g of start.retentionGaps) gapFrom[g.partition] = g.from;
    }
    let positions = start.positions;
    const targets: Positions = Object.fromEntries(state.watermarks.map((w) => [w.partition, w.high]));
    progress.positions = positions;
    progress.targets = targets;
    progress.lag = lag(positions, targets);
    show();
    if (progress.lag === 0) {
      log.info('caught up', { topic, env, totals });
      return { topic, env, totals, positions, lag: 0 };
    }

    const limits = { maxRecords: input.maxRecords, maxBytes: input.maxBytes, avgMessageBytes: state.avgMessageBytes };
    // Batches are started in plan order, at most `depth` at once, and finished in that order.
    // With depth 1 this is one batch after the other (the command sequence of earlier versions).
    const inFlight: { plan: BatchPlan; gapped: boolean; result: Promise<IngestBatchResult> }[] = [];
    let planned = positions;
    let planning = true;
    const finish = (plan: BatchPlan, r: IngestBatchResult): void => {
      positions = advance(positions, plan.ranges);
      totals.batches += 1;
      totals.messages += r.messages;
      totals.rows += r.rows;
      totals.rejects += r.rejects;
      totals.duplicates += r.duplicates;
      totals.bytes += r.bytes;
      batchesThisRun += 1;
      progress.positions = positions;
      progress.lag = lag(positions, targets);
      progress.lastBatch = {
        batchId: r.batchId,
        ranges: r.ranges,
        rows: r.rows,
        rejects: r.rejects,
        outcome: r.outcome,
        snapshotId: r.snapshotId,
        timings: r.timings,
      };
      log.info('batch done', { topic, batchId: r.batchId, outcome: r.outcome, rows: r.rows, rejects: r.rejects, lag: progress.lag });
      show();
    };
    for (;;) {
      // A batch that skips a retention gap runs alone: the one after it starts when it is done.
      // No batch is started past this run's share (maxBatchesPerRun).
      while (planning && inFlight.length < depth && batchesThisRun + inFlight.length < maxBatches && !inFlight[inFlight.length - 1]?.gapped) {
        const plan = planBatch(topic, planned, targets, limits);
        if (!plan) {
          planning = false;
          break;
        }
        const gaps = Object.fromEntries(plan.ranges.filter((x) => gapFrom[x.partition] !== undefined).map((x) => [x.partition, gapFrom[x.partition]!]));
        const gapped = Object.keys(gaps).length > 0;
        const before = inFlight[inFlight.length - 1];
        const result = ingestBatch({
          topic,
          batchId: plan.batchId,
          ranges: plan.ranges,
          ingestedAt: Date.now(),
          ...(gapped ? { retentionGapFrom: gaps } : {}),
          ...(depth > 1 ? { concurrent: true } : {}),
          ...(before ? { after: before.plan.ranges } : {}),
        });
        // Observed in order below; a later batch's failure must not go unhandled meanwhile.
        result.catch(() => undefined);
        inFlight.push({ plan, gapped, result });
        for (const p of Object.keys(gaps)) delete gapFrom[Number(p)];
        planned = advance(planned, plan.ranges);
      }
      const head = inFlight.shift();
      if (!head) break;
      finish(head.plan, await head.result);
      const info = workflowInfo();
      if (batchesThisRun >= maxBatches || info.historyLength >= maxHistory || info.continueAsNewSuggested) {
        // Batches still running are finished first: the next run plans from what RAW holds.
        for (const rest of inFlight.splice(0)) finish(rest.plan, await rest.result);
        log.info('continuing as new', { topic, batchesThisRun, historyLength: workflowInfo().historyLength });
        await continueAsNew<typeof ingest>({ ...input, carried: { totals, generation: generation + 1 } });
      }
    }
    // Reached the high watermark seen at the start of this pass: look again, new messages may
    // have arrived meanwhile. The run ends only when a fresh look finds no lag.
  }
}
