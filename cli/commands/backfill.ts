// `floe backfill --from D1 --to D2 ...` and `floe backfill status | cancel | retry-failed <id>`.
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { FloeConfig } from '../../deploy/config.js';
import type { BackfillProgress } from '../../workflows/backfill/backfill.js';
import { UsageError } from '../usage.js';
import { configFor, dayArg, intArg, uiLink } from './opsArgs.js';

interface BackfillOpts {
  from?: string;
  to?: string;
  layers?: string;
  concurrency?: string;
  env?: string;
  force?: boolean;
  detach?: boolean;
}

async function connect(config: FloeConfig): Promise<Client> {
  const { connectClient } = await import('../../workers/client.js');
  return connectClient(config);
}

/** The backfill's state, or a usage error for an id that is not a backfill. */
async function stateOf(client: Client, id: string) {
  const { backfillState, BackfillRequestError } = await import('../../workers/backfillClient.js');
  const { WorkflowNotFoundError } = await import('@temporalio/client');
  try {
    return await backfillState(client, id);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no backfill with id ${JSON.stringify(id)} (\`floe status\` lists running backfills)`);
    if (err instanceof BackfillRequestError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Shows live progress until the backfill finishes (exit 1 if days failed) or Ctrl-C, which only
 * stops watching: the backfill runs on in Temporal and `floe backfill status <id>` re-attaches.
 */
async function watch(client: Client, id: string): Promise<void> {
  const { renderProgress } = await import('../../workers/backfillClient.js');
  const tty = process.stderr.isTTY;
  let left = false;
  const leave = (): void => {
    left = true;
  };
  process.once('SIGINT', leave);
  let lastLine = '';
  let lastPrinted = 0;
  let last: BackfillProgress | undefined;
  let status = 'RUNNING';
  try {
    while (!left) {
      const s = await stateOf(client, id);
      status = s.status;
      if (s.progress) {
        last = s.progress;
        const line = renderProgress(s.progress, Date.now());
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (line.replace(/\|[^|]*$/, '') !== lastLine.replace(/\|[^|]*$/, '') || Date.now() - lastPrinted > 10_000) {
          process.stderr.write(`${line}\n`);
          lastPrinted = Date.now();
        }
        lastLine = line;
      }
      if (status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    process.off('SIGINT', leave);
    if (tty && lastLine) process.stderr.write('\n');
  }
  if (left) {
    process.stdout.write(`left backfill ${id} running; \`floe backfill status ${id}\` re-attaches\n`);
    return;
  }
  const failed = last?.days.filter((d) => d.status === 'failed') ?? [];
  for (const d of failed) process.stdout.write(`failed ${d.day} (${d.workflowId}): ${d.error ?? ''}\n`);
  process.stdout.write(`backfill ${id}: ${status.toLowerCase()}${last ? `, done ${last.counts.done}, skipped ${last.counts.skipped}, failed ${last.counts.failed}` : ''}\n`);
  if (failed.length) process.stdout.write(`rerun the failed days: floe backfill retry-failed ${id}\n`);
  if (status !== 'COMPLETED' || failed.length) process.exitCode = 1;
}

export function registerBackfill(program: Command): void {
  // Positional options all the way down (floe has no global options it would lose).
  program.enablePositionalOptions();
  const backfill = program
    .command('backfill')
    // `floe backfill retry-failed <id> --detach`: options after a subcommand are the subcommand's.
    .enablePositionalOptions()
    .description('transform a range of days in one durable workflow, a child run per day (skips published days unless --force); shows live progress')
    .option('--from <day>', 'first day, YYYY-MM-DD (UTC)')
    .option('--to <day>', 'last day, YYYY-MM-DD (UTC), included')
    .option('--layers <list>', 'layers to build, comma-separated: silver,gold (default both)')
    .option('--concurrency <n>', 'days transformed at once, 1 to 16 (default 2)')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .option('--force', 'rerun days that were published before')
    .option('--detach', 'start it and return, without the progress bar')
    .action(async (opts: BackfillOpts) => {
      if (!opts.from || !opts.to) throw new UsageError('floe backfill needs --from and --to (YYYY-MM-DD)');
      const from = dayArg('--from', opts.from);
      const to = dayArg('--to', opts.to);
      const concurrency = intArg('--concurrency', opts.concurrency, 1, 16);
      const config = configFor(opts.env);
      const { backfillInput, startBackfill, BackfillRequestError } = await import('../../workers/backfillClient.js');
      let input;
      try {
        input = backfillInput(config.env, { from, to, concurrency, force: opts.force, layers: opts.layers?.split(',').map((l) => l.trim()) }, Date.now());
      } catch (err) {
        if (err instanceof BackfillRequestError) throw new UsageError(err.message);
        throw err;
      }
      const client = await connect(config);
      try {
        const { workflowId, started } = await startBackfill(client, config, input);
        process.stdout.write(`${started ? 'started' : 'attached to the running'} backfill ${workflowId}: ${input.days.length} days, ${input.concurrency} at once\n${uiLink(config, workflowId)}\n`);
        if (!opts.detach) await watch(client, workflowId);
      } finally {
        await client.connection.close();
      }
    });
  backfill
    .command('status <id>')
    .description('the backfill\'s days; re-attaches the live progress while it runs')
    .option('--json', 'print its state as JSON and return')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .action(async (id: string, opts: { json?: boolean; env?: string }) => {
      const config = configFor(opts.env);
      const client = await connect(config);
      try {
        const s = await stateOf(client, id);
        if (opts.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        else await watch(client, id);
      } finally {
        await client.connection.close();
      }
    });
  backfill
    .command('cancel <id>')
    .description('cancel a running backfill (and the day runs it started)')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .action(async (id: string, opts: { env?: string }) => {
      const config = configFor(opts.env);
      const client = await connect(config);
      try {
        const s = await stateOf(client, id);
        if (s.status !== 'RUNNING') throw new UsageError(`backfill ${id} is not running (${s.status.toLowerCase()}): nothing to cancel`);
        await client.workflow.getHandle(id).cancel();
        process.stdout.write(`cancel requested for backfill ${id}\n`);
      } finally {
        await client.connection.close();
      }
    });
  backfill
    .command('retry-failed <id>')
    .description('start a backfill of only the days that failed in backfill <id>')
    .option('--concurrency <n>', 'days at once, 1 to 16 (default: as the backfill)')
    .option('--detach', 'start it and return, without the progress bar')
    .option('--env <env>', 'environment (default FLOE_ENV)')
    .action(async (id: string, opts: { concurrency?: string; detach?: boolean; env?: string }) => {
      const concurrency = intArg('--concurrency', opts.concurrency, 1, 16);
      const config = configFor(opts.env);
      const client = await connect(config);
      try {
        const s = await stateOf(client, id);
        if (s.status === 'RUNNING') throw new UsageError(`backfill ${id} is still running: wait for it (floe backfill status ${id}) or cancel it first`);
        if (!s.progress) throw new UsageError(`backfill ${id} (${s.status.toLowerCase()}) recorded no progress to retry`);
        const failed = s.progress.days.filter((d) => d.status === 'failed' || (s.status !== 'COMPLETED' && d.status !== 'done' && d.status !== 'skipped')).map((d) => d.day);
        if (failed.length === 0) {
          process.stdout.write(`backfill ${id} has no failed days: nothing to retry\n`);
          return;
        }
        const { startBackfill } = await import('../../workers/backfillClient.js');
        // Retried as they were asked for: a forced backfill's failed days are forced again.
        const input = { env: s.progress.env, days: failed, concurrency: concurrency ?? s.progress.concurrency, retryOf: id, ...(s.progress.layers ? { layers: s.progress.layers } : {}), ...(s.progress.force ? { force: true } : {}) };
        const retryId = `${id}-retry-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
        const { workflowId } = await startBackfill(client, config, input, retryId);
        process.stdout.write(`started backfill ${workflowId}: ${failed.length} failed day(s) of ${id}: ${failed.join(', ')}\n${uiLink(config, workflowId)}\n`);
        if (!opts.detach) await watch(client, workflowId);
      } finally {
        await client.connection.close();
      }
    });
}
