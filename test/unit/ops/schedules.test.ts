import { describe, expect, it } from 'vitest';
import type { ScheduleDescription } from '@temporalio/client';
import { loadConfig } from '../../../deploy/config.js';
import { desiredSchedules } from '../../../schedules/definitions.js';
import { durationMs, formatDuration } from '../../../schedules/durations.js';
import { formatPlan, planSync, shapeOfDefinition, type ScheduleShape } from '../../../schedules/sync.js';

const creds = { FLOE_S3_ACCESS_KEY_ID: 'k', FLOE_S3_SECRET_ACCESS_KEY: 's' };
const config = (env: Record<string, string> = {}) => loadConfig({ HOME: '/tmp', ...creds, ...env });

/** A schedule as Temporal describes it, made from a shape (what sync compares). */
function described(id: string, s: ScheduleShape, paused = false): ScheduleDescription {
  return {
    scheduleId: id,
    spec: { intervals: [{ every: durationMs(s.every), offset: s.offset === '0s' ? 0 : durationMs(s.offset) }] },
    action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue: s.taskQueue, args: JSON.parse(s.args) as unknown[] },
    policies: { overlap: s.overlap, catchupWindow: durationMs(s.catchupWindow), pauseOnFailure: s.pauseOnFailure === 'true' },
    state: { paused },
  } as unknown as ScheduleDescription;
}

describe('schedules per environment', () => {
  it('ingest every hour in dev, 30 min in staging, 15 min in prod; transform daily after the lateness', () => {
    const every = (env: string) => desiredSchedules(config({ FLOE_ENV: env })).map((d) => [d.id, d.everyMs, d.offsetMs]);
    expect(every('dev')).toEqual([['floe-dev-ingest', 3_600_000, 0], ['floe-dev-transform', 86_400_000, 7_200_000]]);
    expect(every('staging')[0]![1]).toBe(1_800_000);
    expect(every('prod')[0]![1]).toBe(900_000);
    expect(desiredSchedules(config({ FLOE_SCHEDULE_INGEST_EVERY: '5m' }))[0]!.everyMs).toBe(300_000);
  });

  it('chooses the policies on purpose: ingest skips overlaps and keeps going, transform buffers and pauses on failure', () => {
    const [ingest, transform] = desiredSchedules(config());
    expect(ingest).toMatchObject({ overlap: 'SKIP', pauseOnFailure: false, catchupWindowMs: 3_600_000, workflowType: 'scheduledIngest', taskQueue: 'floe' });
    expect(transform).toMatchObject({ overlap: 'BUFFER_ALL', pauseOnFailure: true, catchupWindowMs: 3 * 86_400_000, workflowType: 'scheduledTransform', taskQueue: 'floe-transform' });
  });

  it('rejects bad cadence settings naming the key', () => {
    expect(() => config({ FLOE_SCHEDULE_INGEST_EVERY: '15 minutes' })).toThrow(/FLOE_SCHEDULE_INGEST_EVERY="15 minutes".*duration like/);
    expect(() => desiredSchedules(config({ FLOE_SCHEDULE_TRANSFORM_LATENESS: '25h' }))).toThrow('FLOE_SCHEDULE_TRANSFORM_LATENESS must be under 1d');
  });

  it('plans create, update (with the fields that differ), unchanged and delete', () => {
    const desired = desiredSchedules(config());
    const [ingest, transform] = desired.map(shapeOfDefinition) as [ScheduleShape, ScheduleShape];
    expect(planSync(desired, new Map()).map((e) => e.op)).toEqual(['create', 'create']);
    const current = new Map([
      ['floe-dev-ingest', described('floe-dev-ingest', { ...ingest, every: '30m' }, true)],
      ['floe-dev-transform', described('floe-dev-transform', transform)],
      ['floe-dev-old', described('floe-dev-old', ingest)],
    ]);
    const plan = planSync(desired, current);
    expect(plan.map((e) => [e.op, e.id])).toEqual([['update', 'floe-dev-ingest'], ['unchanged', 'floe-dev-transform'], ['delete', 'floe-dev-old']]);
    expect(plan[0]).toMatchObject({ paused: true, changes: [{ field: 'every', from: '30m', to: '1h' }] });
    expect(formatPlan(plan).split('\n')).toEqual([
      '~ update floe-dev-ingest (paused: stays paused)',
      '    every: 30m -> 1h',
      '= unchanged floe-dev-transform',
      '- delete floe-dev-old: scheduledIngest every 1h (no longer in the configuration)',
    ]);
  });

  it('writes durations back the way they were configured', () => {
    expect(['90s', '15m', '1h', '3d', '90m'].map((d) => formatDuration(durationMs(d)))).toEqual(['90s', '15m', '1h', '3d', '90m']);
  });
});
