// A day partition as the pipeline names it: `YYYY-MM-DD`, in UTC. Pure functions, safe in
// workflow code (no Node modules, no wall clock: callers pass the instant they mean).

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
export const DAY_MS = 86_400_000;

export class DayError extends Error {
  override name = 'DayError';
}

/** Validates `YYYY-MM-DD` naming a real calendar day; throws a DayError naming the input otherwise. */
export function parseDay(value: string, what = 'day'): string {
  const m = DAY.exec(value);
  if (!m) throw new DayError(`${what} must be a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (dayOf(ms) !== value) throw new DayError(`${what} ${JSON.stringify(value)} is not a calendar day`);
  return value;
}

/** The UTC day an instant falls on. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC starting the day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** Every day from `from` to `to`, both included, in order. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/**
 * The day a scheduled daily run transforms: the last day that ended at least `latenessMs`
 * before the scheduled time. A run scheduled at 02:00 with 2 h of allowed lateness transforms
 * yesterday; so does one that fires late (a catch-up at 09:00), because the day comes from
 * the scheduled time, never the wall clock.
 */
export function dayDueAt(scheduledMs: number, latenessMs: number): string {
  return addDays(dayOf(scheduledMs - latenessMs), -1);
}
