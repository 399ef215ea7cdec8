// Client side of backfills: checks a request, starts (or re-attaches to) the durable backfill
// workflow, reads its progress and renders it as a one-line progress bar.
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FloeConfig } from '../deploy/config.js';
import { backfillProgressQuery, MAX_BACKFILL_CONCURRENCY, MAX_BACKFILL_DAYS, type BackfillInput, type BackfillProgress } from '../workflows/backfill/backfill.js';
import { daysBetween, dayOf, parseDay } from '../workflows/backfill/days.js';
import { TRANSFORM_LAYERS } from '../workflows/common/transformContract.js';
import { FloeCodeVersion, FloeDay, FloeDqStatus, FloeEnv, FloePipeline } from '../workflows/searchAttributes.js';
import { codeVersion } from './codeVersion.js';

export class BackfillRequestError extends Error {
  override name = 'BackfillRequestError';
}

export interface BackfillRequest {
  from: string;
  to: string;
  layers?: string[];
  concurrency?: number;
  force?: boolean;
}

export const DEFAULT_BACKFILL_CONCURRENCY = 2;

/** Checks a request against the calendar and limits; `nowMs` decides which days are in the future. */
export function backfillInput(env: string, req: BackfillRequest, nowMs: number): BackfillInput {
  const from = parseDay(req.from, '--from');
  const to = parseDay(req.to, '--to');
  if (from > to) throw new BackfillRequestError(`--from ${from} is after --to ${to}`);
  const today = dayOf(nowMs);
  if (to > today) throw new BackfillRequestError(`--to ${to} is in the future (today is ${today} UTC): a day can be transformed once it has started`);
  const days = daysBetween(from, to);
  if (days.length > MAX_BACKFILL_DAYS) throw new BackfillRequestError(`--from ${from} --to ${to} spans ${days.length} days; a backfill covers at most ${MAX_BACKFILL_DAYS}: split it`);
  const concurrency = req.concurrency ?? DEFAULT_BACKFILL_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BACKFILL_CONCURRENCY) {
    throw new BackfillRequestError(`--concurrency must be from 1 to ${MAX_BACKFILL_CONCURRENCY}, got ${concurrency}`);
  }
  let layers: string[] | undefined;
  if (req.layers) {
    const unknown = req.layers.filter((l) => !(TRANSFORM_LAYERS as readonly string[]).includes(l));
    if (unknown.length || req.layers.length === 0) throw new BackfillRequestError(`--layers must list ${TRANSFORM_LAYERS.join(', ')}, got ${JSON.stringify(req.layers.join(','))}`);
    // All layers is the default: sent only when a subset was asked for.
    if (new Set(req.layers).size < TRANSFORM_LAYERS.length) layers = [...new Set(req.layers)];
  }
  return { env, days, concurrency, ...(layers ? { layers } : {}), ...(req.force ? { force: true } : {}) };
}

/** One backfill per env and range (and layers): a repeated request re-attaches while it runs. */
export function backfillWorkflowId(input: BackfillInput): string {
  return `floe-backfill-${input.env}-${input.days[0]}-${input.days.at(-1)}${input.layers ? `-${input.layers.join('+')}` : ''}`;
}

export interface StartedBackfill {
  handle: WorkflowHandle;
  workflowId: string;
  /** False when a backfill with this id was already running: the request joined it. */
  started: boolean;
}

export async function startBackfill(client: Client, config: FloeConfig, input: BackfillInput, workflowId = backfillWorkflowId(input)): Promise<StartedBackfill> {
  let running = false;
  try {
    running = (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const handle = await client.workflow.start('backfill', {
    workflowId,
    taskQueue: config.workers.transformTaskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: FloeEnv, value: input.env },
      { key: FloePipeline, value: 'backfill' },
      { key: FloeDay, value: input.days[0]! },
      { key: FloeDqStatus, value: 'pending' },
      { key: FloeCodeVersion, value: codeVersion() },
    ],
    staticSummary: `backfill ${input.days[0]} .. ${input.days.at(-1)} (${input.env}), ${input.days.length} days${input.force ? ', forced' : ''}${input.retryOf ? `, retrying ${input.retryOf}` : ''}`,
  });
  return { handle, workflowId, started: !running };
}

export type BackfillState = { status: string; progress?: BackfillProgress };

/**
 * The backfill's state: from its result once it completed, from its query while it runs (or
 * after it failed or was cancelled, replayed by a worker). Throws WorkflowNotFoundError for an
 * unknown id.
 */
export async function backfillState(client: Client, workflowId: string): Promise<BackfillState> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  if (d.type !== 'backfill') throw new BackfillRequestError(`${workflowId} is a ${d.type} workflow, not a backfill`);
  const status = d.status.name;
  if (status === 'COMPLETED') return { status, progress: (await handle.result()) as BackfillProgress };
  try {
    return { status, progress: await handle.query(backfillProgressQuery) };
  } catch {
    // no worker to answer yet, or a run that never got to record progress
    return { status };
  }
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line: bar, counts, rate and ETA. Pure, so it is tested without a terminal. */
export function renderProgress(p: BackfillProgress, nowMs: number, width = 30): string {
  const c = p.counts;
  const total = p.days.length;
  const finished = c.done + c.skipped + c.failed;
  const filled = Math.round((finished / total) * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const elapsed = Math.max(1, nowMs - p.startedAt);
  // Rate counts the days that ran: a skipped day takes no time and would inflate it.
  const ran = c.done + c.failed;
  const perMin = (ran / elapsed) * 60_000;
  const left = total - finished;
  const eta = p.finished ? 'finished' : ran > 0 ? `ETA ${duration((left / perMin) * 60_000)}` : 'ETA -';
  return `[${bar}] ${finished}/${total} days | done ${c.done} skipped ${c.skipped} running ${c.running} failed ${c.failed} | ${perMin.toFixed(1)} days/min | ${eta} | ${duration(elapsed)}`;
}
