// GOLD for one day on a run branch: SILVER's day (as committed on the branch), the previous
// device dimension and the registry topic -> every gold model in dependency order -> one Nessie
// commit replacing the day's partitions of all GOLD tables (and the dimension when it changed).
import type { DataFile, TableChange } from '../lake/index.js';
import { loadModels, modelByName } from '../models/catalog.js';
import { tableOf, templateVars, type TransformDeps } from './context.js';
import type { Day } from './day.js';
import { attemptTag, type StepInput } from './context.js';
import { quoteIdent, withDuck, type DuckSession } from './duck.js';
import { tableView } from './files.js';
import { relationOf } from './model.js';
import { writeModelOutput } from './output.js';
import { readRegistryRows } from './registry.js';
import { loadRows } from './rows.js';
import { runModel } from './runner.js';
import { SUMMARY } from './silver.js';
import type { TransformSettings } from './context.js';
import type { Lake } from '../lake/index.js';

export interface GoldResult {
  rows: Record<string, number>;
  files: number;
  dimChanged: boolean;
  registryInvalid: string[];
  snapshotIds: Record<string, string>;
  ms: number;
  /** Milliseconds per phase: reading inputs, then each model (run and write). */
  msBy: Record<string, number>;
}

/** Views of SILVER's day and of every GOLD table's day (the dimension whole) at `ref`. */
export async function openLayerViews(lake: Lake, duck: DuckSession, s: TransformSettings, ref: string, day: Day, layers: readonly string[]): Promise<void> {
  for (const m of loadModels()) {
    if (!layers.includes(m.layer) || !m.sqlText) continue;
    const p = m.partitionBy;
    const filter = p && m.scope === 'day' ? (p.transform === 'identity' ? [{ column: p.column, op: '=' as const, value: day.iso }] : [{ column: p.column, op: '>=' as const, value: day.startMicros }, { column: p.column, op: '<' as const, value: day.endMicros }]) : undefined;
    await tableView(lake, duck, relationOf(m.name), tableOf(s, m), ref, m.columns, filter ? { filter } : {});
  }
}

/** Whether the new dimension differs from the previous one (same versions, same ends). */
async function dimensionChanged(duck: DuckSession): Promise<boolean> {
  const cols = ['device_key', 'attributes_hash', 'valid_to'].map(quoteIdent).join(', ');
  const { n } = await duck.one(
    `SELECT (SELECT count(*) FROM (SELECT ${cols} FROM gold_dim_devices EXCEPT SELECT ${cols} FROM previous_dim_devices)) + (SELECT count(*) FROM (SELECT ${cols} FROM previous_dim_devices EXCEPT SELECT ${cols} FROM gold_dim_devices)) AS n`,
  );
  return Number(n) > 0;
}

export async function buildGold(deps: TransformDeps, input: StepInput): Promise<GoldResult> {
  const { lake, settings } = deps;
  const t0 = performance.now();
  const head = await lake.reference(input.branch);
  const at = `${input.branch}@${head.hash}`;
  const vars = templateVars(settings, input.day);
  const registry = await readRegistryRows(deps.reader, settings.registryTopic);
  return withDuck({ memoryLimit: settings.memoryLimit, threads: settings.threads }, async (duck) => {
    const msBy: Record<string, number> = {};
    let tPhase = performance.now();
    const phase = (name: string): void => {
      const now = performance.now();
      msBy[name] = Math.round(now - tPhase);
      tPhase = now;
    };
    const silver = modelByName('silver.telemetry');
    await tableView(lake, duck, relationOf(silver.name), tableOf(settings, silver), at, silver.columns, {
      filter: [{ column: 'event_ts', op: '>=', value: input.day.startMicros }, { column: 'event_ts', op: '<', value: input.day.endMicros }],
    });
    const dim = modelByName('gold.dim_devices');
    await tableView(lake, duck, `previous_${dim.table}`, tableOf(settings, dim), at, dim.columns);
    await loadRows(duck, 'kafka_device_registry', registry.rows);
    phase('inputs');
    const rows: Record<string, number> = {};
    const changes: { table: string; change: TableChange }[] = [];
    let dimChanged = false;
    for (const m of loadModels().filter((x) => x.layer === 'gold')) {
      rows[m.name] = (await runModel(duck, m, vars, { chunkRows: settings.rowsPerChunk })) ?? 0;
      deps.heartbeat?.({ step: 'gold', model: m.name });
      if (m.name === dim.name) {
        dimChanged = await dimensionChanged(duck);
        if (!dimChanged) {
          phase(m.name);
          continue;
        }
      }
      const ident = tableOf(settings, m);
      const table = await lake.loadTable(ident, at);
      const files: DataFile[] = await writeModelOutput(duck, lake, table, m, { fileStem: `${input.day.iso}-${input.runId}${attemptTag(input.attempt)}`, rowsPerFile: settings.rowsPerFile });
      if (files.length) changes.push({ table: ident, change: { type: 'overwritePartitions', files, summary: { [SUMMARY.day]: input.day.iso, [SUMMARY.runId]: input.runId } } });
      phase(m.name);
    }
    const snapshotIds: Record<string, string> = {};
    if (changes.length) {
      const info = await lake.commitMulti(changes, { branch: input.branch, message: `transform ${input.day.iso}: GOLD ${changes.map((c) => c.table).join(', ')} (run ${input.runId})` });
      for (const [k, v] of info.snapshots) snapshotIds[k] = String(v);
    }
    deps.log?.('gold committed', { day: input.day.iso, rows });
    return { rows, files: changes.reduce((n, c) => n + (c.change.type === 'overwritePartitions' ? c.change.files.length : 0), 0), dimChanged, registryInvalid: registry.invalid.slice(0, 20), snapshotIds, ms: Math.round(performance.now() - t0), msBy };
  });
}
