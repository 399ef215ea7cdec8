// The `transform` workflow: one run per environment and day (workflow id floe-transform-<env>-<day>,
// so two transforms of a day never overlap). Write-audit-publish: fork a run branch from main,
// build SILVER then GOLD on it, run the data-quality checks there, and merge into main only when
// every blocking check passed. Otherwise the branch stays, with its check results, main is
// untouched and the run fails naming each failed check. A merge that conflicts (another run
// published a table this one changed) starts over from a fresh fork, a few times.
import { ActivityFailure, ApplicationFailure, defineQuery, patched, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { TransformActivities } from '../../activities/transform.js';
import type { CheckResult } from '../../transform/checks.js';
import { FloeRows } from '../ingest/searchAttributes.js';
import { FloeDqStatus, FloeNessieBranch } from '../searchAttributes.js';

export interface TransformInput {
  env: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Rebuild even when the day is published and no RAW arrived since. */
  force?: boolean;
}

export interface TransformResult {
  env: string;
  day: string;
  runId: string;
  /** The run branch (deleted after a publish; kept when blocking checks failed). */
  branch: string;
  outcome: 'published' | 'up_to_date' | 'checks_failed';
  mainHash?: string;
  rawSnapshotId?: string;
  counts: { rawRows: number; silverRows: number; dropped: Record<string, number>; gold: Record<string, number> };
  checks: { total: number; failed: CheckResult[] };
  failedChecks: CheckResult[];
  attempts: number;
  ms: { silver: number; gold: number; checks: number };
}

export interface TransformProgress {
  step: 'prepare' | 'silver' | 'gold' | 'checks' | 'publish' | 'done';
  branch?: string;
  attempt: number;
  rawRows?: number;
  silverRows?: number;
}

export const transformProgressQuery = defineQuery<TransformProgress>('transformProgress');

export function transformWorkflowId(env: string, day: string): string {
  return `floe-transform-${env}-${day}`;
}

const NON_RETRYABLE = ['BadDay', 'NoRawData', 'RawFileUnreadable', 'ModelInvalid', 'MergeConflict', 'BranchMissing'];
const steps = proxyActivities<TransformActivities>({
  startToCloseTimeout: '30 minutes',
  // Steps heartbeat every 2 s (activities/heartbeat.ts): a worker that dies mid-step is retried
  // elsewhere after this, not after the step's 30 minutes.
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

const MAX_FORKS = 3;

function runBranchName(env: string, day: string, runId: string, attempt: number): string {
  const id = runId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return `transform-${env}-${day}-${id}${attempt > 1 ? `-r${attempt}` : ''}`;
}

function isMergeConflict(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'MergeConflict';
}

export async function transform(input: TransformInput): Promise<TransformResult> {
  const runId = workflowInfo().runId;
  const progress: TransformProgress = { step: 'prepare', attempt: 1 };
  setHandler(transformProgressQuery, () => progress);
  const result: TransformResult = {
    env: input.env, day: input.day, runId, branch: '', outcome: 'up_to_date',
    counts: { rawRows: 0, silverRows: 0, dropped: {}, gold: {} }, checks: { total: 0, failed: [] }, failedChecks: [], attempts: 0, ms: { silver: 0, gold: 0, checks: 0 },
  };
  for (let attempt = 1; attempt <= MAX_FORKS; attempt++) {
    const branch = runBranchName(input.env, input.day, runId, attempt);
    Object.assign(progress, { step: 'prepare', attempt, branch });
    result.attempts = attempt;
    const prepared = await steps.prepareTransform({ day: input.day, branch, force: (input.force ?? false) || attempt > 1 });
    if (prepared.upToDate) {
      progress.step = 'done';
      setCurrentDetails(`${input.day} is up to date: built from RAW snapshot ${prepared.builtFromRawSnapshot}, no RAW arrived since`);
      return { ...result, rawSnapshotId: prepared.builtFromRawSnapshot };
    }
    result.branch = branch;
    result.rawSnapshotId = prepared.rawSnapshotId;
    setCurrentDetails(`run branch **${branch}** forked from main@${prepared.forkHash.slice(0, 12)} (RAW snapshot ${prepared.rawSnapshotId})`);
    const step = { day: input.day, branch, runId };
    // The run branch and check status, filterable in the Temporal UI; behind a patch because
    // the histories recorded before these attributes were set do not upsert them.
    const showStatus = patched('transform-branch-and-dq-status');
    if (showStatus) upsertSearchAttributes([{ key: FloeNessieBranch, value: branch }, { key: FloeDqStatus, value: 'pending' }]);

    progress.step = 'silver';
    const silver = await steps.buildSilverDay(step);
    Object.assign(progress, { rawRows: silver.rawRows, silverRows: silver.silverRows });
    result.counts = { ...result.counts, rawRows: silver.rawRows, silverRows: silver.silverRows, dropped: silver.dropped };
    result.ms.silver = silver.ms.download + silver.ms.model + silver.ms.write + silver.ms.commit;
    upsertSearchAttributes([{ key: FloeRows, value: silver.silverRows }]);

    progress.step = 'gold';
    const gold = await steps.buildGoldDay(step);
    result.counts.gold = gold.rows;
    result.ms.gold = gold.ms;

    progress.step = 'checks';
    const checks = await steps.runDayChecks(step);
    result.ms.checks = checks.ms;
    result.checks = { total: checks.results.length, failed: checks.results.filter((c) => !c.passed) };
    result.failedChecks = checks.failedBlocking;
    if (showStatus) upsertSearchAttributes([{ key: FloeDqStatus, value: checks.failedBlocking.length > 0 ? 'failed' : 'passed' }]);
    if (checks.failedBlocking.length > 0) {
      result.outcome = 'checks_failed';
      progress.step = 'done';
      const summary = checks.failedBlocking.map((c) => `${c.check} on ${c.table}: observed ${c.observed}, expected ${c.threshold} (${c.detail})`).join('; ');
      setCurrentDetails(`blocking checks failed; branch **${branch}** kept for inspection, main untouched: ${summary}`);
      throw ApplicationFailure.create({
        type: 'BlockingChecksFailed',
        message: `transform ${input.env} ${input.day}: ${checks.failedBlocking.length} blocking check(s) failed, branch ${branch} kept, main untouched: ${summary}`,
        nonRetryable: true,
        details: [result],
      });
    }

    progress.step = 'publish';
    try {
      const published = await steps.publishTransform({ branch, runId });
      progress.step = 'done';
      setCurrentDetails(`published ${input.day}: branch ${branch} merged into main@${published.mainHash.slice(0, 12)} and deleted`);
      return { ...result, outcome: 'published', mainHash: published.mainHash };
    } catch (err) {
      if (!isMergeConflict(err) || attempt === MAX_FORKS) throw err;
      await steps.dropTransformBranch({ branch });
    }
  }
  throw ApplicationFailure.create({ type: 'MergeConflict', message: `transform ${input.env} ${input.day}: merge kept conflicting after ${MAX_FORKS} forks`, nonRetryable: true });
}
