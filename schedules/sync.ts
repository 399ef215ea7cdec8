// Makes Temporal's schedules of an environment match its configuration: creates the missing
// ones, updates the ones that differ, deletes floe schedules of the environment that the
// configuration no longer has. A paused schedule stays paused (pausing is an operator's call,
// not configuration). The plan is computed first and printed; --dry-run stops there.
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { FloeConfig } from '../deploy/config.js';
import { FloeCodeVersion, FloeEnv, FloePipeline } from '../workflows/searchAttributes.js';
import { codeVersion } from '../workers/codeVersion.js';
import { desiredSchedules, scheduleIdPrefix, type ScheduleDefinition } from './definitions.js';
import { formatDuration } from './durations.js';

/** The fields sync manages, as comparable strings. */
export type ScheduleShape = Record<'every' | 'offset' | 'workflowType' | 'taskQueue' | 'args' | 'overlap' | 'catchupWindow' | 'pauseOnFailure', string>;

export interface FieldChange {
  field: keyof ScheduleShape;
  from: string;
  to: string;
}

export type SchedulePlanEntry =
  | { op: 'create'; id: string; definition: ScheduleDefinition }
  | { op: 'update'; id: string; definition: ScheduleDefinition; changes: FieldChange[]; paused: boolean }
  | { op: 'unchanged'; id: string; paused: boolean }
  | { op: 'delete'; id: string; current: ScheduleShape };

export const SYNC_NOTE = 'managed by `floe schedules sync`';

export function shapeOfDefinition(d: ScheduleDefinition): ScheduleShape {
  return {
    every: formatDuration(d.everyMs),
    offset: formatDuration(d.offsetMs),
    workflowType: d.workflowType,
    taskQueue: d.taskQueue,
    args: JSON.stringify(d.args),
    overlap: d.overlap,
    catchupWindow: formatDuration(d.catchupWindowMs),
    pauseOnFailure: String(d.pauseOnFailure),
  };
}

export function shapeOfDescription(s: ScheduleDescription): ScheduleShape {
  const interval = s.spec.intervals?.[0];
  return {
    every: interval ? formatDuration(interval.every) : '-',
    offset: interval ? formatDuration(interval.offset ?? 0) : '-',
    workflowType: s.action.workflowType,
    taskQueue: s.action.taskQueue,
    args: JSON.stringify(s.action.args ?? []),
    overlap: s.policies.overlap ?? 'SKIP',
    catchupWindow: formatDuration(s.policies.catchupWindow),
    pauseOnFailure: String(s.policies.pauseOnFailure),
  };
}

export function diffShapes(current: ScheduleShape, desired: ScheduleShape): FieldChange[] {
  return (Object.keys(desired) as (keyof ScheduleShape)[]).filter((k) => current[k] !== desired[k]).map((field) => ({ field, from: current[field], to: desired[field] }));
}

/** Pure: what sync would do, given the desired schedules and the environment's current ones. */
export function planSync(desired: ScheduleDefinition[], current: Map<string, ScheduleDescription>): SchedulePlanEntry[] {
  const plan: SchedulePlanEntry[] = [];
  for (const d of desired) {
    const now = current.get(d.id);
    if (!now) {
      plan.push({ op: 'create', id: d.id, definition: d });
      continue;
    }
    const changes = diffShapes(shapeOfDescription(now), shapeOfDefinition(d));
    plan.push(changes.length ? { op: 'update', id: d.id, definition: d, changes, paused: now.state.paused } : { op: 'unchanged', id: d.id, paused: now.state.paused });
  }
  const wanted = new Set(desired.map((d) => d.id));
  for (const [id, s] of [...current].sort(([a], [b]) => a.localeCompare(b))) {
    if (!wanted.has(id)) plan.push({ op: 'delete', id, current: shapeOfDescription(s) });
  }
  return plan;
}

export function formatPlan(plan: SchedulePlanEntry[]): string {
  const lines: string[] = [];
  for (const e of plan) {
    if (e.op === 'create') {
      const s = shapeOfDefinition(e.definition);
      lines.push(`+ create ${e.id}: ${e.definition.summary}; every ${s.every} offset ${s.offset}, ${s.workflowType} on ${s.taskQueue}, overlap ${s.overlap}, catch-up ${s.catchupWindow}, pause on failure ${s.pauseOnFailure}`);
    } else if (e.op === 'update') {
      lines.push(`~ update ${e.id}${e.paused ? ' (paused: stays paused)' : ''}`);
      for (const c of e.changes) lines.push(`    ${c.field}: ${c.from} -> ${c.to}`);
    } else if (e.op === 'unchanged') {
      lines.push(`= unchanged ${e.id}${e.paused ? ' (paused)' : ''}`);
    } else {
      lines.push(`- delete ${e.id}: ${e.current.workflowType} every ${e.current.every} (no longer in the configuration)`);
    }
  }
  return lines.join('\n');
}

/**
 * The floe schedules of the configured environment, described. The wanted ids are described
 * directly: the schedule list comes from visibility, which lags a moment behind a create.
 */
export async function currentSchedules(client: Client, config: FloeConfig, wanted: string[] = []): Promise<Map<string, ScheduleDescription>> {
  const prefix = scheduleIdPrefix(config);
  const ids = new Set(wanted);
  for await (const s of client.schedule.list()) if (s.scheduleId.startsWith(prefix)) ids.add(s.scheduleId);
  const out = new Map<string, ScheduleDescription>();
  for (const id of [...ids].sort()) {
    try {
      out.set(id, await client.schedule.getHandle(id).describe());
    } catch (err) {
      // Not created yet, or deleted between list and describe: not there.
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return out;
}

function scheduleOptions(config: FloeConfig, d: ScheduleDefinition): ScheduleOptions {
  return {
    scheduleId: d.id,
    spec: { intervals: [{ every: d.everyMs, offset: d.offsetMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: d.workflowType,
      workflowId: d.workflowId,
      taskQueue: d.taskQueue,
      args: d.args,
      typedSearchAttributes: [
        { key: FloeEnv, value: config.env },
        { key: FloePipeline, value: 'schedule' },
        // The code that synced the schedule; runs it starts hand it down to their children.
        { key: FloeCodeVersion, value: codeVersion() },
      ],
      staticSummary: d.summary,
    },
    policies: { overlap: d.overlap, catchupWindow: d.catchupWindowMs, pauseOnFailure: d.pauseOnFailure },
    state: { note: SYNC_NOTE },
    memo: { floe: 'schedules sync', kind: d.kind },
  };
}

export interface SyncResult {
  plan: SchedulePlanEntry[];
  applied: boolean;
}

export async function syncSchedules(client: Client, config: FloeConfig, opts: { dryRun?: boolean } = {}): Promise<SyncResult> {
  const desired = desiredSchedules(config);
  const plan = planSync(desired, await currentSchedules(client, config, desired.map((d) => d.id)));
  if (opts.dryRun) return { plan, applied: false };
  for (const e of plan) {
    if (e.op === 'create') {
      await client.schedule.create(scheduleOptions(config, e.definition));
    } else if (e.op === 'update') {
      const { spec, action, policies } = scheduleOptions(config, e.definition);
      await client.schedule.getHandle(e.id).update((prev) => ({ spec, action, policies, state: { paused: prev.state.paused, note: prev.state.note ?? SYNC_NOTE } }));
    } else if (e.op === 'delete') {
      await client.schedule.getHandle(e.id).delete();
    }
  }
  return { plan, applied: true };
}
