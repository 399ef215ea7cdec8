// Fault injection for the fault tests, in the worker that test/integration/ingest/fault-worker.ts
// runs (the production worker has no such hook): FLOE_INGEST_FAULT=<point> makes the worker
// process exit abruptly (as a kill would) when a batch reaches that point.
// FLOE_INGEST_FAULT_MARKER names a file created just before exiting; while it exists the fault
// does not fire again, so a restarted worker with the same environment gets past the point.
import { existsSync, writeFileSync } from 'node:fs';
import type { FaultHook, FaultPoint } from '../../../ingest/batch.js';

export const FAULT_POINTS: readonly FaultPoint[] = ['before-upload', 'after-upload', 'after-commit'];

export function faultHookFromEnv(env: NodeJS.ProcessEnv = process.env): FaultHook | undefined {
  const point = env.FLOE_INGEST_FAULT;
  if (!point) return undefined;
  if (!(FAULT_POINTS as readonly string[]).includes(point)) {
    throw new Error(`FLOE_INGEST_FAULT=${JSON.stringify(point)} is not a fault point; use one of ${FAULT_POINTS.join(', ')}`);
  }
  const marker = env.FLOE_INGEST_FAULT_MARKER;
  return (at, batchId) => {
    if (at !== point) return;
    if (marker && existsSync(marker)) return;
    if (marker) writeFileSync(marker, `${at} ${batchId} ${new Date().toISOString()}\n`);
    process.stderr.write(`floe: injected fault at ${at} of batch ${batchId}: exiting\n`);
    process.exit(86);
  };
}
