// Data-quality checks of one day on a run branch: every check declared beside the models
// (models/**), evaluated by DuckDB over the branch's SILVER and GOLD (the day's partitions),
// plus the built-in ones that look outside (Kafka, RAW, DLQ, the trailing baseline on main).
// Every result is a row appended to dq.check_results on the branch.
import { loadModels, modelByName } from '../models/catalog.js';
import { attemptTag, rawTable, tableOf, templateVars, type StepInput, type TransformDeps } from './context.js';
import { trailingDays, type Day } from './day.js';
import { quoteIdent, withDuck, type DuckSession } from './duck.js';
import { dayFilter, tableView } from './files.js';
import { openLayerViews } from './gold.js';
import { RAW_INPUT_COLUMNS } from './inputs.js';
import { relationOf, type CheckDef, type Model } from './model.js';
import { writeModelOutput } from './output.js';
import { loadRows } from './rows.js';
import { countDrops } from './runner.js';
import { countKafkaMessages, lakeOffsets } from './offsets.js';

export interface CheckResult {
  check: string;
  table: string;
  severity: 'warn' | 'block';
  observed: number;
  threshold: string;
  passed: boolean;
  detail: string;
}

export interface ChecksResult {
  results: CheckResult[];
  failedBlocking: CheckResult[];
  snapshotId: string;
  ms: number;
}

type Op = '<=' | '>=' | '=' | '<' | '>';

function passes(observed: number, op: Op, threshold: number): boolean {
  switch (op) {
    case '<=': return observed <= threshold;
    case '>=': return observed >= threshold;
    case '<': return observed < threshold;
    case '>': return observed > threshold;
    default: return Math.abs(observed - threshold) < 1e-9;
  }
}

/** The SQL of a declarative check: one row, one numeric `observed`. */
export function checkSql(model: Model, c: CheckDef): { sql: string; op: Op; threshold: number; detail: string } | undefined {
  const rel = quoteIdent(relationOf(model.name));
  const cols = (xs: string[]) => xs.map(quoteIdent);
  switch (c.kind) {
    case 'not_null':
      return { sql: `SELECT count(*) FILTER (WHERE ${cols(c.columns).map((x) => `${x} IS NULL`).join(' OR ')}) AS observed FROM ${rel}`, op: '<=', threshold: 0, detail: `rows with a null in ${c.columns.join(', ')}` };
    case 'unique': {
      // Only keys whose 64-bit hash repeats can repeat: grouping the keys themselves for those
      // alone is exact, and a whole-table distinct count of string keys costs 0.8 GiB at 10M rows.
      const key = cols(c.columns).join(', ');
      const repeats = `SELECT ${key}, count(*) AS n FROM ${rel} WHERE hash(${key}) IN (SELECT hash(${key}) FROM ${rel} GROUP BY 1 HAVING count(*) > 1) GROUP BY ALL HAVING count(*) > 1`;
      return { sql: `SELECT coalesce(sum(n - 1), 0) AS observed FROM (${repeats})`, op: '<=', threshold: 0, detail: `rows repeating a key (${c.columns.join(', ')})` };
    }
    case 'accepted_range': {
      const x = quoteIdent(c.column);
      const out = [c.min !== undefined ? `${x} < ${c.min}` : '', c.max !== undefined ? `${x} > ${c.max}` : ''].filter(Boolean).join(' OR ') || 'false';
      return { sql: `SELECT count(*) FILTER (WHERE ${out}) AS observed FROM ${rel}`, op: '<=', threshold: 0, detail: `rows with ${c.column} outside [${c.min ?? '-inf'}, ${c.max ?? '+inf'}]` };
    }
    case 'relationship': {
      const to = quoteIdent(relationOf(c.to));
      return { sql: `SELECT count(*) AS observed FROM ${rel} r WHERE r.${quoteIdent(c.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${to} t WHERE t.${quoteIdent(c.field)} = r.${quoteIdent(c.column)})`, op: '<=', threshold: 0, detail: `rows whose ${c.column} is not in ${c.to}.${c.field}` };
    }
    case 'expression':
      return { sql: c.sql, op: c.op, threshold: c.threshold, detail: c.doc ?? 'expression' };
    default:
      return undefined;
  }
}

interface CheckEnv {
  deps: TransformDeps;
  duck: DuckSession;
  branchRef: string;
  day: Day;
}

async function baselineView(env: CheckEnv, model: Model): Promise<number> {
  const { deps, duck, day } = env;
  const days = trailingDays(day, 7);
  const local = await tableView(deps.lake, duck, `baseline_${model.table}`, tableOf(deps.settings, model), deps.settings.mainBranch, model.columns, {
    filter: [{ column: 'day', op: '>=', value: days[0]!.iso }, { column: 'day', op: '<', value: day.iso }],
  });
  return local.files.length;
}

async function builtin(env: CheckEnv, c: Extract<CheckDef, { kind: 'builtin' }>): Promise<{ observed: number; op: Op; detail: string }> {
  const { deps, duck, day } = env;
  const s = deps.settings;
  switch (c.builtin) {
    case 'raw_to_silver_reconciliation': {
      const silver = modelByName('silver.telemetry');
      const drops = await countDrops(duck, silver, templateVars(s, day));
      const { raw } = await duck.one('SELECT count(*) AS raw FROM raw_telemetry');
      const { out } = await duck.one('SELECT count(*) AS out FROM silver_telemetry');
      const dropped = Object.values(drops).reduce((a, b) => a + b, 0);
      const diff = Number(raw) - Number(out) - dropped;
      return { observed: Math.abs(diff), op: '<=', detail: `RAW ${raw} rows = SILVER ${out} + dropped ${Object.entries(drops).map(([k, v]) => `${k} ${v}`).join(', ') || 0}` };
    }
    case 'raw_dlq_equals_kafka': {
      const lake = await lakeOffsets(deps, duck, env.branchRef);
      const kafka = lake.ranges.length ? await countKafkaMessages(deps.reader, s.telemetryTopic, lake.ranges) : 0;
      const missing = Math.max(0, kafka - lake.distinctOffsets);
      const extra = lake.rows - lake.distinctOffsets + Math.max(0, lake.distinctOffsets - kafka);
      const span = lake.ranges.map((r) => `${r.partition}:[${r.from},${r.to})`).join(' ');
      return { observed: missing + extra, op: '<=', detail: `Kafka ${kafka} messages; RAW ${lake.rawRows} + DLQ ${lake.dlqRows} rows, ${lake.distinctOffsets} distinct offsets, in ${span || 'no ranges'}` };
    }
    case 'raw_freshness': {
      const raw = await deps.lake.loadTable(rawTable(s), env.branchRef);
      const current = raw.metadata.snapshots.find((x) => x.snapshotId === raw.metadata.currentSnapshotId);
      const hours = current ? (current.timestampMs - day.endMs) / 3_600_000 : -24;
      return { observed: Math.round(hours * 100) / 100, op: '>=', detail: `latest RAW commit ${current ? new Date(current.timestampMs).toISOString() : 'none'}, hours after the end of ${day.iso}` };
    }
    case 'anomaly_rate_vs_baseline': {
      const files = await baselineView(env, modelByName('gold.daily_device_metrics'));
      const { today } = await duck.one('SELECT coalesce(avg(is_anomaly::INTEGER), 0) AS today FROM silver_telemetry');
      const { base } = await duck.one('SELECT sum(anomaly_count) / nullif(sum(message_count), 0) AS base FROM baseline_daily_device_metrics');
      const ratio = files && base ? Number(today) / Number(base) : 0;
      return { observed: Math.round(ratio * 1000) / 1000, op: '<=', detail: `anomaly rate ${Number(today).toFixed(4)} against a 7-day baseline of ${base === null || !files ? 'none' : Number(base).toFixed(4)}` };
    }
    case 'health_score_vs_baseline': {
      const files = await baselineView(env, modelByName('gold.device_health_summary'));
      const { today } = await duck.one('SELECT avg(health_score) AS today FROM gold_device_health_summary');
      const { base } = await duck.one('SELECT avg(health_score) AS base FROM baseline_device_health_summary');
      const drop = files && base !== null && today !== null ? Number(base) - Number(today) : 0;
      return { observed: Math.round(drop * 100) / 100, op: '<=', detail: `mean health ${today === null ? 'none' : Number(today).toFixed(1)} against a 7-day baseline of ${base === null || !files ? 'none' : Number(base).toFixed(1)}` };
    }
  }
}

async function evaluate(env: CheckEnv, model: Model, c: CheckDef): Promise<CheckResult> {
  const base = { check: c.name, table: model.name, severity: c.severity };
  try {
    if (c.kind === 'builtin') {
      const r = await builtin(env, c);
      return { ...base, observed: r.observed, threshold: `${r.op} ${c.threshold}`, passed: passes(r.observed, r.op, c.threshold), detail: r.detail };
    }
    const q = checkSql(model, c)!;
    const row = await env.duck.one(q.sql);
    const observed = Number(row.observed);
    return { ...base, observed, threshold: `${q.op} ${q.threshold}`, passed: passes(observed, q.op, q.threshold), detail: q.detail };
  } catch (e) {
    // A check that cannot run has not passed; its error is the detail.
    return { ...base, observed: Number.NaN, threshold: 'runs', passed: false, detail: `check failed to run: ${(e as Error).message}` };
  }
}

export async function runChecks(deps: TransformDeps, input: StepInput): Promise<ChecksResult> {
  const { lake, settings } = deps;
  const t0 = performance.now();
  const head = await lake.reference(input.branch);
  const at = `${input.branch}@${head.hash}`;
  return withDuck({ memoryLimit: settings.memoryLimit, threads: settings.threads }, async (duck) => {
    const env: CheckEnv = { deps, duck, branchRef: at, day: input.day };
    await tableView(lake, duck, 'raw_telemetry', rawTable(settings), at, RAW_INPUT_COLUMNS, {
      filter: dayFilter('event_ts', input.day.startMicros, input.day.endMicros),
      where: `event_ts >= make_timestamptz(${input.day.startMicros}::BIGINT) AND event_ts < make_timestamptz(${input.day.endMicros}::BIGINT)`,
      positions: true,
    });
    await openLayerViews(lake, duck, settings, at, input.day, ['silver', 'gold']);
    const results: CheckResult[] = [];
    for (const m of loadModels()) {
      for (const c of m.checks) {
        results.push(await evaluate(env, m, c));
        deps.heartbeat?.({ step: 'checks', check: c.name });
      }
    }
    const checkedAt = new Date(deps.now?.() ?? Date.now()).toISOString();
    const dq = modelByName('dq.check_results');
    await loadRows(duck, relationOf(dq.name), results.map((r) => ({
      day: input.day.iso, check_name: r.check, table_name: r.table, severity: r.severity, observed: Number.isNaN(r.observed) ? null : r.observed,
      threshold: r.threshold, passed: r.passed, detail: r.detail, run_id: input.runId, branch: input.branch, checked_at: checkedAt,
    })));
    // NaN cannot travel through JSON: a check that failed to run records observed as NaN.
    await duck.run(`UPDATE dq_check_results SET observed = 'NaN'::DOUBLE WHERE observed IS NULL`);
    const ident = tableOf(settings, dq);
    const table = await lake.loadTable(ident, at);
    const files = await writeModelOutput(duck, lake, table, dq, { fileStem: `${input.day.iso}-${input.runId}-checks${attemptTag(input.attempt)}` });
    const failed = results.filter((r) => !r.passed);
    // A retry after the append went through must not record the run's results twice.
    const recorded = (await lake.history(ident, at)).find((x) => x.summary['floe.transform.run-id'] === input.runId);
    if (recorded) return { results, failedBlocking: failed.filter((r) => r.severity === 'block'), snapshotId: String(recorded.snapshotId), ms: Math.round(performance.now() - t0) };
    const info = await lake.append(ident, files, {
      branch: input.branch,
      summary: { 'floe.transform.day': input.day.iso, 'floe.transform.run-id': input.runId, 'floe.dq.failed': failed.map((f) => f.check).join(',') },
      message: `transform ${input.day.iso}: ${results.length} checks, ${failed.length} failed (run ${input.runId})`,
    });
    return { results, failedBlocking: failed.filter((r) => r.severity === 'block'), snapshotId: String(info.snapshots.get(ident) ?? ''), ms: Math.round(performance.now() - t0) };
  });
}

