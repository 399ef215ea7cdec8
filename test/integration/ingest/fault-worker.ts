// The floe worker with the fault hook of faults-hook.ts: what the fault tests spawn and kill.
// Run as `node --import tsx test/integration/ingest/fault-worker.ts`.
import { runWorker } from '../../../workers/main.js';
import { faultHookFromEnv } from './faults-hook.js';

await runWorker({ fault: faultHookFromEnv() });
