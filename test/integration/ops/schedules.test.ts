// `floe schedules` against the real Temporal dev server, under a schedule id prefix and task
// queue of this file's own: the dry run changes nothing, sync is idempotent, keeps a paused
// schedule paused, updates what changed and deletes what the configuration no longer has; and a
// scheduled transform takes its day from the scheduled time (a schedule backfill in the past).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import { loadConfig } from '../../../deploy/config.js';
import { desiredSchedules, scheduleIdPrefix } from '../../../schedules/definitions.js';
import { syncSchedules, formatPlan } from '../../../schedules/sync.js';
import { transformWorkflowId } from '../../../workflows/common/transformContract.js';
import { addDays, dayStart } from '../../../workflows/backfill/days.js';
import { OpsHarness, eventually } from './opsHarness.js';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StatusReport } from '../../../workers/statusReport.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const h = new OpsHarness('sched');
const prefix = scheduleIdPrefix(h.config);

async function exists(id: string): Promise<boolean> {
  const client = await h.getClient();
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

beforeAll(async () => {
  await h.pickDays();
});
afterAll(async () => {
  const client = await h.getClient();
  for (const id of [`${prefix}ingest`, `${prefix}transform`, `${prefix}old`]) {
    await client.schedule.getHandle(id).delete().catch(() => undefined);
  }
  await h.close();
});

describe('floe schedules sync', () => {
  it('dry run prints the plan and changes nothing', async () => {
    const client = await h.getClient();
    const { plan, applied } = await syncSchedules(client, h.config, { dryRun: true });
    expect(applied).toBe(false);
    expect(plan.map((e) => [e.op, e.id])).toEqual([
      ['create', `${prefix}ingest`],
      ['create', `${prefix}transform`],
    ]);
    expect(formatPlan(plan)).toContain(`+ create ${prefix}ingest`);
    expect(await exists(`${prefix}ingest`)).toBe(false);
    expect(await exists(`${prefix}transform`)).toBe(false);
  });

  it('creates the schedules as configured, and a second sync changes nothing', async () => {
    const client = await h.getClient();
    const first = await syncSchedules(client, h.config);
    expect(first.plan.map((e) => e.op)).toEqual(['create', 'create']);
    const ingest = await client.schedule.getHandle(`${prefix}ingest`).describe();
    expect(ingest.spec.intervals?.[0]?.every).toBe(3_600_000); // dev: hourly
    expect(ingest.policies).toMatchObject({ overlap: 'SKIP', pauseOnFailure: false });
    expect(ingest.action.workflowType).toBe('scheduledIngest');
    const transform = await client.schedule.getHandle(`${prefix}transform`).describe();
    expect(transform.spec.intervals?.[0]).toEqual({ every: 86_400_000, offset: 7_200_000 });
    expect(transform.policies).toEqual({ overlap: 'BUFFER_ALL', catchupWindow: 3 * 86_400_000, pauseOnFailure: true });
    const again = await syncSchedules(client, h.config);
    expect(again.plan.map((e) => e.op)).toEqual(['unchanged', 'unchanged']);
    const after = await client.schedule.getHandle(`${prefix}ingest`).describe();
    expect(after.info.lastUpdatedAt).toEqual(ingest.info.lastUpdatedAt);
  });

  it('each environment has its cadence (staging 30 min, prod 15 min)', () => {
    const creds = { FLOE_S3_ACCESS_KEY_ID: 'k', FLOE_S3_SECRET_ACCESS_KEY: 's' };
    for (const [env, every] of [['staging', 1_800_000], ['prod', 900_000]] as const) {
      const c = loadConfig({ ...process.env, ...h.env, ...creds, FLOE_ENV: env });
      expect(desiredSchedules(c).find((d) => d.kind === 'ingest')!.everyMs).toBe(every);
    }
  });

  it('updates what changed, keeps a paused schedule paused, deletes what the config no longer has', async () => {
    const client = await h.getClient();
    await client.schedule.getHandle(`${prefix}ingest`).pause('test pause');
    // A floe schedule of this env that the configuration does not have.
    const [ingestDef] = desiredSchedules(h.config);
    await client.schedule.create({
      scheduleId: `${prefix}old`,
      spec: { intervals: [{ every: '1d' }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledIngest', workflowId: `${prefix}old-tick`, taskQueue: h.queue, args: ingestDef!.args },
      state: { paused: true },
    });
    const faster = loadConfig({ ...process.env, ...h.env, FLOE_SCHEDULE_INGEST_EVERY: '15m' });
    // The list of schedules comes from visibility, a moment behind a create.
    const dry = await eventually(() => syncSchedules(client, faster, { dryRun: true }), (r) => r.plan.some((e) => e.op === 'delete'));
    const update = dry.plan.find((e) => e.id === `${prefix}ingest`)!;
    expect(update).toMatchObject({ op: 'update', paused: true, changes: [{ field: 'every', from: '1h', to: '15m' }, { field: 'catchupWindow', from: '1h', to: '15m' }] });
    expect(dry.plan.find((e) => e.id === `${prefix}old`)?.op).toBe('delete');
    expect((await client.schedule.getHandle(`${prefix}ingest`).describe()).spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(await exists(`${prefix}old`)).toBe(true);

    await syncSchedules(client, faster);
    const now = await client.schedule.getHandle(`${prefix}ingest`).describe();
    expect(now.spec.intervals?.[0]?.every).toBe(900_000);
    expect(now.state.paused).toBe(true);
    expect(await exists(`${prefix}old`)).toBe(false);
    const settled = await eventually(() => syncSchedules(client, faster, { dryRun: true }), (r) => r.plan.every((e) => e.op === 'unchanged'));
    expect(settled.plan.map((e) => e.op)).toEqual(['unchanged', 'unchanged']);
  });

  it('floe status shows the schedules with their state, beside the other parts of the report', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'floe.js'), 'status', '--json'], { cwd: root, env: { ...process.env, ...h.env }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as StatusReport;
    expect(report.env).toBe('dev');
    expect(report.schedules).toEqual({ ok: true, value: expect.arrayContaining([expect.objectContaining({ id: `${prefix}ingest`, paused: true })]) });
    for (const part of [report.lastRuns, report.rawLag, report.branches, report.backfills, report.failedTransforms, report.dq]) expect(part).toHaveProperty('ok');
    expect(report.rawLag.ok && report.rawLag.value.every((p) => p.lag >= 0 && p.high >= p.committed)).toBe(true);
    const bad = spawnSync(process.execPath, [join(root, 'bin', 'floe.js'), 'status', '--env', 'qa'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--env must be one of dev, staging, prod, got "qa"');
  });

  it('a scheduled transform takes its day from the scheduled time, not the wall clock', async () => {
    const client = await h.getClient();
    await h.spawnWorker();
    const day = h.day(40);
    h.plan({ [day]: { ms: 100 } });
    // The action scheduled at 02:00 UTC the day after `day` (2 h of allowed lateness), decades ago.
    const at = dayStart(addDays(day, 1)) + 2 * 3_600_000;
    await client.schedule.getHandle(`${prefix}transform`).backfill({ start: new Date(at - 60_000), end: new Date(at + 60_000), overlap: 'ALLOW_ALL' });
    const runs = await eventually(() => h.runsOf(transformWorkflowId('dev', day)), (r) => r.some((x) => x.status === 'COMPLETED'), 60_000);
    expect(runs.map((r) => r.status)).toEqual(['COMPLETED']);
    expect(h.ran()).toEqual([day]);
  });
});
