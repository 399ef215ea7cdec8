// Records the pipeline's transform metrics from the workflow side, for every `transform` run on a
// worker whatever started it (schedule, backfill, by hand): duration and outcome, rows written per
// layer, failed data-quality checks. The workflow metric meter emits only outside replay, so a
// run replayed on another worker is not counted twice. Registered in the bundle (workers/bundle.ts).
import { metricMeter, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

interface CheckLike {
  check?: string;
  /** The model the check is declared on, `layer.table`. */
  table?: string;
}

/** The parts of a transform result (issue #15) these metrics read; anything missing is skipped. */
interface TransformResultLike {
  outcome?: string;
  counts?: { rawRows?: number; silverRows?: number; gold?: Record<string, number> };
  failedChecks?: CheckLike[];
}

export function recordTransformMetrics(result: TransformResultLike | undefined, outcome: string, seconds: number, env: string): void {
  metricMeter.createHistogram('floe_transform_duration', 'float', 's', 'transform run duration, by outcome').withTags({ env, outcome }).record(seconds);
  metricMeter.createCounter('floe_transform_runs', '1', 'transform runs finished, by outcome').withTags({ env, outcome }).add(1);
  const rows = metricMeter.createCounter('floe_layer_rows', '1', 'rows written per layer and table');
  if (result?.counts?.silverRows) rows.withTags({ env, layer: 'silver', table: 'telemetry' }).add(result.counts.silverRows);
  for (const [table, n] of Object.entries(result?.counts?.gold ?? {})) if (n > 0) rows.withTags({ env, layer: 'gold', table }).add(n);
  const dq = metricMeter.createCounter('floe_dq_failures', '1', 'data-quality checks that failed, by check and table');
  for (const c of result?.failedChecks ?? []) dq.withTags({ env, check: c.check ?? 'unknown', table: c.table ?? 'unknown' }).add(1);
}

/** A failure's details may carry the transform result (its failed checks). */
function resultOfFailure(err: unknown): TransformResultLike | undefined {
  const details = (err as { details?: unknown[] } | undefined)?.details;
  const first = Array.isArray(details) ? details[0] : undefined;
  return first && typeof first === 'object' ? (first as TransformResultLike) : undefined;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        if (workflowInfo().workflowType !== 'transform') return next(input);
        const started = Date.now();
        const env = String((input.args[0] as { env?: unknown } | undefined)?.env ?? 'unknown');
        try {
          const result = (await next(input)) as TransformResultLike;
          recordTransformMetrics(result, result?.outcome ?? 'completed', (Date.now() - started) / 1000, env);
          return result;
        } catch (err) {
          recordTransformMetrics(resultOfFailure(err), 'failed', (Date.now() - started) / 1000, env);
          throw err;
        }
      },
    },
  ],
});
