import { describe, expect, it } from 'vitest';
import { checkInput, checkPlan, positionKey } from '../../../../ingest/stages/plan-check.js';
import { input, RecordingLake, TOPIC } from './fixtures.js';

describe('plan check stage', () => {
  it('refuses a batch without ranges, with a partition twice, or with an empty range, naming the batch', () => {
    expect(() => checkInput({ ...input([]), batchId: 'b1' })).toThrow(/batch b1 of unit-stages has no ranges/);
    expect(() => checkInput(input([{ partition: 0, from: 0, to: 2 }, { partition: 0, from: 2, to: 4 }]))).toThrow(/partition 0 twice/);
    expect(() => checkInput(input([{ partition: 0, from: 3, to: 3 }]))).toThrow(/invalid range \{"partition":0,"from":3,"to":3\}/);
    expect(() => checkInput(input([{ partition: 0, from: -1, to: 3 }]))).toThrow(/invalid range/);
  });

  it('finds a batch pending, done (an earlier attempt committed it), or waiting for the batch before it', async () => {
    const lake = new RecordingLake();
    const first = [{ partition: 0, from: 0, to: 5 }];
    const second = [{ partition: 0, from: 5, to: 9 }];
    expect((await checkPlan(lake, input(first))).status).toBe('pending');
    expect((await checkPlan(lake, input(second, { after: first }))).status).toBe('waiting');
    lake.summary = { [positionKey(TOPIC, 0)]: '5' };
    lake.head = 'h7';
    const plan = await checkPlan(lake, input(first));
    expect(plan).toEqual({ status: 'done', state: { hash: 'h7', summary: lake.summary } });
    expect((await checkPlan(lake, input(second, { after: first }))).status).toBe('pending');
  });

  it('reads nothing for a malformed batch, and fails on ranges that do not line up with RAW', async () => {
    const lake = new RecordingLake();
    let reads = 0;
    const counting = { readCommitted: () => (reads++, lake.readCommitted()) };
    await expect(checkPlan(counting, input([]))).rejects.toThrow(/no ranges/);
    expect(reads).toBe(0);
    lake.summary = { [positionKey(TOPIC, 0)]: '3' };
    await expect(checkPlan(lake, input([{ partition: 0, from: 5, to: 9 }]))).rejects.toMatchObject({ type: 'PositionMismatch' });
  });
});
