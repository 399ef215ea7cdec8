// Heartbeats every activity sends, whatever it is waiting on (an upload, a commit, a DuckDB
// query), so a worker that dies is noticed within the workflow's heartbeat timeout rather than
// the activity's whole timeout.
import { Context } from '@temporalio/activity';

/**
 * How often a running activity heartbeats. Workers send heartbeats at most this often too
 * (WORKER_HEARTBEAT_THROTTLE), so none is held back past a heartbeat timeout.
 */
export const HEARTBEAT_EVERY_MS = 2_000;
export const WORKER_HEARTBEAT_THROTTLE = '2s';

/** The running activity's context, or undefined outside an activity (tests call activities directly). */
export function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Runs `work` heartbeating every HEARTBEAT_EVERY_MS with its latest progress, outside an activity too (tests). */
export async function heartbeating<T>(ctx: Context | undefined, work: (beat: (progress: unknown) => void) => Promise<T>): Promise<T> {
  if (!ctx) return work(() => undefined);
  let last: unknown;
  const beat = (progress: unknown): void => {
    last = progress;
    ctx.heartbeat(progress);
  };
  const timer = setInterval(() => ctx.heartbeat(last), HEARTBEAT_EVERY_MS);
  try {
    return await work(beat);
  } finally {
    clearInterval(timer);
  }
}
