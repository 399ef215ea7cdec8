// The transform activities in a mock activity context: a step heartbeats every 2 s with its latest
// progress while it waits (so the workflow's 30 s heartbeat timeout notices a dead worker), and a
// failure a retry cannot fix is non-retryable with its type.
import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import { createTransformActivities } from '../../../activities/transform.js';
import { HEARTBEAT_EVERY_MS } from '../../../activities/heartbeat.js';
import { TransformError, type TransformDeps } from '../../../transform/context.js';

const WAIT_MS = 2 * HEARTBEAT_EVERY_MS + 500;

function activitiesWithLake(lake: unknown) {
  const settings = { namespaces: { raw: 'raw', silver: 'silver', gold: 'gold', dq: 'dq' } };
  return createTransformActivities({ lake, reader: {}, settings, now: () => Date.UTC(2025, 5, 1) } as unknown as Omit<TransformDeps, 'heartbeat' | 'log'>);
}

describe('transform activities', () => {
  it('heartbeat while a step waits, then fail non-retryably with the step\'s error type', async () => {
    // A lake whose first call takes WAIT_MS and then finds the run branch gone.
    const lake = {
      loadTable: () => new Promise((_, reject) => setTimeout(() => reject(new TransformError('BranchMissing', 'branch transform-x is gone')), WAIT_MS)),
    };
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const err = await env.run(activitiesWithLake(lake).buildSilverDay, { day: '2025-05-30', branch: 'transform-x', runId: 'r1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('BranchMissing');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(beats.length).toBeGreaterThanOrEqual(2);
  });

  it('a day in the future fails at once, non-retryably, naming the day', async () => {
    const env = new MockActivityEnvironment();
    const err = await env.run(activitiesWithLake({}).prepareTransform, { day: '2030-01-01', branch: 'b', force: false }).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('BadDay');
    expect((err as ApplicationFailure).message).toContain('2030-01-01');
  });
});
