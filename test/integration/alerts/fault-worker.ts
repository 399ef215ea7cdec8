// The floe worker with the alerts fault hook of faults-hook.ts: what the alerts fault tests spawn
// and kill. Run as `node --import tsx test/integration/alerts/fault-worker.ts`.
import { runWorker } from '../../../workers/main.js';
import { alertFaultHookFromEnv } from './faults-hook.js';

await runWorker({ alertFault: alertFaultHookFromEnv() });
