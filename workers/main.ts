// The floe worker: hosts every floe workflow (prebuilt, cached bundle) and the activities on the
// configured task queue. `floe worker` runs it; tests run it as a child process so they can kill
// it mid-batch. It registers missing search attributes first, and drains on SIGINT/SIGTERM.
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { loadConfig, type FloeConfig } from '../deploy/config.js';
import { loadWorkflowBundle } from './bundle.js';
import { ensureSearchAttributes } from './searchAttributes.js';
import { createIngestActivities } from '../activities/ingest.js';
import { WORKER_HEARTBEAT_THROTTLE } from '../activities/heartbeat.js';
import { createIngestDeps, createTransformDeps } from './deps.js';
import { createTransformActivities } from '../activities/transform.js';
import type { FaultHook } from '../ingest/batch.js';
import { instrumentIngestActivities, pipelineMetrics, portFree } from './metrics.js';
import { createAlertActivities, type AlertFaultHook } from '../activities/alerts.js';
import { createAlertDeps } from '../alerts/deps.js';

/**
 * The task queues a worker can serve: ingestion (with the alerts run, which follows RAW's
 * commits), and transforms with the operations workflows.
 */
export const WORKER_QUEUES = ['ingest', 'transform'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export interface RunWorkerOptions {
  config?: FloeConfig;
  /** Stop after this signal resolves (tests); otherwise on SIGINT/SIGTERM. */
  until?: Promise<void>;
  logLevel?: LogLevel;
  /** Queues to serve (default both). */
  queues?: WorkerQueue[];
  /** Called at each batch's fault points: the fault tests' worker exits there (test/integration/ingest/fault-worker.ts). */
  fault?: FaultHook;
  /** Called at the alert activities' fault points (test/integration/alerts/fault-worker.ts). */
  alertFault?: AlertFaultHook;
}

let runtimeInstalled = false;

function installRuntime(level: LogLevel, metricsAddress?: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // Structured logs: one JSON object per line on stderr.
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      process.stderr.write(
        JSON.stringify({ ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: entry.level, msg: entry.message, ...entry.meta }) + '\n',
      );
    }),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // Core serves /metrics: the SDK's metrics and the pipeline's (workers/metrics.ts).
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true } } } : {}),
    },
  });
}

export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  const config = opts.config ?? loadConfig();
  const queues = opts.queues ?? [...WORKER_QUEUES];
  const port = config.workers.metricsPort;
  const metricsAddress = port > 0 && (await portFree(config.host, port)) ? `${config.host}:${port}` : undefined;
  if (port > 0 && !metricsAddress) process.stderr.write(JSON.stringify({ level: 'WARN', msg: 'metrics port busy: running without /metrics', port }) + '\n');
  installRuntime(opts.logLevel ?? 'INFO', metricsAddress);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const added = await ensureSearchAttributes(connection, config.temporal.namespace);
  if (added.length > 0) process.stderr.write(JSON.stringify({ level: 'INFO', msg: 'registered search attributes', names: added }) + '\n');
  const bundle = await loadWorkflowBundle(config.cacheDir);
  const deps = await createIngestDeps(config);
  const transformDeps = createTransformDeps(config);
  const alertDeps = createAlertDeps(config, opts.alertFault ? { fault: opts.alertFault } : {});
  const metrics = pipelineMetrics(Runtime.instance().metricMeter, config.env);
  const ingestActivities = instrumentIngestActivities(createIngestActivities({ ...deps, ...(opts.fault ? { fault: opts.fault } : {}) }), metrics);
  const perQueue = {
    ingest: { taskQueue: config.workers.ingestTaskQueue, activities: { ...ingestActivities, ...createAlertActivities(alertDeps) }, maxActivities: config.workers.ingestMaxActivities },
    transform: { taskQueue: config.workers.transformTaskQueue, activities: createTransformActivities(transformDeps), maxActivities: config.workers.transformMaxActivities },
  };
  const workers = await Promise.all(queues.map((q) => Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: perQueue[q].taskQueue,
    workflowBundle: { code: bundle.code },
    activities: perQueue[q].activities,
    maxConcurrentActivityTaskExecutions: perQueue[q].maxActivities,
    maxConcurrentWorkflowTaskExecutions: config.workers.maxWorkflowTasks,
    // Heartbeats go out at most this long apart (the SDK's default waits up to 80% of the timeout).
    maxHeartbeatThrottleInterval: WORKER_HEARTBEAT_THROTTLE,
    // On SIGTERM running batches get this long to finish, then they are cancelled (a batch
    // stops at its next fetch round, before its commit, or while waiting for the batch before
    // it); a batch stopped before its commit is retried elsewhere and commits exactly once.
    shutdownGraceTime: '10s',
    // And shutdown never hangs: past this the worker gives up on in-flight work and exits.
    shutdownForceTime: '60s',
  })));
  const stop = (): void => workers.forEach((w) => w.shutdown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  void opts.until?.then(stop);
  process.stderr.write(
    JSON.stringify({ level: 'INFO', msg: 'worker started', taskQueues: queues.map((q) => perQueue[q].taskQueue), metrics: metricsAddress ? `http://${metricsAddress}/metrics` : null, namespace: config.temporal.namespace, bundle: bundle.path, bundleCached: bundle.cached, pid: process.pid }) + '\n',
  );
  try {
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // Closing is bounded too: a connection that never settles must not keep the worker alive.
    const bounded = (p: Promise<void>): Promise<void> => Promise.race([p, new Promise<void>((r) => setTimeout(r, 10_000).unref())]);
    await bounded(deps.close());
    await bounded(transformDeps.close());
    await bounded(alertDeps.close());
    await bounded(connection.close());
  }
}
