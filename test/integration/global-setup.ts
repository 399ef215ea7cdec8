// Starts the local stack for the integration tests when it is not running, and reuses it when
// it is (the stack is idempotent and outlives the test run, so a second run starts warm).
import { loadConfig } from '../../deploy/config.js';
import { up } from '../../deploy/stack/index.js';

export default async function setup(): Promise<void> {
  const c = loadConfig();
  const results = await up(c, { log: (l) => process.stderr.write(l + '\n') });
  process.stderr.write(`floe test stack: ${results.map((r) => `${r.service} ${r.state}`).join(', ')}\n`);
}
