// Temporal activities of the transform workflow: thin wrappers over transform/ (which knows
// nothing of Temporal), made by a factory from injected deps. Only ids, names and counts cross
// the boundary; failures a retry cannot fix become non-retryable failures of a named type.
import { ApplicationFailure } from '@temporalio/activity';
import { heartbeating, inActivity } from './heartbeat.js';
import { TransformError, type TransformDeps } from '../transform/context.js';
import { ModelError } from '../transform/model.js';
import { OutputError } from '../transform/output.js';
import { prepareRun, publishRun, validDay, dropRunBranch, type PreparedRun } from '../transform/branches.js';
import { buildSilver, type SilverResult } from '../transform/silver.js';
import { buildGold, type GoldResult } from '../transform/gold.js';
import { runChecks, type ChecksResult } from '../transform/checks.js';
import { lateDays, publishedDays } from '../transform/late.js';

export interface StepInput {
  day: string;
  branch: string;
  runId: string;
}

export type PrepareResult = ({ upToDate: false } & PreparedRun) | { upToDate: true; builtFromRawSnapshot: string };

type BaseDeps = Omit<TransformDeps, 'heartbeat' | 'log'>;

/**
 * Runs a step with the activity's heartbeat (every 2 s with its latest progress, so a worker that
 * dies mid-step is noticed within the workflow's heartbeat timeout) and log; failures a retry
 * cannot fix become non-retryable failures of a named type.
 */
async function step<T>(base: BaseDeps, fn: (deps: TransformDeps) => Promise<T>): Promise<T> {
  const ctx = inActivity();
  try {
    return await heartbeating(ctx, (beat) => fn({ ...base, heartbeat: beat, log: (msg, fields) => ctx?.log.info(msg, fields) }));
  } catch (err) {
    if (err instanceof TransformError) throw ApplicationFailure.create({ type: err.type, message: err.message, nonRetryable: true });
    if (err instanceof ModelError || err instanceof OutputError) throw ApplicationFailure.create({ type: 'ModelInvalid', message: err.message, nonRetryable: true });
    throw err;
  }
}

export function createTransformActivities(base: BaseDeps) {
  const now = (): number => base.now?.() ?? Date.now();
  return {
    /** Validates the day, creates missing tables, forks the run branch; or says the day is up to date (unless forced). */
    async prepareTransform(input: { day: string; branch: string; force: boolean }): Promise<PrepareResult> {
      return step(base, async (deps) => {
        const day = validDay(input.day, now());
        if (!input.force) {
          const built = (await publishedDays(base.lake, base.settings)).get(day.iso);
          if (built && (await lateDays(base.lake, base.settings, { days: [day.iso] })).length === 0) return { upToDate: true, builtFromRawSnapshot: built };
        }
        return { upToDate: false, ...(await prepareRun(deps, input)) };
      });
    },
    async buildSilverDay(input: StepInput): Promise<SilverResult> {
      return step(base, (deps) => buildSilver(deps, { branch: input.branch, day: validDay(input.day, now()), runId: input.runId, attempt: inActivity()?.info.attempt ?? 1 }));
    },
    async buildGoldDay(input: StepInput): Promise<GoldResult> {
      return step(base, (deps) => buildGold(deps, { branch: input.branch, day: validDay(input.day, now()), runId: input.runId, attempt: inActivity()?.info.attempt ?? 1 }));
    },
    async runDayChecks(input: StepInput): Promise<ChecksResult> {
      return step(base, (deps) => runChecks(deps, { branch: input.branch, day: validDay(input.day, now()), runId: input.runId, attempt: inActivity()?.info.attempt ?? 1 }));
    },
    async publishTransform(input: { branch: string; runId: string }): Promise<{ mainHash: string }> {
      return step(base, (deps) => publishRun(deps, input));
    },
    /** Drops a superseded run branch (after a merge conflict the run starts over on a new one). */
    async dropTransformBranch(input: { branch: string }): Promise<void> {
      return step(base, () => dropRunBranch(base.lake, input.branch));
    },
  };
}

export type TransformActivities = ReturnType<typeof createTransformActivities>;
