// The floe worker with the fault hook of faults-hook.ts: what the fault tests spawn and kill.
// Run as `node --import tsx test/integration/ingest/fault-worker.ts`. Exits as `floe worker`
// does once drained: idle keep-alive sockets and timers must not keep a stopped worker alive.
import { runWorker } from '../../../workers/main.js';
import { faultHookFromEnv } from './faults-hook.js';

try {
  await runWorker({ fault: faultHookFromEnv() });
} catch (err) {
  process.stderr.write(`fault worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
process.exit(0);
