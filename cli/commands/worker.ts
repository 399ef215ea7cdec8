import type { Command } from 'commander';
import { loadConfig } from '../../deploy/config.js';
import { UsageError } from '../usage.js';

const QUEUES = ['ingest', 'transform'] as const;

function queuesArg(v: string | undefined): (typeof QUEUES)[number][] | undefined {
  if (v === undefined) return undefined;
  const qs = v.split(',').map((q) => q.trim());
  const bad = qs.filter((q) => !(QUEUES as readonly string[]).includes(q));
  if (bad.length || qs.length === 0) throw new UsageError(`--queues must list ${QUEUES.join(', ')} (comma-separated), got ${JSON.stringify(v)}`);
  return [...new Set(qs)] as (typeof QUEUES)[number][];
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the floe Temporal worker on the ingest and transform task queues (--queues picks), with Prometheus /metrics, until SIGINT/SIGTERM')
    .option('--build-bundle', 'only build (or reuse) the cached workflow bundle, print its path and exit')
    .option('--queues <list>', 'task queues to serve: ingest, transform (default both; FLOE_INGEST_TASK_QUEUE, FLOE_TRANSFORM_TASK_QUEUE)')
    .option('--metrics-port <port>', 'Prometheus /metrics port, 0 for none (default FLOE_METRICS_PORT)')
    .action(async (opts: { buildBundle?: boolean; queues?: string; metricsPort?: string }) => {
      const queues = queuesArg(opts.queues);
      if (opts.metricsPort !== undefined && !/^\d+$/.test(opts.metricsPort)) throw new UsageError(`--metrics-port must be a port number (0 for none), got ${JSON.stringify(opts.metricsPort)}`);
      const config = loadConfig(opts.metricsPort !== undefined ? { ...process.env, FLOE_METRICS_PORT: opts.metricsPort } : process.env);
      if (opts.buildBundle) {
        const { loadWorkflowBundle } = await import('../../workers/bundle.js');
        const b = await loadWorkflowBundle(config.cacheDir);
        process.stdout.write(`${b.path}${b.cached ? ' (cached)' : ' (built)'}\n`);
        return;
      }
      const { runWorker } = await import('../../workers/main.js');
      try {
        await runWorker({ config, queues });
      } catch (err) {
        // A forced shutdown (work still running after the force time) or a failed worker: exit
        // now, whatever sockets the abandoned work still holds.
        process.stderr.write(`floe: worker stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      }
      // Drained and closed: exit now rather than wait on idle keep-alive sockets or timers.
      process.exit(0);
    });
}
