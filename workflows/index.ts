// Every workflow the floe worker hosts. The worker bundles this file (bundleWorkflowCode).
export { ingest } from './ingest/ingest.js';
export { alerts } from './alerts/alerts.js';
