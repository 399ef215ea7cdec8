// Fault injection for the alerts fault tests: FLOE_ALERTS_FAULT=<point> makes the worker process
// exit abruptly (as a kill would) right after that point; FLOE_ALERTS_FAULT_MARKER names a file
// created just before, and while it exists the fault does not fire again (as ingest/faults.ts).
// Never set in normal operation.
import { existsSync, writeFileSync } from 'node:fs';

/** after-commit: an evaluation committed events, before the activity returns; after-produce: events produced to Kafka, likewise. */
export const ALERT_FAULT_POINTS = ['after-commit', 'after-produce'] as const;
export type AlertFaultPoint = (typeof ALERT_FAULT_POINTS)[number];
export type AlertFaultHook = (at: AlertFaultPoint, detail: string) => void;

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
