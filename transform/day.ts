// A transform day: one UTC calendar day, validated once, with the bounds and Iceberg partition
// values every model and check derives from it (never string slicing scattered around).

export class DayError extends Error {
  override name = 'DayError';
}

const MS_PER_DAY = 86_400_000;

export interface Day {
  /** YYYY-MM-DD */
  readonly iso: string;
  /** Days since 1970-01-01: the Iceberg `date` value and the `day(ts)` partition value. */
  readonly epochDay: number;
  readonly startMs: number;
  /** Exclusive. */
  readonly endMs: number;
  readonly startMicros: bigint;
  readonly endMicros: bigint;
}

/** Parses a day; a malformed date or a day that has not ended yet is a DayError naming the input. */
export function parseDay(input: string, nowMs: number = Date.now()): Day {
  if (!/^\d{4}-\d\d-\d\d$/.test(input)) throw new DayError(`day must be a date as YYYY-MM-DD, got ${JSON.stringify(input)}`);
  const startMs = Date.parse(`${input}T00:00:00Z`);
  if (Number.isNaN(startMs) || new Date(startMs).toISOString().slice(0, 10) !== input) throw new DayError(`day ${JSON.stringify(input)} is not a calendar date`);
  const day = dayFromEpochDay(Math.round(startMs / MS_PER_DAY));
  if (day.startMs > nowMs) throw new DayError(`day ${input} is in the future (now is ${new Date(nowMs).toISOString()})`);
  return day;
}

export function dayFromEpochDay(epochDay: number): Day {
  const startMs = epochDay * MS_PER_DAY;
  return {
    iso: new Date(startMs).toISOString().slice(0, 10),
    epochDay,
    startMs,
    endMs: startMs + MS_PER_DAY,
    startMicros: BigInt(startMs) * 1000n,
    endMicros: BigInt(startMs + MS_PER_DAY) * 1000n,
  };
}

/** The `days` days before `day`, oldest first (the trailing baseline window). */
export function trailingDays(day: Day, days: number): Day[] {
  return Array.from({ length: days }, (_, i) => dayFromEpochDay(day.epochDay - days + i));
}
