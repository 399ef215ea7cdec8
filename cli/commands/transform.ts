// `floe run transform`, `floe dq results` and `floe branches`: start the transform of a day,
// read the data-quality results, inspect and clean up run branches.
import type { Command } from 'commander';
import { ENVIRONMENTS, loadConfig, type Environment, type FloeConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';

function configFor(env: string | undefined): FloeConfig {
  if (env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(env)) {
    throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, got ${JSON.stringify(env)}`);
  }
  return loadConfig(env ? { ...process.env, FLOE_ENV: env as Environment } : process.env);
}

async function dayArg(flag: string, value: string) {
  const { parseDay, DayError } = await import('../../transform/day.js');
  try {
    return parseDay(value);
  } catch (e) {
    if (e instanceof DayError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

async function lakeOf(config: FloeConfig) {
  const { createLake, lakeConfigFrom } = await import('../../lake/index.js');
  const { transformSettings } = await import('../../transform/context.js');
  return { lake: createLake(lakeConfigFrom(config)), settings: transformSettings(config) };
}

function registerRunTransform(program: Command): void {
  const run = program.commands.find((c) => c.name() === 'run') ?? program.command('run').description('start a workflow run now');
  run
    .command('transform')
    .description('transform one UTC day: RAW -> SILVER -> GOLD + data-quality checks on a run branch, merged into main when every blocking check passes')
    .requiredOption('--day <YYYY-MM-DD>', 'the UTC day to transform')
    .option('--env <env>', `environment (${ENVIRONMENTS.join(', ')}); default FLOE_ENV`)
    .option('--force', 'rebuild even when the day is published and no RAW arrived since')
    .option('--wait', 'wait for the run, printing progress, then print its summary (exit 1 when it failed)')
    .action(async (opts: { day: string; env?: string; force?: boolean; wait?: boolean }) => {
      const config = configFor(opts.env);
      const day = await dayArg('--day', opts.day);
      const { lake, settings } = await lakeOf(config);
      const { rawFilesOfDay } = await import('../../transform/branches.js');
      if ((await rawFilesOfDay(lake, settings, day, settings.mainBranch)) === 0) {
        throw new UsageError(`--day ${day.iso}: no RAW data for that day in ${settings.namespaces.raw}.telemetry on ${settings.mainBranch}; nothing to transform`);
      }
      const { startTransform, waitTransform } = await import('../../workers/transformClient.js');
      const { handle, runId, client } = await startTransform(config, { env: config.env, day: day.iso, ...(opts.force ? { force: true } : {}) });
      const ui = `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${handle.workflowId}/${runId}`;
      process.stdout.write(JSON.stringify({ workflowId: handle.workflowId, runId, ui }) + '\n');
      try {
        if (!opts.wait) return;
        let last = '';
        const out = await waitTransform(client, handle.workflowId, runId, (p) => {
          const line = `${p.step}${p.branch ? ` on ${p.branch}` : ''}${p.rawRows !== undefined ? `, RAW ${p.rawRows} rows` : ''}${p.silverRows !== undefined ? `, SILVER ${p.silverRows}` : ''}`;
          if (line !== last) process.stderr.write(`${line}\n`);
          last = line;
        });
        if (out.result) process.stdout.write(JSON.stringify(out.result) + '\n');
        if (out.ok) {
          const r = out.result;
          process.stderr.write(r.outcome === 'up_to_date'
            ? `${r.day} is up to date (built from RAW snapshot ${r.rawSnapshotId}); --force rebuilds it\n`
            : `published ${r.day}: RAW ${r.counts.rawRows} -> SILVER ${r.counts.silverRows} rows (dropped ${JSON.stringify(r.counts.dropped)}), ${r.checks.total} checks, ${r.checks.failed.length} warnings; main at ${r.mainHash}\n`);
        } else {
          process.stderr.write(`floe: transform ${day.iso} failed: ${out.message}\n`);
          process.exitCode = 1;
        }
      } finally {
        await client.connection.close();
      }
    });
}

function registerDq(program: Command): void {
  const dq = program.command('dq').description('data-quality results of transform runs');
  dq.command('results')
    .description('list check results (dq.check_results) on main, or on a run branch')
    .option('--day <YYYY-MM-DD>', 'only this day')
    .option('--failed', 'only checks that did not pass')
    .option('--all-runs', 'every run of the day, not just the latest')
    .option('--branch <name>', 'read a run branch (a failed run keeps its results there)')
    .option('--json', 'print JSON')
    .action(async (opts: { day?: string; failed?: boolean; allRuns?: boolean; branch?: string; json?: boolean }) => {
      const day = opts.day === undefined ? undefined : await dayArg('--day', opts.day);
      const { lake, settings } = await lakeOf(loadConfig());
      const { readCheckResults } = await import('../../transform/results.js');
      const { NotFoundError } = await import('../../lake/index.js');
      const rows = await readCheckResults(lake, settings, { ...(opts.branch ? { ref: opts.branch } : {}), ...(day ? { day } : {}), failedOnly: opts.failed ?? false, latestRunOnly: !opts.allRuns }).catch((e: unknown) => {
        if (e instanceof NotFoundError) throw new UsageError(`no check results: ${e.message} (no transform has run${opts.branch ? ` or branch ${opts.branch} does not exist` : ''})`);
        throw e;
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (!rows.length) {
        process.stdout.write('no check results\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.day}  ${r.passed ? 'PASS' : 'FAIL'}  ${r.severity.padEnd(5)}  ${r.table_name.padEnd(30)} ${r.check_name.padEnd(34)} observed ${String(r.observed).padStart(8)}  ${r.threshold.padEnd(6)}  ${r.branch}  ${r.detail ?? ''}\n`);
      }
    });
}

function registerBranches(program: Command): void {
  const branches = program.command('branches').description('transform run branches in Nessie: list, show, drop');
  const list = async (): Promise<void> => {
    const { lake } = await lakeOf(loadConfig());
    const { listRunBranches } = await import('../../transform/branches.js');
    const all = await listRunBranches(lake);
    if (!all.length) process.stdout.write('no run branches\n');
    for (const b of all) process.stdout.write(`${b.name}  ${b.hash}\n`);
  };
  branches.action(list);
  branches.command('list').description('list run branches (a failed run keeps its branch)').action(list);
  branches
    .command('show')
    .argument('<name>', 'run branch')
    .description('what a run branch holds: each table\'s snapshot there and whether it differs from main')
    .action(async (name: string) => {
      const { lake, settings } = await lakeOf(loadConfig());
      const { showRunBranch } = await import('../../transform/branches.js');
      const { NotFoundError } = await import('../../lake/index.js');
      try {
        process.stdout.write(JSON.stringify(await showRunBranch(lake, settings, name), null, 2) + '\n');
      } catch (e) {
        if (e instanceof NotFoundError) throw new UsageError(`no branch named ${JSON.stringify(name)} (floe branches list shows them)`);
        throw e;
      }
    });
  branches
    .command('drop')
    .argument('<name>', 'run branch')
    .description('delete a run branch (main is not touched)')
    .action(async (name: string) => {
      const { lake } = await lakeOf(loadConfig());
      const { dropRunBranch } = await import('../../transform/branches.js');
      const { NotFoundError } = await import('../../lake/index.js');
      const { TransformError } = await import('../../transform/context.js');
      try {
        await dropRunBranch(lake, name);
      } catch (e) {
        if (e instanceof NotFoundError) throw new UsageError(`no branch named ${JSON.stringify(name)} (floe branches list shows them)`);
        if (e instanceof TransformError) throw new UsageError(e.message);
        throw e;
      }
      process.stdout.write(`dropped ${name}\n`);
    });
}

export function registerTransform(program: Command): void {
  registerRunTransform(program);
  registerDq(program);
  registerBranches(program);
}
