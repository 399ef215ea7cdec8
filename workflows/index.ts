// Every workflow the floe worker hosts. The worker bundles this file (bundleWorkflowCode).
export { ingest } from './ingest/ingest.js';
export { transform } from './transform/transform.js';
export { scheduledIngest, scheduledTransform } from './schedules/scheduled.js';
export { backfill } from './backfill/backfill.js';
export { alerts } from './alerts/alerts.js';
