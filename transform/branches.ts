// Write-audit-publish through Nessie: a run forks its branch from main, writes and checks there,
// and publishes by merging every table at once; a failed run's branch stays for inspection.
import { ConflictError, NotFoundError, type Lake, type Reference } from '../lake/index.js';
import { loadModels } from '../models/catalog.js';
import { rawTable, RUN_BRANCH_PREFIX, tableOf, TransformError, type TransformDeps, type TransformSettings } from './context.js';
import { parseDay, DayError, type Day } from './day.js';
import { ensureTables } from './tables.js';
import { dayFilter } from './files.js';
import { SUMMARY } from './silver.js';

export interface PreparedRun {
  branch: string;
  forkHash: string;
  rawFiles: number;
  rawSnapshotId: string;
}

export function validDay(input: string, now: number): Day {
  try {
    return parseDay(input, now);
  } catch (e) {
    if (e instanceof DayError) throw new TransformError('BadDay', e.message);
    throw e;
  }
}

/** Live RAW files of the day on a ref (none: nothing to transform). */
export async function rawFilesOfDay(lake: Lake, s: TransformSettings, day: Day, ref: string): Promise<number> {
  try {
    return (await lake.liveDataFiles(rawTable(s), { ref, filter: dayFilter('event_ts', day.startMicros, day.endMicros) })).length;
  } catch (e) {
    if (e instanceof NotFoundError) return 0;
    throw e;
  }
}

/**
 * Checks the day, creates missing tables on main, and forks the run branch from main (or reuses
 * it when a retried activity already made it). Nothing is written for a bad day or a day
 * without RAW.
 */
export async function prepareRun(deps: TransformDeps, input: { day: string; branch: string }): Promise<PreparedRun> {
  const { lake, settings } = deps;
  const day = validDay(input.day, deps.now?.() ?? Date.now());
  const main = await lake.reference(settings.mainBranch);
  const rawFiles = await rawFilesOfDay(lake, settings, day, `${main.name}@${main.hash}`);
  if (rawFiles === 0) throw new TransformError('NoRawData', `no RAW data for ${day.iso} in ${rawTable(settings)} on ${settings.mainBranch}: nothing to transform`);
  await ensureTables(lake, settings);
  let ref: Reference;
  try {
    ref = await lake.createBranch(input.branch, settings.mainBranch);
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    ref = await lake.reference(input.branch);
  }
  const raw = await lake.loadTable(rawTable(settings), `${ref.name}@${ref.hash}`);
  return { branch: ref.name, forkHash: ref.hash, rawFiles, rawSnapshotId: String(raw.metadata.currentSnapshotId ?? '') };
}

/**
 * Merges the run branch into main (every table it changed, in one merge) and deletes it. A
 * retry after the merge went through finds the branch gone and main carrying the run's SILVER.
 */
export async function publishRun(deps: TransformDeps, input: { branch: string; runId: string }): Promise<{ mainHash: string }> {
  const { lake, settings } = deps;
  let branchExists = true;
  try {
    await lake.reference(input.branch);
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    branchExists = false;
  }
  if (!branchExists) {
    const silver = loadModels().find((m) => m.name === 'silver.telemetry')!;
    const published = await lake.latestSummaryProperty(tableOf(settings, silver), SUMMARY.runId, settings.mainBranch);
    if (published.value === input.runId) return { mainHash: published.hash };
    throw new TransformError('BranchMissing', `run branch ${input.branch} does not exist and main does not carry run ${input.runId}`);
  }
  let merged: { hash: string };
  try {
    merged = await lake.merge(input.branch, settings.mainBranch, `publish ${input.branch}`);
  } catch (e) {
    if (e instanceof ConflictError) throw new TransformError('MergeConflict', `merging ${input.branch} into ${settings.mainBranch} conflicts (a table it changed also changed on ${settings.mainBranch}): ${e.message}`, { cause: e });
    throw e;
  }
  await lake.deleteBranch(input.branch);
  return { mainHash: merged.hash };
}

export interface RunBranch {
  name: string;
  hash: string;
}

export async function listRunBranches(lake: Lake): Promise<RunBranch[]> {
  const refs = await lake.nessie.listReferences();
  return refs.filter((r) => r.type === 'BRANCH' && r.name.startsWith(RUN_BRANCH_PREFIX)).map((r) => ({ name: r.name, hash: r.hash })).sort((a, b) => a.name.localeCompare(b.name));
}

export interface BranchTableState {
  table: string;
  snapshotId: string | null;
  summary: Record<string, string>;
  /** Whether the table's current state differs from main's. */
  differsFromMain: boolean;
}

/** What a run branch holds: each model table's current snapshot there, and whether it differs from main. */
export async function showRunBranch(lake: Lake, s: TransformSettings, name: string): Promise<{ branch: RunBranch; tables: BranchTableState[] }> {
  const ref = await lake.reference(name);
  const tables: BranchTableState[] = [];
  for (const m of loadModels()) {
    const ident = tableOf(s, m);
    const load = async (r: string) => {
      try {
        return await lake.loadTable(ident, r);
      } catch (e) {
        if (e instanceof NotFoundError) return undefined;
        throw e;
      }
    };
    const [onBranch, onMain] = await Promise.all([load(`${ref.name}@${ref.hash}`), load(s.mainBranch)]);
    if (!onBranch) continue;
    const current = onBranch.metadata.snapshots.find((x) => x.snapshotId === onBranch.metadata.currentSnapshotId);
    tables.push({
      table: ident,
      snapshotId: current ? String(current.snapshotId) : null,
      summary: Object.fromEntries(Object.entries(current?.summary ?? {}).filter(([k]) => k.startsWith('floe.') || k === 'operation' || k.startsWith('added-') || k.startsWith('deleted-'))),
      differsFromMain: onBranch.metadata.currentSnapshotId !== onMain?.metadata.currentSnapshotId,
    });
  }
  return { branch: { name: ref.name, hash: ref.hash }, tables };
}

export async function dropRunBranch(lake: Lake, name: string): Promise<void> {
  if (!name.startsWith(RUN_BRANCH_PREFIX)) throw new TransformError('BranchMissing', `${name} is not a transform run branch (they start with ${RUN_BRANCH_PREFIX}); refusing to drop it`);
  await lake.deleteBranch(name);
}
