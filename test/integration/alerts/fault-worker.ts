// The floe worker with the alerts fault hook of faults-hook.ts: what the alerts fault tests spawn
// and kill. Run as `node --import tsx test/integration/alerts/fault-worker.ts`. Exits as `floe
// worker` does once drained: idle keep-alive sockets and timers must not keep it alive.
import { runWorker } from '../../../workers/main.js';
import { alertFaultHookFromEnv } from './faults-hook.js';

try {
  await runWorker({ alertFault: alertFaultHookFromEnv() });
} catch (err) {
  process.stderr.write(`alerts fault worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
process.exit(0);
