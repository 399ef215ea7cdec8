import type { Suite } from './figure.js';

/**
 * Every benchmark suite, by the name `npm run bench <name>` takes. Each suite module exports a
 * Suite; import it lazily so one suite's dependencies don't slow the others.
 */
export const suites: Record<string, Suite> = {
  alerts: async () => (await import('./alerts.js')).default(),
  dashboard: async () => (await import('./dashboard.js')).default(),
  ingest: async () => (await import('./ingest.js')).default(),
  lake: async () => (await import('./lake.js')).default(),
  simulator: async () => (await import('./simulator.js')).default(),
  transform: async () => (await import('./transform.js')).default(),
};
