// SILVER for one day on a run branch: the day's RAW files (as of the branch) -> the silver model
// -> sorted Parquet in few large files -> one overwrite of the day's partition, whose snapshot
// summary records the RAW snapshot it was built from (late-data detection reads it back).
import { modelByName } from '../models/catalog.js';
import { rawTable, tableOf, templateVars, TransformError, type TransformDeps } from './context.js';
import { attemptTag, type StepInput } from './context.js';
import { withDuck } from './duck.js';
import { dayFilter, tableView } from './files.js';
import { RAW_INPUT_COLUMNS } from './inputs.js';
import { writeRelationFiles } from './output.js';
import { relationOf } from './model.js';
import { countDrops, runModel } from './runner.js';

export const SUMMARY = {
  day: 'floe.transform.day',
  runId: 'floe.transform.run-id',
  rawSnapshot: 'floe.transform.raw-snapshot-id',
  rawRows: 'floe.transform.raw-rows',
  droppedPrefix: 'floe.transform.dropped.',
} as const;

export interface SilverResult {
  rawFiles: number;
  rawRows: number;
  silverRows: number;
  silverFiles: number;
  dropped: Record<string, number>;
  rawSnapshotId: string;
  snapshotId: string;
  ms: { download: number; model: number; write: number; commit: number; copy: number; metrics: number; upload: number };
}

function microsLiteral(us: bigint): string {
  return `make_timestamptz(${us}::BIGINT)`;
}

export async function buildSilver(deps: TransformDeps, input: StepInput): Promise<SilverResult> {
  const { lake, settings } = deps;
  const model = modelByName('silver.telemetry');
  const ident = tableOf(settings, model);
  const raw = await lake.loadTable(rawTable(settings), input.branch);
  const rawSnapshotId = raw.metadata.currentSnapshotId === null ? '' : String(raw.metadata.currentSnapshotId);
  const at = `${input.branch}@${raw.ref.hash}`;
  return withDuck({ memoryLimit: settings.memoryLimit, threads: settings.threads }, async (duck) => {
    const t0 = performance.now();
    const where = `event_ts >= ${microsLiteral(input.day.startMicros)} AND event_ts < ${microsLiteral(input.day.endMicros)}`;
    const local = await tableView(lake, duck, 'raw_telemetry', rawTable(settings), at, RAW_INPUT_COLUMNS, { filter: dayFilter('event_ts', input.day.startMicros, input.day.endMicros), where, positions: true });
    const rawRows = Number((await duck.one('SELECT count(*) AS n FROM raw_telemetry')).n);
    if (rawRows === 0) throw new TransformError('NoRawData', `no RAW rows for ${input.day.iso} in ${rawTable(settings)} at ${input.branch}`);
    deps.heartbeat?.({ step: 'silver', rawRows });
    const t1 = performance.now();
    const vars = templateVars(settings, input.day);
    // RAW is read through a field-id schema, which leaves DuckDB no statistics: it then estimates
    // the day's rows at a few hundred and builds its join hash tables on RAW rather than on the
    // duplicated keys (6x slower at 10M rows). Keep each join's build side as the SQL writes it.
    await duck.run(`SET disabled_optimizers = 'build_side_probe_side'`);
    // Deduplication is decided here, once (the model's temporary tables); the model's query is a
    // view that each file's COPY reads for its device range, so the day is never materialised.
    await runModel(duck, model, vars, { view: true });
    const dropped = await countDrops(duck, model, vars);
    const t2 = performance.now();
    const table = await lake.loadTable(ident, at);
    const timings: Record<string, number> = {};
    const files = await writeRelationFiles(duck, lake, table, { relation: relationOf(model.name), rangeRelation: 'raw_telemetry', name: `model ${model.name}`, columns: model.columns, sortBy: model.sortBy }, { fileStem: `${input.day.iso}-${input.runId}${attemptTag(input.attempt)}`, rowsPerFile: settings.rowsPerFile, timings });
    const silverRows = files.reduce((n, f) => n + f.recordCount, 0);
    const t3 = performance.now();
    const summary: Record<string, string> = {
      [SUMMARY.day]: input.day.iso,
      [SUMMARY.runId]: input.runId,
      [SUMMARY.rawSnapshot]: rawSnapshotId,
      [SUMMARY.rawRows]: String(rawRows),
      ...Object.fromEntries(Object.entries(dropped).map(([k, v]) => [`${SUMMARY.droppedPrefix}${k}`, String(v)])),
    };
    const info = await lake.overwritePartitions(ident, files, { branch: input.branch, summary, message: `transform ${input.day.iso}: SILVER ${silverRows} rows from ${rawRows} RAW rows (run ${input.runId})` });
    const t4 = performance.now();
    deps.log?.('silver committed', { day: input.day.iso, rawRows, silverRows, files: files.length });
    return {
      rawFiles: local.files.length,
      rawRows,
      silverRows,
      silverFiles: files.length,
      dropped,
      rawSnapshotId,
      snapshotId: String(info.snapshots.get(ident) ?? ''),
      ms: { download: Math.round(t1 - t0), model: Math.round(t2 - t1), write: Math.round(t3 - t2), commit: Math.round(t4 - t3), copy: timings.copy ?? 0, metrics: timings.metrics ?? 0, upload: timings.upload ?? 0 },
    };
  });
}
