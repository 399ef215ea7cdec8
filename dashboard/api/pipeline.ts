// The Pipeline page's data: RAW lag per Kafka partition (high watermark against the position
// committed in RAW's snapshot summary), RAW freshness, recent workflow runs with Temporal UI
// links, and data-quality results when dq.check_results exists (failures first).
import { NotFoundError } from '../../lake/index.js';
import { positionsFromSummary } from '../../ingest/batch.js';
import { trinoQuery } from '../../deploy/trino.js';
import { ingestWorkflowId } from '../../workflows/ingest/ingest.js';
import { alertsWorkflowId } from '../../workflows/alerts/alerts.js';
import { isMissingTable, type DashboardContext } from './context.js';

export interface PartitionLag {
  partition: number;
  high: number;
  committed: number;
  lag: number;
}

export interface RunView {
  type: string;
  workflowId: string;
  runId: string;
  status: string;
  startTime: string | null;
  closeTime: string | null;
  url: string;
}

export interface PipelineView {
  topic: string;
  rawTable: string;
  partitions: PartitionLag[];
  totalLag: number;
  rawRows: number | null;
  lastRawCommit: string | null;
  freshnessSeconds: number | null;
  runs: RunView[];
  runsError?: string;
  dq: { available: boolean; table: string; columns: string[]; rows: unknown[][] };
}

async function rawState(ctx: DashboardContext, rawTable: string, topic: string): Promise<{ committed: Record<number, number>; rows: number | null; at: number | null }> {
  let t;
  try {
    t = await ctx.lake.loadTable(rawTable, ctx.config.nessie.branch);
  } catch (e) {
    if (e instanceof NotFoundError) return { committed: {}, rows: null, at: null };
    throw e;
  }
  const byId = new Map(t.metadata.snapshots.map((s) => [s.snapshotId, s]));
  const summary: Record<string, string> = {};
  const current = t.metadata.currentSnapshotId === null ? undefined : byId.get(t.metadata.currentSnapshotId);
  for (let s = current; s; s = s.parentSnapshotId === null ? undefined : byId.get(s.parentSnapshotId)) {
    for (const [k, v] of Object.entries(s.summary)) if (!(k in summary)) summary[k] = v;
  }
  return { committed: positionsFromSummary(topic, summary), rows: current ? Number(current.summary['total-records'] ?? 0) : 0, at: current?.timestampMs ?? null };
}

/** This configuration's runs: its topic's ingest, its RAW table's alerts, and transform runs. */
async function recentRuns(ctx: DashboardContext, topic: string, rawTable: string): Promise<RunView[]> {
  const client = await ctx.temporal();
  const { uiUrl, namespace } = ctx.config.temporal;
  const ids = [ingestWorkflowId(topic, ctx.config.env), alertsWorkflowId(ctx.config.env, rawTable)].map((id) => `WorkflowId = '${id.replaceAll("'", "''")}'`);
  const out: RunView[] = [];
  for await (const w of client.workflow.list({ query: `${ids.join(' OR ')} OR WorkflowType = 'transform'` })) {
    out.push({
      type: w.type,
      workflowId: w.workflowId,
      runId: w.runId,
      status: w.status.name,
      startTime: w.startTime?.toISOString() ?? null,
      closeTime: w.closeTime?.toISOString() ?? null,
      url: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(w.workflowId)}/${encodeURIComponent(w.runId)}/history`,
    });
    if (out.length >= 15) break;
  }
  return out;
}

async function dqResults(ctx: DashboardContext): Promise<PipelineView['dq']> {
  // Failures first, then the newest (transform's dq.check_results has passed and checked_at);
  // a table with other columns is still shown, failures first when it has `passed`.
  const table = `${ctx.config.transform.dqNamespace}.check_results`;
  let res;
  try {
    res = await trinoQuery(ctx.config, `SELECT * FROM ${table} ORDER BY passed, checked_at DESC LIMIT 50`);
  } catch (e) {
    if (isMissingTable(e)) return { available: false, table, columns: [], rows: [] };
    res = await trinoQuery(ctx.config, `SELECT * FROM ${table} LIMIT 200`);
  }
  const columns = res.columns.map((c) => c.name);
  const passed = columns.indexOf('passed');
  const rows = passed < 0 ? res.rows : [...res.rows].sort((a, b) => Number(a[passed] === true) - Number(b[passed] === true));
  return { available: true, table, columns, rows: rows.slice(0, 50) };
}

export async function pipelineView(ctx: DashboardContext): Promise<PipelineView> {
  const topic = ctx.config.kafka.telemetryTopic;
  const rawTable = `${ctx.config.ingest.rawNamespace}.telemetry`;
  const [watermarks, raw, runs, dq] = await Promise.all([
    ctx.kafka.watermarks(topic).catch(() => []),
    rawState(ctx, rawTable, topic),
    recentRuns(ctx, topic, rawTable).then((r) => ({ runs: r }), (e: unknown) => ({ runs: [] as RunView[], error: e instanceof Error ? e.message : String(e) })),
    dqResults(ctx),
  ]);
  const partitions = watermarks
    .map((w) => {
      const committed = raw.committed[w.partition] ?? w.low;
      return { partition: w.partition, high: w.high, committed, lag: Math.max(0, w.high - committed) };
    })
    .sort((a, b) => a.partition - b.partition);
  return {
    topic,
    rawTable,
    partitions,
    totalLag: partitions.reduce((s, p) => s + p.lag, 0),
    rawRows: raw.rows,
    lastRawCommit: raw.at === null ? null : new Date(raw.at).toISOString(),
    freshnessSeconds: raw.at === null ? null : Math.max(0, Math.round((Date.now() - raw.at) / 1000)),
    runs: runs.runs,
    ...('error' in runs ? { runsError: runs.error } : {}),
    dq,
  };
}
