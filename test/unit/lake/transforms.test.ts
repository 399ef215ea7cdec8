import { describe, expect, it } from 'vitest';
import { applyTransform, humanString, resultType } from '../../../lake/transforms.js';
import { parseTimestampMicros } from '../../../lake/values.js';

const ts = (s: string) => parseTimestampMicros(s);

describe('time transforms', () => {
  it('hour counts whole hours since the epoch, flooring before 1970', () => {
    expect(applyTransform('hour', 'timestamptz', ts('1970-01-01T00:00:00Z'))).toBe(0);
    expect(applyTransform('hour', 'timestamptz', ts('1970-01-01T00:59:59.999999Z'))).toBe(0);
    expect(applyTransform('hour', 'timestamptz', ts('1969-12-31T23:30:00Z'))).toBe(-1);
    expect(applyTransform('hour', 'timestamptz', ts('1969-12-31T23:00:00Z'))).toBe(-1);
    expect(applyTransform('hour', 'timestamptz', ts('1969-12-31T22:59:59.999999Z'))).toBe(-2);
    expect(applyTransform('hour', 'timestamp', ts('2024-05-01T10:15:00Z'))).toBe(476266);
  });

  it('day counts whole days, flooring before 1970, and its result is a date', () => {
    expect(applyTransform('day', 'timestamptz', ts('1969-12-31T23:59:59.999999Z'))).toBe(-1);
    expect(applyTransform('day', 'timestamptz', ts('1970-01-01T00:00:00Z'))).toBe(0);
    expect(applyTransform('day', 'timestamptz', ts('1900-03-01T12:00:00Z'))).toBe(-25508);
    expect(applyTransform('day', 'date', -3)).toBe(-3);
    expect(resultType('day', 'timestamptz')).toBe('date');
    expect(resultType('hour', 'timestamptz')).toBe('int');
  });

  it('month and year floor too', () => {
    expect(applyTransform('month', 'timestamptz', ts('1969-12-15T00:00:00Z'))).toBe(-1);
    expect(applyTransform('year', 'timestamptz', ts('1969-12-15T00:00:00Z'))).toBe(-1);
    expect(applyTransform('month', 'date', 31)).toBe(1);
  });

  it('formats partition path values as Iceberg writers do', () => {
    expect(humanString('hour', -1)).toBe('1969-12-31-23');
    expect(humanString('hour', 476266)).toBe('2024-05-01-10');
    expect(humanString('day', -1)).toBe('1969-12-31');
    expect(humanString('month', -1)).toBe('1969-12');
    expect(humanString('identity', 'a b/c')).toBe('a%20b%2Fc');
    expect(humanString('day', null)).toBe('null');
  });

  it('rejects transforms that do not fit the column type', () => {
    expect(() => resultType('hour', 'date')).toThrow(/hour cannot be applied to a date column/);
    expect(() => resultType('day', 'string')).toThrow(/day cannot be applied to a string column/);
  });

  it('parses timestamps with offsets and microseconds', () => {
    expect(ts('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(ts('1970-01-01T00:00:00.000001Z')).toBe(1n);
    expect(ts('1969-12-31T23:59:59.999999Z')).toBe(-1n);
  });
});
