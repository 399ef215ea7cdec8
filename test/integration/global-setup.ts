// Starts the local stack for the integration tests when it is not running, and reuses it when
// it is (the stack is idempotent and outlives the test run, so a second run starts warm). The
// Kafka topics the tests create are deleted afterwards: the stack's state directory outlives
// every run, and a few hundred test topics a run would fill the disk over many runs.
import { loadConfig } from '../../deploy/config.js';
import { up } from '../../deploy/stack/index.js';
import { deleteTopics } from '../../simulator/kafka.js';
import { terminateOrphanTestWorkflows } from './orphans.js';

/** Names the integration tests give their topics (harness.ts, produce.test.ts, kafkaReader.test.ts, kafka.test.ts). */
export const TEST_TOPICS = /^(floe_t_|floe_r_|floe_test_|floe-test-|smoke-)/;

export default async function setup(): Promise<() => Promise<void>> {
  const c = loadConfig();
  const results = await up(c, { log: (l) => process.stderr.write(l + '\n') });
  process.stderr.write(`floe test stack: ${results.map((r) => `${r.service} ${r.state}`).join(', ')}\n`);
  // Several checkouts sharing one stack run their tests at once only with FLOE_TEST_KEEP_TOPICS=1;
  // then another run's workflows are live, not orphans.
  if (process.env.FLOE_TEST_KEEP_TOPICS !== '1') {
    const orphans = await terminateOrphanTestWorkflows(c);
    if (orphans.length > 0) process.stderr.write(`floe test stack: terminated ${orphans.length} workflows an interrupted run left running: ${orphans.join(', ')}\n`);
  }
  return async () => {
    // Several checkouts can share one stack (parallel work trees): such a run keeps the topics
    // so it never deletes another run's topics while that run still reads them.
    if (process.env.FLOE_TEST_KEEP_TOPICS === '1') return;
    const deleted = await deleteTopics(c.kafka.brokers, TEST_TOPICS);
    process.stderr.write(`floe test stack: deleted ${deleted.length} test topics\n`);
  };
}
