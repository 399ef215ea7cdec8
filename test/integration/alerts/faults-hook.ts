// Fault injection for the alerts fault tests, in the worker that fault-worker.ts runs (the
// production worker has no such hook): FLOE_ALERTS_FAULT=<point> makes the worker process exit
// abruptly (as a kill would) right after that point; FLOE_ALERTS_FAULT_MARKER names a file
// created just before, and while it exists the fault does not fire again.
import { existsSync, writeFileSync } from 'node:fs';
import { ALERT_FAULT_POINTS, type AlertFaultHook } from '../../../activities/alerts.js';

export function alertFaultHookFromEnv(env: NodeJS.ProcessEnv = process.env): AlertFaultHook | undefined {
  const point = env.FLOE_ALERTS_FAULT;
  if (!point) return undefined;
  if (!(ALERT_FAULT_POINTS as readonly string[]).includes(point)) {
    throw new Error(`FLOE_ALERTS_FAULT=${JSON.stringify(point)} is not a fault point; use one of ${ALERT_FAULT_POINTS.join(', ')}`);
  }
  const marker = env.FLOE_ALERTS_FAULT_MARKER;
  return (at, detail) => {
    if (at !== point) return;
    if (marker && existsSync(marker)) return;
    if (marker) writeFileSync(marker, `${at} ${detail} ${new Date().toISOString()}\n`);
    process.stderr.write(`floe: injected alerts fault at ${at} (${detail}): exiting\n`);
    process.exit(86);
  };
}
