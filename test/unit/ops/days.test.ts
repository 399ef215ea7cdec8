import { describe, expect, it } from 'vitest';
import { addDays, dayDueAt, daysBetween, DayError, parseDay } from '../../../workflows/backfill/days.js';
import { scheduledDay } from '../../../workflows/schedules/scheduled.js';

describe('day partitions', () => {
  it('accepts real calendar days only, naming the bad input', () => {
    expect(parseDay('2024-02-29')).toBe('2024-02-29');
    expect(() => parseDay('2023-02-29', '--from')).toThrow('--from "2023-02-29" is not a calendar day');
    expect(() => parseDay('2023-2-1', '--to')).toThrow(DayError);
    expect(() => parseDay('yesterday')).toThrow('must be a date as YYYY-MM-DD');
  });

  it('lists the days of a range, both ends included, across months and leap days', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2024-01-01', '2024-01-01')).toEqual(['2024-01-01']);
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });

  it('a scheduled daily run transforms the last day that ended at least the lateness before its scheduled time', () => {
    const h = 3_600_000;
    expect(dayDueAt(Date.parse('2026-12-04T02:00:00Z'), 2 * h)).toBe('2026-12-03');
    // A catch-up fired hours late still transforms the day of its scheduled time.
    expect(scheduledDay({ env: 'dev', latenessMs: 2 * h }, new Date('2026-12-04T02:00:00Z'))).toBe('2026-12-03');
    expect(dayDueAt(Date.parse('2026-12-04T01:59:59Z'), 2 * h)).toBe('2026-12-02');
    expect(scheduledDay({ env: 'dev', latenessMs: 2 * h, day: '2026-01-05' }, undefined)).toBe('2026-01-05');
    expect(() => scheduledDay({ env: 'dev', latenessMs: 2 * h }, undefined)).toThrow('outside a schedule without a day');
  });
});
