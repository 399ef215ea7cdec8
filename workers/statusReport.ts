// What `floe status` shows: one screen of pipeline health, gathered from Temporal (runs,
// schedules, backfills), Kafka and the lake (RAW positions against the high watermarks), Nessie
// (open run branches) and Trino (the latest data-quality results on main). Each part is read on
// its own: a service that does not answer makes its part say why, not the whole report fail.
import type { Client } from '@temporalio/client';
import type { FloeConfig } from '../deploy/config.js';
import { trinoQuery } from '../deploy/trino.js';
import { NessieClient } from '../lake/index.js';
import { currentSchedules } from '../schedules/sync.js';
import { backfillProgressQuery, type BackfillProgress } from '../workflows/backfill/backfill.js';

export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface LastRun {
  pipeline: string;
  layer: string;
  day?: string;
  workflowId: string;
  closedAt?: string;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  high: number;
  lag: number;
}

export interface DqDay {
  day: string;
  checks: number;
  failed: number;
  failedChecks: string[];
}

export interface ScheduleState {
  id: string;
  paused: boolean;
  note?: string;
  next?: string;
  running: number;
}

export interface RunningBackfill {
  workflowId: string;
  progress?: BackfillProgress['counts'];
  days?: number;
}

export interface StatusReport {
  env: string;
  at: string;
  lastRuns: Part<LastRun[]>;
  failedTransforms: Part<LastRun[]>;
  rawLag: Part<PartitionLag[]>;
  dq: Part<DqDay[] | null>;
  branches: Part<string[]>;
  schedules: Part<ScheduleState[]>;
  backfills: Part<RunningBackfill[]>;
}

async function part<T>(fn: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

async function list(client: Client, query: string, limit: number) {
  const out = [];
  for await (const w of client.workflow.list({ query, pageSize: limit })) {
    out.push(w);
    if (out.length >= limit) break;
  }
  return out;
}

/** The last completed run of each pipeline and layer, and of each of the latest transformed days. */
async function lastRuns(client: Client, env: string): Promise<LastRun[]> {
  const runs: LastRun[] = [];
  const [ingest] = await list(client, `WorkflowType = "ingest" AND FloeEnv = "${env}" AND ExecutionStatus = "Completed" ORDER BY CloseTime DESC`, 1).catch(() => list(client, `WorkflowType = "ingest" AND FloeEnv = "${env}" AND ExecutionStatus = "Completed"`, 1));
  if (ingest) runs.push({ pipeline: 'ingest', layer: 'raw', workflowId: ingest.workflowId, closedAt: ingest.closeTime?.toISOString() });
  const seen = new Set<string>();
  for (const w of await list(client, `WorkflowType = "transform" AND FloeEnv = "${env}" AND ExecutionStatus = "Completed"`, 50)) {
    const day = w.typedSearchAttributes.get({ name: 'FloeDay', type: 'KEYWORD' } as never) as string | undefined;
    const key = day ?? w.workflowId.replace(/^floe-transform-[a-z]+-/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    runs.push({ pipeline: 'transform', layer: 'silver+gold', day: key, workflowId: w.workflowId, closedAt: w.closeTime?.toISOString() });
    if (seen.size >= 7) break;
  }
  return runs;
}

async function failedTransforms(client: Client, env: string): Promise<LastRun[]> {
  return (await list(client, `WorkflowType = "transform" AND FloeEnv = "${env}" AND ExecutionStatus = "Failed"`, 10)).map((w) => ({
    pipeline: 'transform',
    layer: 'silver+gold',
    day: w.workflowId.replace(/^floe-transform-[a-z]+-/, ''),
    workflowId: w.workflowId,
    closedAt: w.closeTime?.toISOString(),
  }));
}

async function rawLag(config: FloeConfig): Promise<PartitionLag[]> {
  const { createKafkaRangeReader } = await import('../ingest/kafka.js');
  const { createIngestLake } = await import('../ingest/lakeAdapter.js');
  const { positionsFromSummary } = await import('../ingest/batch.js');
  const { NotFoundError } = await import('../lake/index.js');
  const topic = config.kafka.telemetryTopic;
  const reader = createKafkaRangeReader({ brokers: config.kafka.brokers, clientId: 'floe-status', fetchClient: config.ingest.fetchClient });
  try {
    const lake = await createIngestLake(config);
    let committed: Record<number, number> = {};
    try {
      // Only read: a lake without RAW yet shows everything as lag (status creates no tables).
      await lake.lake.loadTable(lake.rawTable, lake.branch);
      committed = positionsFromSummary(topic, (await lake.readCommitted()).summary);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const marks = await reader.watermarks(topic);
    return marks.map((w) => {
      const pos = Math.max(committed[w.partition] ?? 0, w.low);
      return { topic, partition: w.partition, committed: pos, high: w.high, lag: Math.max(0, w.high - pos) };
    });
  } finally {
    await reader.close();
  }
}

/** The latest days' check results published on main, or null when there is no results table yet. */
async function dqResults(config: FloeConfig): Promise<DqDay[] | null> {
  const dq = `${config.trino.catalog}.${config.transform.dqNamespace}`;
  const tables = await trinoQuery(config, `SHOW TABLES FROM ${dq} LIKE 'check_results'`).catch(() => ({ rows: [] as unknown[][] }));
  if (tables.rows.length === 0) return null;
  const r = await trinoQuery(
    config,
    `SELECT CAST(day AS varchar), count(*), count_if(NOT passed), array_join(array_agg(CASE WHEN NOT passed THEN table_name || '.' || check_name END), ', ')
     FROM ${dq}.check_results GROUP BY day ORDER BY day DESC LIMIT 7`,
  );
  return r.rows.map(([day, checks, failed, names]) => ({ day: String(day), checks: Number(checks), failed: Number(failed), failedChecks: names ? String(names).split(', ').filter(Boolean) : [] }));
}

async function openBranches(config: FloeConfig): Promise<string[]> {
  const refs = await new NessieClient({ uri: config.nessie.uri, timeoutMs: 10_000 }).listReferences();
  return refs.filter((r) => r.type === 'BRANCH' && r.name.startsWith(`transform-${config.env}-`)).map((r) => r.name).sort();
}

async function runningBackfills(client: Client, env: string): Promise<RunningBackfill[]> {
  const out: RunningBackfill[] = [];
  for (const w of await list(client, `WorkflowType = "backfill" AND FloeEnv = "${env}" AND ExecutionStatus = "Running"`, 20)) {
    const p = await client.workflow.getHandle(w.workflowId).query(backfillProgressQuery).catch(() => undefined);
    out.push({ workflowId: w.workflowId, ...(p ? { progress: p.counts, days: p.days.length } : {}) });
  }
  return out;
}

export async function statusReport(client: Client, config: FloeConfig): Promise<StatusReport> {
  const env = config.env;
  const [lr, ft, lag, dq, branches, schedules, backfills] = await Promise.all([
    part(() => lastRuns(client, env)),
    part(() => failedTransforms(client, env)),
    part(() => rawLag(config)),
    part(() => dqResults(config)),
    part(() => openBranches(config)),
    part(async () =>
      [...(await currentSchedules(client, config)).values()].map((s) => ({ id: s.scheduleId, paused: s.state.paused, note: s.state.note, next: s.info.nextActionTimes[0]?.toISOString(), running: s.info.runningActions.length })),
    ),
    part(() => runningBackfills(client, env)),
  ]);
  return { env, at: new Date().toISOString(), lastRuns: lr, failedTransforms: ft, rawLag: lag, dq, branches, schedules, backfills };
}
