// `floe schedules sync | list | pause | unpause | trigger`: the environment's Temporal schedules.
import type { Command } from 'commander';
import type { Client, ScheduleDescription } from '@temporalio/client';
import type { FloeConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';
import { configFor, table } from './opsArgs.js';

interface EnvOpt {
  env?: string;
}

async function withClient<T>(config: FloeConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const { connectClient } = await import('../../workers/client.js');
  const client = await connectClient(config);
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** `ingest`, `transform` or a full schedule id of the environment; an unknown one is a usage error. */
async function resolveSchedule(client: Client, config: FloeConfig, name: string): Promise<ScheduleDescription> {
  const { scheduleIdPrefix } = await import('../../schedules/definitions.js');
  const { ScheduleNotFoundError } = await import('@temporalio/client');
  const id = name.startsWith(scheduleIdPrefix(config)) ? name : `${scheduleIdPrefix(config)}${name}`;
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new UsageError(`no schedule ${JSON.stringify(name)} in env ${config.env} (looked for ${id}); \`floe schedules list --env ${config.env}\` shows them, \`floe schedules sync\` creates them`);
    }
    throw err;
  }
}

function describeRow(s: ScheduleDescription): string[] {
  const interval = s.spec.intervals?.[0];
  const every = interval ? `${Math.round(interval.every / 60_000)}m${interval.offset ? ` +${Math.round(interval.offset / 60_000)}m` : ''}` : '-';
  const last = s.info.recentActions.at(-1);
  return [
    s.scheduleId,
    s.state.paused ? 'PAUSED' : 'active',
    every,
    s.policies.overlap ?? 'SKIP',
    s.info.nextActionTimes[0]?.toISOString() ?? '-',
    last ? `${last.takenAt.toISOString()} ${last.action.workflow.workflowId}` : '-',
    String(s.info.runningActions.length),
    s.state.note ?? '',
  ];
}

export function registerSchedules(program: Command): void {
  const schedules = program.command('schedules').description("the environment's Temporal schedules: ingestion at its cadence, the daily transform");
  schedules
    .command('sync')
    .description('make Temporal schedules match the configuration (create, update, delete); prints the diff; idempotent')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .option('--dry-run', 'print what would change and change nothing')
    .action(async (opts: EnvOpt & { dryRun?: boolean }) => {
      const config = configFor(opts.env);
      const { syncSchedules, formatPlan } = await import('../../schedules/sync.js');
      const { plan, applied } = await withClient(config, (c) => syncSchedules(c, config, { dryRun: opts.dryRun }));
      process.stdout.write(`${formatPlan(plan)}\n`);
      const changes = plan.filter((e) => e.op !== 'unchanged').length;
      process.stdout.write(applied ? `${changes} change(s) applied to env ${config.env}\n` : `dry run: ${changes} change(s) not applied\n`);
    });
  schedules
    .command('list')
    .description("the environment's floe schedules: state, cadence, next and last action")
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .option('--json', 'print JSON')
    .action(async (opts: EnvOpt & { json?: boolean }) => {
      const config = configFor(opts.env);
      const { currentSchedules } = await import('../../schedules/sync.js');
      const list = await withClient(config, (c) => currentSchedules(c, config));
      if (opts.json) {
        const out = [...list.values()].map((s) => ({ id: s.scheduleId, paused: s.state.paused, note: s.state.note, spec: s.spec.intervals, policies: s.policies, next: s.info.nextActionTimes, recent: s.info.recentActions, running: s.info.runningActions }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      if (list.size === 0) {
        process.stdout.write(`no floe schedules in env ${config.env}: run \`floe schedules sync --env ${config.env}\`\n`);
        return;
      }
      process.stdout.write(table([['schedule', 'state', 'every', 'overlap', 'next', 'last action', 'running', 'note'], ...[...list.values()].map(describeRow)]));
    });
  for (const [verb, what] of [['pause', 'pause a schedule (it takes no action until unpaused)'], ['unpause', 'unpause a schedule'], ['trigger', 'take the schedule\'s action now (the transform: the day due now)']] as const) {
    schedules
      .command(`${verb} <schedule>`)
      .description(`${what}; <schedule> is ingest, transform or a full schedule id`)
      .option('--env <env>', 'environment (default FLOE_ENV)')
      .option('--note <text>', 'note shown with the schedule (pause, unpause)')
      .action(async (name: string, opts: EnvOpt & { note?: string }) => {
        const config = configFor(opts.env);
        await withClient(config, async (c) => {
          const s = await resolveSchedule(c, config, name);
          const handle = c.schedule.getHandle(s.scheduleId);
          if (verb === 'pause') await handle.pause(opts.note ?? `paused by floe schedules pause (${process.env.USER ?? 'unknown user'})`);
          else if (verb === 'unpause') await handle.unpause(opts.note ?? 'unpaused by floe schedules unpause');
          else await handle.trigger();
          process.stdout.write(`${verb === 'trigger' ? 'triggered' : `${verb}d`} ${s.scheduleId}\n`);
        });
      });
  }
}
