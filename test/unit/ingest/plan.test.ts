import { describe, expect, it } from 'vitest';
import { lag, planBatch, planBatches, recordBudget, startPositions, type BatchLimits } from '../../../workflows/ingest/plan.js';
import { advance, batchIdOf } from '../../../models/offsets.js';

const limits = (maxRecords: number, maxBytes = 1 << 30, avgMessageBytes = 100): BatchLimits => ({ maxRecords, maxBytes, avgMessageBytes });

describe('startPositions', () => {
  it('starts at the low watermark when nothing is committed', () => {
    const s = startPositions({}, [{ partition: 0, low: 5, high: 10 }, { partition: 1, low: 0, high: 0 }]);
    expect(s.positions).toEqual({ 0: 5, 1: 0 });
    expect(s.retentionGaps).toEqual([]);
  });
  it('resumes from the committed position', () => {
    expect(startPositions({ 0: 7 }, [{ partition: 0, low: 0, high: 10 }]).positions).toEqual({ 0: 7 });
  });
  it('reports offsets lost to retention before they were committed', () => {
    const s = startPositions({ 0: 3 }, [{ partition: 0, low: 8, high: 10 }]);
    expect(s.positions).toEqual({ 0: 8 });
    expect(s.retentionGaps).toEqual([{ partition: 0, from: 3, to: 8 }]);
  });
  it('refuses a committed position beyond the high watermark, naming the partition', () => {
    expect(() => startPositions({ 2: 11 }, [{ partition: 2, low: 0, high: 10 }])).toThrow(/position 11 of partition 2/);
  });
});

describe('planBatch', () => {
  it('returns null when caught up', () => {
    expect(planBatch('t', { 0: 10, 1: 4 }, { 0: 10, 1: 4 }, limits(100))).toBeNull();
  });
  it('covers all lag in one batch when it fits', () => {
    const b = planBatch('t', { 0: 0, 1: 5 }, { 0: 10, 1: 8 }, limits(100))!;
    expect(b.ranges).toEqual([{ partition: 0, from: 0, to: 10 }, { partition: 1, from: 5, to: 8 }]);
    expect(b.records).toBe(13);
  });
  it('splits the record budget fairly and gives unused share to partitions with more lag', () => {
    const b = planBatch('t', { 0: 0, 1: 0, 2: 0 }, { 0: 2, 1: 1000, 2: 1000 }, limits(100))!;
    expect(b.ranges).toEqual([
      { partition: 0, from: 0, to: 2 },
      { partition: 1, from: 0, to: 49 },
      { partition: 2, from: 0, to: 49 },
    ]);
    expect(b.records).toBe(100);
  });
  it('bounds the batch by bytes using the average message size', () => {
    expect(recordBudget(limits(1000, 5000, 100))).toBe(50);
    const b = planBatch('t', { 0: 0 }, { 0: 1000 }, limits(1000, 5000, 100))!;
    expect(b.records).toBe(50);
  });
  it('always makes progress even when one message exceeds maxBytes', () => {
    expect(planBatch('t', { 0: 0 }, { 0: 3 }, limits(10, 10, 1_000_000))!.records).toBe(1);
  });
  it('never exceeds the budget with many partitions and a small budget', () => {
    const targets = Object.fromEntries(Array.from({ length: 7 }, (_, p) => [p, 100]));
    const positions = Object.fromEntries(Array.from({ length: 7 }, (_, p) => [p, 0]));
    const b = planBatch('t', positions, targets, limits(3))!;
    expect(b.records).toBe(3);
  });
  it('rejects bad limits and offsets with the offending value', () => {
    expect(() => recordBudget(limits(0))).toThrow(/maxRecords.*0/);
    expect(() => planBatch('t', { 0: -1 }, { 0: 5 }, limits(10))).toThrow(/position of partition 0.*-1/);
  });
});

describe('planBatches', () => {
  it('tiles the span exactly: contiguous, disjoint, up to the targets', () => {
    const positions = { 0: 3, 1: 0, 2: 50 };
    const targets = { 0: 1003, 1: 17, 2: 50 };
    const batches = planBatches('t', positions, targets, limits(128));
    const next: Record<number, number> = { ...positions };
    for (const b of batches) {
      expect(b.records).toBeLessThanOrEqual(128);
      for (const r of b.ranges) {
        expect(r.from).toBe(next[r.partition]);
        expect(r.to).toBeGreaterThan(r.from);
        next[r.partition] = r.to;
      }
    }
    expect(next).toEqual(targets);
    expect(lag(positions, targets)).toBe(1017);
    expect(batches.reduce((s, b) => s + b.records, 0)).toBe(1017);
  });
  it('advance moves positions to the end of the ranges', () => {
    expect(advance({ 0: 1, 1: 2 }, [{ partition: 1, from: 2, to: 9 }])).toEqual({ 0: 1, 1: 9 });
  });
});

describe('batchIdOf', () => {
  it('is deterministic and independent of range order', () => {
    const a = batchIdOf('t', [{ partition: 0, from: 0, to: 5 }, { partition: 1, from: 2, to: 3 }]);
    const b = batchIdOf('t', [{ partition: 1, from: 2, to: 3 }, { partition: 0, from: 0, to: 5 }]);
    expect(a).toBe(b);
    expect(a).toMatch(/^b-[0-9a-f]{16}$/);
  });
  it('differs by topic and by range', () => {
    const r = [{ partition: 0, from: 0, to: 5 }];
    expect(batchIdOf('t', r)).not.toBe(batchIdOf('u', r));
    expect(batchIdOf('t', r)).not.toBe(batchIdOf('t', [{ partition: 0, from: 0, to: 6 }]));
  });
});
