// Records alerts workflow histories (scripted activities, test/integration/alerts/scripted.ts)
// from the local stack into fixtures/, for the replay test. Run when the workflow changes on
// purpose: node --import tsx test/replay/record-alerts-history.ts
// A low continue-as-new threshold makes the chain show continue-as-new with webhook deliveries
// carried over; the last run is terminated (the workflow never ends on its own).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../deploy/config.js';
import { loadWorkflowBundle } from '../../workers/bundle.js';
import { connectClient } from '../../workers/client.js';
import { uniqueName } from '../integration/ingest/helpers.js';
import { scriptedAlertActivities } from '../integration/alerts/scripted.js';

const config = loadConfig();
const taskQueue = uniqueName('floe-test-alerts-replay');
const s = scriptedAlertActivities();
const connection = await NativeConnection.connect({ address: config.temporal.address });
const bundle = await loadWorkflowBundle(config.cacheDir);
const worker = await Worker.create({ connection, namespace: config.temporal.namespace, taskQueue, workflowBundle: { code: bundle.code }, activities: s.activities });
const running = worker.run();
const client = await connectClient(config);
const workflowId = `floe-alerts-replay-${taskQueue}`;
try {
  await client.workflow.start('alerts', { workflowId, taskQueue, args: [{ env: 'dev', rawTable: 'x.telemetry', waitMs: 100, publishLimit: 3, maxHistoryEvents: 40 }] });
  while (s.delivered.length < 11) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  await client.workflow.getHandle(workflowId).terminate('recorded');
  const runs = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(run);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  let i = 0;
  for (const run of runs) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    const out = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', `alerts-history-${i++}.binpb`);
    writeFileSync(out, proto.temporal.api.history.v1.History.encode(history).finish());
    process.stdout.write(`wrote ${out} (${history.events?.length ?? 0} events, run ${run.runId})\n`);
  }
} finally {
  worker.shutdown();
  await running;
  await connection.close();
  await client.connection.close();
}
