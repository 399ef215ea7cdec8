import type { Command } from 'commander';
import { ENVIRONMENTS, loadConfig, type Environment } from '../../deploy/config.js';
import { UsageError } from '../usage.js';

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

interface RunIngestOptions {
  env?: string;
  wait?: boolean;
  topic?: string;
  maxRecords?: string;
  maxBytes?: string;
}

export function registerRun(program: Command): void {
  const run = program.command('run').description('start a workflow run now');
  run
    .command('ingest')
    .description('start (or join) the ingest run of a topic: Kafka -> RAW + DLQ, exactly once, until caught up')
    .option('--env <env>', `environment (${ENVIRONMENTS.join(', ')}); default FLOE_ENV`)
    .option('--topic <topic>', 'Kafka topic (default: the telemetry topic of the config)')
    .option('--max-records <n>', 'most messages per batch (default FLOE_INGEST_MAX_RECORDS)')
    .option('--max-bytes <n>', 'most message bytes per batch (default FLOE_INGEST_MAX_BYTES)')
    .option('--wait', 'wait for the run to catch up, printing progress, then print its result')
    .action(async (opts: RunIngestOptions) => {
      if (opts.env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(opts.env)) {
        throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, got ${JSON.stringify(opts.env)}`);
      }
      const maxRecords = positive('--max-records', opts.maxRecords);
      const maxBytes = positive('--max-bytes', opts.maxBytes);
      const config = loadConfig(opts.env ? { ...process.env, FLOE_ENV: opts.env as Environment } : process.env);
      const { startIngest } = await import('../../workers/client.js');
      const { handle, runId, client } = await startIngest(config, { topic: opts.topic, maxRecords, maxBytes });
      process.stdout.write(
        JSON.stringify({ workflowId: handle.workflowId, runId, ui: `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${handle.workflowId}` }) + '\n',
      );
      if (!opts.wait) {
        await client.connection.close();
        return;
      }
      const { waitIngest } = await import('../../workers/client.js');
      try {
        const result = await waitIngest(client, handle.workflowId, (p) => process.stderr.write(`lag ${p.lag}, batches ${p.totals.batches}, rows ${p.totals.rows}, rejects ${p.totals.rejects}\n`));
        process.stdout.write(JSON.stringify(result) + '\n');
      } catch (err) {
        // Name the root cause (e.g. a missing topic) rather than the workflow wrapper.
        let cause: unknown = err;
        while (cause instanceof Error && cause.cause) cause = cause.cause;
        process.stderr.write(`floe: ingest run ${handle.workflowId} failed: ${cause instanceof Error ? cause.message : String(cause)}\n`);
        process.exitCode = 1;
      } finally {
        await client.connection.close();
      }
    });

  run
    .command('alerts')
    .description('start (or join) the threshold-alerts run of the RAW table: evaluates each new RAW batch, publishes to Kafka and the webhook; runs until cancelled')
    .option('--env <env>', `environment (${ENVIRONMENTS.join(', ')}); default FLOE_ENV`)
    .option('--from-beginning', 'on its first start, evaluate RAW from its first snapshot (default: from the current one on)')
    .action(async (opts: { env?: string; fromBeginning?: boolean }) => {
      if (opts.env !== undefined && !(ENVIRONMENTS as readonly string[]).includes(opts.env)) {
        throw new UsageError(`--env must be one of ${ENVIRONMENTS.join(', ')}, got ${JSON.stringify(opts.env)}`);
      }
      const config = loadConfig(opts.env ? { ...process.env, FLOE_ENV: opts.env as Environment } : process.env);
      const { startAlerts } = await import('../../alerts/client.js');
      const { handle, client, ui } = await startAlerts(config, { startFrom: opts.fromBeginning ? 'beginning' : 'latest' });
      process.stdout.write(JSON.stringify({ workflowId: handle.workflowId, ui }) + '\n');
      await client.connection.close();
    });
}
