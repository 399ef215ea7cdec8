import { describe, expect, it } from 'vitest';
import { DayError, parseDay, trailingDays } from '../../../transform/day.js';

const NOW = Date.parse('2026-06-10T12:00:00Z');

describe('transform day', () => {
  it('parses a UTC day with its bounds and partition value', () => {
    const d = parseDay('2026-03-01', NOW);
    expect(d.iso).toBe('2026-03-01');
    expect(d.epochDay).toBe(Date.parse('2026-03-01T00:00:00Z') / 86_400_000);
    expect(d.endMs - d.startMs).toBe(86_400_000);
    expect(d.startMicros).toBe(BigInt(d.startMs) * 1000n);
  });

  it.each([
    ['2026-3-1', /must be a date as YYYY-MM-DD, got "2026-3-1"/],
    ['2026-02-30', /"2026-02-30" is not a calendar date/],
    ['yesterday', /must be a date as YYYY-MM-DD/],
    ['2026-06-11', /day 2026-06-11 is in the future/],
  ])('rejects %s naming the input', (input, message) => {
    expect(() => parseDay(input, NOW)).toThrow(DayError);
    expect(() => parseDay(input, NOW)).toThrow(message);
  });

  it('today is a valid day (it has started); the trailing window is the 7 days before it', () => {
    expect(parseDay('2026-06-10', NOW).iso).toBe('2026-06-10');
    expect(trailingDays(parseDay('2026-03-02', NOW), 7).map((d) => d.iso)).toEqual(['2026-02-23', '2026-02-24', '2026-02-25', '2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
