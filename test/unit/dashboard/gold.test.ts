// The GOLD pages' shared pieces without a stack: the day and device parameters are checked before
// they reach SQL, and a missing table becomes "not there yet" while other failures stay errors.
import { describe, expect, it } from 'vitest';
import { deviceParam, orNotYet, viewDay } from '../../../dashboard/api/gold.js';
import type { DashboardContext } from '../../../dashboard/api/context.js';
import { TrinoQueryError } from '../../../deploy/trino.js';
import { DayError } from '../../../transform/day.js';

// viewDay with ?day= never queries: a context that fails if it is used proves it.
const noStack = new Proxy({}, { get: (_t, p) => { throw new Error(`context.${String(p)} used`); } }) as DashboardContext;

describe('dashboard GOLD page parameters', () => {
  it('takes ?day= as it is when it is a past calendar date, and names a bad one', async () => {
    expect(await viewDay(noStack, new URLSearchParams('day=2025-03-04'))).toBe('2025-03-04');
    await expect(viewDay(noStack, new URLSearchParams('day=2025-02-30'))).rejects.toThrow(DayError);
    await expect(viewDay(noStack, new URLSearchParams("day=2025-01-01' OR 1=1"))).rejects.toThrow(/day must be a date as YYYY-MM-DD/);
  });

  it('accepts device ids and refuses anything that could leave the SQL string', () => {
    expect(deviceParam(new URLSearchParams('device=dev-000001'))).toBe('dev-000001');
    expect(deviceParam(new URLSearchParams(''))).toBeUndefined();
    expect(() => deviceParam(new URLSearchParams("device=x' OR '1'='1"))).toThrow(/device must be a device id/);
  });

  it('shows a missing table or no transformed day as "not there yet", and rethrows other failures', async () => {
    const missing = new TrinoQueryError('SELECT 1', 'TABLE_NOT_FOUND', "Table 'lake.gold.x' does not exist");
    expect(await orNotYet('gold.x', () => Promise.reject(missing))).toEqual({ available: false, reason: expect.stringMatching(/^gold\.x: not there yet \(Trino query failed \(TABLE_NOT_FOUND\)/) });
    expect(await orNotYet('gold.x', () => Promise.resolve(undefined))).toEqual({ available: false, reason: expect.stringContaining('no transformed day') });
    const broken = new TrinoQueryError('SELECT 1', 'SYNTAX_ERROR', 'line 1:1: mismatched input');
    await expect(orNotYet('gold.x', () => Promise.reject(broken))).rejects.toBe(broken);
    expect(await orNotYet('gold.x', () => Promise.resolve({ available: true }))).toEqual({ available: true });
  });
});
